"""Stage `prepare`: the embedded synthetic corpus, or real spectrogram images, into one prepared folder."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from usvmask.dataset import Dataset, write_dataset
from usvmask.errors import UsvmaskError
from usvmask.imagedir import import_image_dir
from usvmask.params import call_with_params
from usvmask.synth.corpus import make_corpus

SOURCES: Mapping[str, Callable[..., Any]] = {"synthetic": make_corpus, "image_dir": import_image_dir}


def prepare(out_dir: str | Path, *, source: str, **sections: Mapping[str, Any]) -> Dataset:
    """Build the dataset of `source` from its own params section (`prepare.<source>`) and write it to `out_dir`."""
    if source not in SOURCES:
        raise UsvmaskError(f"params.yaml: prepare.source: unknown source {source!r}; use one of {', '.join(SOURCES)}")
    if not isinstance(sections.get(source), Mapping):
        raise UsvmaskError(f"params.yaml: prepare.{source}: missing section for this source; add it (see README)")
    built = call_with_params(SOURCES[source], sections[source], f"prepare.{source}")
    dataset = built if isinstance(built, Dataset) else Dataset(built.table, built.images, built.truth)
    write_dataset(out_dir, dataset)
    return dataset
