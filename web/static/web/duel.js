// The duel page's progress bar: polls the duel while it runs and reloads when it ends, so
// the page then shows the result, the matches and the logs.
(function () {
  "use strict";
  const box = document.getElementById("duel-progress");
  if (!box || box.dataset.state !== "RUNNING") return;
  const text = document.getElementById("duel-progress-text");
  const bar = document.getElementById("duel-progress-bar");
  const meter = bar.parentElement;
  async function poll() {
    try {
      const response = await fetch(box.dataset.url, { headers: { Accept: "application/json" } });
      const data = await response.json();
      text.textContent = `${data.matches_done} of ${data.num_matches} matches played`;
      bar.style.width = `${data.num_matches ? (100 * data.matches_done) / data.num_matches : 0}%`;
      meter.setAttribute("aria-valuenow", String(data.matches_done));
      if (data.state !== "RUNNING") {
        window.location.reload();
        return;
      }
    } catch (error) {
      // A failed poll is retried at the next tick.
    }
    setTimeout(poll, 2000);
  }
  setTimeout(poll, 2000);
})();
