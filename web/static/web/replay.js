// The replay page: draws each state of a match with the game's own renderer
// (window.ArenaRender[slug](state, element), loaded just before this file) and steps through
// the states. The URL fragment #step-N opens step N and follows the current step, so any
// position can be shared as a link.
(function () {
  "use strict";

  var dataNode = document.getElementById("match-data");
  if (!dataNode) return;
  var data = JSON.parse(dataNode.textContent);
  var states = data.states || [];
  var last = Math.max(0, states.length - 1);
  var BASE_DELAY_MS = 900; // one step per 0.9 s at 1x: a move can be followed by eye

  var board = document.getElementById("board");
  var status = document.getElementById("step-status");
  var controls = document.getElementById("controls");
  var slider = document.getElementById("slider");
  var speed = document.getElementById("speed");
  var list = document.getElementById("steps");
  var buttons = {
    first: document.getElementById("first"),
    back: document.getElementById("back"),
    play: document.getElementById("play"),
    forward: document.getElementById("forward"),
    last: document.getElementById("last"),
  };

  var playLabel = document.getElementById("play-label");
  var valueLine = document.getElementById("step-value");
  var current = -1;
  var timer = null;

  function fallback(state, why) {
    // Without its renderer the page still shows the raw state rather than nothing.
    var note = document.createElement("p");
    note.className = "muted";
    note.textContent = why;
    var pre = document.createElement("pre");
    pre.textContent = JSON.stringify(state);
    board.replaceChildren(note, pre);
  }

  function draw(state) {
    var render = window.ArenaRender && window.ArenaRender[data.game];
    if (typeof render !== "function") {
      fallback(state, "The board of this game cannot be drawn (its renderer did not load); " +
        "here is the raw state. Reload the page to try again.");
      return;
    }
    try {
      render(state, board);
    } catch (error) {
      fallback(state, "The renderer failed to draw this state (" + error + "); here is the raw state.");
    }
  }

  function describe(step) {
    var text = "Step " + step + " of " + last + ": ";
    var info = (data.steps || [])[step];
    if (!info || !info.side) {
      text += "start position";
    } else {
      // The move in the game's words, as the list says it (environments/notation.py).
      text += (info.text || "player " + info.side + " moved") + " (" + data.players[String(info.side)] + ")";
      if (info.reward) text += ", reward " + info.reward;
    }
    if (step === last && data.outcome) text += ". " + data.outcome;
    return text;
  }

  function showValue(step) {
    // The coach's proven value of the position (web/coach.py): "X wins in 3 (winning moves: b2)".
    if (!valueLine) return;
    var values = data.values;
    var text = values ? values[step] : data.coach_note;
    valueLine.hidden = !text;
    valueLine.textContent = text ? (values ? "Proven value: " + text : text) : "";
  }

  function parseFragment() {
    var match = /^#step-(\d+)$/.exec(window.location.hash);
    return match ? Math.min(parseInt(match[1], 10), last) : null;
  }

  function show(step, followFragment) {
    step = Math.max(0, Math.min(last, step));
    if (step !== current) {
      var previous = list && list.querySelector("li.current");
      if (previous) {
        previous.classList.remove("current");
        previous.removeAttribute("aria-current");
      }
      current = step;
      draw(states[step]);
      var line = document.getElementById("line-" + step);
      if (line) {
        line.classList.add("current");
        line.setAttribute("aria-current", "step");
        // Scroll the list, not the page: on a phone the board must stay where it is. The
        // list is positioned, so a line's offsetTop is measured from the list's top.
        if (list.scrollHeight > list.clientHeight) {
          var top = line.offsetTop;
          if (top < list.scrollTop || top + line.offsetHeight > list.scrollTop + list.clientHeight) {
            list.scrollTop = top - list.clientHeight / 2;
          }
        }
      }
    }
    slider.value = String(step);
    status.textContent = describe(step);
    showValue(step);
    buttons.first.disabled = buttons.back.disabled = step === 0;
    buttons.forward.disabled = buttons.last.disabled = step === last;
    if (followFragment !== false && parseFragment() !== step) {
      // replaceState: stepping through a match must not fill the browser's history.
      window.history.replaceState(null, "", "#step-" + step);
    }
  }

  function playing() {
    return timer !== null;
  }

  function setPlayLabel() {
    var on = playing();
    buttons.play.classList.toggle("playing", on);
    playLabel.textContent = on ? "Pause" : "Play";
    buttons.play.setAttribute("aria-label", on ? "Pause" : "Play");
    buttons.play.setAttribute("aria-pressed", on ? "true" : "false");
  }

  function delay() {
    var factor = parseFloat(speed.value) || 1;
    return BASE_DELAY_MS / factor;
  }

  function tick() {
    show(current + 1);
    if (current >= last) {
      timer = null; // the match is over: stop on its last step
      setPlayLabel();
    } else {
      timer = window.setTimeout(tick, delay());
    }
  }

  function play() {
    if (playing() || last === 0) return;
    if (current >= last) show(0); // playing from the end starts the match again
    timer = window.setTimeout(tick, delay());
    setPlayLabel();
  }

  function pause() {
    if (timer !== null) window.clearTimeout(timer);
    timer = null;
    setPlayLabel();
  }

  function toggle() {
    if (playing()) pause();
    else play();
  }

  function go(step) {
    pause();
    show(step);
  }

  buttons.first.addEventListener("click", function () { go(0); });
  buttons.back.addEventListener("click", function () { go(current - 1); });
  buttons.forward.addEventListener("click", function () { go(current + 1); });
  buttons.last.addEventListener("click", function () { go(last); });
  buttons.play.addEventListener("click", toggle);
  slider.addEventListener("input", function () { go(parseInt(slider.value, 10)); });
  speed.addEventListener("change", function () {
    if (!playing()) return;
    window.clearTimeout(timer);
    timer = window.setTimeout(tick, delay());
  });
  window.addEventListener("hashchange", function () {
    var step = parseFragment();
    if (step !== null) go(step);
  });

  var KEYS = {
    ArrowLeft: function () { go(current - 1); },
    ArrowRight: function () { go(current + 1); },
    Home: function () { go(0); },
    End: function () { go(last); },
    " ": toggle,
  };

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.defaultPrevented) return;
    var action = KEYS[event.key];
    if (!action) return;
    var target = event.target;
    var tag = target && target.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable)) return;
    if (tag === "INPUT" && target !== slider) return;
    // The slider moves itself on arrows, Home and End (and reports it through "input").
    if (target === slider && event.key !== " ") return;
    event.preventDefault(); // no page scroll on space, no second click on a focused button
    action();
  });
  document.addEventListener("keyup", function (event) {
    // Browsers click a focused button when space is released; space already toggled play.
    if (event.key === " " && event.target && event.target.tagName === "BUTTON") {
      event.preventDefault();
    }
  });

  if (window.ArenaMoves) {
    var render = window.ArenaMoves.renderer(data.game);
    window.ArenaMoves.drawMarks(document.getElementById("legend"), render);
    window.ArenaMoves.help(document.getElementById("notation-help"), render);
  }
  slider.max = String(last);
  controls.hidden = false;
  var start = parseFragment();
  show(start === null ? 0 : start, start !== null);
  setPlayLabel();
})();
