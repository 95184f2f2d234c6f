// The game page's progress bar: follows the latest edition while it runs (web/poll.js) and
// reloads when it ends, so the leaderboard shows the final ranking.
(function () {
  "use strict";
  const box = document.getElementById("progress");
  if (!box || box.dataset.state !== "RUNNING") return;
  const text = document.getElementById("progress-text");
  const bar = document.getElementById("progress-bar");
  window.ArenaPoll.start({
    url: box.dataset.url,
    every: 2000,
    update(data) {
      text.textContent = `${data.duels_done} of ${data.duels_total} duels played`;
      bar.max = data.duels_total || 1;
      bar.value = data.duels_done;
    },
    finished: (data) => data.state !== "RUNNING",
    onFinish: () => window.location.reload(),
  });
})();
