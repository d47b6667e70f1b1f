"""Stage `erosion@itN`: one iteration of SqueakOut's erosion loop, on data loaded once.

Erode the previous masks, fine-tune the previous model on them (USV, then noise), and re-predict every mask.
DVC pipelines are acyclic, so the loop is a fixed number of iteration slots, each naming its predecessor. An
iteration passes its predecessor's masks and model through unchanged, in seconds, and says why in its facts
(`reason`), when it is past `max_iterations`, when its input has no erodible segment left, or by the truth-free
stopping rule: when the pixels the erosion would remove are call-like (their brightness above the background is at
least `stop_ring_contrast` of the kept mask's, `masks.erosion.ring_contrast`), the masks have reached the calls'
width and eroding further would cut into calls. A converged iteration still *refits* (fine-tunes on the masks as
they are, USV then noise, and enhances again, without eroding; `reason: refit`) while some noise spectrogram's mask
is not empty and `refit_until_noise_empty` is on (exactly: while the empty fraction on noise spectrograms is below
`noise_empty_target`; real noise folders hold a few mislabeled calls, which no refit should erase): the noise
fine-tuning is what clears the noise, and the masks no longer need eroding for it. A refit that did not raise that
fraction has stalled: the next iteration passes through (`reason: stalled`); the refit's checkpoint carries the
fraction it started from (meta `refit_noise_empty`), so no other file is read. With `refit_output: components`
a refit keeps the previous masks' connected components that the new prediction still marks
(`usvmask.masks.components`), so it removes false positives without reshaping the calls; `predicted` takes the new
prediction itself. The empty-mask fraction on noise spectrograms is truth-free (the class labels are input).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
from torch import nn

from usvmask.data import store
from usvmask.data.dataset import Dataset, load_dataset, load_masks
from usvmask.errors import UsvmaskError
from usvmask.evaluate.metrics import dice_scores, mask_stats
from usvmask.infer.predictor import checkpoint_input_size
from usvmask.masks.components import keep_marked_components
from usvmask.masks.erosion import count_erodible, erode_masks, ring_contrast
from usvmask.models import load_model, save_model
from usvmask.params import call_with_params
from usvmask.train.construct import enhance_masks, finetune_model

log = logging.getLogger(__name__)
REFIT_OUTPUTS = ("components", "predicted")  # what a refit iteration writes: see the module docstring
REFIT_META = "refit_noise_empty"  # checkpoint meta of a refit: the noise empty fraction it started from


def _pass_through(reason: str, prev_masks: Path, prev_model: Path, outs: dict[str, Path]) -> None:
    log.info("passing through: %s", reason)
    for key in ("eroded", "masks"):
        store.copy_file(prev_masks, outs[key])
    for key in ("usv_model", "noise_model"):
        store.copy_file(prev_model, outs[key])


def stop_reason(iteration: int, max_iterations: int, erodible: int, contrast: float,
                stop_ring_contrast: float | None, *, noise_empty: float = 1.0, refit: bool = False,
                noise_target: float = 1.0, refit_started_at: float | None = None) -> str:
    """Why iteration `iteration` passes through ("" when it erodes, "refit" when it runs without eroding): the
    first rule that holds, in this order. `noise_empty` is the previous masks' empty fraction on noise spectrograms;
    a converged loop refits (`refit`) while it is below `noise_target`, unless the previous iteration was a refit that
    started at `refit_started_at` and did not raise it (`stalled`)."""
    if iteration > max_iterations:
        return "past max_iterations"
    if erodible == 0:
        return "nothing left to erode"
    if stop_ring_contrast is not None and contrast >= stop_ring_contrast:  # NaN compares False: keep going
        if refit and noise_empty < noise_target:
            if refit_started_at is not None and noise_empty <= refit_started_at:
                return "stalled"  # the last refit cleared no noise mask: another would not either
            return "refit"  # masks are at the calls' width, noise is not yet clean: fine-tune again, no erosion
        return "converged"  # erosion would remove call-like pixels: ring_contrast >= stop_ring_contrast
    return ""


def erosion_iteration(
    data_dir: str | Path, prev_masks: str | Path, prev_model: str | Path, *, eroded_out: str | Path,
    masks_out: str | Path, usv_model_out: str | Path, noise_model_out: str | Path, iteration: int, slots: int,
    max_iterations: int, kernel: list[int], factor: float, rule: str, alternate_anchor: bool = True,
    stop_ring_contrast: float | None = 0.6, refit_until_noise_empty: bool = False, noise_empty_target: float = 1.0,
    refit_output: str = "predicted",
    usv_epochs: int | None = None, noise_epochs: int | None = None,
    finetune_usv: dict[str, Any], finetune_noise: dict[str, Any], enhance: dict[str, Any],
    live_dir: str | Path | None = None,
) -> dict[str, Any]:
    """Run iteration `iteration` of `slots`; writes the eroded and enhanced masks and both checkpoints.

    The fine-tuning inside an iteration is warm-started from the previous iteration's model, so `usv_epochs` and
    `noise_epochs` (None: the sections' own `max_epochs`) may be fewer than the first fine-tuning's."""
    _check_settings(max_iterations, slots, stop_ring_contrast, noise_empty_target, refit_output)
    outs = {"eroded": Path(eroded_out), "masks": Path(masks_out), "usv_model": Path(usv_model_out),
            "noise_model": Path(noise_model_out)}
    data = load_dataset(data_dir)
    masks = load_masks(prev_masks, data.names)
    erodible_before = count_erodible(masks, kernel=kernel, factor=factor, rule=rule)
    facts: dict[str, Any] = {"iteration": iteration, "erodible_before": erodible_before}
    shifted = alternate_anchor and iteration % 2 == 0  # even kernels: alternate anchors so erosion stays centred
    eroded, _ = erode_masks(masks, kernel=kernel, factor=factor, rule=rule, shifted_anchor=shifted)
    usv = (data.table["kind"] == "usv").to_numpy()
    contrast = ring_contrast(data.images[usv], masks[usv], eroded[usv])
    facts["ring_contrast"] = None if contrast != contrast else round(contrast, 4)
    before = mask_stats(masks, data.table["kind"])
    model, meta = load_model(prev_model)
    started_at = meta.pop(REFIT_META, None)  # set only by a refit's checkpoints
    reason = stop_reason(iteration, max_iterations, erodible_before, contrast, stop_ring_contrast,
                         noise_empty=before["noise_empty_fraction"], refit=refit_until_noise_empty,
                         noise_target=noise_empty_target, refit_started_at=started_at)
    if reason == "refit":
        eroded = masks
    elif reason:
        _pass_through(reason, Path(prev_masks), Path(prev_model), outs)
        return {**facts, "active": False, "reason": reason, "erodible_after": erodible_before,
                "agreement_with_previous": 100.0, **before}
    store.write_stack(outs["eroded"], data.names, eroded)
    if reason == "refit":
        meta[REFIT_META] = before["noise_empty_fraction"]
    if usv_epochs is not None:
        finetune_usv = {**finetune_usv, "max_epochs": usv_epochs}
    if noise_epochs is not None:
        finetune_noise = {**finetune_noise, "max_epochs": noise_epochs}
    new_masks, fit_facts = _fit_and_enhance(
        model, meta, data, eroded, outs, iteration=iteration, size=checkpoint_input_size(meta, prev_model),
        finetune_usv=finetune_usv, finetune_noise=finetune_noise, enhance=enhance, live_dir=live_dir)
    if reason == "refit" and refit_output == "components":
        new_masks = keep_marked_components(masks, new_masks)
    store.write_stack(outs["masks"], data.names, new_masks)
    return {**facts, "active": True, "reason": reason or "eroded",
            "erodible_after": count_erodible(new_masks, kernel=kernel, factor=factor, rule=rule),
            "agreement_with_previous": round(float(np.mean(dice_scores(new_masks, masks))), 2),
            **fit_facts, **mask_stats(new_masks, data.table["kind"])}


def _check_settings(max_iterations: int, slots: int, stop_ring_contrast: float | None, noise_empty_target: float,
                    refit_output: str) -> None:
    """One-line errors for loop settings outside their range, before any data is read."""
    if isinstance(max_iterations, bool) or not 0 <= max_iterations <= slots:
        raise UsvmaskError(f"max_iterations: {max_iterations} is outside [0, {slots}] (dvc.yaml has {slots} erosion "
                           f"slots); use at most {slots}, or add slots to dvc.yaml")
    if stop_ring_contrast is not None and not 0.0 < stop_ring_contrast <= 2.0:
        raise UsvmaskError(f"stop_ring_contrast: {stop_ring_contrast!r} is outside (0, 2]; use e.g. 0.6, or null to "
                           "never stop by this rule")
    if isinstance(noise_empty_target, bool) or not 0.0 < noise_empty_target <= 1.0:
        raise UsvmaskError(f"noise_empty_target: {noise_empty_target!r} is outside (0, 1]; use e.g. 0.98 (1.0 = refit "
                           "until every noise mask is empty)")
    if refit_output not in REFIT_OUTPUTS:
        raise UsvmaskError(f"refit_output: {refit_output!r} is not one of {', '.join(REFIT_OUTPUTS)}; use components")


def _fit_and_enhance(model: nn.Module, meta: dict[str, Any], data: Dataset, targets: np.ndarray, outs: dict[str, Path], *,
                     iteration: int, size: int, finetune_usv: dict[str, Any], finetune_noise: dict[str, Any],
                     enhance: dict[str, Any], live_dir: str | Path | None) -> tuple[np.ndarray, dict[str, Any]]:
    """Fine-tune `model` on `targets` (USV, then noise), save both checkpoints, and re-predict every mask."""
    live = Path(live_dir) if live_dir else None
    usv, usv_facts = call_with_params(finetune_model, finetune_usv, "finetune_usv", source=None, model=model,
                                      data=data, masks=targets, kinds=("usv",), input_size=size,
                                      live_dir=live / "usv" if live else None)
    save_model(usv.model, outs["usv_model"], meta={**meta, "stage": f"erosion_it{iteration}_usv"})
    noise, noise_facts = call_with_params(finetune_model, finetune_noise, "finetune_noise", source=None,
                                          model=usv.model, data=data, masks=targets, kinds=("noise",),
                                          input_size=size, live_dir=live / "noise" if live else None)
    save_model(noise.model, outs["noise_model"], meta={**meta, "stage": f"erosion_it{iteration}_noise"})
    new_masks = call_with_params(enhance_masks, enhance, "enhance", source=None, model=noise.model,
                                 images=data.images, input_size=size)
    return new_masks, {"finetune_usv": usv_facts, "finetune_noise": noise_facts}
