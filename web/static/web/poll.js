// The one polling loop of the pages that follow work running on the server (a duel, an
// edition, a revision's build and validation, a human match): fetch a JSON address, hand each
// answer to the page, wait, ask again, until the page says it is finished.
//
//   var poller = window.ArenaPoll.start({
//     url: "/…/status.json",
//     every: 2000,                  // ms between answers, or function (data) -> ms
//     delay: 2000,                  // ms before the first request (default: every)
//     maxWait: 30000,               // the longest wait after failures (default 30 s)
//     update: function (data) {},   // each answer
//     finished: function (data) {}, // true: the last answer, stop
//     onFinish: function (data) {}, // once, after the last answer's update
//     onError: function (error, failures) {},
//   });
//   poller.now();  // ask at once (e.g. after sending something); poller.stop();
//
// A failed request (network down, server error) is retried after a wait that doubles with each
// failure in a row, up to maxWait, and is back to `every` after the next answer: a restarting
// server is not hammered by every open page. An answer of 4xx other than 408 and 429 stops the
// loop (the address is gone or no longer ours: asking again cannot help). One request at a
// time: now() during a request asks again as soon as it is answered.
(function () {
  "use strict";

  function start(options) {
    var timer = null;
    var stopped = false;
    var asking = false;
    var again = false;
    var failures = 0;
    var maxWait = options.maxWait || 30000;

    function interval(data) {
      var every = options.every === undefined ? 2000 : options.every;
      return typeof every === "function" ? every(data) : every;
    }

    function schedule(ms) {
      clearTimeout(timer);
      timer = stopped ? null : setTimeout(ask, ms);
    }

    function stop() {
      stopped = true;
      clearTimeout(timer);
    }

    function answered(wait) {
      asking = false;
      if (again) {
        again = false;
        wait = 0;
      }
      schedule(wait);
    }

    function ask() {
      if (stopped) return;
      asking = true;
      fetch(options.url, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      })
        .then(function (response) {
          if (!response.ok) {
            var error = new Error("the server answered " + response.status);
            error.status = response.status;
            throw error;
          }
          return response.json();
        })
        .then(function (data) {
          if (stopped) return;
          failures = 0;
          if (options.update) options.update(data);
          if (options.finished && options.finished(data)) {
            stop();
            if (options.onFinish) options.onFinish(data);
            return;
          }
          answered(interval(data));
        })
        .catch(function (error) {
          if (stopped) return;
          failures += 1;
          var status = error && error.status;
          if (status >= 400 && status < 500 && status !== 408 && status !== 429) stop();
          if (options.onError) options.onError(error, failures);
          answered(Math.min(maxWait, interval(null) * Math.pow(2, failures)));
        });
    }

    schedule(options.delay === undefined ? interval(null) : options.delay);
    return {
      now: function () {
        if (asking) again = true;
        else schedule(0);
      },
      stop: stop,
    };
  }

  window.ArenaPoll = { start: start };
})();
