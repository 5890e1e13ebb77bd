// The local cloud console: a hash-routed page over /_console/api/* and the mailbox /_aws/ses. No framework, no CDN.
"use strict";

const API = "/_console/api";
const STATUSES = ["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"];
const SVG_NS = "http://www.w3.org/2000/svg";
const view = document.getElementById("view");
let timer = null;          // the current view's refresh, cleared on navigation
let routeToken = 0;        // a response for a view we already left is dropped

// --- DOM helpers: text goes in as text, never as HTML -------------------------------------------------------------
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) el.append(child instanceof Node ? child : String(child));
  }
  return el;
}
function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs || {})) if (value !== undefined) el.setAttribute(key, value);
  for (const child of children.flat()) if (child) el.append(child instanceof Node ? child : String(child));
  return el;
}
// replaceChildren() would print null as "null": optional children are left out here.
function put(el, ...children) { el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false)); }
async function getJSON(url, options) {
  const response = await fetch(url, options);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.message || `${response.status} ${response.statusText}`);
  return body;
}
const when = (iso) => (iso ? new Date(iso).toLocaleString() : "");
const pretty = (text) => {
  if (text === null || text === undefined) return "";
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch (e) { return String(text); }
};
const badge = (status) => h("span", { class: `badge ${status}`, "data-status": status }, status);
const executionLink = (arn, text) => h("a", { href: `#/execution/${encodeURIComponent(arn)}` }, text);

// --- graph: laid out by dagre (node_modules/@dagrejs/dagre), with every box and label at its real size -----------
const MARGIN = 16, TERMINAL = 28, NODE_HEIGHT = 36, MIN_NODE_WIDTH = 96, PAD = 14, HEADER = 26, BRANCH_GAP = 28;
const LAYOUT = { rankdir: "TB", nodesep: 28, ranksep: 36, edgesep: 14, marginx: 0, marginy: 0 };
const shortLabel = (text) => (text.length > 30 ? text.slice(0, 29) + "…" : text);
const isTerminal = (node) => node.type === "Start" || node.type === "End";

// Text is measured in a hidden SVG with the classes it is drawn with, so dagre makes room for what the CSS shows.
function textMeasurer() {
  const svg = s("svg", { class: "state-graph measuring", width: 0, height: 0, "aria-hidden": "true" });
  document.body.append(svg);
  const measure = (el) => { svg.append(el); const box = el.getBBox(); el.remove(); return box; };
  return {
    node: (text) => measure(s("g", { class: "node" }, s("text", {}, text))),
    title: (text) => measure(s("g", { class: "node container" }, s("text", {}, text))),
    label: (text, kind) => measure(s("text", { class: `edge-label ${kind}` }, text)),
    done: () => svg.remove(),
  };
}

// {nodes: id -> {x, y, width, height} (top-left, absolute), edges: [{edge, points, label}], width, height}
function layoutGraph(graph) {
  const nodesOf = {}, edgesOf = {};
  for (const node of graph.nodes) (nodesOf[node.scope] ||= []).push(node);
  graph.edges.forEach((edge, index) => (edgesOf[edge.scope] ||= []).push({ ...edge, index }));
  const measure = textMeasurer();
  // One flow, relative to its top-left; a container's flows are laid out first, so its size is known.
  const layoutScope = (scope) => {
    const g = new dagre.graphlib.Graph({ multigraph: true });
    g.setGraph({ ...LAYOUT });
    const inner = {};
    for (const node of nodesOf[scope] || []) {
      let size;
      if (isTerminal(node)) size = { width: TERMINAL, height: TERMINAL };
      else if (node.scopes.length) {
        const flows = inner[node.id] = node.scopes.map(layoutScope);
        const flowsWidth = flows.reduce((sum, f) => sum + f.width, 0) + BRANCH_GAP * (flows.length - 1);
        size = { width: Math.max(measure.title(`${node.label}  ·  ${node.type}`).width, flowsWidth) + 2 * PAD,
                 height: HEADER + Math.max(...flows.map((f) => f.height)) + PAD };
      } else size = { width: Math.max(MIN_NODE_WIDTH, measure.node(node.label).width + 24), height: NODE_HEIGHT };
      g.setNode(node.id, size);
    }
    const edges = edgesOf[scope] || [];
    for (const edge of edges) {
      const box = edge.label ? measure.label(shortLabel(edge.label), edge.kind) : { width: 0, height: 0 };
      g.setEdge(edge.source, edge.target, { width: box.width ? box.width + 8 : 0, height: box.height ? box.height + 4 : 0,
                                             labelpos: "c" }, String(edge.index));
    }
    dagre.layout(g);
    const nodes = Object.fromEntries(g.nodes().map((id) => {
      const n = g.node(id);
      return [id, { x: n.x - n.width / 2, y: n.y - n.height / 2, width: n.width, height: n.height }];
    }));
    const routes = edges.map((edge) => {
      const e = g.edge(edge.source, edge.target, String(edge.index));
      return { edge, points: e.points, label: edge.label ? { x: e.x, y: e.y } : null };
    });
    return { nodes, routes, inner, width: g.graph().width || TERMINAL, height: g.graph().height || TERMINAL };
  };
  const laid = { nodes: {}, edges: [] };
  const place = (flow, dx, dy) => {
    for (const [id, n] of Object.entries(flow.nodes)) laid.nodes[id] = { ...n, x: n.x + dx, y: n.y + dy };
    for (const r of flow.routes) {
      laid.edges.push({ edge: r.edge, points: r.points.map((p) => ({ x: p.x + dx, y: p.y + dy })),
                        label: r.label && { x: r.label.x + dx, y: r.label.y + dy } });
    }
    for (const [id, flows] of Object.entries(flow.inner)) {
      const box = laid.nodes[id];
      const flowsWidth = flows.reduce((sum, f) => sum + f.width, 0) + BRANCH_GAP * (flows.length - 1);
      let x = box.x + (box.width - flowsWidth) / 2;
      for (const f of flows) { place(f, x, box.y + HEADER); x += f.width + BRANCH_GAP; }
    }
  };
  try {
    const top = layoutScope("");
    place(top, 0, 0);
    return { ...laid, width: top.width, height: top.height };
  } finally { measure.done(); }
}

// A smooth line through dagre's points (it gives the ends on the boxes' borders): a quadratic bend at each point.
function pathThrough(points) {
  let d = `M${points[0].x},${points[0].y}`;
  for (let i = 1; i < points.length - 1; i++) {
    const p = points[i], q = points[i + 1];
    d += ` Q${p.x},${p.y} ${(p.x + q.x) / 2},${(p.y + q.y) / 2}`;
  }
  const last = points[points.length - 1];
  return `${d} L${last.x},${last.y}`;
}

function drawGraph(graph, states, taken, onSelect) {
  if (typeof dagre === "undefined") return h("p", { class: "error" }, "The graph layout library (dagre) did not load: run `npm ci`.");
  const layout = layoutGraph(graph);
  const byId = Object.fromEntries(graph.nodes.map((n) => [n.id, { ...n, ...layout.nodes[n.id] }]));
  const takenSet = new Set((taken || []).map(([a, b]) => `${a}\u0000${b}`));
  const svg = s("svg", { width: layout.width + 2 * MARGIN, height: layout.height + 2 * MARGIN, class: "state-graph", role: "img" });
  const root = s("g", { transform: `translate(${MARGIN},${MARGIN})` });
  svg.append(root);
  const depth = (n) => (n.parent ? 1 + depth(byId[n.parent]) : 0);
  const containers = Object.values(byId).filter((n) => n.scopes.length).sort((a, b) => depth(a) - depth(b));
  for (const node of containers) root.append(drawNode(node, states, onSelect, true));
  const labels = [];
  for (const { edge, points, label } of layout.edges) {
    const isTaken = takenSet.has(`${edge.source}\u0000${edge.target}`);
    root.append(s("path", { d: pathThrough(points), class: `edge ${edge.kind}${isTaken ? " taken" : ""}`,
                            "marker-end": `url(#arrow-${edge.kind === "catch" ? "catch" : "plain"})`,
                            "data-source": edge.source, "data-target": edge.target, "data-kind": edge.kind }));
    if (label) {
      labels.push(s("text", { x: label.x, y: label.y, class: `edge-label ${edge.kind}`, "data-source": edge.source,
                              "data-target": edge.target, "data-scope": edge.scope },
        s("title", {}, edge.label), shortLabel(edge.label)));
    }
  }
  for (const node of Object.values(byId)) if (!node.scopes.length) root.append(drawNode(node, states, onSelect, false));
  root.append(...labels);
  svg.prepend(s("defs", {},
    s("marker", { id: "arrow-plain", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 8, markerHeight: 8, markerUnits: "userSpaceOnUse", orient: "auto" },
      s("path", { d: "M0,0 L10,5 L0,10 z", fill: "#879596" })),
    s("marker", { id: "arrow-catch", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 8, markerHeight: 8, markerUnits: "userSpaceOnUse", orient: "auto" },
      s("path", { d: "M0,0 L10,5 L0,10 z", fill: "#e07700" }))));
  return svg;
}

function drawNode(node, states, onSelect, isContainer) {
  if (isTerminal(node)) {
    const r = node.width / 2;
    return s("g", { class: "terminal", "data-terminal": node.id, "data-scope": node.scope },
             s("circle", { cx: node.x + r, cy: node.y + r, r }),
             s("text", { x: node.x + r, y: node.y + r + 1, "text-anchor": "middle", "dominant-baseline": "middle" },
               node.type));
  }
  const run = states ? states[node.id] : null;
  const status = states ? (run ? run.status : "not_reached") : null;
  const group = s("g", { class: `node${isContainer ? " container" : ""}${status ? " state-" + status : ""}`,
                         "data-state": node.id, "data-scope": node.scope, "data-status": status || undefined, tabindex: 0 },
    s("title", {}, `${node.label} (${node.type})${status ? ": " + status.replace("_", " ") : ""}`),
    s("rect", { x: node.x, y: node.y, width: node.width, height: node.height }),
    isContainer
      ? s("text", { x: node.x + PAD, y: node.y + HEADER / 2 + 1 }, `${node.label}  ·  ${node.type}`)
      : s("text", { x: node.x + node.width / 2, y: node.y + node.height / 2 + 1 }, node.label));
  group.addEventListener("click", (event) => { event.stopPropagation(); onSelect && onSelect(node.id); });
  return group;
}

function legend() {
  const item = (cls, text) => h("span", {}, h("i", { style: `background: var(--${cls})` }), text);
  return h("div", { class: "legend" }, item("succeeded", "succeeded"), item("caught", "caught (Catch)"),
    item("failed", "failed"), item("in-progress", "in progress"), item("not-reached", "not reached"),
    h("span", {}, "— edge · ", h("span", { style: "color: var(--caught)" }, "- - catch"), " · ··· default"));
}

// --- views ---------------------------------------------------------------------------------------------------------
async function machinesView(token) {
  const { stateMachines } = await getJSON(`${API}/state-machines`);
  if (token !== routeToken) return;
  view.replaceChildren(h("h1", {}, "State machines"));
  if (!stateMachines.length) view.append(h("p", { class: "hint" }, "No state machine yet: add one to a service's serverless.yml."));
  const graphs = {};
  for (const machine of stateMachines) {
    graphs[machine.name] = h("div", { class: "graph" }, drawGraph(machine.graph, null, null, (state) => {
      const here = graphs[machine.name].querySelector(`[data-state="${CSS.escape(state)}"]`)?.dataset.executions;
      if (here) location.hash = `#/execution/${encodeURIComponent(here.split(" ")[0])}`;
    }));
    view.append(h("section", { class: "card", "data-state-machine": machine.name },
      h("h2", {}, machine.name, " ", h("small", { class: "muted" }, machine.service ? `service ${machine.service}` : "")),
      machine.comment ? h("p", { class: "muted" }, machine.comment) : null,
      h("p", {}, h("a", { href: `#/executions?stateMachine=${encodeURIComponent(machine.name)}` }, "Executions →"),
        " ", h("code", { class: "muted" }, machine.arn)),
      graphs[machine.name]));
  }
  // Where the running executions are now: their states in progress, with how many are there.
  const refresh = async () => {
    const { positions } = await getJSON(`${API}/positions`);
    if (token !== routeToken) return;
    for (const [name, box] of Object.entries(graphs)) {
      const here = {};
      for (const run of positions[name] || []) for (const state of run.states) (here[state] ||= []).push(run);
      for (const node of box.querySelectorAll("svg .node[data-state]")) showRunning(node, here[node.dataset.state] || []);
    }
  };
  await refresh();
  timer = setInterval(() => refresh().catch(() => {}), 2000);
}

function showRunning(node, runs) {
  node.classList.toggle("running-here", runs.length > 0);
  node.querySelector(".running-count")?.remove();
  if (!runs.length) { delete node.dataset.executions; return; }
  node.dataset.executions = runs.map((r) => r.executionArn).join(" ");
  const box = node.querySelector("rect");
  const x = Number(box.getAttribute("x")) + Number(box.getAttribute("width")), y = Number(box.getAttribute("y"));
  node.append(s("g", { class: "running-count" }, s("title", {}, `running here: ${runs.map((r) => r.name).join(", ")}`),
    s("circle", { cx: x, cy: y, r: 9 }), s("text", { x, y: y + 1 }, runs.length)));
}

async function executionsView(token, params) {
  const status = params.get("status") || "", machine = params.get("stateMachine") || "", error = params.get("error") || "";
  const go = (next) => { location.hash = `#/executions?${new URLSearchParams({ status, stateMachine: machine, error, ...next })}`; };
  const machines = (await getJSON(`${API}/state-machines`)).stateMachines.map((m) => m.name);
  const table = h("tbody");
  // The errors to filter by are those of the executions listed; the one chosen stays even when none has it now.
  const errorSelect = h("select", { "aria-label": "error", "data-filter-error": "", onchange: (e) => go({ error: e.target.value }) });
  const filters = h("div", { class: "filters" },
    ["", ...STATUSES].map((st) => h("button", { class: st === status ? "active" : "", "data-filter": st || "ALL",
      onclick: () => go({ status: st }) }, st || "All")),
    h("select", { "aria-label": "state machine", onchange: (e) => go({ stateMachine: e.target.value }) },
      h("option", { value: "" }, "every state machine"),
      machines.map((m) => h("option", { value: m, selected: m === machine }, m))),
    errorSelect);
  let shownErrors = null;
  const refresh = async () => {
    const query = new URLSearchParams({ status, stateMachine: machine, error });
    const { executions, errors } = await getJSON(`${API}/executions?${query}`);
    if (token !== routeToken) return;
    const choices = [...new Set([...errors, ...(error ? [error] : [])])].sort();
    if (JSON.stringify(choices) !== shownErrors) {
      shownErrors = JSON.stringify(choices);
      put(errorSelect, h("option", { value: "" }, "any error"), choices.map((e) => h("option", { value: e, selected: e === error }, e)));
    }
    table.replaceChildren(...(executions.length ? executions.map((e) => h("tr", { "data-execution": e.executionArn },
      h("td", {}, executionLink(e.executionArn, e.name)), h("td", {}, e.stateMachineName), h("td", {}, badge(e.status)),
      h("td", { class: "execution-error", "data-error": e.error || undefined },
        e.error ? h("span", { class: "error" }, e.error) : "", e.cause ? h("div", { class: "muted cause", title: e.cause }, e.cause) : null),
      h("td", {}, when(e.startDate)), h("td", {}, when(e.stopDate)))) :
      [h("tr", {}, h("td", { colspan: 6, class: "muted" }, "No executions match. Start one, e.g. POST /orchestrator/calculate."))]));
  };
  if (token !== routeToken) return;
  view.replaceChildren(h("h1", {}, "Executions"), filters,
    h("table", {}, h("thead", {}, h("tr", {}, ["Name", "State machine", "Status", "Error", "Started", "Stopped"].map((t) => h("th", {}, t)))), table));
  await refresh();
  timer = setInterval(() => refresh().catch(() => {}), 2000);
}

async function executionView(token, arn) {
  let selected = null, last = null;
  const header = h("div"), graphBox = h("div", { class: "graph" }), details = h("div", { class: "card", id: "state-details" });
  const statesTable = h("tbody"), eventsTable = h("tbody");
  view.replaceChildren(header, legend(), h("div", { class: "split" }, graphBox, details),
    h("h2", {}, "States"), h("table", { id: "states" }, h("thead", {}, h("tr", {},
      ["State", "Type", "Outcome", "Entered", "Failed attempts", "Error"].map((t) => h("th", {}, t)))), statesTable),
    h("h2", {}, "Event history"), h("table", { id: "events" }, h("thead", {}, h("tr", {},
      ["#", "Type", "Time", "Details"].map((t) => h("th", {}, t)))), eventsTable));

  const select = (name) => { selected = name; render(); };
  const render = () => {
    const { execution, graph, states, transitions, events } = last;
    put(header, h("h1", {}, execution.name, " ", h("span", { id: "execution-status" }, badge(execution.status))),
      h("p", { class: "muted" }, "State machine ", h("a", { href: `#/executions?stateMachine=${encodeURIComponent(last.stateMachineName)}` },
        last.stateMachineName), ` · started ${when(execution.startDate)}`, execution.stopDate ? ` · stopped ${when(execution.stopDate)}` : "",
        execution.status === "RUNNING" ? " · live" : ""),
      execution.error ? h("p", { class: "error" }, `${execution.error}: ${execution.cause || ""}`) : null);
    const svg = drawGraph(graph, states, transitions, select);
    if (selected) svg.querySelector(`[data-state="${CSS.escape(selected)}"]`)?.classList.add("selected");
    graphBox.replaceChildren(svg);
    const run = selected ? states[selected] : null;
    put(details, ...(run ? [h("h2", {}, run.name, " ", h("small", { class: "muted" }, run.status.replace("_", " "))),
        run.error ? h("p", { class: "error" }, `${run.error}${run.cause ? ": " + run.cause : ""}`) : null,
        h("div", {}, h("strong", {}, "Input")), h("pre", { class: "state-input" }, pretty(run.input) || "—"),
        h("div", {}, h("strong", {}, "Output")), h("pre", { class: "state-output" }, pretty(run.output) || "—")]
      : [h("h2", {}, "Execution"), h("div", {}, h("strong", {}, "Input")), h("pre", {}, pretty(execution.input)),
        h("div", {}, h("strong", {}, "Output")), h("pre", {}, pretty(execution.output) || "—"),
        h("p", { class: "muted" }, "Click a state for its input and output.")]));
    statesTable.replaceChildren(...Object.values(states).map((r) => h("tr", { "data-state-row": r.name, "data-status": r.status,
        class: r.name === selected ? "selected" : "", onclick: () => select(r.name) },
      h("td", {}, h("a", { href: "javascript:void 0" }, r.name)), h("td", {}, r.type), h("td", {}, r.status.replace("_", " ")),
      h("td", {}, r.entered), h("td", {}, r.attemptsFailed), h("td", {}, r.error || ""))));
    eventsTable.replaceChildren(...events.map((e) => {
      const detail = Object.entries(e).find(([k]) => k.endsWith("EventDetails"));
      return h("tr", {}, h("td", {}, e.id), h("td", {}, e.type), h("td", {}, when(e.timestamp)),
        h("td", {}, detail ? h("pre", {}, JSON.stringify(detail[1], null, 1)) : ""));
    }));
  };
  const refresh = async () => {
    const data = await getJSON(`${API}/execution?arn=${encodeURIComponent(arn)}`);
    if (token !== routeToken) return;
    const changed = !last || last.events.length !== data.events.length || last.execution.status !== data.execution.status;
    last = data;
    if (changed) render();
    if (data.execution.status !== "RUNNING" && timer) { clearInterval(timer); timer = null; }
  };
  await refresh();
  if (last && last.execution.status === "RUNNING" && token === routeToken) timer = setInterval(() => refresh().catch(() => {}), 1000);
}

function emailLinks(message) {
  const text = message.Body.text_part || "";
  const found = [...text.matchAll(/(?:^|\n)\s*([A-Za-z][\w ]{0,30}):\s+(https?:\/\/\S+)/g)].map((m) => [m[1].trim(), m[2]]);
  if (!found.length) for (const url of text.match(/https?:\/\/\S+/g) || []) found.push([url, url]);
  return found;
}

async function inboxView(token, params) {
  const { messages } = await getJSON("/_aws/ses");
  if (token !== routeToken) return;
  const newest = [...messages].reverse();
  const chosen = newest.find((m) => m.Id === params.get("id")) || newest[0];
  const list = h("div", { class: "card mail-list" }, newest.map((m) => h("div", {
      class: `mail${m === chosen ? " selected" : ""}`, "data-message": m.Id,
      onclick: () => { location.hash = `#/inbox?id=${encodeURIComponent(m.Id)}`; } },
    h("div", { class: "subject" }, m.Subject || "(no subject)"),
    h("div", { class: "muted" }, `to ${(m.Destination.ToAddresses || []).join(", ")}`), h("div", { class: "muted" }, when(m.Timestamp)))));
  view.replaceChildren(h("h1", {}, "Inbox ", h("small", { class: "muted" }, "every email the services sent through SES")));
  if (!chosen) { view.append(h("p", { class: "hint" }, "No email yet. An approval run sends one: POST /orchestrator/calculate.")); return; }
  const body = chosen.Body.html_part
    // The email's HTML runs in a sandbox (no scripts, no same-origin); its links open in a new tab.
    ? h("iframe", { class: "email", sandbox: "allow-popups allow-popups-to-escape-sandbox", title: "email body",
                    srcdoc: `<base target="_blank">${chosen.Body.html_part}` })
    : h("pre", {}, chosen.Body.text_part || "");
  view.append(h("div", { class: "inbox" }, list, h("section", { class: "card", id: "email" },
    h("h2", {}, chosen.Subject), h("p", { class: "muted" }, `from ${chosen.Source} · to ${(chosen.Destination.ToAddresses || []).join(", ")} · ${when(chosen.Timestamp)}`),
    h("div", { class: "links" }, emailLinks(chosen).map(([label, url]) => h("a", { href: url, target: "_blank", rel: "noopener", class: "email-link" }, `${label} ↗`))),
    body, chosen.Body.html_part && chosen.Body.text_part ? h("details", {}, h("summary", {}, "Text part"), h("pre", {}, chosen.Body.text_part)) : null)));
}

async function workView(token) {
  const refresh = async () => {
    const { queues, activities, jobs } = await getJSON(`${API}/work`);
    if (token !== routeToken) return;
    const running = jobs.items.filter((j) => !j.finished), finished = jobs.items.filter((j) => j.finished);
    const jobRows = running.map((j) => h("tr", { "data-job": j.jobId }, h("td", {}, h("code", {}, j.jobId)), h("td", {}, j.status || ""),
      h("td", {}, j.progress === null ? "—" : h("div", { class: "progress", title: `${j.progress}%` }, h("div", { style: `width:${Math.min(100, j.progress)}%` }))),
      h("td", {}, j.cancellable ? h("button", { class: "action danger", onclick: async (e) => {
        e.target.disabled = true;
        await getJSON(`${API}/jobs/cancel?id=${encodeURIComponent(j.jobId)}`, { method: "POST" }).catch((err) => alert(err.message));
        refresh();
      } }, "Cancel") : "")));
    // A finished job shows what it gave, or why it ended (the error GET /jobs/{id} reports: WorkerLost, a refused report...).
    const finishedRows = finished.map((j) => h("tr", { "data-finished-job": j.jobId, "data-status": j.status },
      h("td", {}, h("code", {}, j.jobId)), h("td", {}, j.job.tenant || ""), h("td", {}, badge(j.status)),
      h("td", { class: "job-outcome" }, j.status === "succeeded" ? h("code", {}, JSON.stringify(j.result))
        : j.error ? [h("span", { class: "error" }, j.error.type || ""), j.error.message ? h("div", { class: "muted" }, j.error.message) : null] : ""),
      h("td", {}, j.job.executionArn ? executionLink(j.job.executionArn, "execution") : "")));
    const activityRows = activities.map((a) => h("tr", {}, h("td", {}, a.name), h("td", {}, a.pending.length), h("td", {}, a.withWorker.length),
      h("td", {}, [...a.pending, ...a.withWorker].map((t) => h("div", {}, executionLink(t.executionArn, t.executionArn.split(":").pop()),
        t.worker ? ` (worker ${t.worker})` : " (waiting for a worker)")))));
    const queueRows = queues.map((q) => h("tr", {}, h("td", {}, q.name), h("td", {}, q.visible), h("td", {}, q.inFlight), h("td", {}, q.delayed)));
    const table = (heads, rows) => h("table", {}, h("thead", {}, h("tr", {}, heads.map((t) => h("th", {}, t)))), h("tbody", {}, rows));
    put(view, h("h1", {}, "Jobs & queues"),
      h("h2", {}, "On-premises jobs"), jobRows.length ? table(["Job", "Status", "Progress", ""], jobRows)
        : h("p", { class: "hint", id: "jobs-hint" }, finished.length ? "No job running." : jobs.hint),
      finishedRows.length ? [h("h3", {}, "Finished ", h("small", { class: "muted" }, "the latest, with their results")),
        table(["Job", "Tenant", "Status", "Result or error", ""], finishedRows)] : null,
      h("h2", {}, "Activity tasks"), activityRows.length ? table(["Activity", "Pending", "With a worker", "Tasks"], activityRows)
        : h("p", { class: "hint" }, "No activity yet (Step Functions ListActivities is empty). `make activity-worker` polls them once a service defines one."),
      h("h2", {}, "Queues"), queueRows.length ? table(["Queue", "Visible", "In flight", "Delayed"], queueRows)
        : h("p", { class: "hint" }, "No SQS queue yet (ListQueues is empty)."));
  };
  await refresh();
  timer = setInterval(() => refresh().catch(() => {}), 2000);
}

// The fault rules standing and the faults injected, as GET /_localcloud/faults answers them (localcloud/faults/).
// Fields this page does not know (new kinds of fault) are shown as they are, not dropped.
const FAULTS = "/_localcloud/faults";
const RULE_FIELDS = new Set(["service", "operation", "resource", "error", "status", "message", "latency_ms", "count",
                             "probability", "id", "hits", "at", "rule", "resources",
                             "kind", "topic", "client_id", "function", "after_ms"]);
const isAwsFault = (fault) => !fault.kind || fault.kind === "aws";
function faultEffect(fault) {
  const extras = Object.entries(fault).filter(([key, value]) => !RULE_FIELDS.has(key) && value !== null && value !== undefined)
    .map(([key, value]) => `${key}: ${typeof value === "object" ? JSON.stringify(value) : value}`);
  return [isAwsFault(fault) ? null : fault.kind,
          fault.error ? `${fault.error}${fault.status ? ` (HTTP ${fault.status})` : ""}` : null,
          fault.latency_ms ? `+${fault.latency_ms} ms` : null,
          !isAwsFault(fault) && fault.after_ms ? `after ${fault.after_ms} ms` : null, ...extras].filter(Boolean).join(" · ");
}
// An AWS fault names the call; an MQTT or Lambda fault names its topic, client or function.
const faultCall = (fault) => isAwsFault(fault) ? `${fault.service}:${fault.operation || "*"}`
  : [fault.topic, fault.client_id, fault.function].filter(Boolean).join(" · ") || "*";

async function faultsView(token) {
  const refresh = async () => {
    const { rules, injected } = await getJSON(FAULTS);
    if (token !== routeToken) return;
    const table = (heads, rows, id) => h("table", { id }, h("thead", {}, h("tr", {}, heads.map((t) => h("th", {}, t)))), h("tbody", {}, rows));
    const ruleRows = rules.map((r) => h("tr", { "data-fault-rule": r.id }, h("td", {}, h("code", {}, r.id)), h("td", {}, faultCall(r)),
      h("td", {}, r.resource || "any"), h("td", { class: "fault-effect" }, faultEffect(r)),
      h("td", {}, `${r.hits}${r.count !== null && r.count !== undefined ? ` of ${r.count}` : ""}${r.probability < 1 ? ` · p ${r.probability}` : ""}`),
      h("td", {}, h("button", { class: "action", onclick: async () => { await getJSON(`${FAULTS}/${encodeURIComponent(r.id)}`, { method: "DELETE" }); refresh(); } }, "Clear"))));
    const injectedRows = [...injected].reverse().slice(0, 50).map((f) => h("tr", { "data-fault-injected": f.rule },
      h("td", {}, new Date(f.at * 1000).toLocaleTimeString()), h("td", {}, h("code", {}, f.rule)), h("td", {}, faultCall(f)),
      h("td", { class: "muted" }, (f.resources || []).join(", ")), h("td", { class: "fault-effect" }, faultEffect(f))));
    view.replaceChildren(h("h1", {}, "Faults ", h("small", { class: "muted" }, "AWS calls the local cloud fails or slows on purpose")),
      h("h2", {}, "Rules standing"), ruleRows.length ? table(["Rule", "Call", "Resource", "Effect", "Hits", ""], ruleRows, "fault-rules")
        : h("p", { class: "hint", id: "no-fault-rules" }, "No fault rule. Add one: python -m localcloud faults add --service states --operation SendTaskSuccess --error ThrottlingException --count 1"),
      h("h2", {}, "Faults injected ", h("small", { class: "muted" }, "newest first")),
      injectedRows.length ? table(["When", "Rule", "Call", "Resources", "Effect"], injectedRows, "faults-injected")
        : h("p", { class: "hint" }, "No fault injected yet."));
  };
  await refresh();
  timer = setInterval(() => refresh().catch(() => {}), 2000);
}

async function inboxCount() {
  try {
    const { messages } = await getJSON("/_aws/ses");
    document.getElementById("inbox-count").textContent = messages.length ? messages.length : "";
  } catch (e) { /* the cloud is stopping */ }
}

// --- routing -------------------------------------------------------------------------------------------------------
async function route() {
  if (timer) { clearInterval(timer); timer = null; }
  const token = ++routeToken;
  const [path, query] = (location.hash.slice(1) || "/machines").split("?");
  const params = new URLSearchParams(query || "");
  const [, page, ...rest] = path.split("/");
  for (const link of document.querySelectorAll("nav a")) link.classList.toggle("active", link.dataset.nav === (page === "execution" ? "executions" : page));
  view.replaceChildren(h("p", { class: "muted" }, "Loading…"));
  try {
    if (page === "executions") await executionsView(token, params);
    else if (page === "execution") await executionView(token, decodeURIComponent(rest.join("/")));
    else if (page === "inbox") await inboxView(token, params);
    else if (page === "work") await workView(token);
    else if (page === "faults") await faultsView(token);
    else await machinesView(token);
  } catch (error) {
    if (token === routeToken) view.replaceChildren(h("p", { class: "error" }, `Could not load this page: ${error.message}`));
  }
}

window.addEventListener("hashchange", route);
route();
inboxCount();
setInterval(inboxCount, 3000);
