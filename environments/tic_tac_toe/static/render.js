/* Tic-tac-toe renderer for RL Arena.
 *
 * ArenaRender["tic-tac-toe"](state, element) draws one state (the array of 10
 * numbers documented in environment.py) into `element` as an SVG 3x3 grid:
 * X for the first mover (1), O for the second (-1), the winning line
 * highlighted. Plain browser script, no dependencies; safe to load twice.
 *
 * Interactive mode, ArenaRender["tic-tac-toe"](state, element, input) with
 * input = {actions, play, hint}: each empty cell of `actions` is also a button
 * that calls input.play(cell).
 *
 * For the pages that tell a match in words: render.marks names the first and the
 * second mover's marks as drawn ("X", "O"), render.mark(i) draws mark i (0 first
 * mover) as a small SVG for a legend, render.notation(state, action) names the
 * cell played ("b2": column a-c from the left, row 1-3 from the top; the same as
 * notation.py) and render.notationHelp says so.
 */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var LINES = [[0, 1, 2], [3, 4, 5], [6, 7, 8], [0, 3, 6], [1, 4, 7], [2, 5, 8], [0, 4, 8], [2, 4, 6]];
  var CELL = 100;
  // The marks' names, first mover's then second's: the captions, the legend (render.marks)
  // and info.yml's play.marks say the same.
  var MARKS = ["X", "O"];

  function svg(tag, attrs, parent) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (parent) { parent.appendChild(node); }
    return node;
  }

  function winningLine(board) {
    for (var i = 0; i < LINES.length; i++) {
      var a = board[LINES[i][0]];
      if (a !== 0 && a === board[LINES[i][1]] && a === board[LINES[i][2]]) { return LINES[i]; }
    }
    return null;
  }

  /* Interactive mode: a clickable area over the board, reachable with the keyboard too
   * (Enter or Space). `data` becomes its data-* attributes. */
  function hitArea(root, box, label, data, choose) {
    var rect = svg("rect", {
      "class": "arena-hit", x: box[0], y: box[1], width: box[2], height: box[3],
      role: "button", tabindex: 0, "aria-label": label
    }, root);
    Object.keys(data).forEach(function (key) { rect.setAttribute("data-" + key, data[key]); });
    rect.addEventListener("click", choose);
    rect.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); choose(); }
    });
    return rect;
  }

  function center(cell) {
    return [(cell % 3) * CELL + CELL / 2, Math.floor(cell / 3) * CELL + CELL / 2];
  }

  function render(state, element, input) {
    var board = Array.prototype.slice.call(state, 0, 9).map(Number);
    var toMove = Number(state[9]);
    var line = winningLine(board);
    var full = board.every(function (v) { return v !== 0; });
    var caption = line ? MARKS[board[line[0]] === 1 ? 0 : 1] + " wins"
      : full ? "Draw" : MARKS[toMove === 1 ? 0 : 1] + " to move";

    var root = svg("svg", {
      "class": "arena-ttt", viewBox: "-10 -10 320 320", role: "img",
      "aria-label": "Tic-tac-toe board: " + caption
    });
    for (var k = 1; k < 3; k++) {
      svg("line", { "class": "arena-ttt-grid", x1: k * CELL, y1: 0, x2: k * CELL, y2: 3 * CELL }, root);
      svg("line", { "class": "arena-ttt-grid", x1: 0, y1: k * CELL, x2: 3 * CELL, y2: k * CELL }, root);
    }
    board.forEach(function (value, cell) {
      var c = center(cell), r = CELL * 0.3;
      if (value === 1) {
        var x = svg("g", { "class": "arena-ttt-x" }, root);
        svg("line", { x1: c[0] - r, y1: c[1] - r, x2: c[0] + r, y2: c[1] + r }, x);
        svg("line", { x1: c[0] - r, y1: c[1] + r, x2: c[0] + r, y2: c[1] - r }, x);
      } else if (value === -1) {
        svg("circle", { "class": "arena-ttt-o", cx: c[0], cy: c[1], r: r }, root);
      }
    });
    if (line) {
      var from = center(line[0]), to = center(line[2]);
      svg("line", { "class": "arena-ttt-win", x1: from[0], y1: from[1], x2: to[0], y2: to[1] }, root);
    }
    if (input && input.actions && input.actions.length) {
      root.setAttribute("role", "group");
      input.actions.forEach(function (cell) {
        var label = "Row " + (Math.floor(cell / 3) + 1) + ", column " + (cell % 3 + 1);
        hitArea(root, [(cell % 3) * CELL, Math.floor(cell / 3) * CELL, CELL, CELL], label,
          { action: cell }, function () { input.play(cell); });
      });
    }

    var figure = document.createElement("figure");
    figure.className = "arena-ttt-figure";
    figure.appendChild(root);
    var text = document.createElement("figcaption");
    text.textContent = caption;
    figure.appendChild(text);
    element.replaceChildren(figure);
  }

  function cellName(cell) {
    return "abc".charAt(cell % 3) + (Math.floor(cell / 3) + 1);
  }

  function mark(index) {
    var root = svg("svg", { "class": "arena-ttt-mark", viewBox: "0 0 100 100", "aria-hidden": "true" });
    var c = [50, 50], r = 30;
    if (index === 0) {
      var x = svg("g", { "class": "arena-ttt-x" }, root);
      svg("line", { x1: c[0] - r, y1: c[1] - r, x2: c[0] + r, y2: c[1] + r }, x);
      svg("line", { x1: c[0] - r, y1: c[1] + r, x2: c[0] + r, y2: c[1] - r }, x);
    } else {
      svg("circle", { "class": "arena-ttt-o", cx: c[0], cy: c[1], r: r }, root);
    }
    return root;
  }

  render.marks = MARKS.slice();
  render.mark = mark;
  render.notation = function (state, action) { return cellName(Number(action)); };
  render.notationHelp = "Cells are named by column, a to c from the left, and row, 1 to 3 from the top.";

  window.ArenaRender = window.ArenaRender || {};
  window.ArenaRender["tic-tac-toe"] = render;
})();
