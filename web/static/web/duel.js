// The duel page's progress bar: follows the duel while it runs (web/poll.js) and reloads when
// it ends, so the page then shows the result, the matches and the logs.
(function () {
  "use strict";
  const box = document.getElementById("duel-progress");
  if (!box || box.dataset.state !== "RUNNING") return;
  const text = document.getElementById("duel-progress-text");
  const bar = document.getElementById("duel-progress-bar");
  window.ArenaPoll.start({
    url: box.dataset.url,
    every: 2000,
    update(data) {
      text.textContent = `${data.matches_done} of ${data.num_matches} matches played`;
      bar.max = data.num_matches || 1;
      bar.value = data.matches_done;
    },
    finished: (data) => data.state !== "RUNNING",
    onFinish: () => window.location.reload(),
  });
})();
