// The live page: follows a running duel through its Server-Sent Events stream and draws each
// state with the game's own renderer (window.ArenaRender[slug], loaded just before this file).
// The server ends each stream after a while; EventSource then reconnects by itself and sends
// Last-Event-ID, so the page goes on exactly where it was. Events can come much faster than
// a screen refreshes (a fast duel plays thousands of moves a second): they update a model, and
// the page is drawn from it at most once per animation frame.
(function () {
  "use strict";

  var dataNode = document.getElementById("live-data");
  var board = document.getElementById("board");
  if (!dataNode || !board || typeof window.EventSource !== "function") return;
  var data = JSON.parse(dataNode.textContent);
  var MAX_MOVES_SHOWN = 200; // a match is far shorter; a guard against a runaway list
  var RECENT_MATCHES = 8;

  var el = function (id) { return document.getElementById(id); };
  var view = {
    points1: el("points-1"), points2: el("points-2"), counters: el("counters"),
    match: el("live-match"), progress: el("live-progress"), move: el("live-move"),
    moves: el("moves"), movesMatch: el("moves-match"), recent: el("recent"),
    finished: el("live-finished"), finishedText: el("live-finished-text"),
    note: el("live-note"), badge: el("live-badge"), legend: el("legend"),
  };

  var model = {
    match: null, firstPlayer: null, state: null, moves: [], tally: null,
    lastMove: null, recent: [], matchesDone: 0,
  };
  var drawn = { state: null, match: null, moves: 0, recent: null, tally: null, firstPlayer: null };
  var moves = window.ArenaMoves || null; // moves in the game's words (moves.js)
  var frame = null;

  function name(side) { return data.players[String(side)]; }

  function draw(state) {
    var render = window.ArenaRender && window.ArenaRender[data.game];
    try {
      if (typeof render !== "function") throw new Error("the renderer did not load");
      render(state, board);
    } catch (error) {
      var pre = document.createElement("pre");
      pre.textContent = JSON.stringify(state);
      board.replaceChildren(pre);
    }
  }

  function resultWords(result) {
    return {
      PLAYER_1_WIN: "player 1 won", PLAYER_2_WIN: "player 2 won", DRAW: "draw",
      PLAYER_1_ERROR: "player 1 failed", PLAYER_2_ERROR: "player 2 failed",
      OTHER_ERROR: "arena error", ERROR: "the arena failed",
    }[result] || result;
  }

  function badgeKind(result) {
    if (result === "DRAW") return "draw";
    if (/_WIN$/.test(result)) return "win";
    return "error";
  }

  function moveLine(move, index) {
    var li = document.createElement("li");
    li.className = "p" + move.player;
    li.setAttribute("data-step", String(index + 1));
    var who = document.createElement("span");
    who.className = "live-who";
    who.textContent = move.words + " ";
    var mover = document.createElement("span");
    mover.className = "muted move-who";
    mover.textContent = name(move.player);
    who.appendChild(mover);
    li.appendChild(who);
    if (move.reward) {
      var reward = document.createElement("span");
      reward.className = "reward " + (move.reward > 0 ? "plus" : "minus");
      reward.textContent = "reward " + move.reward;
      li.appendChild(reward);
    }
    return li;
  }

  function render() {
    frame = null;
    if (model.state !== null && model.state !== drawn.state) {
      draw(model.state);
      drawn.state = model.state;
    }
    if (model.match !== drawn.match) {
      view.moves.replaceChildren();
      drawn.moves = 0;
      drawn.match = model.match;
      view.movesMatch.textContent = "· match " + model.match;
    }
    var shown = Math.min(model.moves.length, MAX_MOVES_SHOWN);
    if (shown > drawn.moves) {
      var fragment = document.createDocumentFragment();
      for (var i = drawn.moves; i < shown; i++) fragment.appendChild(moveLine(model.moves[i], i));
      view.moves.appendChild(fragment);
      drawn.moves = shown;
      view.moves.scrollTop = view.moves.scrollHeight;
    }
    if (model.match !== null) {
      view.match.textContent = "Match " + model.match + " of " + data.num_matches +
        " · player " + model.firstPlayer + " (" + name(model.firstPlayer) + ") moved first";
      view.progress.value = model.matchesDone;
    }
    var move = model.lastMove;
    view.move.textContent = move
      ? "Move " + model.moves.length + ": " + move.words + " (" + name(move.player) + ")" +
        (move.reward ? ", reward " + move.reward : "")
      : "Start position: waiting for the first move…";
    if (model.firstPlayer !== drawn.firstPlayer && moves) {
      moves.legend(view.legend, moves.renderer(data.game), model.firstPlayer, data.players);
      drawn.firstPlayer = model.firstPlayer;
    }
    if (model.tally && model.tally !== drawn.tally) {
      var t = model.tally;
      view.points1.textContent = matchesWon(t, 1);
      view.points2.textContent = matchesWon(t, 2);
      view.counters.textContent = "W " + matchesWon(t, 1) + " – " + matchesWon(t, 2) +
        " · D " + t.draws + " · errors " + t.player_1_errors + " – " + t.player_2_errors +
        " · score " + t.player_1_score + " : " + t.player_2_score;
      drawn.tally = t;
    }
    if (model.recent !== drawn.recent) {
      var items = model.recent.map(function (m) {
        var li = document.createElement("li");
        var badge = document.createElement("span");
        badge.className = "badge " + badgeKind(m.result);
        badge.textContent = resultWords(m.result);
        li.append("Match " + m.match + " ", badge, " " + m.player_1_score + " : " + m.player_2_score);
        return li;
      });
      if (items.length) view.recent.replaceChildren.apply(view.recent, items);
      drawn.recent = model.recent;
    }
  }

  function later() {
    if (frame === null) frame = window.requestAnimationFrame(render);
  }

  function finish(text) {
    source.close();
    view.badge.textContent = "Finished";
    view.badge.classList.add("over");
    view.finishedText.textContent = text;
    view.finished.hidden = false;
    view.note.hidden = true;
    later();
  }

  function note(text) {
    view.note.textContent = text;
    view.note.hidden = !text;
  }

  var source = new window.EventSource(data.events_url);
  function on(kind, handler) {
    source.addEventListener(kind, function (message) {
      note("");
      handler(JSON.parse(message.data));
      later();
    });
  }

  on("match", function (event) {
    model.match = event.match;
    model.firstPlayer = event.first_player;
    model.state = event.state;
    model.moves = [];
    model.lastMove = null;
    model.tally = event.tally;
    model.matchesDone = event.match - 1;
  });
  on("move", function (event) {
    var before = model.state;
    if (event.match !== model.match) {
      // Joined in the middle of a match whose start the channel no longer holds.
      model.match = event.match;
      model.moves = [];
      model.firstPlayer = null;
      before = null; // the state before this move is unknown: its words give the action
    }
    // Which marks the mover plays follows from who moved first (the match event says); a
    // page that joined in the middle of a match names the player instead.
    var mover = model.firstPlayer === null ? null : event.player === model.firstPlayer ? 0 : 1;
    var render = moves && moves.renderer(data.game);
    event.words = moves ? moves.words(render, before, event.action, event.player, mover)
      : "Player " + event.player + " played action " + event.action;
    model.moves.push(event);
    model.lastMove = event;
    model.state = event.state;
  });
  on("match_end", function (event) {
    model.tally = event.tally;
    model.matchesDone = event.match;
    model.recent = [event].concat(model.recent).slice(0, RECENT_MATCHES);
  });
  // W, the arena's one count of a duel's matches won: the opponent's errors count as won
  // (the scoring page; arena/results.py).
  function matchesWon(t, side) {
    return side === 1 ? t.player_1_wins + t.player_2_errors : t.player_2_wins + t.player_1_errors;
  }

  on("duel_end", function (event) {
    model.tally = event.tally;
    model.matchesDone = data.num_matches;
    var t = event.tally;
    var text = event.result === "ERROR"
      ? "The arena failed during this duel (" + (event.error || "no message") + "); it will be played again."
      : event.result === "DRAW"
        ? "Draw, " + matchesWon(t, 1) + " : " + matchesWon(t, 2) + " matches won."
        : "Player " + (event.result === "PLAYER_1_WIN" ? 1 : 2) + " (" +
          name(event.result === "PLAYER_1_WIN" ? 1 : 2) + ") won, " + matchesWon(t, 1) +
          " : " + matchesWon(t, 2) + " matches.";
    if (event.stopped_because) text += " The duel " + event.stopped_because + ".";
    finish(text);
  });
  source.addEventListener("end", function (message) {
    var state = JSON.parse(message.data).state;
    if (source.readyState === window.EventSource.CLOSED) return; // duel_end said it already
    finish(state === "GONE" ? "This duel no longer exists." : "This duel is over.");
  });
  source.addEventListener("busy", function () {
    note("Many spectators are watching: waiting for a place, trying again in a few seconds…");
  });
  source.addEventListener("error", function () {
    if (source.readyState === window.EventSource.CLOSED && view.finished.hidden) {
      note("The live view stopped (the server refused it). Reload the page to try again, " +
        "or see the duel page.");
    }
  });
  if (moves) moves.help(el("notation-help"), moves.renderer(data.game));
  render();
})();
