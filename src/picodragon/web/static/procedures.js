/* picodragon mission control: the procedures page. Uses el(), api() and CAN_COMMAND from
   app.js (loaded first, at the end of the body; this file is deferred, so it runs after). */
"use strict";

function procedures() {
  const fileSelect = document.getElementById("procedure-file");
  const upload = document.getElementById("procedure-upload");
  const result = document.getElementById("procedure-result");
  const stepsBox = document.getElementById("procedure-steps");
  let listed = [];
  let current = null;
  let timer = null;
  if (!CAN_COMMAND) {
    document.getElementById("procedure-refused").hidden = false;
    document.getElementById("procedure-run").disabled = true;
  }
  function showSteps(p) {
    if (!p) { stepsBox.replaceChildren(); return; }
    if (p.error) { stepsBox.replaceChildren(el("p", { class: "error", text: p.error })); return; }
    stepsBox.replaceChildren(el("p", { class: "note", text: p.description || "" }),
      el("ol", { class: "procedure-steps" }, ...p.steps.map(s => el("li", { class: s.hazardous ? "hazardous" : "", text: s.text }))));
  }
  api("/api/procedures").then(d => {
    listed = d.procedures;
    for (const p of listed) fileSelect.append(el("option", { value: p.file, text: p.error ? `${p.file} (does not load)` : `${p.name} (${p.file})` }));
    if (listed.length) { fileSelect.value = listed[0].file; showSteps(listed[0]); }
  });
  fileSelect.addEventListener("change", () => showSteps(listed.find(p => p.file === fileSelect.value)));
  document.getElementById("procedure-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = { dry_run: document.getElementById("procedure-dry-run").checked };
    if (upload.files.length) {
      const f = upload.files[0];
      body.text = await f.text();
      body.format = /\.ya?ml$/i.test(f.name) ? "yaml" : "toml";
    } else if (fileSelect.value) {
      body.file = fileSelect.value;
    } else { result.textContent = "choose a procedure or upload one"; result.className = "error"; return; }
    result.textContent = "starting…"; result.className = "note";
    try {
      const run = await api("/api/procedures/runs", { method: "POST", body });
      result.textContent = `run ${run.id} started`;
      follow(run.id);
    } catch (err) { result.textContent = `refused (${err.status}): ${err.message}`; result.className = "error"; }
  });
  function follow(id) {
    current = id;
    if (timer) clearInterval(timer);
    const poll = async () => {
      const run = await api(`/api/procedures/runs/${id}`);
      showRun(run);
      if (run.status !== "running" && timer) { clearInterval(timer); timer = null; loadRuns(); }
    };
    timer = setInterval(poll, 1000);
    poll();
  }
  function showRun(run) {
    document.getElementById("run-card").hidden = false;
    document.getElementById("run-id").textContent = `${run.id} (${run.procedure.name})`;
    const status = document.getElementById("run-status");
    status.textContent = run.status; status.className = "stage " + run.status;
    const form = document.getElementById("confirm-form");
    form.hidden = !(run.status === "needs_confirmation" && CAN_COMMAND);
    if (!form.hidden) document.getElementById("confirm-text").textContent =
      `${run.waiting_for} is hazardous: the procedure stopped before it. Type ${run.waiting_for} to release it and go on.`;
    document.getElementById("run-steps").replaceChildren(...run.steps.map(s => el("tr", { class: "step", "data-outcome": s.outcome },
      el("td", { text: s.index }), el("td", {}, el("span", { class: "stage " + s.outcome, text: s.outcome })),
      el("td", { text: s.text }), el("td", { class: "note", text: s.detail }), el("td", { class: "note", text: s.command_id || "" }))));
  }
  document.getElementById("confirm-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const out = document.getElementById("confirm-result");
    try {
      await api(`/api/procedures/runs/${current}/confirm`, { method: "POST", body: { name: document.getElementById("confirm-name").value } });
      out.textContent = "confirmed"; out.className = "note";
      document.getElementById("confirm-name").value = "";
      follow(current);
    } catch (err) { out.textContent = `refused (${err.status}): ${err.message}`; out.className = "error"; }
  });
  async function loadRuns() {
    const runs = await api("/api/procedures/runs");
    document.getElementById("runs").replaceChildren(...runs.map(r => el("tr", { class: "run", onclick: () => follow(r.id) },
      el("td", { text: r.id }), el("td", { text: r.procedure.name }), el("td", { text: r.user }),
      el("td", {}, el("span", { class: "stage " + r.status, text: r.status })), el("td", { text: `${r.steps.length} of ${r.procedure.steps.length}` }))));
  }
  loadRuns();
}

if (document.body.dataset.page === "procedures") procedures();
