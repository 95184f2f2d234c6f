// The match page: draws the board with the game's own renderer (window.ArenaRender[slug]),
// in its interactive mode when it is the human's turn (the renderer turns clicks into an
// action: see environments/README.md), sends that action, and follows the match's state
// (web/poll.js) for the agent's reply. This file knows no game.
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("play-config").textContent);
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

  // The renderer's prompt for a further click of a move ("" when there is none).
  function setHint(text) {
    hint.textContent = text || "";
    hint.hidden = !text;
  }

  function showBoard() {
    if (!current || !current.board) return;
    var render = window.ArenaRender && window.ArenaRender[config.game];
    if (typeof render !== "function") {
      board.textContent = "The board cannot be drawn (its renderer did not load): reload the page.";
      return;
    }
    var myTurn = current.turn === "human" && !sending;
    board.classList.toggle("play-active", myTurn);
    setHint("");
    var input = myTurn ? { actions: current.valid_actions, play: send, hint: setHint } : undefined;
    render(current.board, board, input);
  }

  function setMessage(text, busy) {
    messageNode.textContent = text;
    status.classList.toggle("busy", !!busy);
  }

  function send(action) {
    if (sending || !current) return;
    sending = true;
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
      poller.now();
    }).catch(function (error) {
      sending = false;
      setMessage("Your move was not played: " + error.message, false);
      showBoard();
      poller.now();
    });
  }

  function isOver(state) {
    return state.state === "FINISHED" || state.state === "ABANDONED";
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
    var over = isOver(next);
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

  var poller = window.ArenaPoll.start({
    url: config.stateUrl,
    delay: 0,
    // Our turn: nothing changes until we move, but a slow poll notices an abandon.
    every: function (next) {
      return next && next.turn === "human" && !sending ? 4 * POLL_MS : POLL_MS;
    },
    maxWait: 8 * POLL_MS,
    update: apply,
    finished: isOver,
    onError: function () { setMessage("Lost contact with the arena; retrying…", true); },
  });
})();
