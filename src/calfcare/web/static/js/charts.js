/* calfcare charts.js — the recovery and weekly-load charts, drawn as plain SVG (no chart library).

   Markup the server renders:

     <figure class="chart" data-chart-src="/api/v1/history" data-chart-kind="recovery">
       <figcaption>Pain and heel raises since the injury</figcaption>
       <div class="table-wrap chart-fallback"><table class="data-table">…the same numbers…</table></div>
     </figure>

   data-chart-kind="recovery" reads the JSON of /api/v1/history (the shape of `calfcare history --json`):
     pain_series: [{date, morning_pain, pain_rest?, pain_during_session, single_leg_heel_raises_injured,
                    single_leg_heel_raises_other, …}]   (missing or null values leave a gap)
     checkins:    [{date, decision, phase, …}]          (phases become shaded bands; step-backs get a mark)
   It draws two panels on one date axis: pain 0–10 (rest, morning, during: each its own colour, dash and
   marker shape, so colour is never the only difference) and single-leg heel raises (bars: the sore leg;
   a line: the other leg, the target).

   data-chart-kind="load" reads /api/v1/load (the shape of `calfcare load --json`):
     weeks: [{week_start, distance_km, max_spike, injured_days, runs, …}], spikes: [{date, km, band}],
     injured_periods: [{from, to}]
   It draws weekly distance bars, a marker over each week with a single-run spike (labelled with its band),
   and shades the weeks with injured days.

   The SVG is sized to the element's width (redrawn when it changes), so text stays 11–12 px on a 390 px phone.
   It is role="img" with a one-sentence summary as its name; each point has a <title>. When the element itself
   is already role="img" (the server names it), the SVG is aria-hidden and the summary is added to that name.
   A table inside the element with class "chart-fallback" is folded into "Show the numbers"; a table the server
   puts after the element is left alone. If the fetch fails, the chart says so and the table stays.
*/
(function () {
  "use strict";

  var NS = "http://www.w3.org/2000/svg";
  var DAY = 86400000;
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  var PHASES = {
    protect: "Protect",
    mobility: "Mobility",
    strength: "Strength",
    return_to_run: "Return to run",
    full_training: "Full training",
  };

  var SHORT = { protect: "Prot.", mobility: "Mob.", strength: "Str.", return_to_run: "Run", full_training: "Full" };

  /* ---------- small helpers ---------- */

  function el(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs || {}).forEach(function (key) {
      node.setAttribute(key, attrs[key]);
    });
    if (parent) parent.appendChild(node);
    return node;
  }

  function text(parent, x, y, content, attrs) {
    var t = el("text", Object.assign({ x: x, y: y }, attrs || {}), parent);
    t.textContent = content;
    return t;
  }

  function tip(node, content) {
    el("title", {}, node).textContent = content;
    return node;
  }

  /* "2026-03-04" -> ms since epoch (UTC midnight); null when not a date */
  function day(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(iso || ""));
    return m ? Date.UTC(+m[1], +m[2] - 1, +m[3]) : null;
  }

  function shortDate(ms) {
    var d = new Date(ms);
    return d.getUTCDate() + " " + MONTHS[d.getUTCMonth()];
  }

  function num(value) {
    return typeof value === "number" && isFinite(value) ? value : null;
  }

  /* linear scale */
  function scale(d0, d1, r0, r1) {
    var span = d1 - d0 || 1;
    return function (v) {
      return r0 + ((v - d0) / span) * (r1 - r0);
    };
  }

  /* a "nice" ceiling and step for a 0-based axis: 0..max in 3-5 steps */
  function niceAxis(max) {
    if (!(max > 0)) return { top: 5, step: 1 };
    var raw = max / 4;
    var mag = Math.pow(10, Math.floor(Math.log10(raw)));
    var step = [1, 2, 2.5, 5, 10].map(function (f) { return f * mag; }).find(function (s) { return s >= raw; });
    return { top: Math.ceil(max / step) * step, step: step };
  }

  /* date ticks: about one per 70 px */
  function dateTicks(t0, t1, width) {
    var days = Math.max(1, Math.round((t1 - t0) / DAY));
    var want = Math.max(2, Math.floor(width / 70));
    var every = Math.max(1, Math.ceil(days / want));
    var out = [];
    for (var t = t0; t <= t1; t += every * DAY) out.push(t);
    return out;
  }

  function svgRoot(container, width, height, label) {
    var svg = el("svg", {
      viewBox: "0 0 " + width + " " + height,
      width: width,
      height: height,
      role: "img",
      "aria-label": label,
      class: "chart-svg",
    });
    tip(svg, label);
    return svg;
  }

  function legend(items) {
    var ul = document.createElement("ul");
    ul.className = "chart-legend";
    items.forEach(function (item) {
      var li = document.createElement("li");
      var sw = el("svg", { viewBox: "0 0 28 12", "aria-hidden": "true", focusable: "false" });
      if (item.bar) el("rect", { x: 4, y: 1, width: 20, height: 10, class: item.cls }, sw);
      else if (item.band) el("rect", { x: 0, y: 0, width: 28, height: 12, class: item.cls }, sw);
      else {
        el("line", { x1: 1, y1: 6, x2: 27, y2: 6, class: "line " + item.cls }, sw);
        if (item.marker) marker(sw, item.marker, 14, 6, item.cls);
      }
      li.appendChild(sw);
      li.appendChild(document.createTextNode(item.label));
      ul.appendChild(li);
    });
    return ul;
  }

  function marker(parent, shape, x, y, cls) {
    if (shape === "square") return el("rect", { x: x - 3.5, y: y - 3.5, width: 7, height: 7, class: "mark " + cls }, parent);
    if (shape === "triangle")
      return el("path", { d: "M" + x + "," + (y - 4.5) + " l4.5,8 h-9 z", class: "mark " + cls }, parent);
    return el("circle", { cx: x, cy: y, r: 3.8, class: "mark " + cls }, parent);
  }

  function axisY(g, y, ticks, x0, x1, fmt) {
    ticks.forEach(function (v) {
      el("line", { x1: x0, x2: x1, y1: y(v), y2: y(v), class: "gridline" }, g);
      text(g, x0 - 6, y(v) + 4, fmt ? fmt(v) : String(v), { "text-anchor": "end", class: "tick" });
    });
  }

  function axisX(g, x, ticks, yBase, x0, x1) {
    el("line", { x1: x0, x2: x1, y1: yBase, y2: yBase, class: "baseline" }, g);
    ticks.forEach(function (t) {
      /* labels near either end are anchored so they stay inside the drawing */
      var px = x(t);
      var anchor = px - x0 < 24 ? "start" : x1 - px < 24 ? "end" : "middle";
      text(g, px, yBase + 15, shortDate(t), { "text-anchor": anchor, class: "tick" });
    });
  }

  /* ---------- recovery ---------- */

  var PAIN = [
    { keys: ["pain_rest"], label: "Pain at rest", cls: "s-rest", marker: "circle" },
    { keys: ["morning_pain"], label: "Morning pain", cls: "s-morning", marker: "square" },
    { keys: ["pain_during_session", "pain_during"], label: "Pain during exercise", cls: "s-during", marker: "triangle" },
  ];

  function pick(row, keys) {
    for (var i = 0; i < keys.length; i++) {
      var v = num(row[keys[i]]);
      if (v !== null) return v;
    }
    return null;
  }

  /* contiguous runs of the same phase: [{phase, from, to}] */
  function phaseBands(checkins) {
    var bands = [];
    checkins.forEach(function (c) {
      var t = day(c.date);
      if (t === null || !c.phase) return;
      var last = bands[bands.length - 1];
      if (last && last.phase === c.phase) last.to = t;
      else bands.push({ phase: c.phase, from: t, to: t });
    });
    return bands;
  }

  function drawRecovery(container, data, width) {
    var rows = (data.pain_series || data.checkins || []).filter(function (r) { return day(r.date) !== null; });
    rows.sort(function (a, b) { return day(a.date) - day(b.date); });
    var checkins = (data.checkins || []).slice().sort(function (a, b) { return day(a.date) - day(b.date); });
    if (!rows.length) return null;
    var series = PAIN.filter(function (s) {
      return rows.some(function (r) { return pick(r, s.keys) !== null; });
    });
    var raises = rows.some(function (r) { return num(r.single_leg_heel_raises_injured) !== null; });

    var m = { left: 34, right: 14, top: 40 };
    var painH = 150;
    var gap = 46;
    var raiseH = raises ? 110 : 0;
    var height = m.top + painH + 30 + (raises ? gap + raiseH + 30 : 0);
    var t0 = day(rows[0].date);
    var t1 = day(rows[rows.length - 1].date);
    if (t1 === t0) {
      t0 -= DAY;
      t1 += DAY;
    }
    var x = scale(t0, t1, m.left, width - m.right);
    var ticks = dateTicks(t0, t1, width - m.left - m.right);
    var latest = rows[rows.length - 1];
    var summary = "Recovery chart, " + rows.length + " check-ins from " + shortDate(day(rows[0].date)) + " to " +
      shortDate(day(latest.date)) + ". " + series.map(function (s) {
        var v = pick(latest, s.keys);
        return s.label + " last " + (v === null ? "not given" : v + " of 10");
      }).join(", ") + (raises && num(latest.single_leg_heel_raises_injured) !== null
        ? ", heel raises on the sore leg last " + latest.single_leg_heel_raises_injured : "") + ".";
    var svg = svgRoot(container, width, height, summary);

    /* phase bands across both panels */
    var bandG = el("g", { class: "bands" }, svg);
    var bands = phaseBands(checkins);
    var half = rows.length > 1 ? (x(t0 + DAY) - x(t0)) / 2 : 0;
    bands.forEach(function (b, i) {
      var bx0 = Math.max(m.left, x(b.from) - half);
      var bx1 = Math.min(width - m.right, x(b.to) + half);
      var bandRect = el("rect", {
        x: bx0, y: m.top - 18, width: Math.max(1, bx1 - bx0), height: height - m.top - 12,
        class: i % 2 ? "band band-b" : "band band-a",
      }, bandG);
      tip(bandRect, (PHASES[b.phase] || b.phase) + ": " + shortDate(b.from) + " to " + shortDate(b.to));
      var names = [PHASES[b.phase] || b.phase, SHORT[b.phase] || ""];
      var fits = names.filter(function (name) { return name && bx1 - bx0 > 6.5 * name.length + 6; })[0];
      if (fits) text(bandG, bx0 + 3, m.top - 6, fits, { class: "band-label" });
    });

    /* pain panel */
    var y = scale(0, 10, m.top + painH, m.top);
    var pain = el("g", { class: "panel pain" }, svg);
    axisY(pain, y, [0, 2, 4, 6, 8, 10], m.left, width - m.right);
    axisX(pain, x, ticks, m.top + painH, m.left, width - m.right);
    series.forEach(function (s) {
      var path = "";
      var pen = false;
      var g = el("g", { class: "series " + s.cls }, pain);
      rows.forEach(function (r) {
        var v = pick(r, s.keys);
        if (v === null) {
          pen = false;
          return;
        }
        var px = x(day(r.date));
        var py = y(v);
        path += (pen ? "L" : "M") + px.toFixed(1) + "," + py.toFixed(1);
        pen = true;
      });
      el("path", { d: path, class: "line " + s.cls }, g);
      rows.forEach(function (r) {
        var v = pick(r, s.keys);
        if (v === null) return;
        tip(marker(g, s.marker, x(day(r.date)), y(v), s.cls), shortDate(day(r.date)) + ": " + s.label.toLowerCase() + " " + v + "/10");
      });
    });
    /* step-backs and referrals are marked under the pain axis */
    checkins.forEach(function (c) {
      if (c.decision !== "step_back" && c.decision !== "refer") return;
      var t = day(c.date);
      if (t === null || t < t0 || t > t1) return;
      var mk = el("path", { d: "M" + x(t) + "," + (m.top + painH - 2) + " l-5,-9 h10 z", class: "mark s-stepback" }, pain);
      tip(mk, shortDate(t) + ": " + (c.decision === "refer" ? "referred" : "stepped back"));
    });
    text(pain, 4, 13, "Pain (0 = none, 10 = worst)", { class: "axis-title" });

    /* heel-raise panel */
    if (raises) {
      var top = m.top + painH + 30 + gap;
      var maxR = 0;
      rows.forEach(function (r) {
        maxR = Math.max(maxR, num(r.single_leg_heel_raises_injured) || 0, num(r.single_leg_heel_raises_other) || 0);
      });
      var ax = niceAxis(Math.max(maxR, 5));
      var yr = scale(0, ax.top, top + raiseH, top);
      var g2 = el("g", { class: "panel raises" }, svg);
      var rt = [];
      for (var v = 0; v <= ax.top + 1e-9; v += ax.step) rt.push(Math.round(v * 10) / 10);
      axisY(g2, yr, rt, m.left, width - m.right);
      axisX(g2, x, ticks, top + raiseH, m.left, width - m.right);
      text(g2, 4, top - 8, "Single-leg heel raises", { class: "axis-title" });
      var bw = Math.max(3, Math.min(16, ((width - m.left - m.right) / Math.max(rows.length, 1)) * 0.6));
      var other = "";
      var pen = false;
      rows.forEach(function (r) {
        var t = day(r.date);
        var inj = num(r.single_leg_heel_raises_injured);
        if (inj !== null) {
          var bar = el("rect", {
            x: x(t) - bw / 2, y: yr(inj), width: bw, height: Math.max(0.5, yr(0) - yr(inj)), class: "bar s-raises",
          }, g2);
          tip(bar, shortDate(t) + ": " + inj + " heel raises on the sore leg");
        }
        var oth = num(r.single_leg_heel_raises_other);
        if (oth === null) {
          pen = false;
        } else {
          other += (pen ? "L" : "M") + x(t).toFixed(1) + "," + yr(oth).toFixed(1);
          pen = true;
        }
      });
      if (other) el("path", { d: other, class: "line s-other" }, g2);
    }

    var items = series.map(function (s) { return { label: s.label, cls: s.cls, marker: s.marker }; });
    if (raises) {
      items.push({ label: "Heel raises, sore leg", cls: "s-raises", bar: true });
      items.push({ label: "Other leg", cls: "s-other" });
    }
    if (bands.length) items.push({ label: "Phases (shaded)", cls: "band band-a", band: true });
    if (checkins.some(function (c) { return c.decision === "step_back" || c.decision === "refer"; })) {
      items.push({ label: "Stepped back", cls: "s-stepback", marker: "triangle" });
    }
    return { svg: svg, legend: legend(items) };
  }

  /* ---------- weekly load ---------- */

  function drawLoad(container, data, width) {
    var weeks = (data.weeks || []).filter(function (w) { return day(w.week_start) !== null; });
    if (!weeks.length) return null;
    var m = { left: 38, right: 10, top: 30, bottom: 34 };
    var plotH = 190;
    var height = m.top + plotH + m.bottom;
    var n = weeks.length;
    var slot = (width - m.left - m.right) / n;
    var bw = Math.max(2, slot * 0.7);
    var maxKm = 0;
    weeks.forEach(function (w) { maxKm = Math.max(maxKm, num(w.distance_km) || 0); });
    var ax = niceAxis(Math.max(maxKm, 5));
    var y = scale(0, ax.top, m.top + plotH, m.top);
    var xs = function (i) { return m.left + slot * i + slot / 2; };
    var spiky = weeks.filter(function (w) { return w.max_spike; }).length;
    var injured = weeks.filter(function (w) { return (w.injured_days || 0) > 0; }).length;
    var last = weeks[n - 1];
    var summary = "Weekly distance for " + n + " weeks from " + shortDate(day(weeks[0].week_start)) + ": last week " +
      (num(last.distance_km) || 0) + " km, most " + maxKm + " km; " + spiky + " weeks with a single-run spike, " +
      injured + " weeks with injured days.";
    var svg = svgRoot(container, width, height, summary);

    /* injured weeks, shaded by how many of the 7 days were injured */
    var shade = el("g", { class: "injured" }, svg);
    weeks.forEach(function (w, i) {
      var d = w.injured_days || 0;
      if (!d) return;
      tip(el("rect", {
        x: m.left + slot * i, y: m.top - 20, width: slot, height: plotH + 20,
        class: "band band-injured", "fill-opacity": (0.45 + 0.55 * Math.min(d, 7) / 7).toFixed(2),
      }, shade), "Week of " + shortDate(day(w.week_start)) + ": injured " + d + " of 7 days");
    });

    var g = el("g", { class: "panel load" }, svg);
    var yt = [];
    for (var v = 0; v <= ax.top + 1e-9; v += ax.step) yt.push(Math.round(v * 10) / 10);
    axisY(g, y, yt, m.left, width - m.right);
    text(g, 4, m.top - 18, "km / week", { class: "axis-title" });
    el("line", { x1: m.left, x2: width - m.right, y1: y(0), y2: y(0), class: "baseline" }, g);

    var every = Math.max(1, Math.ceil(n / Math.max(2, Math.floor((width - m.left - m.right) / 64))));
    weeks.forEach(function (w, i) {
      var km = num(w.distance_km) || 0;
      var bar = el("rect", {
        x: xs(i) - bw / 2, y: y(km), width: bw, height: Math.max(0, y(0) - y(km)), class: "bar s-bar",
      }, g);
      tip(bar, "Week of " + shortDate(day(w.week_start)) + ": " + km + " km" + (w.runs != null ? ", " + w.runs + " runs" : "") +
        (w.max_spike ? ", longest-run spike " + w.max_spike : ""));
      if (w.max_spike) {
        var top = y(km) - 6;
        tip(el("path", { d: "M" + xs(i) + "," + top + " l-6,-10 h12 z", class: "mark s-spike" }, g),
          "Spike in the week of " + shortDate(day(w.week_start)) + ": a run " + w.max_spike + " longer than the longest of the 30 days before");
      }
      if (i % every === 0) text(g, xs(i), y(0) + 15, shortDate(day(w.week_start)), { "text-anchor": "middle", class: "tick" });
    });

    var items = [{ label: "Distance per week", cls: "s-bar", bar: true }, { label: "Single-run spike", cls: "s-spike", marker: "triangle" }];
    if (injured) items.push({ label: "Injured days", cls: "band band-injured", band: true });
    return { svg: svg, legend: legend(items) };
  }

  /* ---------- wiring ---------- */

  var DRAW = { recovery: drawRecovery, load: drawLoad };

  function foldFallback(container) {
    var fallback = container.querySelector(".chart-fallback");
    if (!fallback || fallback.closest("details")) return;
    var details = document.createElement("details");
    details.className = "chart-numbers";
    var summary = document.createElement("summary");
    summary.textContent = "Show the numbers";
    details.appendChild(summary);
    fallback.parentNode.insertBefore(details, fallback);
    details.appendChild(fallback);
  }

  function status(container, message) {
    var p = container.querySelector(".chart-status");
    if (!p) {
      p = document.createElement("p");
      p.className = "chart-status";
      p.setAttribute("role", "status");
      container.insertBefore(p, container.querySelector(".chart-fallback, details") || null);
    }
    p.textContent = message;
  }

  function render(container, data) {
    var kind = container.getAttribute("data-chart-kind");
    var draw = DRAW[kind];
    var old = container.querySelector(".chart-drawing");
    var width = Math.max(280, Math.round((old || container).getBoundingClientRect().width || container.clientWidth || 360));
    var drawn = draw ? draw(container, data, width) : null;
    if (old) old.remove();
    if (!drawn) {
      status(container, draw ? "Nothing to draw yet." : "Unknown chart kind " + kind + ".");
      return;
    }
    if (container.getAttribute("role") === "img") {
      /* the container is the image: its name gets the summary, the drawing inside is decoration */
      if (!container.hasAttribute("data-chart-name")) {
        container.setAttribute("data-chart-name", container.getAttribute("aria-label") || "");
      }
      var name = container.getAttribute("data-chart-name");
      container.setAttribute("aria-label", (name ? name + ". " : "") + drawn.svg.getAttribute("aria-label"));
      drawn.svg.setAttribute("aria-hidden", "true");
      drawn.svg.removeAttribute("role");
      drawn.svg.removeAttribute("aria-label");
    }
    var wrap = document.createElement("div");
    wrap.className = "chart-drawing";
    wrap.appendChild(drawn.svg);
    wrap.appendChild(drawn.legend);
    var anchor = container.querySelector(".chart-status, .chart-numbers, .chart-fallback");
    container.insertBefore(wrap, anchor);
    var st = container.querySelector(".chart-status");
    if (st) st.remove();
    foldFallback(container);
    container.classList.add("is-drawn");
  }

  function load(container) {
    if (container.getAttribute("data-chart-state")) return;
    container.setAttribute("data-chart-state", "loading");
    var src = container.getAttribute("data-chart-src");
    fetch(src, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (res) {
        if (!res.ok) throw new Error("HTTP " + res.status);
        return res.json();
      })
      .then(function (data) {
        container.setAttribute("data-chart-state", "drawn");
        render(container, data);
        var lastWidth = container.clientWidth;
        if (window.ResizeObserver) {
          new ResizeObserver(function () {
            if (Math.abs(container.clientWidth - lastWidth) < 8) return;
            lastWidth = container.clientWidth;
            render(container, data);
          }).observe(container);
        }
      })
      .catch(function () {
        container.setAttribute("data-chart-state", "failed");
        status(container, "The chart could not be loaded; the table has the same numbers.");
      });
  }

  function init(scope) {
    (scope || document).querySelectorAll("[data-chart-src][data-chart-kind]").forEach(load);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { init(); });
  else init();
  document.addEventListener("htmx:load", function (event) { init(event.target.parentNode || document); });
  window.calfcareCharts = { init: init, render: render };
})();
