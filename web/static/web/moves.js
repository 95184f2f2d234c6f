// Moves in words on the replay and live pages, in the game's own words: its renderer
// (window.ArenaRender[slug], loaded before this file) may give render.notation(state, action)
// ("b2", "column 4", "places piece 7 (...) on c3 and gives piece 12"), render.marks (the
// first and second mover's marks as its captions name them, "Red", "Yellow"), render.mark(i)
// (mark i drawn as a small SVG) and render.notationHelp. A game without them still reads:
// "Player 1 played action 3". The replay page's words come from the server
// (environments/notation.py says the same); the live page makes them here.
(function () {
  "use strict";

  function renderer(slug) {
    var render = window.ArenaRender && window.ArenaRender[slug];
    return typeof render === "function" ? render : null;
  }

  function marks(render) {
    return render && Array.isArray(render.marks) && render.marks.length === 2 ? render.marks : null;
  }

  // "Red: column 4", "Player 2 places piece 7 ...", "Player 1 played action 3". `mover` is 0
  // for the first mover of the match, 1 for the second, null if unknown; `before` may be null
  // (a page joined in the middle of a match), then the game's notation cannot be asked.
  function words(render, before, action, side, mover) {
    var text = "played action " + action;
    if (render && typeof render.notation === "function" && before) {
      try { text = render.notation(before, action); } catch (error) { /* keep the action number */ }
    }
    var names = marks(render);
    return names && mover !== null ? names[mover] + ": " + text : "Player " + side + " " + text;
  }

  // Put the renderer's own drawing of each mark into the legend's placeholders.
  function drawMarks(root, render) {
    if (!root || !render || typeof render.mark !== "function") return;
    Array.prototype.forEach.call(root.querySelectorAll(".legend-mark[data-mark]"), function (slot) {
      try { slot.replaceChildren(render.mark(parseInt(slot.getAttribute("data-mark"), 10))); } catch (error) { /* words alone */ }
    });
  }

  // The live page's legend, redrawn when a match starts (the first mover changes).
  function legend(list, render, firstSide, players) {
    var names = marks(render);
    if (!list) return;
    list.hidden = !names;
    if (!names) return;
    var items = [firstSide, 3 - firstSide].map(function (side, index) {
      var li = document.createElement("li");
      li.className = "p" + side;
      var slot = document.createElement("span");
      slot.className = "legend-mark";
      slot.setAttribute("data-mark", String(index));
      var word = document.createElement("strong");
      word.textContent = names[index];
      var when = document.createElement("span");
      when.className = "muted";
      when.textContent = index === 0 ? "moves first" : "moves second";
      li.append(slot, word, " ", when, " · player " + side + ", " + players[String(side)]);
      return li;
    });
    list.replaceChildren.apply(list, items);
    drawMarks(list, render);
  }

  function help(element, render) {
    if (!element || !render || !render.notationHelp) return;
    element.textContent = render.notationHelp;
    element.hidden = false;
  }

  window.ArenaMoves = { renderer: renderer, words: words, drawMarks: drawMarks, legend: legend, help: help };
})();
