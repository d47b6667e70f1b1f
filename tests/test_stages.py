"""Each stage's main() on the tiny fixture, in-process, with its command-line arguments."""

from __future__ import annotations

import functools
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from usvmask.data import store
from usvmask.data.dataset import load_dataset, load_masks
from usvmask.masks.components import keep_marked_components
from usvmask.models import load_model, save_model
from usvmask.pipeline.erosion import REFIT_META, stop_reason
from usvmask.train.construct import enhance_masks
from usvmask.stage import run_stage

ROOT = Path(__file__).resolve().parents[1]


def stage_main(name: str):
    spec = importlib.util.spec_from_file_location(f"stage_{name}", ROOT / "stages" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def run_main(name: str, args: list[str], monkeypatch) -> None:
    monkeypatch.setattr(sys, "argv", [f"{name}.py", *args])
    run_stage(stage_main(name))


def write_params(path: Path, **sections) -> Path:
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    for section, values in sections.items():
        params[section].update(values)
    path.write_text(yaml.safe_dump(params))
    return path


def test_prepare_stage_writes_a_deterministic_folder(tmp_path, monkeypatch):
    tiny = dict(n_usv=6, n_noise=2, n_test_usv=1, n_test_noise=1, val_fraction=0.3, workers=1)
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["prepare"]["synthetic"].update(tiny)
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(params))
    for out in ("a", "b"):
        run_main("prepare", ["--params", str(tmp_path / "p.yaml"), "--out", str(tmp_path / out),
                             "--facts", str(tmp_path / f"{out}.json")], monkeypatch)
    for name in ("images.zip", "truth.zip", "index.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    data = load_dataset(tmp_path / "a", with_truth=True)
    assert data.images.shape == (8, 227, 227) and data.truth[data.table["kind"] == "usv"].any()


def test_prepare_stage_bad_param_is_one_line_and_writes_nothing(tmp_path, monkeypatch, capsys):
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["prepare"]["synthetic"]["n_usvv"] = 3
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(params))
    with pytest.raises(SystemExit) as exit_info:
        run_main("prepare", ["--params", str(tmp_path / "p.yaml"), "--out", str(tmp_path / "out"),
                             "--facts", str(tmp_path / "f.json")], monkeypatch)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "prepare.synthetic.n_usvv: unknown key" in err
    assert not (tmp_path / "out").exists()


def test_prepare_stage_unknown_source(tmp_path, monkeypatch, capsys):
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["prepare"]["source"] = "osf"
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(params))
    with pytest.raises(SystemExit):
        run_main("prepare", ["--params", str(tmp_path / "p.yaml"), "--out", str(tmp_path / "out"),
                             "--facts", str(tmp_path / "f.json")], monkeypatch)
    assert "p.yaml: prepare.source: unknown source 'osf'; use one of synthetic, image_dir" in capsys.readouterr().err


def test_vocalmat_and_score_stages(tiny_prepared, tmp_path, monkeypatch):
    masks, facts = tmp_path / "m.zip", tmp_path / "facts.json"
    run_main("vocalmat_masks", ["--params", str(ROOT / "params.yaml"), "--data", str(tiny_prepared),
                                "--out", str(masks), "--facts", str(facts)], monkeypatch)
    written = json.loads(facts.read_text())
    assert {"usv_mean_area", "noise_empty_fraction", "mean_area", "seconds"} <= set(written)
    assert 0.0 <= written["noise_empty_fraction"] <= 1.0 and written["usv_mean_area"] > 0
    report, figure = tmp_path / "r.json", tmp_path / "fig" / "f.png"
    run_main("score", ["--data", str(tiny_prepared), "--masks", str(masks), "--report", str(report),
                       "--figure", str(figure), "--title", "t"], monkeypatch)
    scores = json.loads(report.read_text())
    assert {"usv", "noise", "all", "null", "test", "masks"} <= set(scores)
    assert scores["null"]["noise"]["dice"] == 100.0 and scores["null"]["usv"]["dice"] < 10
    assert figure.stat().st_size > 1000


def test_score_of_truth_itself_is_perfect(tiny_prepared, tmp_path, monkeypatch):
    data = load_dataset(tiny_prepared, with_truth=True)
    store.write_stack(tmp_path / "t.zip", data.names, data.truth)
    run_main("score", ["--data", str(tiny_prepared), "--masks", str(tmp_path / "t.zip"), "--report",
                       str(tmp_path / "r.json"), "--figure", str(tmp_path / "f.png"), "--title", "t"], monkeypatch)
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["all"]["dice"] == 100.0 and report["all"]["accuracy"] == 100.0


def test_corrections_import_and_export_stages(tiny_prepared, tmp_path, monkeypatch):
    data = load_dataset(tiny_prepared, with_truth=False)
    empty = np.zeros((len(data.names), *data.images.shape[1:]), bool)
    store.write_stack(tmp_path / "m.zip", data.names, empty)
    run_main("simulate_corrections", ["--params", str(ROOT / "params.yaml"), "--data", str(tiny_prepared),
                                      "--masks", str(tmp_path / "m.zip"), "--out", str(tmp_path / "corr"),
                                      "--facts", str(tmp_path / "s.json")], monkeypatch)
    simulated = json.loads((tmp_path / "s.json").read_text())
    assert simulated["corrected"] == round(0.15 * len(data.names))  # all-empty masks: every pick is a USV
    (tmp_path / "none").mkdir()  # an empty corrections folder: no corrections
    run_main("import_corrections", ["--data", str(tiny_prepared), "--masks", str(tmp_path / "m.zip"),
                                    "--corrections", str(tmp_path / "corr"), str(tmp_path / "none"),
                                    "--out", str(tmp_path / "c.zip"), "--facts", str(tmp_path / "i.json")],
                monkeypatch)
    assert json.loads((tmp_path / "i.json").read_text())["changed"] == simulated["corrected"]
    run_main("export", ["--data", str(tiny_prepared), "--masks", str(tmp_path / "c.zip"), "--out",
                        str(tmp_path / "export"), "--facts", str(tmp_path / "e.json")], monkeypatch)
    assert json.loads((tmp_path / "e.json").read_text())["files"] == len(data.names)


def test_import_corrections_bad_json_changes_nothing(tiny_prepared, tmp_path, monkeypatch, capsys):
    data = load_dataset(tiny_prepared)
    store.write_stack(tmp_path / "m.zip", data.names, np.zeros((len(data.names), 227, 227), bool))
    (tmp_path / "corr").mkdir()
    (tmp_path / "corr" / "broken.json").write_text("{not json")
    with pytest.raises(SystemExit):
        run_main("import_corrections", ["--data", str(tiny_prepared), "--masks", str(tmp_path / "m.zip"),
                                        "--corrections", str(tmp_path / "corr"), "--out", str(tmp_path / "c.zip"),
                                        "--facts", str(tmp_path / "i.json")], monkeypatch)
    assert "broken.json" in capsys.readouterr().err
    assert not (tmp_path / "c.zip").exists() and not (tmp_path / "i.json").exists()


@pytest.fixture(scope="module")
def construction(tiny_prepared, tmp_path_factory):
    """pretrain → finetune_usv → finetune_noise → enhance → erosion it1 (active) and it2 (past max) on the fixture."""
    tmp = tmp_path_factory.mktemp("construction")
    monkeypatch = pytest.MonkeyPatch()
    params = write_params(
        tmp / "p.yaml",
        pretrain={"input_size": 32, "max_epochs": 1, "architecture": {"name": "unet", "base_channels": 4, "depth": 2}},
        finetune_usv={"max_epochs": 1}, finetune_noise={"max_epochs": 1},
        erosion={"max_iterations": 1, "stop_ring_contrast": None},
    )
    data, p = str(tiny_prepared), ["--params", str(params)]
    masks = tmp / "vm.zip"
    run_main("vocalmat_masks", [*p, "--data", data, "--out", str(masks), "--facts", str(tmp / "vm.json")], monkeypatch)
    run_main("pretrain", [*p, "--data", data, "--model", str(tmp / "pre.pt"), "--metrics", str(tmp / "pre.json")],
             monkeypatch)
    for kind, init in (("usv", "pre.pt"), ("noise", "usv.pt")):
        run_main("finetune", [*p, "--kind", kind, "--data", data, "--masks", str(masks), "--init", str(tmp / init),
                              "--model", str(tmp / f"{kind}.pt"), "--metrics", str(tmp / f"{kind}.json")], monkeypatch)
    run_main("enhance", [*p, "--data", data, "--model", str(tmp / "noise.pt"), "--out", str(tmp / "it0.zip"),
                         "--facts", str(tmp / "enh.json")], monkeypatch)
    for it, prev, prev_model in ((1, "it0.zip", "noise.pt"), (2, "it1/masks.zip", "it1/noise.pt")):
        run_main("erosion", [*p, "--iteration", str(it), "--slots", "3", "--data", data,
                             "--prev-masks", str(tmp / prev), "--prev-model", str(tmp / prev_model), "--eroded", str(tmp / f"it{it}/eroded.zip"),
                             "--out", str(tmp / f"it{it}/masks.zip"), "--usv-model", str(tmp / f"it{it}/usv.pt"),
                             "--noise-model", str(tmp / f"it{it}/noise.pt"), "--metrics", str(tmp / f"it{it}.json")],
                 monkeypatch)
    monkeypatch.undo()
    return tmp


def test_construction_stages_write_models_masks_and_facts(construction, tiny_prepared):
    tmp = construction
    assert json.loads((tmp / "pre.json").read_text())["epochs"] == 1
    for kind in ("usv", "noise"):
        facts = json.loads((tmp / f"{kind}.json").read_text())
        assert {"val_dice_vs_current", "usv_val_dice_vs_current", "seconds"} <= set(facts)
    names = load_dataset(tiny_prepared).names
    assert store.stack_names(tmp / "it0.zip") == names
    assert set(json.loads((tmp / "enh.json").read_text())) >= {"usv_mean_area", "noise_empty_fraction"}


def test_active_erosion_iteration_erodes_then_retrains(construction, tiny_prepared):
    facts = json.loads((construction / "it1.json").read_text())
    assert facts["active"] is True and facts["reason"] == "eroded" and facts["erodible_before"] > 0
    names = load_dataset(tiny_prepared).names
    eroded = store.read_stack(construction / "it1" / "eroded.zip", names, kind="mask")
    before = store.read_stack(construction / "it0.zip", names, kind="mask")
    assert eroded.sum() < before.sum() and not (eroded & ~before).any()  # erosion only removes pixels
    assert {"finetune_usv", "finetune_noise"} <= set(facts)


def test_iteration_past_max_passes_everything_through(construction):
    facts = json.loads((construction / "it2.json").read_text())
    assert facts["active"] is False and facts["reason"] == "past max_iterations"
    for name in ("eroded.zip", "masks.zip"):
        assert (construction / "it2" / name).read_bytes() == (construction / "it1" / "masks.zip").read_bytes()
    for name in ("usv.pt", "noise.pt"):
        assert (construction / "it2" / name).read_bytes() == (construction / "it1" / "noise.pt").read_bytes()


def _erosion_args(params, tiny_prepared, construction, out):
    return ["--params", str(params), "--iteration", "1", "--slots", "3", "--data", str(tiny_prepared),
            "--prev-masks", str(construction / "it0.zip"), "--prev-model", str(construction / "noise.pt"),
            "--eroded", str(out / "e.zip"), "--out", str(out / "m.zip"), "--usv-model", str(out / "u.pt"),
            "--noise-model", str(out / "n.pt"), "--metrics", str(out / "f.json")]


def _it0_with_noise(construction, tiny_prepared, out: Path, *, noise_marked: bool) -> Path:
    """A copy of the fixture's it0 masks whose noise masks are all empty, or (`noise_marked`) the first one marked."""
    data = load_dataset(tiny_prepared)
    masks = load_masks(construction / "it0.zip", data.names)
    noise = np.flatnonzero((data.table["kind"] == "noise").to_numpy())
    masks[noise] = False
    if noise_marked:
        masks[noise[0], 2:6, 3:9] = True
    store.write_stack(out / "it0.zip", data.names, masks)
    return out / "it0.zip"


def test_iteration_stops_by_the_truth_free_ring_contrast_rule(construction, tiny_prepared, tmp_path, monkeypatch):
    monkeypatch.setattr("usvmask.pipeline.erosion.ring_contrast", lambda *a, **k: 0.8)
    params = write_params(tmp_path / "p.yaml", erosion={"max_iterations": 3, "stop_ring_contrast": 0.6,
                                                        "refit_until_noise_empty": True})
    prev = _it0_with_noise(construction, tiny_prepared, tmp_path, noise_marked=False)
    args = _erosion_args(params, tiny_prepared, construction, tmp_path)
    args[args.index("--prev-masks") + 1] = str(prev)
    run_main("erosion", args, monkeypatch)
    facts = json.loads((tmp_path / "f.json").read_text())
    assert facts["active"] is False and facts["ring_contrast"] == 0.8
    assert facts["reason"] == "converged" and facts["noise_empty_fraction"] == 1.0
    assert (tmp_path / "m.zip").read_bytes() == prev.read_bytes()


def test_converged_iteration_refits_without_eroding_while_noise_is_marked(construction, tiny_prepared, tmp_path,
                                                                          monkeypatch):
    monkeypatch.setattr("usvmask.pipeline.erosion.ring_contrast", lambda *a, **k: 0.8)
    data = load_dataset(tiny_prepared)
    noise = np.flatnonzero((data.table["kind"] == "noise").to_numpy())
    marks = np.zeros(data.images.shape, bool)
    marks[noise[0], 3, 4] = True  # the re-prediction marks one pixel of the marked noise mask's block ...
    marks[noise[1], 0, 0] = True  # ... and one where no previous mask is
    fake = functools.wraps(enhance_masks)(lambda **kwargs: marks)  # the real signature, for the params check
    monkeypatch.setattr("usvmask.pipeline.erosion.enhance_masks", fake)
    params = write_params(tmp_path / "p.yaml", pretrain={"input_size": 32}, finetune_usv={"max_epochs": 1},
                          finetune_noise={"max_epochs": 1},
                          erosion={"max_iterations": 3, "stop_ring_contrast": 0.6, "refit_until_noise_empty": True,
                                   "usv_epochs": 1, "noise_epochs": 1})
    prev = _it0_with_noise(construction, tiny_prepared, tmp_path, noise_marked=True)
    args = _erosion_args(params, tiny_prepared, construction, tmp_path)
    args[args.index("--prev-masks") + 1] = str(prev)
    run_main("erosion", args, monkeypatch)
    facts = json.loads((tmp_path / "f.json").read_text())
    assert facts["active"] is True and facts["reason"] == "refit"
    names = data.names
    # the fine-tuning targets are the previous masks themselves: nothing eroded
    prev_masks = load_masks(prev, names)
    assert np.array_equal(load_masks(tmp_path / "e.zip", names), prev_masks)
    assert (tmp_path / "n.pt").read_bytes() != (construction / "noise.pt").read_bytes()
    assert "finetune_noise" in facts and (tmp_path / "m.zip").is_file()
    # refit_output components (params.yaml): the marked block comes back whole, nothing else (USV masks unmarked)
    after, expected = load_masks(tmp_path / "m.zip", names), np.zeros(data.images.shape, bool)
    expected[noise[0], 2:6, 3:9] = True
    assert np.array_equal(after, expected) and np.array_equal(keep_marked_components(prev_masks, marks), expected)
    # the refit's checkpoint carries the noise empty fraction it started from: all noise masks but one were empty
    noise_empty = 1.0 - 1.0 / len(noise)
    assert load_model(tmp_path / "n.pt")[1][REFIT_META] == pytest.approx(noise_empty, abs=1e-4)


def test_iteration_after_a_refit_that_cleared_no_noise_mask_stalls(construction, tiny_prepared, tmp_path,
                                                                   monkeypatch):
    monkeypatch.setattr("usvmask.pipeline.erosion.ring_contrast", lambda *a, **k: 0.8)
    prev = _it0_with_noise(construction, tiny_prepared, tmp_path, noise_marked=True)
    n_noise = int((load_dataset(tiny_prepared).table["kind"] == "noise").sum())
    model, meta = load_model(construction / "noise.pt")  # as a refit that started where these masks are
    save_model(model, tmp_path / "refit.pt", meta={**meta, REFIT_META: round(1.0 - 1.0 / n_noise, 4)})
    params = write_params(tmp_path / "p.yaml", erosion={"max_iterations": 3, "stop_ring_contrast": 0.6,
                                                        "refit_until_noise_empty": True})
    args = _erosion_args(params, tiny_prepared, construction, tmp_path)
    args[args.index("--prev-masks") + 1] = str(prev)
    args[args.index("--prev-model") + 1] = str(tmp_path / "refit.pt")
    run_main("erosion", args, monkeypatch)
    facts = json.loads((tmp_path / "f.json").read_text())
    assert facts["active"] is False and facts["reason"] == "stalled"
    assert (tmp_path / "n.pt").read_bytes() == (tmp_path / "refit.pt").read_bytes()


@pytest.mark.parametrize("iteration, max_it, erodible, contrast, limit, reason", [
    (2, 1, 5, 0.1, 0.6, "past max_iterations"), (1, 3, 0, 0.9, 0.6, "nothing left to erode"),
    (1, 3, 5, 0.59, 0.6, ""), (1, 3, 5, float("nan"), 0.6, ""), (1, 3, 5, 0.9, None, ""),
    (1, 3, 5, 0.6, 0.6, "converged"),
])
def test_stop_reason_rules_in_order(iteration, max_it, erodible, contrast, limit, reason):
    assert stop_reason(iteration, max_it, erodible, contrast, limit) == reason


@pytest.mark.parametrize("noise_empty, refit, contrast, reason", [
    (0.9, True, 0.8, "refit"), (1.0, True, 0.8, "converged"), (0.9, False, 0.8, "converged"),
    (0.9, True, 0.3, ""),
])
def test_converged_refits_only_while_noise_masks_are_not_all_empty(noise_empty, refit, contrast, reason):
    assert stop_reason(1, 3, 5, contrast, 0.6, noise_empty=noise_empty, refit=refit) == reason
    assert stop_reason(4, 3, 5, contrast, 0.6, noise_empty=noise_empty, refit=refit) == "past max_iterations"


@pytest.mark.parametrize("noise_empty, target, reason", [
    (0.9875, 1.0, "refit"), (0.9875, 0.98, "converged"), (0.975, 0.98, "refit"), (0.98, 0.98, "converged"),
])
def test_refits_stop_at_the_noise_empty_target(noise_empty, target, reason):
    # 79 of 80 noise masks empty: refit only when every mask must be empty; 78 of 80 is below a 0.98 target
    assert stop_reason(2, 3, 5, 0.8, 0.6, noise_empty=noise_empty, refit=True, noise_target=target) == reason


@pytest.mark.parametrize("noise_empty, started_at, reason", [
    (0.8, None, "refit"), (0.8, 0.7, "refit"), (0.8, 0.8, "stalled"), (0.7, 0.8, "stalled"), (0.99, 0.99, "converged"),
])
def test_a_refit_that_cleared_no_noise_mask_stalls(noise_empty, started_at, reason):
    # the previous refit started at `started_at` and left `noise_empty`: no gain, no further refit
    assert stop_reason(3, 3, 5, 0.8, 0.6, noise_empty=noise_empty, refit=True, noise_target=0.98,
                       refit_started_at=started_at) == reason


def test_max_iterations_outside_the_slots_is_one_line(construction, tiny_prepared, tmp_path, monkeypatch, capsys):
    params = write_params(tmp_path / "p.yaml", erosion={"max_iterations": 10})
    with pytest.raises(SystemExit):
        run_main("erosion", ["--params", str(params), "--iteration", "1", "--slots", "3", "--data", str(tiny_prepared),
                             "--prev-masks", str(construction / "it0.zip"), "--prev-model",
                             str(construction / "noise.pt"), "--eroded", str(tmp_path / "e.zip"), "--out",
                             str(tmp_path / "m.zip"), "--usv-model", str(tmp_path / "u.pt"), "--noise-model",
                             str(tmp_path / "n.pt"), "--metrics", str(tmp_path / "f.json")], monkeypatch)
    err = capsys.readouterr().err
    assert "p.yaml: erosion.max_iterations: 10 is outside [0, 3]" in err and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.yaml"]


@pytest.mark.parametrize("bad, says", [({"refit_output": "grown"}, "refit_output: 'grown'"),
                                       ({"noise_empty_target": 1.5}, "noise_empty_target: 1.5 is outside (0, 1]")])
def test_bad_refit_param_is_a_one_line_error(bad, says, construction, tiny_prepared, tmp_path, monkeypatch, capsys):
    params = write_params(tmp_path / "p.yaml", erosion=bad)
    with pytest.raises(SystemExit) as exit_info:
        run_main("erosion", _erosion_args(params, tiny_prepared, construction, tmp_path), monkeypatch)
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and says in err and err.count("\n") == 1
    assert not (tmp_path / "m.zip").exists()
