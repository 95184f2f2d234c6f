// Runs a game's static/render.js under node with a tiny fake DOM and prints, as
// JSON, a summary of what it drew for each state read from stdin (a JSON list).
// Used by test_env_render.py; no browser or npm package needed.
//
// With a third argument "input", stdin is a list of {state, actions} and the
// renderer's interactive mode is explored instead: every sequence of up to
// MAX_CLICKS clicks on its buttons (class arena-hit), each on a fresh drawing.
"use strict";
const fs = require("fs");
const vm = require("vm");

class Node {
  constructor(tag, ns) {
    this.tagName = tag;
    this.namespaceURI = ns || null;
    this.attributes = {};
    this.children = [];
    this.textContent = "";
    this.className = "";
    this.listeners = {};
  }
  setAttribute(name, value) { this.attributes[name] = String(value); }
  addEventListener(type, listener) { (this.listeners[type] = this.listeners[type] || []).push(listener); }
  fire(type, event) { (this.listeners[type] || []).forEach((listener) => listener(event)); }
  appendChild(child) { this.children.push(child); return child; }
  replaceChildren(...nodes) { this.children = nodes; }
}

function summary(node) {
  const tags = {};
  const classes = {};
  const texts = [];
  (function walk(n) {
    tags[n.tagName] = (tags[n.tagName] || 0) + 1;
    const cls = n.attributes["class"] || n.className;
    if (cls) { for (const c of cls.split(/\s+/)) { classes[c] = (classes[c] || 0) + 1; } }
    if (n.textContent) { texts.push(n.textContent); }
    for (const v of Object.values(n.attributes)) {
      if (/NaN|undefined/.test(v)) { throw new Error("bad attribute " + v); }
    }
    n.children.forEach(walk);
  })(node);
  return { tags, classes, texts };
}

const MAX_CLICKS = 2;

function hitAreas(node, found = []) {
  if ((node.attributes["class"] || "").split(/\s+/).includes("arena-hit")) { found.push(node); }
  node.children.forEach((child) => hitAreas(child, found));
  return found;
}

// What names a button across drawings: its label and data-* attributes.
function key(area) {
  const data = Object.entries(area.attributes).filter(([name]) => name.startsWith("data-"));
  return JSON.stringify([area.attributes["aria-label"], data.sort()]);
}

// Draws `state` afresh and presses the buttons named by `path` in turn, by click or by
// the Enter key; returns what the renderer did.
function replay(render, state, actions, path, how) {
  const element = new Node("div");
  const played = [];
  const hints = [];
  render(state, element, { actions, play: (action) => played.push(action), hint: (text) => hints.push(text) });
  for (const step of path) {
    const area = hitAreas(element).find((candidate) => key(candidate) === step);
    if (!area) { return { element, played, hints, lost: step }; }
    if (how === "click") { area.fire("click", {}); }
    else { area.fire("keydown", { key: "Enter", preventDefault() {} }); }
  }
  return { element, played, hints, lost: null };
}

function explore(render, state, actions) {
  const reached = {};
  const problems = [];
  const hints = new Set();
  const buttons = [];
  let frontier = [[]];
  for (let depth = 0; depth < MAX_CLICKS; depth++) {
    const next = [];
    for (const path of frontier) {
      const before = replay(render, state, actions, path, "click");
      before.hints.forEach((text) => hints.add(text));
      for (const area of hitAreas(before.element)) {
        const a = area.attributes;
        buttons.push({ depth, label: a["aria-label"] || "", role: a.role || "", tabindex: a.tabindex || "",
          action: a["data-action"] === undefined ? null : Number(a["data-action"]) });
        const longer = path.concat([key(area)]);
        const clicked = replay(render, state, actions, longer, "click");
        const pressed = replay(render, state, actions, longer, "enter");
        clicked.hints.forEach((text) => hints.add(text));
        if (JSON.stringify(clicked.played) !== JSON.stringify(pressed.played)) {
          problems.push("click and Enter differ on " + longer.join(" > "));
        }
        if (clicked.played.length > 1) { problems.push("one click played " + clicked.played); }
        else if (clicked.played.length === 1) {
          const action = clicked.played[0];
          if (!(action in reached)) { reached[action] = longer.map((step) => JSON.parse(step)[0]); }
        } else { next.push(longer); }
      }
    }
    frontier = next;
  }
  return { reached, problems, hints: [...hints], buttons };
}

const [script, slug, mode] = process.argv.slice(2);
const window = {};
const document = {
  createElementNS: (ns, tag) => new Node(tag, ns),
  createElement: (tag) => new Node(tag, null),
};
const context = vm.createContext({ window, document });
vm.runInContext(fs.readFileSync(script, "utf8"), context);
vm.runInContext(fs.readFileSync(script, "utf8"), context); // loading twice is harmless
const cases = JSON.parse(fs.readFileSync(0, "utf8"));
const out = cases.map((item) => {
  if (mode === "input") { return explore(window.ArenaRender[slug], item.state, item.actions); }
  const element = new Node("div");
  window.ArenaRender[slug](item, element);
  return summary(element);
});
process.stdout.write(JSON.stringify(out));
