/* Connect-four renderer for RL Arena.
 *
 * ArenaRender["connect-four"](state, element) draws one state (the array of 43
 * numbers documented in environment.py: cell 7 * row + col, row 0 at the top)
 * into `element` as an SVG board: red discs for the first mover (1), yellow
 * for the second (-1), the winning four outlined. Plain browser script.
 *
 * Interactive mode, ArenaRender["connect-four"](state, element, input) with
 * input = {actions, play, hint}: each column of `actions` is also a button that
 * calls input.play(column).
 *
 * For the pages that tell a match in words: render.marks names the first and the
 * second mover's discs as drawn ("Red", "Yellow"), render.mark(i) draws disc i
 * (0 first mover) as a small SVG for a legend, render.notation(state, action)
 * names the column played ("column 4", 1-7 from the left; the same as
 * notation.py) and render.notationHelp says so.
 */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var ROWS = 6, COLS = 7, CELL = 60;
  var DIRECTIONS = [[0, 1], [1, 0], [1, 1], [1, -1]];
  // The discs' names, first mover's then second's: the captions, the legend (render.marks)
  // and info.yml's play.marks say the same.
  var MARKS = ["Red", "Yellow"];

  function svg(tag, attrs, parent) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (parent) { parent.appendChild(node); }
    return node;
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

  function winningCells(board) {
    for (var row = 0; row < ROWS; row++) {
      for (var col = 0; col < COLS; col++) {
        var v = board[7 * row + col];
        if (v === 0) { continue; }
        for (var d = 0; d < DIRECTIONS.length; d++) {
          var cells = [];
          for (var k = 0; k < 4; k++) {
            var r = row + k * DIRECTIONS[d][0], c = col + k * DIRECTIONS[d][1];
            if (r < 0 || r >= ROWS || c < 0 || c >= COLS || board[7 * r + c] !== v) { break; }
            cells.push(7 * r + c);
          }
          if (cells.length === 4) { return cells; }
        }
      }
    }
    return [];
  }

  function render(state, element, input) {
    var board = Array.prototype.slice.call(state, 0, 42).map(Number);
    var toMove = Number(state[42]);
    var win = winningCells(board);
    var full = board.every(function (v) { return v !== 0; });
    var caption = win.length ? MARKS[board[win[0]] === 1 ? 0 : 1] + " wins"
      : full ? "Draw" : MARKS[toMove === 1 ? 0 : 1] + " to move";

    var root = svg("svg", {
      "class": "arena-c4", viewBox: "0 0 " + COLS * CELL + " " + ROWS * CELL, role: "img",
      "aria-label": "Connect-four board: " + caption
    });
    svg("rect", { "class": "arena-c4-frame", x: 0, y: 0, width: COLS * CELL, height: ROWS * CELL, rx: 12 }, root);
    board.forEach(function (value, cell) {
      var cls = value === 1 ? "arena-c4-red" : value === -1 ? "arena-c4-yellow" : "arena-c4-hole";
      if (win.indexOf(cell) >= 0) { cls += " arena-c4-win"; }
      svg("circle", {
        "class": cls, r: CELL * 0.4,
        cx: (cell % COLS) * CELL + CELL / 2, cy: Math.floor(cell / COLS) * CELL + CELL / 2
      }, root);
    });
    if (input && input.actions && input.actions.length) {
      root.setAttribute("role", "group");
      input.actions.forEach(function (column) {
        hitArea(root, [column * CELL, 0, CELL, ROWS * CELL], "Column " + (column + 1),
          { action: column }, function () { input.play(column); });
      });
    }

    var figure = document.createElement("figure");
    figure.className = "arena-c4-figure";
    figure.appendChild(root);
    var text = document.createElement("figcaption");
    text.textContent = caption;
    figure.appendChild(text);
    element.replaceChildren(figure);
  }

  function mark(index) {
    var root = svg("svg", { "class": "arena-c4-mark", viewBox: "0 0 60 60", "aria-hidden": "true" });
    svg("circle", { "class": index === 0 ? "arena-c4-red" : "arena-c4-yellow", cx: 30, cy: 30, r: 26 }, root);
    return root;
  }

  render.marks = MARKS.slice();
  render.mark = mark;
  render.notation = function (state, action) { return "column " + (Number(action) + 1); };
  render.notationHelp = "Columns are numbered 1 to 7 from the left.";

  window.ArenaRender = window.ArenaRender || {};
  window.ArenaRender["connect-four"] = render;
})();
