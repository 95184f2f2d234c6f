// The revision page follows its build and validation (status.json through web/poll.js, every
// 2 s): it updates the badges and explanations, and reloads once the revision is done (to show
// its logs).
(function () {
  "use strict";
  const box = document.getElementById("revision-status");
  if (!box || box.dataset.done === "true") return;
  const live = document.getElementById("revision-live");

  function update(step) {
    const item = box.querySelector(`[data-step="${step.key}"]`);
    if (!item) return;
    const badge = item.querySelector('[data-role="badge"]');
    badge.textContent = step.label;
    badge.className = `badge ${step.state.split("_").pop().toLowerCase()}`;
    item.querySelector('[data-role="explanation"]').textContent = step.explanation;
  }

  if (live) live.hidden = false;
  window.ArenaPoll.start({
    url: box.dataset.url,
    every: 2000,
    update: (data) => data.steps.forEach(update),
    finished: (data) => data.done,
    onFinish: () => window.location.reload(),
  });
})();
