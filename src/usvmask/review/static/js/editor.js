// The mask editor: the spectrogram as stored, the mask over it, brush / eraser / polygon / lasso, undo and redo.
// Every finished change (a stroke, a fill, clear all, undo, redo, back to the original) calls onCommit(mask, how).

const MARGIN = { left: 56, top: 8, right: 12, bottom: 40 };
const COLOUR = [255, 40, 40];
const CLOSE_PX = 9; // a polygon click this close (screen pixels) to its first point closes it

export class Editor {
  constructor(canvas, onCommit) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.onCommit = onCommit;
    this.tool = "brush";
    this.size = 6;
    this.opacity = 0.45;
    this.zoom = 3;
    this.showMask = true;
    this.history = new Map();
    this.points = null;
    this.stroke = null;
    this.cursor = null;
    this.maskLayer = document.createElement("canvas");
    this.fillLayer = document.createElement("canvas");
    canvas.addEventListener("pointerdown", (e) => this.down(e));
    canvas.addEventListener("pointermove", (e) => this.move(e));
    canvas.addEventListener("pointerup", (e) => this.up(e));
    canvas.addEventListener("pointerleave", () => { this.cursor = null; this.render(); });
    canvas.addEventListener("dblclick", (e) => this.closePolygon(e.shiftKey));
    canvas.addEventListener("contextmenu", (e) => e.preventDefault());
  }

  load(name, image, mask, original, width, height, axis) {
    Object.assign(this, { name, image, mask, original, width, height, axis, points: null, stroke: null });
    for (const layer of [this.maskLayer, this.fillLayer]) { layer.width = width; layer.height = height; }
    if (!this.history.has(name)) this.history.set(name, { undo: [], redo: [] });
    this.resize();
  }

  get hist() { return this.history.get(this.name); }

  resize() {
    this.canvas.width = MARGIN.left + this.width * this.zoom + MARGIN.right;
    this.canvas.height = MARGIN.top + this.height * this.zoom + MARGIN.bottom;
    this.refresh();
  }

  set(key, value) {
    this[key] = value;
    if (key === "tool") this.points = null;
    if (key === "zoom") this.resize(); else this.render();
  }

  commit(before, how = "edit") {
    this.hist.undo.push(before);
    this.hist.redo.length = 0;
    this.refresh();
    this.onCommit(this.mask.slice(), how);
  }

  undo() { this.step(this.hist.undo, this.hist.redo); }
  redo() { this.step(this.hist.redo, this.hist.undo); }

  step(from, to) {
    if (!this.mask || !from.length) return;
    to.push(this.mask.slice());
    this.mask = from.pop();
    this.refresh();
    this.onCommit(this.mask.slice(), "edit");
  }

  clearAll() {
    const before = this.mask.slice();
    this.mask.fill(0);
    this.commit(before, "noise");
  }

  revert() {
    const before = this.mask.slice();
    this.mask.set(this.original);
    this.commit(before, "edit");
  }

  toImage(e) {
    const box = this.canvas.getBoundingClientRect();
    const x = (e.clientX - box.left - MARGIN.left) / this.zoom;
    const y = (e.clientY - box.top - MARGIN.top) / this.zoom;
    return { x, y };
  }

  paint(x, y, value) {
    const r = this.size / 2;
    const [w, h] = [this.width, this.height];
    for (let row = Math.floor(y - r); row <= Math.ceil(y + r); row++) {
      for (let col = Math.floor(x - r); col <= Math.ceil(x + r); col++) {
        if (row < 0 || col < 0 || row >= h || col >= w) continue;
        const inside = (col + 0.5 - x) ** 2 + (row + 0.5 - y) ** 2 <= r * r;
        if (inside || (row === Math.floor(y) && col === Math.floor(x))) this.mask[row * w + col] = value;
      }
    }
  }

  paintLine(from, to, value) {
    const steps = Math.max(1, Math.ceil(2 * Math.hypot(to.x - from.x, to.y - from.y)));
    for (let i = 1; i <= steps; i++) {
      this.paint(from.x + (to.x - from.x) * i / steps, from.y + (to.y - from.y) * i / steps, value);
    }
  }

  fill(points, value) {
    const ctx = this.fillLayer.getContext("2d");
    ctx.clearRect(0, 0, this.width, this.height);
    ctx.beginPath();
    points.forEach((p, i) => (i ? ctx.lineTo(p.x, p.y) : ctx.moveTo(p.x, p.y)));
    ctx.closePath();
    ctx.fill();
    const alpha = ctx.getImageData(0, 0, this.width, this.height).data;
    for (let i = 0; i < this.mask.length; i++) if (alpha[4 * i + 3] >= 128) this.mask[i] = value;
  }

  down(e) {
    if (!this.mask || (e.button !== 0 && e.button !== 2)) return;
    const p = this.toImage(e);
    if (this.tool === "brush" || this.tool === "eraser") {
      const value = this.tool === "brush" && e.button === 0 ? 1 : 0;
      this.stroke = { before: this.mask.slice(), last: p, value };
      this.paint(p.x, p.y, value);
      this.canvas.setPointerCapture(e.pointerId);
      this.refresh();
    } else if (this.tool === "lasso") {
      this.points = [p];
      this.canvas.setPointerCapture(e.pointerId);
    } else if (this.tool === "polygon" && e.button === 0) {
      this.addVertex(p, e.shiftKey);
    }
  }

  addVertex(p, erase) {
    this.points = this.points || [];
    const first = this.points[0];
    const near = first && Math.hypot(p.x - first.x, p.y - first.y) * this.zoom < CLOSE_PX;
    if (near && this.points.length >= 3) this.closePolygon(erase); else { this.points.push(p); this.render(); }
  }

  move(e) {
    const p = this.toImage(e);
    this.cursor = p;
    if (this.stroke) {
      this.paintLine(this.stroke.last, p, this.stroke.value);
      this.stroke.last = p;
      this.refresh();
    } else {
      if (this.tool === "lasso" && this.points && e.buttons) this.points.push(p);
      this.render();
    }
  }

  up(e) {
    if (this.stroke) {
      const { before } = this.stroke;
      this.stroke = null;
      this.commit(before);
    } else if (this.tool === "lasso" && this.points) {
      this.closePolygon(e.shiftKey);
    }
  }

  closePolygon(erase) {
    const points = this.points;
    this.points = null;
    if (!points || points.length < 3) { this.render(); return; }
    const before = this.mask.slice();
    this.fill(points, erase ? 0 : 1);
    this.commit(before);
  }

  cancel() { this.points = null; this.render(); }

  refresh() {
    if (!this.mask) return;
    const ctx = this.maskLayer.getContext("2d");
    const data = ctx.createImageData(this.width, this.height);
    for (let i = 0; i < this.mask.length; i++) {
      if (!this.mask[i]) continue;
      data.data.set(COLOUR, 4 * i);
      data.data[4 * i + 3] = 255;
    }
    ctx.putImageData(data, 0, 0);
    this.render();
  }

  render() {
    const { ctx, zoom } = this;
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    if (!this.image) return;
    const [w, h] = [this.width * zoom, this.height * zoom];
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(this.image, MARGIN.left, MARGIN.top, w, h);
    if (this.showMask) {
      ctx.globalAlpha = this.opacity;
      ctx.drawImage(this.maskLayer, MARGIN.left, MARGIN.top, w, h);
      ctx.globalAlpha = 1;
    }
    this.drawTools();
    drawAxes(ctx, this.axis, this.width, this.height, zoom);
  }

  drawTools() {
    const { ctx, zoom } = this;
    const at = (p) => [MARGIN.left + p.x * zoom, MARGIN.top + p.y * zoom];
    if (this.points && this.points.length) {
      ctx.strokeStyle = "#0a6cff";
      ctx.lineWidth = 2;
      ctx.beginPath();
      this.points.forEach((p, i) => (i ? ctx.lineTo(...at(p)) : ctx.moveTo(...at(p))));
      if (this.cursor && this.tool === "polygon") ctx.lineTo(...at(this.cursor));
      ctx.stroke();
    }
    if (this.cursor && (this.tool === "brush" || this.tool === "eraser")) {
      ctx.strokeStyle = this.tool === "brush" ? "#ff2828" : "#0a6cff";
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.arc(...at(this.cursor), (this.size / 2) * zoom, 0, 2 * Math.PI);
      ctx.stroke();
    }
  }
}

function drawAxes(ctx, axis, width, height, zoom) {
  const [x0, y0, w, h] = [MARGIN.left, MARGIN.top, width * zoom, height * zoom];
  ctx.strokeStyle = "#333";
  ctx.fillStyle = "#333";
  ctx.lineWidth = 1;
  ctx.font = "11px system-ui, sans-serif";
  ctx.strokeRect(x0 - 0.5, y0 - 0.5, w + 1, h + 1);
  const [yLabel, yTop, yBottom, yStep] = axis
    ? ["frequency (kHz)", axis.f_high_khz, axis.f_low_khz, 10] : ["row (px)", 0, height, 50];
  const [xLabel, xLeft, xRight, xStep] = axis ? ["time (ms)", 0, axis.width_ms, 20] : ["column (px)", 0, width, 50];
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (let v = Math.ceil(Math.min(yTop, yBottom) / yStep) * yStep; v <= Math.max(yTop, yBottom); v += yStep) {
    const y = y0 + ((v - yTop) / (yBottom - yTop)) * h;
    ctx.fillRect(x0 - 5, Math.round(y), 5, 1);
    ctx.fillText(String(v), x0 - 7, y);
  }
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (let v = Math.ceil(xLeft / xStep) * xStep; v <= xRight; v += xStep) {
    const x = x0 + ((v - xLeft) / (xRight - xLeft)) * w;
    ctx.fillRect(Math.round(x), y0 + h, 1, 5);
    ctx.fillText(String(v), x, y0 + h + 7);
  }
  ctx.fillText(xLabel, x0 + w / 2, y0 + h + 22);
  ctx.save();
  ctx.translate(12, y0 + h / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(yLabel, 0, -6);
  ctx.restore();
}
