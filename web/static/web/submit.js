// The upload form: refuses a zip above the size limit before sending it (the server refuses it
// too), shows the chosen file's size, and prevents a second click while the upload runs.
(function () {
  const form = document.getElementById("upload-form");
  if (!form) return;
  const input = form.querySelector('input[type="file"]');
  const chosen = document.getElementById("zip-chosen");
  const button = document.getElementById("upload-button");
  const maxBytes = Number(form.dataset.maxBytes);

  function size(bytes) {
    if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
    if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB`;
    return `${bytes} bytes`;
  }

  input.addEventListener("change", function () {
    const file = input.files[0];
    input.setCustomValidity("");
    chosen.hidden = !file;
    if (!file) return;
    chosen.textContent = `${file.name}: ${size(file.size)}`;
    if (file.size > maxBytes) {
      const message =
        `This zip is ${size(file.size)}, more than the ${form.dataset.maxSize} allowed: ` +
        "leave training data and checkpoints the player does not need out of it.";
      input.setCustomValidity(message);
      chosen.textContent = message;
      input.reportValidity();
    }
  });

  form.addEventListener("submit", function () {
    button.disabled = true;
    button.textContent = "Uploading…";
  });
  // Back from the revision page, the button must work again.
  window.addEventListener("pageshow", function () {
    button.disabled = false;
    button.textContent = "Upload";
  });
})();
