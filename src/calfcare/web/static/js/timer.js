/* calfcare timer.js — hold/rest timers and the walk-run interval timer (no framework, progressive enhancement).

   Markup the server renders (everything still reads without JavaScript; this file adds the buttons):

     <div class="timer" data-timer-seconds="30" data-timer-rest="60" data-timer-sets="5" data-timer-label="Hold">
       Hold 30 s, rest 60 s, 5 times.                      <- fallback text, kept for screen readers
     </div>
       data-timer-seconds  the hold (required, whole seconds > 0)
       data-timer-rest     rest between holds in seconds (optional, 0 = none)
       data-timer-sets     how many holds (optional, default 1)
       data-timer-label    the word shown while holding (optional, default "Hold"; data-label works too)

     <div class="timer" data-intervals='[{"kind":"walk","seconds":240,"label":"warm-up walk"},{"kind":"run","seconds":60}]'>
       <ol class="interval-list"><li class="walk">…</li><li class="run">…</li></ol>   <- optional, else built here
     </div>
       each step: kind "walk" | "run", seconds (whole, > 0), label (optional words shown for that step).
       The plan's own shape is accepted too and expanded the same way as the server does:
       {"warm_up_min": 5, "intervals": [{"run_min": 3, "walk_min": 2, "repeats": 5}]}
       -> a warm-up walk, then each repeat's run and walk.

   Each timer gets Start / Pause / Reset buttons, a big display and an aria-live region that announces each
   change ("Run for 1 minute", "Rest", "Done"), never every second. On each change of step it beeps (WebAudio,
   created on the first Start tap because browsers only allow sound after a gesture) and vibrates where the
   phone supports navigator.vibrate. Time is measured from Date.now(), so a throttled background tab does not
   drift; the display catches up on the next tick.
   Bad data (not JSON, a kind other than walk/run, seconds not a positive whole number) leaves the element as
   the server rendered it and logs one console warning: the static list is still there to follow.
*/
(function () {
  "use strict";

  var TICK_MS = 250;

  /* "4:05" from 245 seconds */
  function clock(seconds) {
    var s = Math.max(0, Math.ceil(seconds));
    var m = Math.floor(s / 60);
    var r = s % 60;
    return m + ":" + (r < 10 ? "0" : "") + r;
  }

  /* "1 minute 30 seconds" for announcements */
  function spoken(seconds) {
    var m = Math.floor(seconds / 60);
    var s = seconds % 60;
    var parts = [];
    if (m) parts.push(m + (m === 1 ? " minute" : " minutes"));
    if (s) parts.push(s + (s === 1 ? " second" : " seconds"));
    return parts.join(" ") || "0 seconds";
  }

  function positiveInt(value) {
    var n = Number(value);
    return Number.isInteger(n) && n > 0 ? n : null;
  }

  /* One shared AudioContext, made on the first user gesture. */
  var audio = null;
  function unlockAudio() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!audio && Ctx) {
      try {
        audio = new Ctx();
      } catch (e) {
        audio = null;
      }
    }
    if (audio && audio.state === "suspended") audio.resume();
  }

  function beep(high) {
    if (audio) {
      try {
        var osc = audio.createOscillator();
        var gain = audio.createGain();
        osc.type = "sine";
        osc.frequency.value = high ? 880 : 587;
        gain.gain.setValueAtTime(0.0001, audio.currentTime);
        gain.gain.exponentialRampToValueAtTime(0.3, audio.currentTime + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.35);
        osc.connect(gain).connect(audio.destination);
        osc.start();
        osc.stop(audio.currentTime + 0.4);
      } catch (e) {
        /* sound is a nicety; the display and the announcement carry the change */
      }
    }
    if (navigator.vibrate) navigator.vibrate(high ? [200, 100, 200] : [300]);
  }

  /* Keep the screen on while a timer runs (Screen Wake Lock, where the browser has it): a phone that dims in the
     middle of a walk-run would also throttle the timer. Released on pause, reset and at the end. */
  var wakeLock = null;
  var wakeWanted = 0;
  function keepAwake(on) {
    wakeWanted = Math.max(0, wakeWanted + (on ? 1 : -1));
    if (!("wakeLock" in navigator)) return;
    if (wakeWanted > 0 && !wakeLock) {
      navigator.wakeLock.request("screen").then(function (lock) {
        wakeLock = lock;
        lock.addEventListener("release", function () { wakeLock = null; });
      }).catch(function () { /* not allowed now (hidden tab, low battery): the timer still works */ });
    } else if (wakeWanted === 0 && wakeLock) {
      wakeLock.release();
      wakeLock = null;
    }
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && wakeWanted > 0 && !wakeLock) {
      wakeWanted -= 1;
      keepAwake(true);
    }
  });

  function button(text, cls) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "btn " + (cls || "");
    b.textContent = text;
    return b;
  }

  /* Build the display, live region and buttons inside `root`; return the parts. */
  function scaffold(root) {
    var phase = document.createElement("div");
    phase.className = "timer-phase";
    var display = document.createElement("div");
    display.className = "timer-display";
    display.setAttribute("role", "timer");
    display.setAttribute("aria-live", "off");
    var live = document.createElement("div");
    live.className = "visually-hidden";
    live.setAttribute("aria-live", "assertive");
    live.setAttribute("aria-atomic", "true");
    var controls = document.createElement("div");
    controls.className = "timer-controls";
    var start = button("Start", "btn-primary");
    var pause = button("Pause");
    var reset = button("Reset");
    pause.disabled = true;
    controls.append(start, pause, reset);
    root.append(phase, display, controls, live);
    root.classList.add("is-enhanced");
    return { phase: phase, display: display, live: live, start: start, pause: pause, reset: reset };
  }

  /* A sequence of steps [{label, seconds, high}] driven by Start/Pause/Reset; onStep(i) after each change. */
  function runSteps(root, steps, ui, onStep) {
    var index = 0;
    var left = steps[0].seconds; // seconds left in the current step when paused
    var startedAt = 0; // Date.now() when the current run of the clock began
    var leftAtStart = 0;
    var handle = null;

    function show() {
      var done = index >= steps.length;
      ui.phase.textContent = done ? "Done" : steps[index].label;
      ui.display.textContent = done ? "0:00" : clock(left);
      root.classList.toggle("is-running", handle !== null);
      root.classList.toggle("is-finished", done);
      ui.start.disabled = handle !== null || done;
      ui.pause.disabled = handle === null;
    }

    function announce(text) {
      ui.live.textContent = text;
    }

    function enter(i) {
      index = i;
      onStep(i);
      if (i >= steps.length) {
        stop();
        beep(true);
        announce("Done. Well done.");
        show();
        return;
      }
      left = steps[i].seconds;
      startedAt = Date.now();
      leftAtStart = left;
      beep(steps[i].high);
      announce(steps[i].label + " for " + spoken(steps[i].seconds));
    }

    function tick() {
      left = leftAtStart - (Date.now() - startedAt) / 1000;
      while (left <= 0 && index < steps.length) {
        var overshoot = -left;
        enter(index + 1);
        if (index < steps.length) {
          leftAtStart = steps[index].seconds - overshoot;
          left = leftAtStart;
        }
      }
      show();
    }

    function stop() {
      if (handle !== null) {
        window.clearInterval(handle);
        keepAwake(false);
      }
      handle = null;
    }

    ui.start.addEventListener("click", function () {
      unlockAudio();
      if (index >= steps.length) return;
      var first = index === 0 && left === steps[0].seconds;
      startedAt = Date.now();
      leftAtStart = left;
      handle = window.setInterval(tick, TICK_MS);
      keepAwake(true);
      if (first) {
        beep(steps[0].high);
        announce(steps[0].label + " for " + spoken(steps[0].seconds));
      } else {
        announce("Resumed");
      }
      show();
    });
    ui.pause.addEventListener("click", function () {
      tick();
      stop();
      announce("Paused at " + clock(left));
      show();
    });
    ui.reset.addEventListener("click", function () {
      stop();
      index = 0;
      left = steps[0].seconds;
      onStep(0);
      announce("Reset");
      show();
    });
    onStep(0);
    show();
  }

  function holdTimer(root) {
    var hold = positiveInt(root.getAttribute("data-timer-seconds"));
    if (!hold) {
      console.warn("timer.js: data-timer-seconds must be a whole number of seconds > 0", root);
      return;
    }
    var restAttr = root.getAttribute("data-timer-rest");
    var rest = restAttr ? positiveInt(restAttr) : 0;
    var sets = positiveInt(root.getAttribute("data-timer-sets") || "1") || 1;
    var label = root.getAttribute("data-timer-label") || root.getAttribute("data-label") || "Hold";
    var steps = [];
    for (var i = 0; i < sets; i++) {
      var n = sets > 1 ? " " + (i + 1) + " of " + sets : "";
      steps.push({ label: label + n, seconds: hold, high: true });
      if (rest && i < sets - 1) steps.push({ label: "Rest", seconds: rest, high: false });
    }
    var ui = scaffold(root);
    runSteps(root, steps, ui, function () {});
  }

  /* the plan's {warm_up_min, intervals: [{run_min, walk_min, repeats}]} as a flat list of steps */
  function expandPlan(run) {
    var steps = [];
    var minutes = function (m) { return Math.round(Number(m) * 60); };
    if (run.warm_up_min) steps.push({ kind: "walk", seconds: minutes(run.warm_up_min), label: "warm-up walk" });
    (Array.isArray(run.intervals) ? run.intervals : []).forEach(function (iv) {
      var repeats = positiveInt(iv && iv.repeats) || 1;
      for (var i = 0; i < repeats; i++) {
        if (iv.run_min) steps.push({ kind: "run", seconds: minutes(iv.run_min) });
        if (iv.walk_min) steps.push({ kind: "walk", seconds: minutes(iv.walk_min) });
      }
    });
    return steps;
  }

  function parseIntervals(text) {
    var data;
    try {
      data = JSON.parse(text);
    } catch (e) {
      return null;
    }
    if (data && !Array.isArray(data) && typeof data === "object") data = expandPlan(data);
    if (!Array.isArray(data) || data.length === 0) return null;
    for (var i = 0; i < data.length; i++) {
      var step = data[i];
      if (!step || (step.kind !== "walk" && step.kind !== "run") || !positiveInt(step.seconds)) return null;
    }
    return data;
  }

  function intervalTimer(root) {
    var intervals = parseIntervals(root.getAttribute("data-intervals"));
    if (!intervals) {
      console.warn('timer.js: data-intervals must be JSON [{"kind":"walk"|"run","seconds":N}, …]', root);
      return;
    }
    var list = root.querySelector(".interval-list");
    if (!list || list.children.length !== intervals.length) {
      if (list) list.remove();
      list = document.createElement("ol");
      list.className = "interval-list";
      intervals.forEach(function (step) {
        var li = document.createElement("li");
        li.className = step.kind;
        var kind = document.createElement("span");
        kind.className = "kind";
        kind.textContent = step.label ? step.label.charAt(0).toUpperCase() + step.label.slice(1) : step.kind === "run" ? "Run" : "Walk";
        var dur = document.createElement("span");
        dur.className = "duration";
        dur.textContent = clock(step.seconds);
        li.append(kind, dur);
        list.append(li);
      });
      root.prepend(list);
    }
    var items = Array.prototype.slice.call(list.children);
    var steps = intervals.map(function (step, i) {
      var word = step.label ? step.label.charAt(0).toUpperCase() + step.label.slice(1) : step.kind === "run" ? "Run" : "Walk";
      return { label: word + " (" + (i + 1) + " of " + intervals.length + ")", seconds: step.seconds, high: step.kind === "run" };
    });
    var ui = scaffold(root);
    runSteps(root, steps, ui, function (current) {
      items.forEach(function (li, i) {
        li.classList.toggle("is-current", i === current);
        li.classList.toggle("is-done", i < current);
        if (i === current) li.setAttribute("aria-current", "step");
        else li.removeAttribute("aria-current");
      });
    });
  }

  function init(scope) {
    (scope || document).querySelectorAll("[data-timer-seconds]:not(.is-enhanced)").forEach(holdTimer);
    (scope || document).querySelectorAll("[data-intervals]:not(.is-enhanced)").forEach(intervalTimer);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { init(); });
  else init();
  /* pages swapped in by htmx get their timers too */
  document.addEventListener("htmx:load", function (event) { init(event.target); });
  window.calfcareTimer = { init: init, clock: clock, parseIntervals: parseIntervals };
})();
