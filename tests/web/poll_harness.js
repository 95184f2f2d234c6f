// Runs web/static/web/poll.js under node with a fake fetch and a virtual clock, and prints as
// JSON what it did for the scenario read from stdin:
//   {"options": {...poll options, "finishedWhen": "<state that ends it>"},
//    "answers": [{"status": 200, "body": {...}, "now": true} | {"network": true}, ...]}
// Events: ["wait", ms] before each request, ["update", body], ["error", failures, status],
// ["finish", body]. Used by test_poll.py.
"use strict";
const fs = require("fs");
const vm = require("vm");

const [script] = process.argv.slice(2);
const scenario = JSON.parse(fs.readFileSync(0, "utf8"));
const events = [];
const timers = [];
let poller = null;
let answered = 0;

function fetch(url, init) {
  const answer = scenario.answers[answered++];
  if (!answer) { return new Promise(() => {}); } // the scenario is over: never answers
  if (init.cache !== "no-store") { throw new Error("polls must not be cached"); }
  if (answer.now) { poller.now(); } // asked again while this request is on its way
  if (answer.network) { return Promise.reject(new TypeError("network down")); }
  return Promise.resolve({
    ok: answer.status >= 200 && answer.status < 300,
    status: answer.status,
    json: () => Promise.resolve(answer.body),
  });
}

const context = vm.createContext({
  window: {},
  fetch,
  setTimeout: (fn, ms) => { timers.push({ fn, ms }); return timers.length; },
  clearTimeout: (id) => { if (id) { timers[id - 1] = null; } },
  Math,
  Error,
});
vm.runInContext(fs.readFileSync(script, "utf8"), context);

const options = scenario.options;
const finishedWhen = options.finishedWhen;
delete options.finishedWhen;
if (options.everyByTurn) {
  const byTurn = options.everyByTurn;
  options.every = (data) => (data && data.turn in byTurn ? byTurn[data.turn] : byTurn.other);
  delete options.everyByTurn;
}
poller = context.window.ArenaPoll.start(Object.assign(options, {
  url: "/status.json",
  update: (data) => events.push(["update", data]),
  finished: (data) => data.state === finishedWhen,
  onFinish: (data) => events.push(["finish", data]),
  onError: (error, failures) => events.push(["error", failures, error.status || null]),
}));

(async () => {
  for (let step = 0; step < 100; step++) {
    const index = timers.findIndex((timer) => timer !== null);
    if (index < 0) { break; }
    const timer = timers[index];
    timers[index] = null;
    events.push(["wait", timer.ms]);
    timer.fn();
    await new Promise((resolve) => setImmediate(resolve));
  }
  process.stdout.write(JSON.stringify(events));
})();
