/* picodragon mission control: the pages' behaviour. Plain JavaScript, no framework, no network
   beyond this server. Every page fetches the same JSON API scripts use. */
"use strict";

const CSRF = document.querySelector('meta[name="csrf-token"]')?.content || "";
const PAGE = document.body.dataset.page;
const ROLE = document.body.dataset.role;
const CAN_COMMAND = ROLE === "operator" || ROLE === "admin";
const SEVERITY = ["DEBUG", "INFO", "WARNING", "CRITICAL"];
const PALETTE = ["#7fc4ff", "#ffb000", "#3ccf7a", "#ff6b6b", "#c792ea", "#f78c6c", "#89ddff", "#e6e6e6"];

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v; else if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c ?? "")));
  return e;
}

async function api(path, options = {}) {
  const opts = { credentials: "same-origin", headers: {}, ...options };
  if (opts.body !== undefined && typeof opts.body !== "string") {
    opts.body = JSON.stringify(opts.body);
    opts.headers["Content-Type"] = "application/json";
  }
  if ((opts.method || "GET") !== "GET") opts.headers["X-CSRF-Token"] = CSRF;
  const r = await fetch(path, opts);
  if (r.status === 401) { location.href = "/login?next=" + encodeURIComponent(location.pathname); throw new Error("log in"); }
  const data = r.headers.get("content-type")?.includes("json") ? await r.json() : await r.text();
  if (!r.ok) {
    let msg = data && data.detail !== undefined ? data.detail : data;
    if (Array.isArray(msg)) msg = msg.map(d => (d.loc || []).slice(1).join(".") + ": " + d.msg).join("; ");
    const err = new Error(String(msg)); err.status = r.status; throw err;
  }
  return data;
}

function fmtTime(iso) { return iso ? iso.replace("T", " ").replace(/\.\d+Z$/, "Z") : "–"; }
function fmtDuration(s) {
  if (s === null || s === undefined) return "–";
  const sign = s < 0 ? "-" : ""; s = Math.abs(Math.round(s));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  return sign + (h ? h + "h " : "") + String(m).padStart(2, "0") + "m " + String(sec).padStart(2, "0") + "s";
}
function fmtNum(v, digits = 2) { return v === null || v === undefined ? "–" : Number(v).toFixed(digits); }
function isoFromUnix(t) { return new Date(t * 1000).toISOString().replace(/\.\d+Z$/, "Z"); }

/* -- live updates (server-sent events) -------------------------------------------------- */
const liveHandlers = [];
function onLive(fn) { liveHandlers.push(fn); }
function startLive() {
  if (!window.EventSource || PAGE === "login") return;
  const dot = document.getElementById("live-dot");
  const es = new EventSource("/api/live");
  es.addEventListener("open", () => dot && dot.classList.add("on"));
  es.addEventListener("error", () => dot && dot.classList.remove("on"));
  es.addEventListener("status", (ev) => {
    const data = JSON.parse(ev.data);
    if (dot) { dot.classList.add("flash"); setTimeout(() => dot.classList.remove("flash"), 300); }
    for (const fn of liveHandlers) { try { fn(data); } catch (e) { console.error(e); } }
  });
}

/* -- alarms, shared by overview and events ------------------------------------------------ */
function alarmRow(a, withDetail) {
  const ack = a.acknowledged_by ? el("span", { text: "✓ " + a.acknowledged_by })
    : CAN_COMMAND ? el("button", { class: "small ack", "data-id": a.id, onclick: async (e) => {
        e.target.disabled = true;
        try { await api(`/api/alarms/${a.id}/ack`, { method: "POST", body: { comment: "" } }); refreshAlarms(); }
        catch (err) { alert(err.message); e.target.disabled = false; }
      } }, "Acknowledge") : el("span", { text: "no" });
  const cells = [fmtTime(a.time), a.point, el("span", { class: "sev-" + a.severity, text: SEVERITY[a.severity] || a.severity }),
    a.state, fmtNum(a.value, 3)];
  if (withDetail) cells.push(a.detail);
  cells.push(ack);
  return el("tr", { class: "alarm" }, ...cells.map(c => el("td", {}, c)));
}
let refreshAlarms = () => {};

/* -- overview ------------------------------------------------------------------------------ */
function overview() {
  const units = { battery_voltage_v: " V", battery_soc_pct: " %", battery_current_a: " A", solar_power_w: " W",
    bus_power_w: " W", obc_temperature_c: " °C", battery_temperature_c: " °C" };
  let passes = [], now = null, nowAt = 0;
  function render(s) {
    document.getElementById("mode").textContent = s.mode ? `${s.mode.name} (${s.mode.value})` : "–";
    const hk = s.housekeeping;
    document.getElementById("hk-time").textContent = hk ? fmtTime(hk.time) : "none yet";
    document.getElementById("last-contact").textContent = s.last_contact
      ? `${fmtTime(s.last_contact.time)} at ${s.last_contact.station} (${fmtDuration(s.last_contact.age_s)} ago)` : "none yet";
    /* every housekeeping temperature the dictionary declares gets a row, not only the first two */
    const temps = document.getElementById("temperatures");
    for (const k of Object.keys(hk ? hk.values : {})) {
      if (!k.endsWith("_temperature_c") || document.getElementById(k)) continue;
      const label = k.replace(/_temperature_c$/, "").replace(/_/g, " ");
      temps.append(el("tr", {}, el("th", { text: label.charAt(0).toUpperCase() + label.slice(1) }), el("td", { id: k, class: "val" })));
      units[k] = " °C";
    }
    for (const [k, u] of Object.entries(units)) {
      const cell = document.getElementById(k);
      const v = hk ? hk.values[k] : null;
      cell.textContent = v === null || v === undefined ? "–" : fmtNum(v, 2) + u;
      cell.className = "val " + (hk ? hk.limits[k] : "");
    }
    const tbody = document.getElementById("alarms");
    tbody.replaceChildren(...s.active_alarms.map(a => alarmRow(a, false)));
    const badge = document.getElementById("alarm-count");
    badge.textContent = s.active_alarms.length; badge.className = "badge" + (s.active_alarms.length ? " hot" : "");
    passes = Object.values(s.next_passes).flat().sort((a, b) => a.aos_unix_s - b.aos_unix_s);
    now = s.now_unix_s; nowAt = Date.now() / 1000;
    document.getElementById("now").textContent = `${fmtTime(s.now)} (${s.clock})`;
    tick();
  }
  function tick() {
    if (now === null) return;
    const t = s_now();
    document.getElementById("passes").replaceChildren(...passes.map(p => el("tr", {},
      el("td", { text: p.station }), el("td", { text: fmtTime(p.aos) }), el("td", { text: fmtTime(p.los) }),
      el("td", { text: fmtNum(p.max_elevation_deg, 1) + "°" }),
      el("td", { class: "countdown", text: p.aos_unix_s <= t && t <= p.los_unix_s ? "in pass" : fmtDuration(p.aos_unix_s - t) }))));
  }
  function s_now() { return now + (Date.now() / 1000 - nowAt); }
  refreshAlarms = async () => render(await api("/api/status"));
  api("/api/status").then(render);
  onLive(render);
  setInterval(tick, 1000);
}

/* -- telemetry ----------------------------------------------------------------------------- */
function telemetry() {
  const select = document.getElementById("points");
  const startIn = document.getElementById("start"), endIn = document.getElementById("end");
  let info = {}, span = null, lastDraw = 0;
  const params = new URLSearchParams(location.search);
  api("/api/points").then(points => {
    points.sort((a, b) => (a.name.startsWith("HOUSEKEEPING.") ? 0 : 1) - (b.name.startsWith("HOUSEKEEPING.") ? 0 : 1));
    for (const p of points) {
      info[p.name] = p;
      select.append(el("option", { value: p.name, text: p.name + (p.unit ? ` [${p.unit}]` : "") }));
    }
    const wanted = params.getAll("point").length ? params.getAll("point") : ["HOUSEKEEPING.battery_voltage_v"];
    for (const o of select.options) o.selected = wanted.includes(o.value);
    if (params.get("start")) startIn.value = params.get("start");
    if (params.get("end")) endIn.value = params.get("end");
    draw();
  });
  function query() {
    const q = new URLSearchParams();
    for (const o of select.selectedOptions) q.append("point", o.value);
    if (startIn.value) q.set("start", startIn.value.trim());
    if (endIn.value) q.set("end", endIn.value.trim());
    q.set("max_points", String(Math.min(4000, Math.max(200, Math.round(document.getElementById("charts").clientWidth || 1000)))));
    return q;
  }
  /* break the line where no data came (between passes): a gap well beyond the usual spacing */
  function withGaps(s) {
    const dts = s.t.slice(1).map((t, i) => t - s.t[i]).sort((a, b) => a - b);
    const usual = dts.length ? dts[Math.floor(dts.length / 2)] : 0;
    const limit = Math.max(5 * usual, 2 * (s.level_s || 0), 1);
    const out = { t: [], mean: [], min: [], max: [] };
    s.t.forEach((t, i) => {
      if (i && t - s.t[i - 1] > limit) for (const k of Object.keys(out)) out[k].push(null);
      out.t.push(t); out.mean.push(s.mean[i]); out.min.push(s.min[i]); out.max.push(s.max[i]);
    });
    return { ...s, ...out };
  }
  function limitShapes(lim) {
    const shapes = [];
    if (!lim) return shapes;
    const line = (y, color) => ({ type: "line", xref: "paper", x0: 0, x1: 1, y0: y, y1: y, line: { color, dash: "dash", width: 1 } });
    if (lim.warning_low !== null) shapes.push(line(lim.warning_low, "#ffb000"));
    if (lim.warning_high !== null) shapes.push(line(lim.warning_high, "#ffb000"));
    if (lim.critical_low !== null) shapes.push(line(lim.critical_low, "#ff4d4f"));
    if (lim.critical_high !== null) shapes.push(line(lim.critical_high, "#ff4d4f"));
    return shapes;
  }
  async function draw() {
    const q = query();
    if (!q.getAll("point").length) return;
    document.getElementById("csv").href = "/api/telemetry.csv?" + q.toString();
    history.replaceState(null, "", "/telemetry?" + q.toString());
    let data;
    try { data = await api("/api/telemetry?" + q.toString()); }
    catch (e) { document.getElementById("telemetry-note").textContent = e.message; return; }
    span = [data.start_unix_s, data.end_unix_s];
    lastDraw = Date.now();
    const charts = document.getElementById("charts");
    const separate = document.getElementById("separate").checked;
    const groups = separate ? data.series.map(s => [s]) : [data.series];
    charts.replaceChildren();
    const levels = new Set(data.series.map(s => s.level_s ? `${s.level_s} s buckets` : "raw"));
    const n = data.series.reduce((a, s) => a + s.t.length, 0);
    document.getElementById("telemetry-note").textContent =
      `${fmtTime(data.start)} → ${fmtTime(data.end)} · ${n} points shown (${[...levels].join(", ")}) · drag to zoom, double-click to reset`;
    groups.forEach((group, gi) => {
      const div = el("div", { class: "chart", id: "chart-" + gi, "data-points": String(group.reduce((a, s) => a + s.t.length, 0)) });
      charts.append(div);
      const traces = [];
      group.forEach((raw, si) => {
        const s = withGaps(raw);
        if (raw.utc_epoch_unix_s !== undefined && raw.utc_epoch_unix_s !== null) {
          /* a UTC time (a file's creation, a time tag): plotted on a time axis, not as raw seconds */
          const toDate = (v) => v === null ? null : new Date((v + raw.utc_epoch_unix_s) * 1000);
          s.mean = s.mean.map(toDate); s.min = s.min.map(toDate); s.max = s.max.map(toDate);
        }
        const color = PALETTE[si % PALETTE.length];
        const x = s.t.map(t => t === null ? null : new Date(t * 1000));
        if (s.level_s) {
          /* the min..max band of each bucket, one closed polygon per unbroken stretch */
          let bx = [], by = [];
          const flush = (end) => {
            const seg = [];
            for (let i = end - 1; i >= 0 && x[i] !== null; i--) seg.unshift(i);
            if (seg.length) { bx.push(...seg.map(i => x[i]), ...seg.slice().reverse().map(i => x[i]), null);
                              by.push(...seg.map(i => s.max[i]), ...seg.slice().reverse().map(i => s.min[i]), null); }
          };
          x.forEach((v, i) => { if (v === null) flush(i); });
          flush(x.length);
          traces.push({ x: bx, y: by, mode: "lines", line: { width: 0 }, fill: "toself", fillcolor: color + "40",
            showlegend: false, hoverinfo: "skip", name: s.point + " min..max" });
        }
        traces.push({ x, y: s.mean, mode: raw.t.length < 300 ? "lines+markers" : "lines", marker: { size: 4, color },
          line: { color }, name: s.point + (s.unit ? ` [${s.unit}]` : "") });
      });
      const layout = {
        title: { text: group.map(s => s.point + (s.unit ? ` [${s.unit}]` : "")).join(" · "), font: { size: 13 }, x: 0.01 },
        height: separate ? 280 : 440, margin: { l: 60, r: 20, t: 34, b: 40 }, paper_bgcolor: "#17212c", plot_bgcolor: "#0d151d",
        font: { color: "#dde5ee" }, legend: { orientation: "h" }, xaxis: { type: "date", gridcolor: "#26384a" },
        yaxis: { gridcolor: "#26384a", ...(group.every(s => s.utc_epoch_unix_s !== undefined && s.utc_epoch_unix_s !== null) ? { type: "date" } : {}) }, shapes: group.length === 1 || separate ? limitShapes(group[0].limits) : [],
      };
      Plotly.newPlot(div, traces, layout, { displaylogo: false, responsive: true });
      div.on("plotly_relayout", (ev) => {
        if (ev["xaxis.range[0]"]) {
          startIn.value = new Date(ev["xaxis.range[0]"] + "Z").toISOString().replace(/\.\d+Z$/, "Z");
          endIn.value = new Date(ev["xaxis.range[1]"] + "Z").toISOString().replace(/\.\d+Z$/, "Z");
          document.getElementById("follow").checked = false;
          draw();
        } else if (ev["xaxis.autorange"]) { startIn.value = ""; endIn.value = ""; draw(); }
      });
    });
  }
  document.getElementById("plot").addEventListener("click", draw);
  document.getElementById("span-1h").addEventListener("click", () => setSpan(3600));
  document.getElementById("span-1d").addEventListener("click", () => setSpan(86400));
  document.getElementById("span-all").addEventListener("click", () => setSpan(null));
  async function setSpan(seconds) {
    endIn.value = "";
    if (seconds === null) { startIn.value = "2000-01-01T00:00:00Z"; }
    else { const s = await api("/api/status"); const last = s.housekeeping ? s.housekeeping.unix_s : Date.now() / 1000;
      startIn.value = isoFromUnix(last - seconds); }
    document.getElementById("follow").checked = true;
    draw();
  }
  let pending = null;
  onLive(() => {
    if (!document.getElementById("follow").checked || endIn.value || pending) return;
    /* at most one redraw a second, and never drop the last update */
    pending = setTimeout(() => { pending = null; draw(); }, Math.max(0, 1000 - (Date.now() - lastDraw)));
  });
}

/* -- ground track and passes ------------------------------------------------------------- */
function track() {
  const dark = { paper_bgcolor: "#17212c", plot_bgcolor: "#0d151d", font: { color: "#dde5ee" } };
  async function drawMap() {
    const t = await api("/api/track");
    const age = Math.abs(t.element_set.age_days);
    document.getElementById("track-note").textContent = `${t.element_set.name} · now ${fmtTime(t.now)} (${t.clock})` +
      (t.element_set.stale ? ` · warning: element set ${age.toFixed(0)} days from its epoch (over ${t.element_set.warning_days}): positions are rough` : "");
    const night = t.daylight.night, line = t.daylight.line;
    const traces = [
      { x: night.longitude_deg, y: night.latitude_deg, mode: "lines", fill: "toself", fillcolor: "rgba(0,0,0,0.38)", line: { width: 0 }, name: "night", hoverinfo: "skip" },
      { x: line.longitude_deg, y: line.latitude_deg, mode: "lines", name: "terminator", line: { color: "#f0c060", width: 1, dash: "dot" }, hoverinfo: "skip" },
      { x: [t.daylight.subsolar.longitude_deg], y: [t.daylight.subsolar.latitude_deg], mode: "markers", name: "subsolar point", marker: { color: "#ffe066", size: 12, symbol: "circle" } },
      { x: t.track.longitude_deg, y: t.track.latitude_deg, mode: "lines", name: "ground track", line: { color: "#ffd200", width: 1.5 } }];
    for (const s of t.stations) {
      traces.push({ x: s.footprint.longitude_deg, y: s.footprint.latitude_deg, mode: "lines", name: s.name + " footprint", line: { color: "#ff6b6b", width: 1 } });
    }
    traces.push({ x: t.stations.map(s => s.longitude_deg), y: t.stations.map(s => s.latitude_deg), text: t.stations.map(s => s.name),
      mode: "markers+text", textposition: "top center", textfont: { color: "#fff" }, name: "stations", marker: { color: "#ff4d4f", size: 11, symbol: "triangle-up" } });
    traces.push({ x: [t.spacecraft.longitude_deg], y: [t.spacecraft.latitude_deg], mode: "markers", name: "spacecraft now", marker: { color: "#fff", size: 12, symbol: "star" } });
    Plotly.react("map", traces, { ...dark, height: 560, margin: { l: 50, r: 10, t: 10, b: 40 }, showlegend: true, legend: { orientation: "h" },
      /* the Blue Marble is equirectangular: its top-left corner at (-180, 90), 360 by 180 degrees */
      images: [{ source: "/map.jpg", xref: "x", yref: "y", x: -180, y: 90, sizex: 360, sizey: 180, xanchor: "left", yanchor: "top", sizing: "stretch", layer: "below" }],
      xaxis: { range: [-180, 180], showgrid: false, zeroline: false, title: "longitude (deg)", constrain: "domain" },
      yaxis: { range: [-90, 90], showgrid: false, zeroline: false, scaleanchor: "x", title: "latitude (deg)", constrain: "domain" } },
      { displaylogo: false, responsive: true });
  }
  async function drawPasses() {
    const p = await api("/api/passes?days=2");
    const stations = [...new Set(p.passes.map(x => x.station))];
    const traces = stations.map(st => {
      const mine = p.passes.filter(x => x.station === st);
      return { type: "bar", orientation: "h", name: st, y: mine.map(() => st), base: mine.map(x => x.aos),
        x: mine.map(x => (x.los_unix_s - x.aos_unix_s) * 1000), text: mine.map(x => fmtNum(x.max_elevation_deg, 0) + "°"),
        hovertext: mine.map(x => `${x.aos} → ${x.los}, max ${fmtNum(x.max_elevation_deg, 1)}°`), hoverinfo: "text" };
    });
    Plotly.react("timeline", traces, { ...dark, height: 140 + 40 * stations.length, margin: { l: 110, r: 20, t: 10, b: 40 },
      xaxis: { type: "date", gridcolor: "#26384a" }, shapes: [{ type: "line", x0: p.now, x1: p.now, yref: "paper", y0: 0, y1: 1, line: { color: "#fff", dash: "dot" } }] },
      { displaylogo: false, responsive: true });
    document.getElementById("pass-table").replaceChildren(...p.passes.map(x => el("tr", {},
      ...[x.station, fmtTime(x.aos), fmtTime(x.tca), fmtTime(x.los), fmtNum(x.max_elevation_deg, 1), fmtNum(x.aos_azimuth_deg, 0), fmtNum(x.los_azimuth_deg, 0)].map(c => el("td", { text: c })))));
    document.getElementById("plan").replaceChildren(...(p.plan.length ? p.plan.map(c => el("tr", {},
      ...[c.name, c.command_id, c.stage, c.execute_at ? fmtTime(c.execute_at) : "on receipt",
        c.stage === "queued" ? "waits for release" : c.pass ? `${c.pass.station} at ${fmtTime(c.pass.aos)}` : "no pass in view"].map(v => el("td", { text: v }))))
      : [el("tr", {}, el("td", { colspan: 5, class: "note", text: "no commands waiting" }))]));
  }
  /* the Blue Marble is decoded before the first plot, so the map never appears without it */
  const map = new Image();
  map.src = "/map.jpg";
  map.decode().catch(() => null).then(() => { drawMap(); drawPasses(); });
  setInterval(drawMap, 30000);
  onLive(() => drawPasses());
}

/* -- live pass console: the sky plot (r = 90 - elevation, theta = azimuth), now, the station -- */
function console_() {
  const dark = { paper_bgcolor: "#17212c", plot_bgcolor: "#0d151d", font: { color: "#dde5ee" } };
  const set = (id, text) => { document.getElementById(id).textContent = text; };
  const angles = (a) => a ? `az ${fmtNum(a.azimuth_deg, 1)}°, el ${fmtNum(a.elevation_deg, 1)}°` : "–";
  /* a station on the bench link (a thermal-vacuum test): the chamber, its tests and the
     housekeeping instead of the sky, the pass and the Doppler */
  async function drawBench(c) {
    const ch = c.chamber || {};
    set("chamber-note", `${c.station} · ${c.state ? fmtTime(c.state.time) : "–"}`);
    set("ch-profile", ch.title || ch.profile || "–");
    set("ch-step", ch.step ? `${ch.step} of ${ch.steps}: ${ch.plateau ? "plateau " + ch.plateau : ch.phase}` +
      (ch.hours !== undefined ? ` · ${fmtNum(ch.hours, 2)} of ${fmtNum(ch.total_hours, 2)} h` : "") : "–");
    const deg = (v) => v === null || v === undefined ? "–" : fmtNum(v, 2) + " °C";
    set("ch-setpoint", deg(ch.setpoint_c));
    set("ch-shroud", deg(ch.shroud_c));
    set("ch-platen", deg(ch.platen_c));
    set("ch-node", ch.control_node ? `${ch.control_node} ${deg(ch.control_node_c)}` : "–");
    set("ch-link", c.state && c.state.bench_range_m ? `bench, ${fmtNum(c.state.bench_range_m, 1)} m to the antenna` : "bench");
    const tests = c.functional_tests || [];
    const failed = tests.filter(t => !t.passed).length;
    set("ch-tests-note", tests.length ? `${tests.length - failed} passed, ${failed} failed` : "none yet");
    document.getElementById("ch-tests").replaceChildren(...tests.map(t => el("tr", {},
      el("td", { text: t.plateau ?? "" }), el("td", { text: t.test ?? "" }),
      el("td", { class: "val " + (t.passed ? "ok" : "critical"), text: t.passed ? "passed" : "FAILED" }),
      el("td", { text: t.time ? fmtTime(t.time) : "" }), el("td", { text: t.detail ?? "" }))));
    const s = await api("/api/status");
    const hk = s.housekeeping;
    set("ch-hk-time", hk ? fmtTime(hk.time) : "none yet");
    document.getElementById("ch-hk").replaceChildren(...Object.entries(hk ? hk.values : {}).map(([k, v]) =>
      el("tr", {}, el("th", { text: k.replace(/_/g, " ") }),
        el("td", { class: "val " + (hk.limits[k] || ""), text: typeof v === "number" && !Number.isInteger(v) ? fmtNum(v, 2) : String(v) }))));
  }
  async function draw() {
    const c = await api("/api/console");
    const bench = c.link === "bench";
    document.getElementById("sky-card").hidden = bench;
    document.getElementById("chamber-card").hidden = !bench;
    document.getElementById("now-title").hidden = bench;
    document.getElementById("now-table").hidden = bench;
    if (bench) await drawBench(c);
    set("console-note", `${c.station} · now ${fmtTime(c.now)} (${c.clock})`);
    set("c-station", c.station);
    set("c-pass", c.pass ? `AOS ${fmtTime(c.pass.aos)} · LOS ${fmtTime(c.pass.los)} · max ${fmtNum(c.pass.max_elevation_deg, 0)}°` : "no pass in the next day");
    const sc = c.spacecraft;
    set("c-az", sc ? fmtNum(sc.azimuth_deg, 1) + "°" : "–");
    set("c-el", sc ? fmtNum(sc.elevation_deg, 1) + "°" : "–");
    set("c-range", sc ? fmtNum(sc.range_km, 0) + " km" : "–");
    set("c-rr", sc ? fmtNum(sc.range_rate_m_s, 0) + " m/s" : "–");
    set("c-doppler", sc ? `${fmtNum(sc.doppler_hz, 0)} Hz on ${fmtNum(c.downlink_hz / 1e6, 3)} MHz` : "–");
    const st = c.state;
    set("c-state-time", st ? fmtTime(st.time) : "no state from the station yet");
    set("c-commanded", st ? angles(st.commanded) : "–");
    set("c-pointed", st ? angles(st.rotator_pointed) : "–");
    set("c-rig", st ? st.rig + (st.rig_downlink_hz ? ` · down ${fmtNum(st.rig_downlink_hz / 1e6, 6)} MHz, up ${fmtNum(st.rig_uplink_hz / 1e6, 6)} MHz` : "") : "–");
    set("c-rotator", st ? st.rotator : "–");
    for (const id of ["c-rig", "c-rotator"]) document.getElementById(id).className = document.getElementById(id).textContent.startsWith("error") ? "val error" : "val";
    set("c-log", st && st.log.length ? st.log.join("\n") : "no state from the station yet");
    if (bench) return;
    const traces = [];
    if (c.sky_track) traces.push({ type: "scatterpolar", mode: "lines", name: "predicted pass", r: c.sky_track.elevation_deg.map(e => 90 - e),
      theta: c.sky_track.azimuth_deg, text: c.sky_track.time, hoverinfo: "text", line: { color: "#ffd200", width: 2 } });
    if (sc && sc.elevation_deg >= 0) traces.push({ type: "scatterpolar", mode: "markers", name: "spacecraft now", r: [90 - sc.elevation_deg],
      theta: [sc.azimuth_deg], marker: { color: "#fff", size: 13, symbol: "star" } });
    const ant = st && (st.rotator_pointed || st.commanded);
    if (ant) traces.push({ type: "scatterpolar", mode: "markers", name: st.rotator_pointed ? "antenna (rotator)" : "antenna (commanded)",
      r: [90 - Math.max(0, ant.elevation_deg)], theta: [ant.azimuth_deg], marker: { color: "#ff4d4f", size: 12, symbol: "circle-open", line: { width: 3 } } });
    Plotly.react("sky", traces, { ...dark, height: 480, margin: { l: 30, r: 30, t: 30, b: 30 }, showlegend: true, legend: { orientation: "h" },
      polar: { bgcolor: "#0d151d", radialaxis: { range: [0, 90], angle: 45, tickvals: [0, 30, 60, 90], ticktext: ["90°", "60°", "30°", "0°"], gridcolor: "#26384a" },
        angularaxis: { direction: "clockwise", rotation: 90, gridcolor: "#26384a" } } }, { displaylogo: false, responsive: true });
  }
  draw();
  setInterval(() => draw().catch(() => null), 2000);
}

/* -- images -------------------------------------------------------------------------------- */
function images() {
  function chunkMap(img) {
    const box = el("div", { class: "chunks", title: `${img.chunks_received} of ${img.chunk_count ?? "?"} chunks` });
    const missing = new Set(img.missing_chunks);
    for (let i = 0; i < (img.chunk_count || 0); i++) box.append(el("i", missing.has(i) ? { class: "missing" } : {}));
    return box;
  }
  async function load() {
    const list = await api("/api/images");
    const gallery = document.getElementById("gallery");
    if (!list.length) { gallery.replaceChildren(el("p", { class: "note", text: "No images received yet." })); return; }
    gallery.replaceChildren(...list.map(img => el("div", { class: "thumb" + (img.complete ? " complete" : " partial"), "data-id": img.file_id, onclick: () => open(img) },
      el("img", { src: img.preview_url, alt: img.name }),
      el("div", {}, el("b", { text: img.name }), " ", el("span", { class: "badge", text: img.complete ? "complete" : `partial: ${img.missing_chunks.length} missing` })),
      el("div", { class: "note", text: "captured " + fmtTime(img.captured) }),
      chunkMap(img))));
  }
  function open(img) {
    const d = document.getElementById("detail");
    d.hidden = false;
    document.getElementById("detail-title").textContent = img.name;
    document.getElementById("detail-img").src = img.preview_url;
    const rows = [["file id", img.file_id], ["captured", fmtTime(img.captured)], ["first chunk", fmtTime(img.first)],
      ["completed", fmtTime(img.completed)], ["size", img.size + " bytes"], ["chunks", `${img.chunks_received} / ${img.chunk_count}`],
      ["missing chunks", img.missing_chunks.length ? img.missing_chunks.join(", ") : "none"],
      ["footprint centre", img.footprint ? `${img.footprint.latitude_deg}°, ${img.footprint.longitude_deg}° at ${img.footprint.altitude_km} km` : "–"]];
    document.getElementById("detail-info").replaceChildren(...rows.map(([k, v]) => el("tr", {}, el("th", { text: k }), el("td", { text: v }))),
      el("tr", {}, el("th", { text: "download" }), el("td", {}, el("a", { href: img.url, download: img.name, text: img.name }))));
    if (img.footprint) {
      Plotly.react("detail-map", [
        { x: img.footprint.outline.longitude_deg, y: img.footprint.outline.latitude_deg, mode: "lines", fill: "toself", name: "footprint", line: { color: "#ffd200" } },
        { x: [img.footprint.longitude_deg], y: [img.footprint.latitude_deg], mode: "markers", name: "nadir", marker: { color: "#fff" } }],
        { paper_bgcolor: "#17212c", plot_bgcolor: "#0d151d", font: { color: "#dde5ee" }, height: 300, margin: { l: 40, r: 10, t: 10, b: 30 }, showlegend: false,
          images: [{ source: "/map.jpg", xref: "x", yref: "y", x: -180, y: 90, sizex: 360, sizey: 180, sizing: "stretch", layer: "below" }],
          xaxis: { range: [img.footprint.longitude_deg - 20, img.footprint.longitude_deg + 20], showgrid: false },
          yaxis: { range: [img.footprint.latitude_deg - 10, img.footprint.latitude_deg + 10], showgrid: false, scaleanchor: "x" } },
        { displaylogo: false, responsive: true });
    }
    d.scrollIntoView();
  }
  load();
  onLive(load);
}

/* -- commanding ---------------------------------------------------------------------------- */
function commanding() {
  const select = document.getElementById("command-name");
  const argsBox = document.getElementById("command-args");
  const result = document.getElementById("command-result");
  let commands = [];
  if (!CAN_COMMAND) {
    document.getElementById("command-refused").hidden = false;
    document.getElementById("send-command").disabled = true;
  }
  api("/api/dictionary").then(d => {
    commands = d.commands;
    for (const c of commands) select.append(el("option", { value: c.name, text: `${c.name} (0x${c.opcode.toString(16).padStart(4, "0")})` }));
    buildArgs();
  });
  function buildArgs() {
    const c = commands.find(x => x.name === select.value);
    document.getElementById("command-description").textContent = c ? c.description : "";
    argsBox.replaceChildren(...(c ? c.arguments : []).map(a => {
      let input;
      if (a.enum) {
        input = el("select", { name: a.name, id: "arg-" + a.name }, ...a.enum.map(e => el("option", { value: e.value, text: `${e.label} (${e.value})` })));
      } else {
        input = el("input", { name: a.name, id: "arg-" + a.name, type: "number", required: "required", min: a.minimum, max: a.maximum,
          step: a.integer ? "1" : "any", value: Math.max(0, a.minimum) });
      }
      const label = el("label", {}, `${a.name}${a.unit ? " [" + a.unit + "]" : ""} — ${a.description} (${a.minimum} .. ${a.maximum}) `, input);
      if (a.utc_epoch_unix_s !== null && a.utc_epoch_unix_s !== undefined) {
        /* a UTC time (on board: seconds since 2000-01-01, or Unix seconds), typed as a UTC time */
        const when = el("input", { id: a.name === "at_time" ? "at-time-iso" : "utc-" + a.name, placeholder: "2013-11-20T03:30:00Z", size: 24 });
        when.addEventListener("input", () => {
          const t = Date.parse(when.value);
          if (!Number.isNaN(t)) input.value = String(Math.round(t / 1000) - a.utc_epoch_unix_s);
        });
        label.append(" or at UTC ", when);
      }
      return label;
    }));
    if (c && c.name === "REQUEST_CHUNKS" && c.arguments.some(a => a.name === "mask0")) argsBox.append(chunkPicker());
  }
  /* REQUEST_CHUNKS by chunk numbers: "3, 5, 10-20" fills first_chunk and the four 32-bit masks */
  function chunkPicker() {
    const input = el("input", { id: "chunk-list", placeholder: "3, 5, 10-20", size: 24 });
    const note = el("span", { class: "note", id: "chunk-note" });
    input.addEventListener("input", () => {
      const chunks = parseChunks(input.value);
      if (typeof chunks === "string") { note.textContent = chunks; note.className = "error"; return; }
      const first = Math.min(...chunks);
      const masks = [0, 0, 0, 0];
      for (const n of chunks) masks[Math.floor((n - first) / 32)] = (masks[Math.floor((n - first) / 32)] | (1 << ((n - first) % 32))) >>> 0;
      document.getElementById("arg-first_chunk").value = String(first);
      masks.forEach((m, k) => { document.getElementById("arg-mask" + k).value = String(m); });
      note.textContent = `${chunks.length} chunks from ${first}`; note.className = "note";
    });
    return el("label", {}, "chunks to ask for again (numbers and ranges, within 128 of the first) ", input, " ", note);
  }
  function parseChunks(text) {
    const out = new Set();
    for (const part of text.split(",").map(s => s.trim()).filter(Boolean)) {
      const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(part);
      if (!m) return `not a chunk or range: ${part}`;
      const a = Number(m[1]), b = m[2] === undefined ? a : Number(m[2]);
      if (b < a || b - a > 127) return `range ${part} is backwards or over 128 chunks`;
      for (let n = a; n <= b; n++) out.add(n);
    }
    if (!out.size) return "give chunk numbers";
    const list = [...out];
    if (Math.max(...list) - Math.min(...list) > 127) return "one request covers 128 chunks from the first: send two";
    if (Math.max(...list) > 65535) return "chunk numbers stop at 65535";
    return list;
  }
  select.addEventListener("change", buildArgs);
  document.getElementById("command-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const c = commands.find(x => x.name === select.value);
    const args = {};
    for (const a of c.arguments) args[a.name] = Number(document.getElementById("arg-" + a.name).value);
    const executeAt = document.getElementById("execute-at").value.trim();
    const release = document.getElementById("release").checked;
    let confirm = null;
    if (c.hazardous && release) { /* the server refuses a hazardous command without its name typed back */
      confirm = window.prompt(`${c.name} is hazardous. Type ${c.name} to send it.`, "");
      if ((confirm || "").trim().toUpperCase() !== c.name) {
        result.textContent = `not sent: ${c.name} was not typed back`; result.className = "error"; return;
      }
    }
    result.textContent = "sending…"; result.className = "note";
    try {
      const r = await api("/api/commands", { method: "POST", body: { name: c.name, arguments: args, execute_at: executeAt || null, release, confirm } });
      result.textContent = `${r.stage} ${r.name} as ${r.id}`;
      loadCommands();
    } catch (err) { result.textContent = `refused (${err.status}): ${err.message}`; result.className = "error"; }
  });
  async function loadCommands() {
    const list = await api("/api/commands?limit=100");
    document.getElementById("commands").replaceChildren(...list.map(c => el("tr", { class: "command", "data-id": c.id, "data-stage": c.stage },
      el("td", { text: fmtTime(c.queued) }), el("td", { text: c.name }), el("td", { class: "arguments", text: argumentsText(c) }),
      el("td", { text: c.execute ? fmtTime(c.execute) : "on receipt" }),
      el("td", {}, el("span", { class: "stage " + c.stage, text: c.stage })),
      el("td", {}, ...c.stages.map(s => el("span", { class: "stage " + s.stage, title: fmtTime(s.time) + " " + s.detail, text: s.stage }))),
      el("td", { class: "note", text: c.id }),
      el("td", {}, ...(CAN_COMMAND ? actions(c) : [])))));
  }
  /* arguments as name=value, a UTC time as ISO 8601 (never raw on-board seconds) */
  function argumentsText(c) {
    if (!c.arguments || typeof c.arguments !== "object") return String(c.arguments ?? "");
    const utc = c.arguments_utc || {};
    return Object.entries(c.arguments).map(([k, v]) => `${k}=${utc[k] ? fmtTime(utc[k]) : v}`).join(", ") || "–";
  }
  function actions(c) {
    const out = [];
    const act = (name) => el("button", { class: "small " + name, onclick: async (e) => {
      let query = "";
      if (name === "release" && commands.find(x => x.name === c.name)?.hazardous) {
        const typed = window.prompt(`${c.name} is hazardous. Type ${c.name} to release it.`, "");
        if ((typed || "").trim().toUpperCase() !== c.name) return;
        query = "?confirm=" + encodeURIComponent(c.name);
      }
      e.target.disabled = true;
      try { await api(`/api/commands/${c.id}/${name}${query}`, { method: "POST" }); loadCommands(); }
      catch (err) { alert(err.message); e.target.disabled = false; } } }, name);
    if (c.stage === "queued") out.push(act("release"));
    if (c.stage === "queued" || c.stage === "released") out.push(act("cancel"));
    return out;
  }
  loadCommands();
  onLive(loadCommands);
}

/* -- events and alarms --------------------------------------------------------------------- */
function events() {
  let offset = 0;
  const limit = 50;
  refreshAlarms = async () => {
    const active = document.getElementById("active-only").checked;
    const list = await api("/api/alarms?limit=200&active=" + active);
    document.getElementById("alarm-table").replaceChildren(...(list.length ? list.map(a => alarmRow(a, true))
      : [el("tr", {}, el("td", { colspan: 7, class: "note", text: "no alarms" }))]));
  };
  async function search() {
    const q = new URLSearchParams({ q: document.getElementById("q").value, min_severity: document.getElementById("min-severity").value,
      source: document.getElementById("source").value, limit: String(limit), offset: String(offset) });
    const r = await api("/api/events?" + q);
    document.getElementById("event-count").textContent = `${r.total} events, showing ${r.total ? offset + 1 : 0}–${offset + r.events.length}`;
    document.getElementById("event-table").replaceChildren(...r.events.map(e => el("tr", { class: "event" },
      el("td", { text: fmtTime(e.time) }), el("td", { text: e.source }), el("td", { text: e.name }),
      el("td", { class: "sev-" + e.severity, text: SEVERITY[e.severity] || e.severity }), el("td", { text: e.message }))));
    document.getElementById("next").disabled = offset + limit >= r.total;
    document.getElementById("prev").disabled = offset === 0;
  }
  document.getElementById("event-search").addEventListener("submit", (e) => { e.preventDefault(); offset = 0; search(); });
  document.getElementById("next").addEventListener("click", () => { offset += limit; search(); });
  document.getElementById("prev").addEventListener("click", () => { offset = Math.max(0, offset - limit); search(); });
  document.getElementById("active-only").addEventListener("change", () => refreshAlarms());
  refreshAlarms(); search();
  onLive(() => { refreshAlarms(); if (offset === 0) search(); });
}

/* -- frames: every frame as it arrived ---------------------------------------------------- */
function frames() {
  let offset = 0, selected = null;
  const limit = 50;
  const station = document.getElementById("frame-station");
  const params = new URLSearchParams(location.search);
  for (const [k, id] of [["start", "frame-start"], ["end", "frame-end"], ["outcome", "frame-outcome"]])
    if (params.get(k)) document.getElementById(id).value = params.get(k);
  function query() {
    const q = new URLSearchParams({ outcome: document.getElementById("frame-outcome").value });
    const st = station.value || params.get("station") || "";
    if (st) q.set("station", st);
    for (const [k, id] of [["start", "frame-start"], ["end", "frame-end"]]) {
      const v = document.getElementById(id).value.trim(); if (v) q.set(k, v);
    }
    return q;
  }
  async function search() {
    const q = query();
    document.getElementById("frame-csv").href = "/api/frames.csv?" + q;
    history.replaceState(null, "", "/frames?" + q);
    q.set("limit", String(limit)); q.set("offset", String(offset));
    let r;
    try { r = await api("/api/frames?" + q); }
    catch (e) { document.getElementById("frame-count").textContent = e.message; return; }
    const chosen = station.value || params.get("station") || "";
    station.replaceChildren(el("option", { value: "", text: "any" }), ...r.stations.map(s => el("option", { value: s, text: s })));
    station.value = chosen;
    document.getElementById("frame-count").textContent = `${r.total} receptions, showing ${r.total ? offset + 1 : 0}–${offset + r.frames.length}`;
    document.getElementById("frame-table").replaceChildren(...(r.frames.length ? r.frames.map(f => el("tr",
      { class: "frame " + f.outcome + (f.id === selected ? " selected" : ""), "data-id": f.id, "data-outcome": f.outcome, onclick: () => open(f.id) },
      el("td", { text: fmtTime(f.time) }), el("td", { text: f.station }), el("td", { text: fmtNum(f.frequency_mhz, 4) }),
      el("td", { text: f.source ?? "–" }), el("td", { text: f.destination ?? "–" }), el("td", { text: f.length }),
      el("td", { class: "outcome", text: f.outcome === "rejected" ? "rejected: " + f.rejection : (f.packet || "decoded") })))
      : [el("tr", {}, el("td", { colspan: 7, class: "note", text: "no frames match" }))]));
    document.getElementById("frame-next").disabled = offset + limit >= r.total;
    document.getElementById("frame-prev").disabled = offset === 0;
  }
  async function open(id) {
    selected = id;
    for (const tr of document.querySelectorAll("tr.frame")) tr.classList.toggle("selected", tr.dataset.id === id);
    const f = await api("/api/frames/" + id);
    const box = document.getElementById("frame-detail");
    box.hidden = false;
    document.getElementById("frame-detail-title").textContent =
      `Frame ${f.id}: ${f.source ?? "?"} → ${f.destination ?? "?"}, ${f.length} bytes, ` + (f.rejection ? "rejected: " + f.rejection : "decoded");
    document.getElementById("frame-dump").textContent = f.dump.join("\n");
    const parts = [];
    if (f.rejection) parts.push(el("p", { class: "error", text: "Rejected: " + f.rejection }));
    for (const p of f.packets) {
      parts.push(el("h2", { text: `${p.name} · on board ${fmtTime(p.time)}` }),
        el("table", { class: "kv packet-fields" }, ...Object.entries(p.fields).map(([k, v]) => el("tr", {}, el("th", { text: k }),
          el("td", { text: p.fields_utc && p.fields_utc[k] ? fmtTime(p.fields_utc[k]) : (v ?? "–") })))));
    }
    for (const e of f.events) parts.push(el("p", {}, el("span", { class: "sev-" + e.severity, text: e.name }), ` ${fmtTime(e.time)}: ${e.message}`));
    if (!parts.length) parts.push(el("p", { class: "note", text: "no telemetry row refers to this frame (a file chunk or a command response goes to its own table)" }));
    document.getElementById("frame-fields").replaceChildren(...parts);
    document.getElementById("frame-receptions").replaceChildren(...f.receptions.map(r => el("tr", {},
      el("td", { text: fmtTime(r.time) }), el("td", { text: r.station }), el("td", { text: fmtNum(r.frequency_mhz, 4) + " MHz" }))));
    box.scrollIntoView();
  }
  document.getElementById("frame-search").addEventListener("submit", (e) => { e.preventDefault(); offset = 0; search(); });
  station.addEventListener("change", () => { params.delete("station"); });
  document.getElementById("frame-next").addEventListener("click", () => { offset += limit; search(); });
  document.getElementById("frame-prev").addEventListener("click", () => { offset = Math.max(0, offset - limit); search(); });
  search();
  /* live: the first page follows new receptions (the status stream fires when the archive grows) */
  onLive(() => { if (offset === 0) search(); });
}

/* -- admin --------------------------------------------------------------------------------- */
function admin() {
  async function load() {
    const users = await api("/api/users");
    document.getElementById("users").replaceChildren(...users.map(u => el("tr", {}, el("td", { text: u.name }), el("td", { text: u.role }),
      el("td", { text: fmtTime(u.created) }), el("td", {}, el("button", { class: "small", onclick: async () => {
        if (!confirm(`Delete ${u.name}?`)) return;
        try { await api("/api/users/" + encodeURIComponent(u.name), { method: "DELETE" }); load(); } catch (e) { alert(e.message); } } }, "delete")))));
    const audit = await api("/api/audit?limit=200");
    document.getElementById("audit").replaceChildren(...audit.map(a => el("tr", {}, ...[fmtTime(a.time), a.user, a.action, a.detail, a.outcome].map(v => el("td", { text: v })))));
  }
  document.getElementById("user-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const out = document.getElementById("user-result");
    try {
      await api("/api/users", { method: "POST", body: { name: document.getElementById("new-name").value, password: document.getElementById("new-password").value, role: document.getElementById("new-role").value } });
      out.textContent = "saved"; out.className = "note"; load();
    } catch (err) { out.textContent = err.message; out.className = "error"; }
  });
  load();
}

const PAGES = { overview, telemetry, track, console: console_, images, commanding, events, frames, admin };
if (PAGES[PAGE]) PAGES[PAGE]();
startLive();
