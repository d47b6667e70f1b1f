"""Stage `erosion@itN`: one iteration of SqueakOut's erosion loop, on data loaded once.

Erode the previous masks, fine-tune the previous model on them (USV, then noise), and re-predict every mask.
DVC pipelines are acyclic, so the loop is a fixed number of iteration slots, each naming its predecessor. An
iteration past `max_iterations`, or one whose input has no erodible segment left, passes its predecessor's masks
and model through unchanged, in seconds, and says why in its facts (`reason`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from usvmask.data import store
from usvmask.data.dataset import load_dataset, load_masks
from usvmask.errors import UsvmaskError
from usvmask.evaluate.metrics import mask_stats
from usvmask.infer.predictor import checkpoint_input_size
from usvmask.masks.erosion import count_erodible, erode_masks
from usvmask.models import load_model, save_model
from usvmask.params import call_with_params
from usvmask.train.construct import enhance_masks, finetune_model

log = logging.getLogger(__name__)


def _pass_through(reason: str, prev_masks: Path, prev_model: Path, outs: dict[str, Path]) -> None:
    log.info("passing through: %s", reason)
    for key in ("eroded", "masks"):
        store.copy_file(prev_masks, outs[key])
    for key in ("usv_model", "noise_model"):
        store.copy_file(prev_model, outs[key])


def erosion_iteration(
    data_dir: str | Path, prev_masks: str | Path, prev_model: str | Path, *, eroded_out: str | Path,
    masks_out: str | Path, usv_model_out: str | Path, noise_model_out: str | Path, iteration: int, slots: int,
    max_iterations: int, kernel: list[int], factor: float, rule: str, alternate_anchor: bool = True,
    finetune_usv: dict[str, Any], finetune_noise: dict[str, Any], enhance: dict[str, Any],
    live_dir: str | Path | None = None,
) -> dict[str, Any]:
    """Run iteration `iteration` of `slots`; writes the eroded and enhanced masks and both checkpoints."""
    if isinstance(max_iterations, bool) or not 0 <= max_iterations <= slots:
        raise UsvmaskError(f"max_iterations: {max_iterations} is outside [0, {slots}] (dvc.yaml has {slots} erosion "
                           f"slots); use at most {slots}, or add slots to dvc.yaml")
    outs = {"eroded": Path(eroded_out), "masks": Path(masks_out), "usv_model": Path(usv_model_out),
            "noise_model": Path(noise_model_out)}
    data = load_dataset(data_dir)
    masks = load_masks(prev_masks, data.names)
    erodible_before = count_erodible(masks, kernel=kernel, factor=factor, rule=rule)
    facts: dict[str, Any] = {"iteration": iteration, "erodible_before": erodible_before}
    reason = ("past max_iterations" if iteration > max_iterations
              else "nothing left to erode" if erodible_before == 0 else "")
    if reason:
        _pass_through(reason, Path(prev_masks), Path(prev_model), outs)
        return {**facts, "active": False, "reason": reason, "erodible_after": erodible_before,
                **mask_stats(masks, data.table["kind"])}
    shifted = alternate_anchor and iteration % 2 == 0  # even kernels: alternate anchors so erosion stays centred
    eroded, _ = erode_masks(masks, kernel=kernel, factor=factor, rule=rule, shifted_anchor=shifted)
    store.write_stack(outs["eroded"], data.names, eroded)
    model, meta = load_model(prev_model)
    size = checkpoint_input_size(meta, prev_model)
    live = Path(live_dir) if live_dir else None
    usv, usv_facts = call_with_params(finetune_model, finetune_usv, "finetune_usv", source=None, model=model,
                                      data=data, masks=eroded, kinds=("usv",), input_size=size,
                                      live_dir=live / "usv" if live else None)
    save_model(usv.model, outs["usv_model"], meta={**meta, "stage": f"erosion_it{iteration}_usv"})
    noise, noise_facts = call_with_params(finetune_model, finetune_noise, "finetune_noise", source=None,
                                          model=usv.model, data=data, masks=eroded, kinds=("noise",),
                                          input_size=size, live_dir=live / "noise" if live else None)
    save_model(noise.model, outs["noise_model"], meta={**meta, "stage": f"erosion_it{iteration}_noise"})
    new_masks = call_with_params(enhance_masks, enhance, "enhance", source=None, model=noise.model,
                                 images=data.images, input_size=size)
    store.write_stack(outs["masks"], data.names, new_masks)
    return {**facts, "active": True, "reason": "eroded",
            "erodible_after": count_erodible(new_masks, kernel=kernel, factor=factor, rule=rule),
            "finetune_usv": usv_facts, "finetune_noise": noise_facts, **mask_stats(new_masks, data.table["kind"])}
