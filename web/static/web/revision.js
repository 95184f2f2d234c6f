// The revision page follows its build and validation: polls status.json every 2 s, updates the
// badges and explanations, and reloads once the revision is done (to show its logs).
(function () {
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

  async function poll() {
    try {
      const response = await fetch(box.dataset.url, {
        headers: { Accept: "application/json" },
        cache: "no-store",
      });
      if (response.ok) {
        const data = await response.json();
        data.steps.forEach(update);
        if (data.done) {
          window.location.reload();
          return;
        }
      }
    } catch (error) {
      // The network or the server hiccuped: the next tick tries again.
    }
    setTimeout(poll, 2000);
  }

  if (live) live.hidden = false;
  setTimeout(poll, 2000);
})();
