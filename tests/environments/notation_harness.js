// Runs a game's static/render.js under node and prints, as JSON, what its notation
// says: {marks, help, mark, texts} where texts[i] is render.notation(state, action)
// for the i-th [state, action] pair read from stdin. Used by test_env_notation.py.
"use strict";
const fs = require("fs");
const vm = require("vm");

class Node {
  constructor(tag) { this.tagName = tag; this.attributes = {}; this.children = []; this.textContent = ""; }
  setAttribute(name, value) { this.attributes[name] = String(value); }
  appendChild(child) { this.children.push(child); return child; }
  addEventListener() {}
  replaceChildren(...nodes) { this.children = nodes; }
}

const [script, slug] = process.argv.slice(2);
const document = { createElementNS: (ns, tag) => new Node(tag), createElement: (tag) => new Node(tag) };
const window = {};
vm.runInNewContext(fs.readFileSync(script, "utf8"), { window, document });
const render = window.ArenaRender[slug];
const cases = JSON.parse(fs.readFileSync(0, "utf8"));
const notation = typeof render.notation === "function" ? render.notation : null;
process.stdout.write(JSON.stringify({
  marks: render.marks === undefined ? null : render.marks,
  help: render.notationHelp || null,
  // Each mark draws as an SVG of its own (the legend's swatch).
  mark: render.marks ? render.marks.map((_, i) => render.mark(i).tagName) : null,
  texts: notation ? cases.map(([state, action]) => notation(state, action)) : null,
}));
