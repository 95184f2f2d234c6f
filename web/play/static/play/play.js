// The match page: draws the board with the game's own renderer (window.ArenaRender[slug]),
// lays clickable areas over it when it is the human's turn, sends the move, and polls the
// match's state for the agent's reply. Quarto takes two clicks: the square, then the piece
// given to the agent (action = 16 * square + piece, GAMES.md).
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("play-config").textContent);
  var SVG = "http://www.w3.org/2000/svg";
  var POLL_MS = 500;
  var board = document.getElementById("board");
  var status = document.getElementById("play-status");
  var messageNode = document.getElementById("play-message");
  var hint = document.getElementById("play-hint");
  var endBox = document.getElementById("play-end");
  var resultNode = document.getElementById("play-result");
  var plyNode = document.getElementById("play-ply");
  var csrf = document.querySelector("#leave-form input[name=csrfmiddlewaretoken]").value;

  var current = null; // the latest state from the server
  var sending = false;
  var quartoSquare = null; // the square chosen, waiting for the piece to give
  var timer = null;

  // The renderers' geometry (environments/<game>/static/render.js), in SVG units.
  var GEOMETRY = {
    "tic-tac-toe": function (valid) {
      return valid.map(function (a) {
        return { action: a, x: (a % 3) * 100, y: Math.floor(a / 3) * 100, w: 100, h: 100,
          label: "Row " + (Math.floor(a / 3) + 1) + ", column " + (a % 3 + 1) };
      });
    },
    "connect-four": function (valid) {
      return valid.map(function (c) {
        return { action: c, x: c * 60, y: 0, w: 60, h: 360, label: "Column " + (c + 1) };
      });
    },
    "quarto": function (valid) {
      var squares = {};
      valid.forEach(function (a) { squares[Math.floor(a / 16)] = true; });
      return Object.keys(squares).map(Number).map(function (p) {
        return { square: p, x: (p % 4) * 80 + 5, y: Math.floor(p / 4) * 80 + 5, w: 80, h: 80,
          label: "Square row " + (Math.floor(p / 4) + 1) + ", column " + (p % 4 + 1) };
      });
    },
  };

  // Quarto's second click: the pieces the renderer lists under "Available" (neither on the
  // board nor the one being placed, in order) that may be given after placing on `square`.
  function quartoPieces(valid, state, square) {
    var used = {};
    state.slice(0, 16).forEach(function (v) { if (v >= 0) used[v] = true; });
    used[state[16]] = true;
    var available = [];
    for (var piece = 0; piece < 16; piece++) { if (!used[piece]) available.push(piece); }
    var givable = {};
    valid.forEach(function (a) { if (Math.floor(a / 16) === square) givable[a % 16] = true; });
    var side = 4 * 80 + 25, small = 36;
    return available.map(function (p, i) {
      return { action: 16 * square + p, piece: p, x: side + (i % 4) * small,
        y: 150 + Math.floor(i / 4) * small, w: small, h: small, label: "Give piece " + p };
    }).filter(function (area) { return givable[area.piece]; });
  }

  function draw(state) {
    var render = window.ArenaRender && window.ArenaRender[config.game];
    if (typeof render !== "function") {
      board.textContent = "The board cannot be drawn (its renderer did not load): reload the page.";
      return null;
    }
    render(state, board);
    return board.querySelector("svg");
  }

  function hitArea(svg, area, onChoose) {
    var rect = document.createElementNS(SVG, "rect");
    rect.setAttribute("class", "play-hit");
    rect.setAttribute("x", area.x);
    rect.setAttribute("y", area.y);
    rect.setAttribute("width", area.w);
    rect.setAttribute("height", area.h);
    rect.setAttribute("role", "button");
    rect.setAttribute("tabindex", "0");
    rect.setAttribute("aria-label", area.label);
    if (area.action !== undefined) rect.setAttribute("data-action", area.action);
    if (area.square !== undefined) rect.setAttribute("data-square", area.square);
    if (area.piece !== undefined) rect.setAttribute("data-piece", area.piece);
    rect.addEventListener("click", function () { onChoose(area); });
    rect.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); onChoose(area); }
    });
    svg.appendChild(rect);
  }

  function markSquare(svg, square) {
    var rect = document.createElementNS(SVG, "rect");
    rect.setAttribute("class", "play-chosen");
    rect.setAttribute("x", (square % 4) * 80 + 5);
    rect.setAttribute("y", Math.floor(square / 4) * 80 + 5);
    rect.setAttribute("width", 80);
    rect.setAttribute("height", 80);
    svg.appendChild(rect);
  }

  function showBoard() {
    if (!current || !current.board) return;
    var svg = draw(current.board);
    var myTurn = current.turn === "human" && !sending;
    board.classList.toggle("play-active", myTurn);
    hint.hidden = true;
    if (!svg || !myTurn) return;
    if (config.game === "quarto" && quartoSquare !== null) {
      var square = quartoSquare;
      markSquare(svg, square);
      hint.hidden = false;
      hint.textContent = "Now click the piece you give the agent (under \u201cAvailable\u201d), or another square.";
      quartoPieces(current.valid_actions, current.board, square).forEach(function (area) {
        hitArea(svg, area, function (chosen) { send(chosen.action); });
      });
      GEOMETRY.quarto(current.valid_actions).forEach(function (area) {
        if (area.square !== square) {
          hitArea(svg, area, function (chosen) { quartoSquare = chosen.square; showBoard(); });
        }
      });
      return;
    }
    GEOMETRY[config.game](current.valid_actions, current.board).forEach(function (area) {
      hitArea(svg, area, function (chosen) {
        if (chosen.square !== undefined) { quartoSquare = chosen.square; showBoard(); }
        else send(chosen.action);
      });
    });
  }

  function setMessage(text, busy) {
    messageNode.textContent = text;
    status.classList.toggle("busy", !!busy);
  }

  function send(action) {
    if (sending || !current) return;
    sending = true;
    quartoSquare = null;
    status.dataset.turn = "sending";
    setMessage("Sending your move…", true);
    showBoard();
    fetch(config.moveUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      credentials: "same-origin",
      body: JSON.stringify({ action: action, ply: current.ply }),
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) throw new Error(body.error || response.statusText);
      });
    }).then(function () {
      // Until the worker applies it, the server still says it is our turn: wait for the ply.
      setMessage("The agent is thinking…", true);
      poll();
    }).catch(function (error) {
      sending = false;
      setMessage("Your move was not played: " + error.message, false);
      showBoard();
      poll();
    });
  }

  function apply(next) {
    var changed = !current || next.ply !== current.ply || next.state !== current.state ||
      next.turn !== current.turn || (!current.board && next.board);
    if (sending && next.ply === (current && current.ply) && next.state === "RUNNING") {
      return; // our move is on its way to the agent's holder
    }
    sending = false;
    current = next;
    plyNode.textContent = next.ply;
    var over = next.state === "FINISHED" || next.state === "ABANDONED";
    var busy = !over && next.turn !== "human";
    setMessage(over ? "Match over after " + next.ply + " moves." : next.message, busy);
    if (changed) showBoard();
    status.dataset.turn = next.turn || "";
    status.dataset.state = next.state;
    if (over) {
      endBox.hidden = false;
      resultNode.textContent = next.message;
      resultNode.className = "play-result " + (next.result || "ABANDONED").toLowerCase();
      document.getElementById("leave-form").hidden = true;
    }
  }

  function poll() {
    clearTimeout(timer);
    fetch(config.stateUrl, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (next) {
        apply(next);
        var over = next.state === "FINISHED" || next.state === "ABANDONED";
        // Our turn: nothing changes until we move, but a slow poll notices an abandon.
        if (!over) timer = setTimeout(poll, next.turn === "human" && !sending ? 4 * POLL_MS : POLL_MS);
      })
      .catch(function () {
        setMessage("Lost contact with the arena; retrying…", true);
        timer = setTimeout(poll, 4 * POLL_MS);
      });
  }

  poll();
})();
