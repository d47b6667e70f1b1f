"""One iteration of SqueakOut's erosion loop: erode the masks, then fine-tune (USV, noise) and enhance again.

DVC pipelines are acyclic, so the loop is a fixed number of iteration stages, each naming its predecessor.
An iteration past `max_iterations`, or one whose input has no erodible segment left (converged), passes its
predecessor's masks and models through unchanged, in seconds.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

from usvmask import store
from usvmask.construction import enhance, finetune
from usvmask.facts import mask_facts
from usvmask.dataset import load_dataset, load_masks
from usvmask.erosion import count_erodible, erode_masks

log = logging.getLogger(__name__)


def copy_atomic(src: str | Path, dst: str | Path) -> None:
    """Copy a file into place atomically."""
    with store.atomic_path(dst) as tmp:
        shutil.copyfile(src, tmp)


def erosion_iteration(
    data_dir: str | Path,
    prev_masks: str | Path,
    prev_model: str | Path,
    out_dir: str | Path,
    models_dir: str | Path,
    *,
    iteration: int,
    max_iterations: int,
    kernel: list[int],
    factor: float,
    rule: str,
    alternate_anchor: bool = True,
    finetune_usv: dict[str, Any],
    finetune_noise: dict[str, Any],
    enhance_params: dict[str, Any],
    live_dir: str | Path | None = None,
) -> dict[str, Any]:
    """Run iteration `iteration`; writes out_dir/{eroded,masks}.zip and models_dir/{usv,noise}.pt."""
    out_dir, models_dir = Path(out_dir), Path(models_dir)
    data = load_dataset(data_dir)
    masks = load_masks(prev_masks, data.names)
    erodible_before = count_erodible(masks, kernel=kernel, factor=factor, rule=rule)
    active = iteration <= max_iterations and erodible_before > 0
    facts: dict[str, Any] = {"iteration": iteration, "erodible_before": erodible_before, "active": active}
    if not active:
        log.info("iteration %d: passing through (%s)", iteration,
                 "past max_iterations" if iteration > max_iterations else "nothing left to erode")
        copy_atomic(prev_masks, out_dir / "eroded.zip")
        copy_atomic(prev_masks, out_dir / "masks.zip")
        copy_atomic(prev_model, models_dir / "usv.pt")
        copy_atomic(prev_model, models_dir / "noise.pt")
        return {**facts, "erodible_after": erodible_before, **mask_facts(masks, data)}
    shifted = alternate_anchor and iteration % 2 == 0  # even kernels: alternate anchors so erosion stays centred
    eroded, _ = erode_masks(masks, kernel=kernel, factor=factor, rule=rule, shifted_anchor=shifted)
    store.write_stack(out_dir / "eroded.zip", data.names, eroded)
    live = Path(live_dir) if live_dir else None
    usv_facts = finetune(data_dir, out_dir / "eroded.zip", prev_model, models_dir / "usv.pt", kinds=("usv",),
                         live_dir=live / "usv" if live else None, **finetune_usv)
    noise_facts = finetune(data_dir, out_dir / "eroded.zip", models_dir / "usv.pt", models_dir / "noise.pt",
                           kinds=("noise",), live_dir=live / "noise" if live else None, **finetune_noise)
    enhanced = enhance(data_dir, models_dir / "noise.pt", out_dir / "masks.zip", **enhance_params)
    new_masks = load_masks(out_dir / "masks.zip", data.names)
    return {**facts, "erodible_after": count_erodible(new_masks, kernel=kernel, factor=factor, rule=rule),
            "finetune_usv": usv_facts, "finetune_noise": noise_facts, **enhanced}
