// Buttons, sliders and keyboard shortcuts (labelme/CVAT habits: D/A next/previous, Ctrl+Z undo, [ ] brush size).
const $ = (id) => document.getElementById(id);

const KEYS = {
  " ": "accept", n: "noise", d: "next", ArrowRight: "next", a: "prev", ArrowLeft: "prev",
  b: "brush", e: "eraser", p: "polygon", l: "lasso", "[": "smaller", "]": "larger",
  "-": "fainter", "=": "stronger", "+": "stronger", h: "toggleMask", r: "revert", z: "zoom", u: "todo", "?": "help",
};

function onKey(e, actions, editor) {
  const typing = e.target.closest("input[type=text], select, textarea") || $("help").open;
  if (typing && e.key !== "Escape") return;
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if ((e.ctrlKey || e.metaKey) && key === "z") {
    (e.shiftKey ? actions.redo : actions.undo)();
    e.preventDefault();
    return;
  }
  if ((e.ctrlKey || e.metaKey) && key === "y") { actions.redo(); e.preventDefault(); return; }
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (key === "Enter" && editor.points) { editor.closePolygon(e.shiftKey); e.preventDefault(); return; }
  if (key === "Escape") { editor.cancel(); return; }
  const action = KEYS[e.key] ? KEYS[e.key] : KEYS[key];
  if (!action || e.repeat && ["accept", "noise"].includes(action)) return;
  e.preventDefault();
  actions[action]();
}

export function bindControls(actions, { editor, setSize, setOpacity, reload }) {
  document.querySelectorAll("[data-tool]").forEach((b) => b.addEventListener("click", () => actions[b.dataset.tool]()));
  const buttons = { undo: "undo", redo: "redo", revert: "revert", noise: "noise", accept: "accept", prev: "prev",
    next: "next", "help-open": "help" };
  for (const [id, action] of Object.entries(buttons)) $(id).addEventListener("click", () => actions[action]());
  $("size").addEventListener("input", (e) => setSize(Number(e.target.value)));
  $("opacity").addEventListener("input", (e) => setOpacity(Number(e.target.value) / 100));
  $("zoom").addEventListener("change", (e) => editor.set("zoom", Number(e.target.value)));
  $("f-todo").addEventListener("change", () => actions.todo(true));
  $("banner-reload").addEventListener("click", reload);
  document.addEventListener("keydown", (e) => onKey(e, actions, editor));
  // buttons keep no focus, so Space never "clicks" the last button pressed
  document.querySelectorAll("button").forEach((b) => b.addEventListener("mouseup", () => b.blur()));
  actions.brush();
}
