// Runs a game's static/render.js under node with a tiny fake DOM and prints, as
// JSON, a summary of what it drew for each state read from stdin (a JSON list).
// Used by test_env_render.py; no browser or npm package needed.
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
  }
  setAttribute(name, value) { this.attributes[name] = String(value); }
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

const [script, slug] = process.argv.slice(2);
const window = {};
const document = {
  createElementNS: (ns, tag) => new Node(tag, ns),
  createElement: (tag) => new Node(tag, null),
};
const context = vm.createContext({ window, document });
vm.runInContext(fs.readFileSync(script, "utf8"), context);
vm.runInContext(fs.readFileSync(script, "utf8"), context); // loading twice is harmless
const states = JSON.parse(fs.readFileSync(0, "utf8"));
const out = states.map((state) => {
  const element = new Node("div");
  window.ArenaRender[slug](state, element);
  return summary(element);
});
process.stdout.write(JSON.stringify(out));
