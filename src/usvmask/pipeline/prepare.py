"""Stage `prepare`: the embedded synthetic corpus, or real spectrogram images, into one prepared folder."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from usvmask.data.dataset import Dataset, write_dataset
from usvmask.data.imagedir import import_image_dir
from usvmask.data.store import check_writable
from usvmask.errors import UsvmaskError
from usvmask.params import call_with_params
from usvmask.synth.corpus import make_corpus

SOURCES: Mapping[str, Callable[..., Any]] = MappingProxyType({"synthetic": make_corpus, "image_dir": import_image_dir})


def prepare(out_dir: str | Path, *, source: str, synthetic: dict[str, Any] | None = None,
            image_dir: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the dataset of `source` from its own sub-section (`prepare.<source>`) and write it to `out_dir`."""
    sections = {"synthetic": synthetic, "image_dir": image_dir}
    if source not in SOURCES:
        raise UsvmaskError(f"source: unknown source {source!r}; use one of {', '.join(SOURCES)}")
    if not isinstance(sections[source], Mapping):
        raise UsvmaskError(f"{source}: missing section for this source; add it (see README)")
    check_writable(out_dir, folder=True)
    built = call_with_params(SOURCES[source], sections[source], source, source=None)
    dataset = built if isinstance(built, Dataset) else Dataset(built.table, built.images, built.truth,
                                                               built.representation)
    write_dataset(out_dir, dataset)
    kinds = dataset.table["kind"]
    return {"spectrograms": int(len(kinds)), "usv": int((kinds == "usv").sum()),
            "noise": int((kinds == "noise").sum()), "has_truth": dataset.truth is not None}
