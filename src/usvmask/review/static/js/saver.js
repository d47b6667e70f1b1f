// Sends decisions to the server one at a time, in order, each naming the image version it builds on.
// Decisions not yet acknowledged are kept in localStorage (one entry per tab, with a heartbeat), so that neither
// a closed tab nor a dead server loses them: they are sent again later, by this tab or by the next one opened
// (entries of tabs silent for ORPHAN_MS are adopted). The server answers a retried save without applying it twice.
import { encodeRuns, decodeRuns } from "./runs.js";

const ORPHAN_MS = 10000;
const BEAT_MS = 2500;

function newId() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class Saver {
  constructor(scope, handlers) {
    this.prefix = `usvmask-review:${scope}:`;
    let tab = sessionStorage.getItem("usvmask-review-tab");
    if (!tab) { tab = newId(); sessionStorage.setItem("usvmask-review-tab", tab); }
    this.key = this.prefix + tab;
    this.h = handlers;
    this.known = new Map();
    this.sending = false;
    this.delay = 0;
    this.error = null;
    this.queue = this.adopt(true);
    this.persist();
    setInterval(() => this.beat(), BEAT_MS);
    window.addEventListener("beforeunload", (e) => { if (this.queue.length) e.preventDefault(); });
  }

  // Queues of tabs silent for ORPHAN_MS (closed), and at start this tab's own (kept over a reload).
  adopt(own) {
    const found = [];
    for (const key of Object.keys(localStorage)) {
      if (!key.startsWith(this.prefix) || (key === this.key && !own)) continue;
      let entry = null;
      try { entry = JSON.parse(localStorage.getItem(key)); } catch { entry = null; }
      if (key !== this.key && entry && Date.now() - entry.beat < ORPHAN_MS) continue;
      found.push(...((entry && entry.queue) || []));
      localStorage.removeItem(key);
    }
    return found;
  }

  beat() {
    const orphans = this.adopt(false);
    if (orphans.length) this.queue.push(...orphans);
    this.persist();
    this.pump();
  }

  persist() {
    localStorage.setItem(this.key, JSON.stringify({ beat: Date.now(), queue: this.queue }));
    this.h.state(this.queue.length, this.error);
  }

  pending(name) { return this.queue.filter((item) => item.name === name); }

  setVersion(name, version) { if (!this.pending(name).length) this.known.set(name, version); }

  latestMask(name, size) {
    const edits = this.pending(name).filter((item) => item.decision !== "accept");
    if (!edits.length) return null;
    const last = edits[edits.length - 1];
    return last.mask ? decodeRuns(last.mask, size) : new Uint8Array(size);
  }

  add(name, decision, mask) {
    const last = this.queue[this.queue.length - 1];
    const inFlight = this.sending && last === this.queue[0];
    const runs = mask ? encodeRuns(mask) : null;
    if (last && last.name === name && !inFlight && last.decision !== "accept" && decision !== "accept") {
      Object.assign(last, { decision, mask: runs, save_id: newId() }); // the newer mask supersedes it
    } else {
      const mine = this.pending(name);
      const version = mine.length ? mine[mine.length - 1].version + 1 : (this.known.get(name) ?? 0);
      this.queue.push({ name, decision, mask: runs, version, save_id: newId() });
    }
    this.persist();
    this.pump();
  }

  async send(item) {
    const body = { decision: item.decision, version: item.version, save_id: item.save_id };
    if (item.mask) body.mask = item.mask;
    const response = await fetch(`/api/items/${encodeURIComponent(item.name)}`, {
      method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    const answer = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
    return { status: response.status, answer };
  }

  async pump() {
    if (this.sending || !this.queue.length) return;
    this.sending = true;
    const item = this.queue[0];
    let retry = false;
    try {
      const { status, answer } = await this.send(item);
      if (status === 200) {
        this.queue.shift();
        this.known.set(item.name, answer.version);
        this.error = null;
        this.h.saved(answer);
      } else if (status === 409) {
        this.queue = this.queue.filter((other) => other.name !== item.name);
        this.h.conflict(item.name, answer.error);
      } else if (status < 500) {
        this.queue.shift();
        this.h.refused(item.name, answer.error);
      } else {
        retry = true;
        this.error = answer.error;
      }
    } catch (err) {
      retry = true;
      this.error = "the server cannot be reached";
    }
    this.sending = false;
    this.persist();
    this.delay = retry ? Math.min(4000, 2 * (this.delay || 100)) : 0;
    setTimeout(() => this.pump(), this.delay);
  }
}
