"""The review state of one mask set over one corrections folder: what each image shows, and every decision saved.

A decision is "accept" (the mask shown is right), "edit" (a new mask) or "noise" (clear all). Each save names the
image's version the client started from; a different version means another tab or reviewer saved in between, and
the save is refused (`Conflict`) instead of overwriting theirs. A retried save (same ``save_id`` as the last one
applied) is answered again without applying it twice, so a client may retry after any network failure.
Masks travel as row-major run lengths that start with a run of background pixels (``encode_runs``).
"""

from __future__ import annotations

import logging
import re
import threading
from datetime import datetime, timezone

import numpy as np
import pandas as pd

from usvmask.review.folder import DECISIONS, CorrectionsFolder, Decision, read_log, write_log
from usvmask.review.ranking import estimate_fix_share, queue_order

log = logging.getLogger(__name__)
SAVE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
FILTERS = ("kind", "label", "split")


class RequestError(Exception):
    """A request the session refuses; `status` is its HTTP status."""

    status = 400


class NotFound(RequestError):
    status = 404


class Conflict(RequestError):
    status = 409


def encode_runs(mask: np.ndarray) -> list[int]:
    """Row-major run lengths of a boolean mask, starting with background (so a leading 0 if pixel 0 is set)."""
    flat = np.asarray(mask, dtype=np.int8).ravel()
    bounds = np.concatenate([[0], np.flatnonzero(np.diff(flat)) + 1, [flat.size]])
    runs = np.diff(bounds).tolist()
    return [0, *runs] if flat.size and flat[0] else runs


def decode_runs(runs: object, shape: tuple[int, int]) -> np.ndarray:
    """The boolean mask of `encode_runs`' output; RequestError if it is not a valid run list for `shape`."""
    size = shape[0] * shape[1]
    if not isinstance(runs, list) or len(runs) > size + 1 or not all(
            isinstance(r, int) and not isinstance(r, bool) and r >= 0 for r in runs):
        raise RequestError("mask: must be a list of at most H·W+1 non-negative integers (row-major run lengths)")
    if sum(runs) != size:
        raise RequestError(f"mask: run lengths add up to {sum(runs)}, not {shape[0]}x{shape[1]}={size}")
    return np.repeat(np.arange(len(runs)) % 2, runs).astype(bool).reshape(shape)


class ReviewSession:
    """Images, the masks under review, their scores (``ranking.likely_wrong``) and the folder decisions go to."""

    def __init__(self, table: pd.DataFrame, base: np.ndarray, scores: pd.DataFrame, folder: CorrectionsFolder,
                 *, axis: dict | None = None) -> None:
        self.table, self.base, self.scores, self.folder, self.axis = table, base, scores, folder, axis
        self.names = list(table["name"])
        self.index = {name: i for i, name in enumerate(self.names)}
        self.rank = np.empty(len(self.names), dtype=int)
        self.rank[queue_order(scores["score"].to_numpy())] = np.arange(1, len(self.names) + 1)
        self.facts = {key: table[key].astype(str).tolist() for key in FILTERS}
        self.rounded = [round(float(v), 4) for v in scores["score"]]
        self.log = read_log(folder.log_path, set(self.names))
        self.lock = threading.Lock()

    def find(self, name: str) -> int:
        """The row of `name`; NotFound for a name that is not in the index."""
        if name not in self.index:
            raise NotFound(f"{name!r}: unknown image name; open images from the queue")
        return self.index[name]

    def current(self, i: int) -> np.ndarray:
        """The mask image `i` has now: its correction in the folder, else the mask under review."""
        return self.folder.corrected.get(self.names[i], self.base[i])

    def _row(self, i: int) -> dict:
        entry = self.log.get(self.names[i])
        return {"name": self.names[i], "rank": int(self.rank[i]), "score": self.rounded[i],
                **{key: self.facts[key][i] for key in FILTERS}, "decision": entry.decision if entry else None,
                "changed": bool(entry.changed) if entry else None}

    def item(self, name: str) -> dict:
        """Everything the editor needs about one image: facts, score terms, version, current and original mask."""
        with self.lock:
            i = self.find(name)
            entry = self.log.get(name)
            terms = {k: round(float(v), 4) for k, v in self.scores.iloc[i].items() if k != "score"}
            return {**self._row(i), "terms": terms, "version": entry.version if entry else 0,
                    "saved_at": entry.saved_at if entry else None, "mask": encode_runs(self.current(i)),
                    "original": encode_runs(self.base[i])}

    def _rows(self, filters: dict[str, str | None]) -> np.ndarray:
        """Rows matching `filters` (kind, label, split; empty values match everything), in index order."""
        unknown = sorted(set(filters) - set(FILTERS))
        if unknown:
            raise RequestError(f"{unknown[0]}: unknown filter; use {', '.join(FILTERS)} or todo")
        keep = np.ones(len(self.names), dtype=bool)
        for key, value in filters.items():
            if value:
                keep &= np.asarray(self.facts[key]) == value
        return np.flatnonzero(keep)

    def queue(self, **filters: str | None) -> dict:
        """The queue (best first) under `filters` (kind, label, split; todo = only not yet reviewed), progress."""
        todo = filters.pop("todo", None) in ("1", "true", "yes")
        with self.lock:
            rows = self._rows(filters)
            progress = self._progress(rows)
            if todo:
                rows = np.array([i for i in rows if self.names[i] not in self.log], dtype=int)
            rows = rows[np.argsort(self.rank[rows], kind="stable")]
            return {"items": [self._row(i) for i in rows], "progress": progress}

    def progress(self, **filters: str | None) -> dict:
        """Reviewed, total, fixed (reviewed and changed) and the estimated share needing fixing, under `filters`."""
        filters.pop("todo", None)
        with self.lock:
            return self._progress(self._rows(filters))

    def _progress(self, rows: np.ndarray) -> dict:
        reviewed = np.array([self.names[i] in self.log for i in rows], dtype=bool)
        fixed = np.array([bool(r) and self.log[self.names[i]].changed for i, r in zip(rows, reviewed)], dtype=bool)
        share = estimate_fix_share(self.scores["score"].to_numpy()[rows], reviewed, fixed) if len(rows) else None
        return {"reviewed": int(reviewed.sum()), "total": len(rows), "fixed": int(fixed.sum()),
                "estimated_fix_share": None if share is None else round(share, 4)}

    def facets(self) -> dict:
        """The values each filter can take."""
        return {key: sorted(map(str, self.table[key].unique())) for key in FILTERS}

    def save(self, name: str, *, decision: str, version: object, save_id: object, mask: object = None) -> dict:
        """Apply one decision if `version` is the image's version now; returns its new version and state."""
        if decision not in DECISIONS:
            raise RequestError(f"decision: {decision!r} is not one of {', '.join(DECISIONS)}")
        if not isinstance(version, int) or isinstance(version, bool) or version < 0:
            raise RequestError("version: must be the non-negative integer the image was loaded with")
        if not isinstance(save_id, str) or not SAVE_ID.fullmatch(save_id):
            raise RequestError("save_id: must be 1-64 letters, digits, '-' or '_'")
        with self.lock:
            i = self.find(name)
            new_mask = decode_runs(mask, self.base.shape[1:]) if decision == "edit" else None
            entry = self.log.get(name)
            if entry is None or entry.save_id != save_id:
                self._check_version(name, entry, version)
                self._apply(i, decision, new_mask, save_id, 1 + (entry.version if entry else 0))
            entry = self.log[name]
            return {"name": name, "version": entry.version, "decision": entry.decision, "changed": entry.changed,
                    "saved_at": entry.saved_at}

    @staticmethod
    def _check_version(name: str, entry: Decision | None, version: int) -> None:
        now = entry.version if entry else 0
        if version != now:
            when = f", saved {entry.saved_at}" if entry else ""
            raise Conflict(f"{name}: changed in another tab or by another reviewer (now version {now}{when}) since "
                           f"you opened version {version}; reload it to see theirs, then redo your change")

    def _apply(self, i: int, decision: str, mask: np.ndarray | None, save_id: str, version: int) -> None:
        name = self.names[i]
        if decision != "accept":
            target = mask if decision == "edit" else np.zeros(self.base.shape[1:], dtype=bool)
            try:
                self.folder.write(name, target, self.base[i])
            except Exception:
                self.folder = CorrectionsFolder(self.folder.root, self.names, self.base.shape[1:])
                raise
        changed = not np.array_equal(self.current(i), self.base[i])
        saved_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        previous = self.log.get(name)
        self.log[name] = Decision(decision, changed, version, saved_at, save_id)
        try:
            write_log(self.folder.log_path, self.log)
        except Exception:
            if previous is None:
                del self.log[name]
            else:
                self.log[name] = previous
            raise
