(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var search = $("search"), table = $("models");
  var rows = table ? Array.prototype.slice.call(table.tBodies[0].rows) : [];
  var texts = rows.map(function (r) { return (r.textContent + " " + (r.getAttribute("data-cols") || "")).toLowerCase(); });
  var svg = $("dag"), box = $("graph");
  var data = $("dag-data") ? JSON.parse($("dag-data").textContent) : { w: 0, h: 0, e: [], l: [] };
  var nodes = svg ? Array.prototype.slice.call(svg.querySelectorAll("#nodes > a")) : [];
  var paths = svg ? Array.prototype.slice.call(svg.querySelectorAll("#edges > path")) : [];
  var BOX_W = 180, BOX_H = 26, ROW_H = 36, GAP = 72, PAD = 16;
  var READABLE = 1.35;  // graph units per pixel at which a node's 12px label is still read
  var up = nodes.map(function () { return []; }), down = nodes.map(function () { return []; });
  data.e.forEach(function (e) { down[e[0]].push(e[1]); up[e[1]].push(e[0]); });
  var byName = {}, home = [], originalPaths = paths.map(function (p) { return p.getAttribute("d"); });
  nodes.forEach(function (a, i) {
    byName[a.getAttribute("data-name")] = i;
    var r = a.querySelector("rect");
    home.push({ x: +r.getAttribute("x"), y: +r.getAttribute("y") });
  });
  var focusSet = null, focused = -1, where = home;

  // --- the view: a viewBox moved by dragging and scaled by the wheel ---
  var view = { x: 0, y: 0, w: data.w, h: data.h };
  function size() { return { w: Math.max(1, box.clientWidth), h: Math.max(1, box.clientHeight) }; }
  function draw() { svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].map(Math.round).join(" ")); }
  function scaleTo(unitsPerPixel, cx, cy) {  // cx, cy: the graph point that stays put
    var s = size(), k = Math.min(40, Math.max(0.25, unitsPerPixel));
    var fx = (cx - view.x) / view.w, fy = (cy - view.y) / view.h;
    view = { w: s.w * k, h: s.h * k, x: 0, y: 0 };
    view.x = cx - fx * view.w; view.y = cy - fy * view.h;
    draw();
  }
  function fit(x, y, w, h) {
    var s = size(), k = Math.max((w + 2 * PAD) / s.w, (h + 2 * PAD) / s.h, 1 / 1.15);
    view = { w: s.w * k, h: s.h * k, x: 0, y: 0 };
    view.x = x + w / 2 - view.w / 2; view.y = y + h / 2 - view.h / 2;
    draw();
  }
  function actualSize() {
    var s = size();
    view = { x: 0, y: Math.min(0, (data.h - s.h) / 2), w: s.w, h: s.h };
    draw();
  }
  function shownBounds() {
    var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    nodes.forEach(function (a, i) {
      if (focusSet && !focusSet[i]) return;
      var p = where[i];
      x0 = Math.min(x0, p.x); y0 = Math.min(y0, p.y); x1 = Math.max(x1, p.x + BOX_W); y1 = Math.max(y1, p.y + BOX_H);
    });
    return x0 === Infinity ? null : { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
  }
  function fitShown() { var b = shownBounds(); if (b) fit(b.x, b.y, b.w, b.h); }
  // A focused neighbourhood too big to read whole: the focused node in the middle, at a
  // scale its labels can be read at; the rest is a drag away.
  function fitFocus(i) {
    var b = shownBounds(), s = size();
    if (!b) return;
    if (Math.max((b.w + 2 * PAD) / s.w, (b.h + 2 * PAD) / s.h) <= READABLE) { fit(b.x, b.y, b.w, b.h); return; }
    view = { w: s.w * READABLE, h: s.h * READABLE, x: 0, y: 0 };
    view.x = where[i].x + BOX_W / 2 - view.w / 2; view.y = where[i].y + BOX_H / 2 - view.h / 2;
    draw();
  }

  if (svg && box) {
    box.classList.add("live");
    svg.removeAttribute("width"); svg.removeAttribute("height");
    var s0 = size();
    if (data.w <= s0.w && data.h <= s0.h) actualSize();
    else if (Math.max(data.w / s0.w, data.h / s0.h) <= 2.2) fitShown();
    else actualSize();
    var drag = null, dragged = false;
    box.addEventListener("pointerdown", function (event) {
      if (event.button !== 0 || event.shiftKey) return;
      drag = { x: event.clientX, y: event.clientY, vx: view.x, vy: view.y, id: event.pointerId };
      dragged = false;
    });
    box.addEventListener("pointermove", function (event) {
      if (!drag) return;
      var dx = event.clientX - drag.x, dy = event.clientY - drag.y;
      if (!dragged && Math.abs(dx) + Math.abs(dy) < 4) return;
      if (!dragged) { dragged = true; box.classList.add("dragging"); try { box.setPointerCapture(drag.id); } catch (e) { /* gone */ } }
      var k = view.w / size().w;
      view.x = drag.vx - dx * k; view.y = drag.vy - dy * k;
      draw();
    });
    function release() { drag = null; box.classList.remove("dragging"); }
    box.addEventListener("pointerup", release);
    box.addEventListener("pointercancel", release);
    box.addEventListener("click", function (event) {
      if (dragged) { event.preventDefault(); event.stopPropagation(); dragged = false; return; }
      var link = event.target.closest ? event.target.closest("#nodes > a") : null;
      if (link && event.shiftKey) { event.preventDefault(); setFocus(byName[link.getAttribute("data-name")]); }
    }, true);
    box.addEventListener("wheel", function (event) {
      event.preventDefault();
      var s = size(), rect = box.getBoundingClientRect();
      var cx = view.x + (event.clientX - rect.left) / s.w * view.w, cy = view.y + (event.clientY - rect.top) / s.h * view.h;
      var step = event.deltaMode === 1 ? event.deltaY * 16 : event.deltaY;
      scaleTo(view.w / s.w * Math.exp(step * 0.0018), cx, cy);
    }, { passive: false });
    window.addEventListener("resize", function () { var s = size(); view.h = view.w * s.h / s.w; draw(); });
    function zoomBy(f) { scaleTo(view.w / size().w * f, view.x + view.w / 2, view.y + view.h / 2); }
    $("zoom-in").addEventListener("click", function () { zoomBy(1 / 1.3); });
    $("zoom-out").addEventListener("click", function () { zoomBy(1.3); });
    $("fit").addEventListener("click", fitShown);
    $("actual").addEventListener("click", actualSize);
  }

  // --- focus: a node and its neighbourhood, laid out again compactly by level ---
  function around(start, depth) {
    var keep = {};
    keep[start] = true;
    [up, down].forEach(function (links) {
      var seen = {}, frontier = [start], step = 0;
      seen[start] = true;
      while (frontier.length && (!depth || step < depth)) {
        var next = [];
        frontier.forEach(function (i) {
          links[i].forEach(function (j) { if (!seen[j]) { seen[j] = true; keep[j] = true; next.push(j); } });
        });
        frontier = next;
        step++;
      }
    });
    return keep;
  }
  function curve(p, c) {
    var px = p.x + BOX_W, py = p.y + BOX_H / 2, cx = c.x, cy = c.y + BOX_H / 2;
    var bend = Math.max(24, Math.min(120, (cx - px) / 2));
    return "M" + px + " " + py + "C" + (px + bend) + " " + py + " " + (cx - bend) + " " + cy + " " + cx + " " + cy;
  }
  function compact(keep) {
    var levels = {}, out = home.slice();
    nodes.forEach(function (a, i) { if (keep[i]) (levels[data.l[i]] = levels[data.l[i]] || []).push(i); });
    var order = Object.keys(levels).map(Number).sort(function (a, b) { return a - b; });
    var tallest = Math.max.apply(null, order.map(function (l) { return levels[l].length; }));
    order.forEach(function (level, column) {
      var list = levels[level].sort(function (a, b) { return home[a].x - home[b].x || home[a].y - home[b].y; });
      var top = PAD + (tallest - list.length) * ROW_H / 2;
      list.forEach(function (i, row) { out[i] = { x: PAD + column * (BOX_W + GAP), y: top + row * ROW_H }; });
    });
    return out;
  }
  function place() {
    nodes.forEach(function (a, i) {
      var dx = where[i].x - home[i].x, dy = where[i].y - home[i].y;
      if (dx || dy) a.setAttribute("transform", "translate(" + dx + " " + dy + ")"); else a.removeAttribute("transform");
      a.classList.toggle("hidden", !!focusSet && !focusSet[i]);
      a.classList.toggle("focus", i === focused);
    });
    paths.forEach(function (p, k) {
      var e = data.e[k], shown = !focusSet || (focusSet[e[0]] && focusSet[e[1]]);
      p.classList.toggle("hidden", !shown);
      p.classList.toggle("hi", !!focusSet && shown && (e[0] === focused || e[1] === focused));
      p.setAttribute("d", focusSet && shown ? curve(where[e[0]], where[e[1]]) : originalPaths[k]);
    });
  }
  function setFocus(i) {
    if (i === undefined || i === null || i < 0 || !svg) { clearFocus(); return; }
    focused = i;
    focusSet = around(i, +$("depth").value);
    where = compact(focusSet);
    place();
    fitFocus(i);
    $("focus").value = nodes[i].getAttribute("data-name");
    $("clear-focus").disabled = false;
    filter();
    remember();
  }
  function clearFocus() {
    focused = -1; focusSet = null; where = home;
    if (svg) { place(); fitShown(); $("focus").value = ""; $("clear-focus").disabled = true; }
    filter();
    remember();
  }
  if (svg) {
    $("focus").addEventListener("change", function () { var i = byName[this.value]; if (i !== undefined) setFocus(i); });
    $("focus").addEventListener("keydown", function (event) {
      if (event.key === "Enter") { var i = byName[this.value]; if (i !== undefined) setFocus(i); }
    });
    $("depth").addEventListener("change", function () { if (focused >= 0) setFocus(focused); });
    $("clear-focus").addEventListener("click", clearFocus);
  }

  // --- the search: filters the table, dims the other nodes of the graph ---
  function filter() {
    var terms = search ? search.value.toLowerCase().split(/\s+/).filter(Boolean) : [];
    var matched = {}, shown = 0;
    rows.forEach(function (row, k) {
      var i = +row.getAttribute("data-i");
      var hit = terms.every(function (t) { return texts[k].indexOf(t) >= 0; });
      if (hit) matched[i] = true;
      var visible = hit && (!focusSet || focusSet[i] === true);
      row.hidden = !visible;
      if (visible) shown++;
    });
    nodes.forEach(function (a, i) { a.classList.toggle("dim", terms.length > 0 && !matched[i]); });
    paths.forEach(function (p, k) { var e = data.e[k]; p.classList.toggle("dim", terms.length > 0 && !(matched[e[0]] && matched[e[1]])); });
    if ($("row-count")) $("row-count").textContent = shown === rows.length ? rows.length : shown + " of " + rows.length;
    if ($("no-match")) $("no-match").hidden = shown > 0 || rows.length === 0;
    if ($("filter-note")) $("filter-note").textContent = focusSet ? "the neighbourhood of " + nodes[focused].getAttribute("data-name") : "";
  }
  function remember() {
    var parts = [];
    if (focused >= 0) parts.push("focus=" + encodeURIComponent(nodes[focused].getAttribute("data-name")));
    if (search && search.value) parts.push("q=" + encodeURIComponent(search.value));
    try { history.replaceState(null, "", parts.length ? "#" + parts.join("&") : location.pathname + location.search); } catch (e) { /* file: in some browsers */ }
  }
  var typing = null;
  if (search) search.addEventListener("input", function () {
    clearTimeout(typing);
    typing = setTimeout(function () { filter(); remember(); }, rows.length > 300 ? 120 : 0);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && document.activeElement === search) { search.value = ""; filter(); remember(); }
  });

  // --- sorting: click a header; numbers by their data-v ---
  if (table) Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, column) {
    if (!th.hasAttribute("data-sort")) return;
    th.addEventListener("click", function () {
      var descending = th.getAttribute("aria-sort") === "ascending";
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (other) { if (other.hasAttribute("data-sort")) other.setAttribute("aria-sort", "none"); });
      th.setAttribute("aria-sort", descending ? "descending" : "ascending");
      var numeric = th.getAttribute("data-sort") === "num";
      var keyed = rows.map(function (row) {
        var cell = row.cells[column], v = numeric ? cell.getAttribute("data-v") : cell.textContent.trim().toLowerCase();
        return { row: row, v: numeric ? (v === "" || v === null ? -Infinity : +v) : v };
      });
      keyed.sort(function (a, b) { var r = a.v < b.v ? -1 : a.v > b.v ? 1 : 0; return descending ? -r : r; });
      var body = table.tBodies[0];
      keyed.forEach(function (k) { body.appendChild(k.row); });
      rows = keyed.map(function (k) { return k.row; });
      texts = rows.map(function (r) { return (r.textContent + " " + (r.getAttribute("data-cols") || "")).toLowerCase(); });
    });
  });

  // --- the address: #focus=<name>&q=<search> ---
  var params = {};
  location.hash.replace(/^#/, "").split("&").forEach(function (part) {
    var at = part.indexOf("=");
    if (at > 0) { try { params[part.slice(0, at)] = decodeURIComponent(part.slice(at + 1)); } catch (e) { /* malformed */ } }
  });
  if (params.q && search) search.value = params.q;
  if (params.focus !== undefined && byName[params.focus] !== undefined) setFocus(byName[params.focus]);
  else filter();
})();
