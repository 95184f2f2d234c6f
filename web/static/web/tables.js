// Wide tables on a narrow screen: every .table-wrap (arena.css) scrolls sideways inside its card;
// this frames it so that a reader sees there is more: a fading right edge while columns are
// hidden to the right, a shadow on the sticky first column once scrolled, and a "scroll →" hint.
// Loaded by base.html on every page; tables filled in later by a page's script are followed.
(function () {
  "use strict";

  function update(frame, wrap) {
    var overflow = wrap.scrollWidth - wrap.clientWidth;
    frame.classList.toggle("scrolls", overflow > 1);
    frame.classList.toggle("more-right", overflow - wrap.scrollLeft > 1);
    frame.classList.toggle("more-left", wrap.scrollLeft > 1);
  }

  var framed = [];

  function frame(wrap) {
    if (wrap.dataset.framed) return;
    wrap.dataset.framed = "1";
    var box = document.createElement("div");
    box.className = "table-frame";
    wrap.parentNode.insertBefore(box, wrap);
    box.appendChild(wrap);
    var hint = document.createElement("p");
    hint.className = "scroll-hint";
    hint.setAttribute("aria-hidden", "true");
    hint.textContent = "scroll →";
    box.parentNode.insertBefore(hint, box.nextSibling);
    var refresh = function () { update(box, wrap); };
    framed.push(refresh);
    wrap.addEventListener("scroll", refresh, { passive: true });
    if (window.ResizeObserver) {
      var observer = new ResizeObserver(refresh);
      observer.observe(wrap);
      Array.prototype.forEach.call(wrap.children, function (child) { observer.observe(child); });
    } else {
      window.addEventListener("resize", refresh);
    }
    refresh();
  }

  function frameAll() {
    Array.prototype.forEach.call(document.querySelectorAll(".table-wrap"), frame);
  }

  function start() {
    frameAll();
    // Pages that draw or redraw a table after loading (polling) get it framed, and its cue
    // follows the new width (a table's content may widen without any element resizing).
    new MutationObserver(function () {
      frameAll();
      framed.forEach(function (refresh) { refresh(); });
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
