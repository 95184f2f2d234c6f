// The duel page's progress bar: polls the duel while it runs and reloads when it ends, so
// the page then shows the result, the matches and the logs.
(function () {
  "use strict";
  const box = document.getElementById("duel-progress");
  if (!box || box.dataset.state !== "RUNNING") return;
  const text = document.getElementById("duel-progress-text");
  const bar = document.getElementById("duel-progress-bar");
  async function poll() {
    try {
      const response = await fetch(box.dataset.url, { headers: { Accept: "application/json" } });
      const data = await response.json();
      text.textContent = `${data.matches_done} of ${data.num_matches} matches played`;
      bar.max = data.num_matches || 1;
      bar.value = data.matches_done;
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
