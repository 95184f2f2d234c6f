// The game page's progress bar: polls the latest edition while it runs, reloads when it ends
// (so the leaderboard shows the final ranking).
(function () {
  const box = document.getElementById("progress");
  if (!box || box.dataset.state !== "RUNNING") return;
  const text = document.getElementById("progress-text");
  const bar = document.getElementById("progress-bar");
  async function poll() {
    try {
      const response = await fetch(box.dataset.url, { headers: { Accept: "application/json" } });
      const data = await response.json();
      text.textContent = `${data.duels_done} of ${data.duels_total} duels played`;
      bar.max = data.duels_total || 1;
      bar.value = data.duels_done;
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
