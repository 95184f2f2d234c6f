// The revision page follows its build and validation (status.json through web/poll.js): it
// updates the badges and explanations and, for who may read it, the build log as the build
// writes it (every second while it builds, every 2 s after); it reloads once the revision is
// done (to show its validation logs and verdict).
(function () {
  "use strict";
  const box = document.getElementById("revision-status");
  if (!box || box.dataset.done === "true") return;
  const live = document.getElementById("revision-live");
  const log = document.querySelector(".build-log-body");

  function update(step) {
    const item = box.querySelector(`[data-step="${step.key}"]`);
    if (!item) return;
    const badge = item.querySelector('[data-role="badge"]');
    badge.textContent = step.label;
    badge.className = `badge ${step.state.split("_").pop().toLowerCase()}`;
    item.querySelector('[data-role="explanation"]').textContent = step.explanation;
  }

  // The log's HTML is the server's own template (escaped there); the folds a reader opened
  // stay open, and a reader at the bottom of the page stays at the bottom as lines come.
  function showLog(html) {
    if (!log || typeof html !== "string" || log.dataset.html === html) return;
    const open = new Set(
      Array.from(log.querySelectorAll("details[open][data-key]"), (d) => d.dataset.key),
    );
    const atBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
    log.innerHTML = html;
    log.dataset.html = html;
    log.querySelectorAll("details[data-key]").forEach((d) => {
      if (open.has(d.dataset.key)) d.open = true;
    });
    if (atBottom) window.scrollTo(0, document.body.scrollHeight);
  }

  if (live) live.hidden = false;
  window.ArenaPoll.start({
    url: box.dataset.url,
    delay: 500,
    every: (data) => (!data || data.image_state.endsWith("_RUNNING") || data.image_state.endsWith("_SCHEDULED") ? 1000 : 2000),
    update: (data) => {
      data.steps.forEach(update);
      showLog(data.build_log_html);
    },
    finished: (data) => data.done,
    onFinish: () => window.location.reload(),
  });
})();
