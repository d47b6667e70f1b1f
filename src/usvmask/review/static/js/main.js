// The review page: the queue and its filters, the image shown, decisions, keys. Talks to /api/ only.
import { Editor } from "./editor.js";
import { bindControls } from "./keys.js";
import { Saver } from "./saver.js";
import { decodeRuns } from "./runs.js";

const $ = (id) => document.getElementById(id);
const LABELS = { accept: "accepted", edit: "edited", noise: "noise (cleared)" };
const state = { info: null, items: [], at: -1, item: null, rows: new Map(), opening: 0 };
let editor = null;
let saver = null;
let progressTimer = null;

async function getJSON(url) {
  const response = await fetch(url);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
  return body;
}

function filterQuery(withTodo) {
  const query = new URLSearchParams();
  document.querySelectorAll("[data-filter]").forEach((el) => { if (el.value) query.set(el.dataset.filter, el.value); });
  if (withTodo && $("f-todo").checked) query.set("todo", "1");
  return query.toString();
}

function showProgress(p) {
  const share = p.estimated_fix_share === null ? "— (review some first)"
    : `≈ ${(100 * p.estimated_fix_share).toFixed(0)} % of this queue (estimated)`;
  $("progress").textContent = `Reviewed ${p.reviewed} / ${p.total} · fixed ${p.fixed} · needs fixing ${share}`;
  document.body.dataset.reviewed = String(p.reviewed);
}

function scheduleProgress() {
  clearTimeout(progressTimer);
  progressTimer = setTimeout(async () => showProgress(await getJSON(`/api/progress?${filterQuery(false)}`)), 250);
}

function rowClass(item) { return [item.decision || "", state.items[state.at] === item ? "current" : ""].join(" "); }

function renderQueue() {
  const list = $("queue");
  const fragment = document.createDocumentFragment();
  state.rows.clear();
  state.items.forEach((item, i) => {
    const li = document.createElement("li");
    li.className = rowClass(item);
    li.dataset.name = item.name;
    for (const text of [`#${item.rank}`, item.name, item.score.toFixed(3), ""]) {
      const span = document.createElement("span");
      span.textContent = text;
      li.append(span);
    }
    li.lastChild.className = "st";
    li.title = `${item.kind} · ${item.label} · ${item.split}`;
    li.addEventListener("click", () => open(i));
    state.rows.set(item.name, li);
    fragment.append(li);
  });
  list.replaceChildren(fragment);
}

async function loadQueue() {
  const keep = state.items[state.at]?.name;
  const answer = await getJSON(`/api/queue?${filterQuery(true)}`);
  state.items = answer.items;
  showProgress(answer.progress);
  const found = state.items.findIndex((item) => item.name === keep);
  state.at = -1;
  renderQueue();
  await open(found >= 0 ? found : 0);
}

function showFacts() {
  const item = state.item;
  const entry = state.items[state.at] || item;
  const terms = Object.entries(item.terms).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(", ");
  const status = entry.decision ? LABELS[entry.decision] + (entry.changed ? " · differs from the original" : "")
    : "not yet reviewed";
  $("facts").textContent = `${item.name}   ${item.kind} · class ${item.label} · ${item.split}\n`
    + `rank ${item.rank} of ${state.info.count} · likely-wrong score ${item.score.toFixed(3)} (${terms})\n`
    + `${status} · version ${saver.known.get(item.name) ?? item.version}`;
  document.body.dataset.status = entry.decision || "todo";
}

async function open(index) {
  if (index < 0 || index >= state.items.length) return;
  const token = ++state.opening;
  const name = state.items[index].name;
  const image = new Image();
  image.src = `/api/images/${encodeURIComponent(name)}.png`;
  const [item] = await Promise.all([getJSON(`/api/items/${encodeURIComponent(name)}`), image.decode()]);
  if (token !== state.opening) return;
  const [h, w] = state.info.shape;
  const mask = saver.latestMask(name, w * h) || decodeRuns(item.mask, w * h);
  saver.setVersion(name, item.version);
  state.rows.get(state.items[state.at]?.name)?.classList.remove("current");
  Object.assign(state, { at: index, item });
  if (!saver.pending(name).length) {
    Object.assign(state.items[index], { decision: item.decision, changed: item.changed });
  }
  const row = state.rows.get(name);
  row.className = rowClass(state.items[index]);
  row.scrollIntoView({ block: "nearest" });
  editor.load(name, image, mask, decodeRuns(item.original, w * h), w, h, state.info.axis);
  showFacts();
  document.body.dataset.shown = name;
  const next = state.items[index + 1];
  if (next) new Image().src = `/api/images/${encodeURIComponent(next.name)}.png`;
}

function mark(name, decision, changed) {
  const item = state.items.find((entry) => entry.name === name);
  if (!item) return;
  Object.assign(item, { decision }, changed === undefined ? {} : { changed });
  const row = state.rows.get(name);
  if (row) row.className = rowClass(item);
  if (state.item && state.item.name === name) showFacts();
}

function decide(decision, mask) {
  if (!state.item) return;
  const name = state.item.name;
  saver.add(name, decision, mask);
  mark(name, decision);
  if (decision !== "edit" && $("advance").checked) open(state.at + 1);
}

function onCommit(mask, how) { decide(how === "noise" ? "noise" : "edit", how === "noise" ? null : mask); }

function showSaveState(count, error) {
  const el = $("savestate");
  el.textContent = !count ? "All changes saved." : error
    ? `Not saved yet: ${count} change(s) kept in this browser; ${error}; retrying…` : `Saving ${count}…`;
  el.className = error && count ? "bad" : "";
  document.body.dataset.pending = String(count);
}

function handlers() {
  return {
    state: showSaveState,
    saved: (answer) => { mark(answer.name, answer.decision, answer.changed); scheduleProgress(); },
    conflict: (name, message) => { $("banner-text").textContent = message; $("banner").hidden = false; },
    refused: (name, message) => {
      $("banner-text").textContent = `${name}: not saved: ${message}`;
      $("banner").hidden = false;
    },
  };
}

function reload() {
  $("banner").hidden = true;
  editor.history.delete(state.item?.name);
  open(state.at);
}

const actions = {
  brush: () => setTool("brush"), eraser: () => setTool("eraser"),
  polygon: () => setTool("polygon"), lasso: () => setTool("lasso"),
  next: () => open(state.at + 1), prev: () => open(state.at - 1),
  accept: () => decide("accept", null), noise: () => editor.clearAll(),
  undo: () => editor.undo(), redo: () => editor.redo(), revert: () => editor.revert(),
  smaller: () => setSize(editor.size - 1), larger: () => setSize(editor.size + 1),
  fainter: () => setOpacity(editor.opacity - 0.1), stronger: () => setOpacity(editor.opacity + 0.1),
  toggleMask: () => editor.set("showMask", !editor.showMask),
  zoom: () => {
    const z = editor.zoom >= 4 ? 2 : editor.zoom + 1;
    $("zoom").value = String(z);
    editor.set("zoom", z);
  },
  todo: (fromBox) => { if (!fromBox) $("f-todo").checked = !$("f-todo").checked; loadQueue(); },
  help: () => $("help").showModal(),
};

function setTool(tool) {
  editor.set("tool", tool);
  document.querySelectorAll("[data-tool]").forEach((b) => b.classList.toggle("active", b.dataset.tool === tool));
}

function setSize(size) {
  const value = Math.max(1, Math.min(40, size));
  $("size").value = String(value);
  $("size-out").textContent = String(value);
  editor.set("size", value);
}

function setOpacity(opacity) {
  const value = Math.max(0, Math.min(1, Math.round(opacity * 10) / 10));
  $("opacity").value = String(Math.round(value * 100));
  editor.set("opacity", value);
}

async function start() {
  state.info = await getJSON("/api/info");
  const compare = state.info.compare ? ` vs ${state.info.compare}` : "";
  $("source").textContent = `masks ${state.info.masks}${compare} → ${state.info.out}`;
  for (const [key, values] of Object.entries(state.info.facets)) {
    const select = document.querySelector(`[data-filter="${key}"]`);
    values.forEach((value) => select.add(new Option(value, value)));
    select.addEventListener("change", loadQueue);
  }
  editor = new Editor($("view"), onCommit);
  saver = new Saver(state.info.out, handlers());
  bindControls(actions, { editor, setSize, setOpacity, reload });
  await loadQueue();
}

start().catch((err) => { $("banner-text").textContent = `Cannot start: ${err.message}`; $("banner").hidden = false; });
