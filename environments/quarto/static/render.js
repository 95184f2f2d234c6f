/* Quarto renderer for RL Arena.
 *
 * ArenaRender["quarto"](state, element) draws one state (the array of 17
 * integers documented in environment.py: positions 0-15 hold a piece id or -1,
 * entry 16 the piece to place) into `element` as SVG: the 4x4 board, the piece
 * to place and the pieces still available. A piece id's bits are its
 * attributes: 1 tall (drawn large) / short (small), 2 dark / light,
 * 4 square / round, 8 hollow (a hole on top) / solid. Plain browser script.
 *
 * Interactive mode, ArenaRender["quarto"](state, element, input) with
 * input = {actions, play, hint}: an action (16 * square + piece) takes two
 * clicks. The empty squares of `actions` are buttons; clicking one marks it,
 * says through input.hint what comes next and makes buttons of the pieces
 * (under "Available") that may be given after placing there. Clicking a piece
 * calls input.play(16 * square + piece); another square changes the choice.
 *
 * For the pages that tell a match in words: render.marks is null (both players
 * place the same pieces) and render.notation(state, action) says the move ("places
 * piece 7 (tall dark square solid) on c3 and gives piece 12": squares a-d from the
 * left, 1-4 from the top; the same words as notation.py), render.notationHelp how
 * to read it.
 */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var CELL = 80;
  var LINES = [
    [0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11], [12, 13, 14, 15],
    [0, 4, 8, 12], [1, 5, 9, 13], [2, 6, 10, 14], [3, 7, 11, 15],
    [0, 5, 10, 15], [3, 6, 9, 12]
  ];

  function svg(tag, attrs, parent) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (parent) { parent.appendChild(node); }
    return node;
  }

  function describe(piece) {
    return "piece " + piece + ": " + [
      piece & 1 ? "tall" : "short", piece & 2 ? "dark" : "light",
      piece & 4 ? "square" : "round", piece & 8 ? "hollow" : "solid"
    ].join(", ");
  }

  /* One piece seen from above, centred on (x, y), `size` the cell size. */
  function drawPiece(piece, x, y, size, parent) {
    var g = svg("g", { "class": "arena-quarto-piece " + (piece & 2 ? "arena-quarto-dark" : "arena-quarto-light") }, parent);
    svg("title", {}, g).textContent = describe(piece);
    var r = size * (piece & 1 ? 0.4 : 0.27);
    if (piece & 4) {
      svg("rect", { x: x - r, y: y - r, width: 2 * r, height: 2 * r, rx: r * 0.12 }, g);
    } else {
      svg("circle", { cx: x, cy: y, r: r }, g);
    }
    if (piece & 8) {
      svg("circle", { "class": "arena-quarto-hole", cx: x, cy: y, r: r * 0.45 }, g);
    }
    return g;
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

  function winningLines(board) {
    return LINES.filter(function (line) {
      var p = line.map(function (i) { return board[i]; });
      if (p.some(function (v) { return v < 0; })) { return false; }
      return ((p[0] & p[1] & p[2] & p[3]) | (~p[0] & ~p[1] & ~p[2] & ~p[3] & 15)) !== 0;
    });
  }

  /* The buttons of the interactive mode over `root`: the squares, and once `square` is
   * chosen the pieces that may be given (laid over the "Available" ones, `available` in the
   * order they are drawn). */
  function addInput(root, state, element, input, square, available, side, small) {
    var squares = {};
    input.actions.forEach(function (action) { squares[Math.floor(action / 16)] = true; });
    Object.keys(squares).map(Number).forEach(function (pos) {
      if (pos === square) { return; }
      var label = "Square row " + (Math.floor(pos / 4) + 1) + ", column " + (pos % 4 + 1);
      hitArea(root, [(pos % 4) * CELL + 5, Math.floor(pos / 4) * CELL + 5, CELL, CELL], label,
        { square: pos }, function () { draw(state, element, input, pos); });
    });
    if (square === null) {
      if (input.hint) { input.hint(""); }
      return;
    }
    svg("rect", {
      "class": "arena-chosen", x: (square % 4) * CELL + 5, y: Math.floor(square / 4) * CELL + 5,
      width: CELL, height: CELL
    }, root);
    var givable = {};
    input.actions.forEach(function (action) {
      if (Math.floor(action / 16) === square) { givable[action % 16] = true; }
    });
    available.forEach(function (piece, i) {
      if (!givable[piece]) { return; }
      var action = 16 * square + piece;
      var box = [side + (i % 4) * small, 150 + Math.floor(i / 4) * small, small, small];
      hitArea(root, box, "Give " + describe(piece), { piece: piece, action: action },
        function () { input.play(action); });
    });
    if (input.hint) {
      input.hint("Now click the piece you give your opponent (under \u201cAvailable\u201d), " +
        "or another square.");
    }
  }

  function render(state, element, input) {
    draw(state, element, input, null);
  }

  function draw(state, element, input, square) {
    var board = Array.prototype.slice.call(state, 0, 16).map(Number);
    var next = Number(state[16]);
    var wins = winningLines(board);
    var full = board.every(function (v) { return v >= 0; });
    var over = wins.length > 0 || full;
    var caption = wins.length ? "Quarto!" : full ? "Draw" : "Piece " + next + " to place";

    var root = svg("svg", {
      "class": "arena-quarto", viewBox: "0 0 " + (4 * CELL + 170) + " " + (4 * CELL + 10),
      role: "img", "aria-label": "Quarto board: " + caption
    });
    var highlighted = {};
    wins.forEach(function (line) { line.forEach(function (i) { highlighted[i] = true; }); });
    for (var pos = 0; pos < 16; pos++) {
      var x = (pos % 4) * CELL + 5, y = Math.floor(pos / 4) * CELL + 5;
      svg("rect", {
        "class": "arena-quarto-cell" + (highlighted[pos] ? " arena-quarto-win" : ""),
        x: x, y: y, width: CELL, height: CELL
      }, root);
      if (board[pos] >= 0) { drawPiece(board[pos], x + CELL / 2, y + CELL / 2, CELL, root); }
    }

    var side = 4 * CELL + 25;
    var used = {};
    board.forEach(function (v) { if (v >= 0) { used[v] = true; } });
    if (!over) {
      svg("text", { "class": "arena-quarto-label", x: side, y: 22 }, root).textContent = "To place";
      svg("rect", { "class": "arena-quarto-next", x: side, y: 30, width: CELL, height: CELL }, root);
      drawPiece(next, side + CELL / 2, 30 + CELL / 2, CELL, root);
      used[next] = true;
    }
    var available = [];
    for (var piece = 0; piece < 16; piece++) { if (!used[piece]) { available.push(piece); } }
    var small = 36;
    if (available.length && !over) {
      svg("text", { "class": "arena-quarto-label", x: side, y: 140 }, root).textContent = "Available";
      available.forEach(function (p, i) {
        drawPiece(p, side + (i % 4) * small + small / 2, 150 + Math.floor(i / 4) * small + small / 2, small, root);
      });
    }
    if (input && input.actions && input.actions.length) {
      root.setAttribute("role", "group");
      addInput(root, state, element, input, square, available, side, small);
    }

    var figure = document.createElement("figure");
    figure.className = "arena-quarto-figure";
    figure.appendChild(root);
    var text = document.createElement("figcaption");
    text.textContent = caption;
    figure.appendChild(text);
    element.replaceChildren(figure);
  }

  function squareName(pos) {
    return "abcd".charAt(pos % 4) + (Math.floor(pos / 4) + 1);
  }

  function attributes(piece) {
    return [piece & 1 ? "tall" : "short", piece & 2 ? "dark" : "light",
      piece & 4 ? "square" : "round", piece & 8 ? "hollow" : "solid"].join(" ");
  }

  render.marks = null;
  render.notation = function (state, action) {
    var placed = Number(state[16]), position = Math.floor(Number(action) / 16), given = Number(action) % 16;
    return "places piece " + placed + " (" + attributes(placed) + ") on " + squareName(position) +
      " and gives piece " + given;
  };
  render.notationHelp = "Squares are named by column, a to d from the left, and row, 1 to 4 from the top; " +
    "a piece's number is its attributes (1 tall, 2 dark, 4 square, 8 hollow).";

  window.ArenaRender = window.ArenaRender || {};
  window.ArenaRender["quarto"] = render;
})();
