"""Issue 12, as a table: bad inputs, bad params and killed runs, tried as a new user would.

Each case runs the `usvmask` CLI or a stage script in-process on a tiny fixture in tmp_path and checks the exit
status (0 done, 1 some inputs failed, 2 nothing done, 3 a bug), that stderr is exactly one line naming the file or
key and the fix (or empty), that no partial output is written, and that no temporary file is left anywhere.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest
import soundfile as sf
import torch
import yaml

from helpers import card, vocalmat_like_images
import segment.conftest as segment_fixtures
from usvmask.cli import main
from usvmask.data import store
from usvmask.data.dataset import load_dataset
from usvmask.models import build_model, save_model
from usvmask.stage import run_stage

ROOT = Path(__file__).resolve().parents[1]
segment_model = segment_fixtures.tiny_model  # fixture: tests/segment's tiny untrained U-Net with a model card
tone_wav = segment_fixtures.tone_wav
FAST = ["--device", "cpu", "--backend", "eager"]  # no ONNX export or int8 calibration in these tests


@dataclass
class Ctx:
    """What a case builds its inputs from."""

    tmp: Path
    model: Path
    prepared: Path
    monkeypatch: pytest.MonkeyPatch
    _masks: Path | None = None

    @property
    def masks(self) -> Path:
        """An all-empty mask zip for the prepared fixture."""
        if self._masks is None:
            data = load_dataset(self.prepared)
            self._masks = self.tmp / "masks.zip"
            store.write_stack(self._masks, data.names, np.zeros(data.images.shape, bool))
        return self._masks

    def file(self, name: str = "a_file") -> Path:
        path = self.tmp / name
        path.write_text("in the way\n")
        return path

    def images(self, *names: str) -> Path:
        folder = self.tmp / "images"
        folder.mkdir(exist_ok=True)
        for name, image in zip(names or ("a.png",), vocalmat_like_images(max(len(names), 1), 32)):
            cv2.imwrite(str(folder / name), image)
        return folder

    def wav(self, name: str = "rec.wav") -> Path:
        return tone_wav(self.tmp / "audio" / name, seconds=1.0)

    def params(self, **sections) -> Path:
        params = yaml.safe_load((ROOT / "params.yaml").read_text())
        for section, values in sections.items():
            params[section].update(values)
        path = self.tmp / "p.yaml"
        path.write_text(yaml.safe_dump(params))
        return path

    def stage(self, name: str, *args: str) -> Callable[[], int]:
        spec = importlib.util.spec_from_file_location(f"stage_{name}", ROOT / "stages" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)

        def run() -> int:
            self.monkeypatch.setattr(sys, "argv", [f"{name}.py", *map(str, args)])
            try:
                run_stage(module.main)
            except SystemExit as exit_:
                return exit_.code
            return 0

        return run


@dataclass
class Expect:
    """A run and what it must give: exit status, words of the one stderr line, outputs that must not exist."""

    run: Callable[[], int]
    rc: int
    says: tuple[str, ...] = ()
    absent: tuple[Path, ...] = ()
    then: Callable[[], None] | None = None
    unchanged: tuple[Path, ...] = ()


def cli(*argv) -> Callable[[], int]:
    return lambda: main([str(a) for a in argv])


def unwritable() -> Path:
    """A folder path that cannot be created, even by root (/sys refuses new entries)."""
    probe = Path("/sys/usvmask-test-out")
    try:
        probe.mkdir()
    except OSError:
        return probe
    probe.rmdir()
    pytest.skip("no unwritable folder on this machine (/sys accepts new folders)")


# --- `--out` not writable, an existing file, or below a file: one line, exit 2, checked before any work ---------

def out_is_file_predict(c: Ctx) -> Expect:
    out = c.file()
    return Expect(cli("predict-images", c.images(), "--model", c.model, "--out", out, *FAST), 2,
                  (str(out), "exists and is not a folder", "choose another output folder"), unchanged=(out,))


def out_is_file_segment(c: Ctx) -> Expect:
    out = c.file()
    return Expect(cli("segment", c.wav(), "--model", c.model, "--out", out, "--no-progress", *FAST), 2,
                  (str(out), "exists and is not a folder"), absent=(c.tmp / "run.json",), unchanged=(out,))


def out_is_file_prepare(c: Ctx) -> Expect:
    out = c.file()
    return Expect(cli("prepare", "--params", ROOT / "params.yaml", "--out", out), 2,
                  (str(out), "exists and is not a folder"), unchanged=(out,))


def out_is_folder_import(c: Ctx) -> Expect:
    (c.tmp / "corr").mkdir()
    out = c.tmp / "out.zip"
    out.mkdir()
    return Expect(cli("import-corrections", "--data", c.prepared, "--masks", c.masks, "--corrections", c.tmp / "corr",
                      "--out", out), 2, (str(out), "is a folder, not a file", "give a file name"))


def out_below_a_file_predict(c: Ctx) -> Expect:
    out = c.file() / "sub"
    return Expect(cli("predict-images", c.images(), "--model", c.model, "--out", out, *FAST), 2,
                  (str(out), "is a file, not a folder", "choose another output path"))


def out_unwritable_segment(c: Ctx) -> Expect:
    out = unwritable()
    return Expect(cli("segment", c.wav(), "--model", c.model, "--out", out, "--no-progress", *FAST), 2,
                  (str(out), "cannot be written", "choose another path"), absent=(out,))


def out_unwritable_predict(c: Ctx) -> Expect:
    out = unwritable()
    return Expect(cli("predict-images", c.images(), "--model", c.model, "--out", out, *FAST), 2,
                  (str(out), "cannot be written", "choose another path"), absent=(out,))


def out_unwritable_prepare(c: Ctx) -> Expect:
    out = unwritable()
    return Expect(cli("prepare", "--params", ROOT / "params.yaml", "--out", out), 2,
                  (str(out), "cannot be written"), absent=(out,))


def out_unwritable_import(c: Ctx) -> Expect:
    (c.tmp / "corr").mkdir()
    out = unwritable() / "m.zip"
    return Expect(cli("import-corrections", "--data", c.prepared, "--masks", c.masks, "--corrections", c.tmp / "corr",
                      "--out", out), 2, (str(out), "cannot be written"))


# --- a file name too long for the file system: named and skipped, the others written, exit 1 ---------------------

def long_name_predict(c: Ctx) -> Expect:
    long = "c" * 246 + ".png"  # the image fits; its <stem>_overlay.png does not
    out = c.tmp / "out"

    def then() -> None:
        assert sorted(p.name for p in out.iterdir()) == ["a_mask.png", "a_overlay.png"]

    return Expect(cli("predict-images", c.images("a.png", long), "--model", c.model, "--out", out, *FAST), 1,
                  (long, "output file name (<stem>_overlay.png) is too long", "give the image a shorter name"),
                  then=then)


def every_image_unreadable_predict(c: Ctx) -> Expect:
    folder = c.tmp / "images"
    folder.mkdir()
    (folder / "broken.png").write_bytes(b"not a png")  # the only image: nothing can be predicted
    out = c.tmp / "out"
    return Expect(cli("predict-images", folder, "--model", c.model, "--out", out, *FAST), 2,
                  ("broken.png", "all 1 image(s) failed, nothing written", "replace or remove the file"), absent=(out,))


def long_name_export(c: Ctx) -> Expect:
    raw = c.tmp / "raw"
    long = "L" * 250
    for label, name in (("usv", "a.png"), ("usv", f"{long}.png"), ("noise", "n.png")):
        (raw / label).mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(raw / label / name), vocalmat_like_images(1, 32)[0])
    params = c.params(prepare={"source": "image_dir", "image_dir": {"image_dir": str(raw), "image_size": 32}})
    assert main(["prepare", "--params", str(params), "--out", str(c.tmp / "prep")]) == 0
    data = load_dataset(c.tmp / "prep")
    store.write_stack(c.tmp / "m.zip", data.names, np.zeros(data.images.shape, bool))
    out = c.tmp / "export"

    def then() -> None:
        assert sorted(p.name for p in out.rglob("*.png")) == ["noise-n.png", "noise-n.png", "usv-a.png", "usv-a.png"]
        assert len((out / "index.csv").read_text().splitlines()) == 3

    return Expect(cli("export", "--data", c.tmp / "prep", "--masks", c.tmp / "m.zip", "--out", out), 1,
                  (f"usv-{long}.png", "file name too long", "shorten the source image's name"), then=then)


# --- params: wrong type, unknown model, out-of-range erosion.max_iterations --------------------------------------

def params_string_for_integer(c: Ctx) -> Expect:
    params = c.params(train_final={"batch_size": "eight"})
    run = c.stage("train_final", "--params", params, "--variant", "unet", "--data", c.prepared, "--masks", c.masks,
                  "--model", c.tmp / "m.pt", "--metrics", c.tmp / "m.json")
    return Expect(run, 2, (f'{params}: train_final.batch_size: "eight" is not an integer; use a whole number',),
                  absent=(c.tmp / "m.pt", c.tmp / "m.json"))


def params_string_for_integer_nested(c: Ctx) -> Expect:
    params = c.params(prepare={"synthetic": {"n_usv": "eight"}})
    return Expect(cli("prepare", "--params", params, "--out", c.tmp / "prep"), 2,
                  (f'{params}: prepare.synthetic.n_usv: "eight" is not an integer',), absent=(c.tmp / "prep",))


def params_unknown_architecture(c: Ctx) -> Expect:
    params = c.params(pretrain={"architecture": {"name": "resnet", "base_channels": 4, "depth": 2}})
    run = c.stage("pretrain", "--params", params, "--data", c.prepared, "--model", c.tmp / "m.pt", "--metrics",
                  c.tmp / "m.json")
    return Expect(run, 2, (str(params), "pretrain.architecture.name", "'resnet'", "squeakout, unet"),
                  absent=(c.tmp / "m.pt",))


def checkpoint_unknown_model(c: Ctx) -> Expect:
    payload = torch.load(c.model, weights_only=True)
    payload["name"] = "resnet"
    bad = c.tmp / "resnet.pt"
    torch.save(payload, bad)
    return Expect(cli("predict-images", c.images(), "--model", bad, "--out", c.tmp / "out", *FAST), 2,
                  (str(bad), "'resnet'", "unknown", "squeakout, unet"), absent=(c.tmp / "out",))


def _erosion(c: Ctx, value: int) -> Expect:
    params = c.params(erosion={"max_iterations": value})
    run = c.stage("erosion", "--params", params, "--iteration", 1, "--slots", 3, "--data", c.prepared,
                  "--prev-masks", c.masks, "--prev-model", c.model, "--eroded", c.tmp / "e.zip", "--out",
                  c.tmp / "o.zip", "--usv-model", c.tmp / "u.pt", "--noise-model", c.tmp / "n.pt", "--metrics",
                  c.tmp / "f.json")
    return Expect(run, 2, (f"{params}: erosion.max_iterations: {value} is outside [0, 3]",),
                  absent=(c.tmp / "e.zip", c.tmp / "o.zip", c.tmp / "f.json"))


def erosion_max_iterations_10(c: Ctx) -> Expect:
    return _erosion(c, 10)


def erosion_max_iterations_negative(c: Ctx) -> Expect:
    return _erosion(c, -1)


# --- input files ---------------------------------------------------------------------------------------------------

def duplicate_stem_in_a_class(c: Ctx) -> Expect:
    raw = c.tmp / "raw"
    for label, name in (("usv", "x.png"), ("usv", "x.jpg"), ("noise", "n.png")):
        (raw / label).mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(raw / label / name), vocalmat_like_images(1, 32)[0])
    params = c.params(prepare={"source": "image_dir", "image_dir": {"image_dir": str(raw), "image_size": 32}})
    return Expect(cli("prepare", "--params", params, "--out", c.tmp / "prep"), 2,
                  (str(raw / "usv" / "x.jpg"), str(raw / "usv" / "x.png"), "rename one of them"),
                  absent=(c.tmp / "prep",))


def noise_list_not_utf8(c: Ctx) -> Expect:
    corr = c.tmp / "corr"
    corr.mkdir()
    (corr / "noise.txt").write_bytes(b"usv_000001\n\xff\xfe caf\xe9\n")
    return Expect(cli("import-corrections", "--data", c.prepared, "--masks", c.masks, "--corrections", corr,
                      "--out", c.tmp / "c.zip"), 2, (str(corr / "noise.txt"), "not UTF-8", "save it as UTF-8"),
                  absent=(c.tmp / "c.zip",))


def corrections_folder_misspelt(c: Ctx) -> Expect:
    return Expect(cli("import-corrections", "--data", c.prepared, "--masks", c.masks, "--corrections",
                      c.tmp / "corections", "--out", c.tmp / "c.zip"), 2,
                  (str(c.tmp / "corections"), "no such corrections folder", "check the name"),
                  absent=(c.tmp / "c.zip",))


def junk_mp3(c: Ctx) -> Expect:
    junk = c.tmp / "junk.mp3"
    junk.write_bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes()[1:] + b"\x00")
    return Expect(cli("segment", junk, "--model", c.model, "--out", c.tmp / "out", "--no-progress", *FAST), 2,
                  (str(junk), "not MP3 data", "convert it to WAV or FLAC"), absent=(c.tmp / "out",))


def wav_of_100_samples(c: Ctx) -> Expect:
    short = c.tmp / "short.wav"
    sf.write(str(short), np.zeros(100, np.float32), 250_000)
    return Expect(cli("segment", short, "--model", c.model, "--out", c.tmp / "out", "--no-progress", *FAST), 2,
                  (str(short), "holds 100 samples", "shorter than one 256-sample STFT window", "longer recording"),
                  absent=(c.tmp / "out",))


def chunk_s_too_small(c: Ctx) -> Expect:
    return Expect(cli("segment", c.wav(), "--model", c.model, "--out", c.tmp / "out", "--chunk-s", 0.1,
                      "--no-progress", *FAST), 2, ("chunk_s: 0.1 s", "raise it to at least 1"),
                  absent=(c.tmp / "out",))


def segment_nonexistent_path(c: Ctx) -> Expect:
    return Expect(cli("segment", c.tmp / "nope.wav", "--model", c.model, "--out", c.tmp / "out", "--no-progress",
                      *FAST), 2, (str(c.tmp / "nope.wav"), "no such file or folder", "check the path"),
                  absent=(c.tmp / "out",))


def _no_input_size(c: Ctx) -> Path:
    meta = card(64)
    del meta["input_size"]
    path = c.tmp / "old.pt"
    save_model(build_model("unet", base_channels=4, depth=2), path, meta=meta)
    return path


def no_input_size_predict(c: Ctx) -> Expect:
    model = _no_input_size(c)
    return Expect(cli("predict-images", c.images(), "--model", model, "--out", c.tmp / "out", *FAST), 2,
                  (str(model), "input_size missing", "re-create it"), absent=(c.tmp / "out",))


def no_input_size_segment(c: Ctx) -> Expect:
    model = _no_input_size(c)
    return Expect(cli("segment", c.wav(), "--model", model, "--out", c.tmp / "out", "--no-progress", *FAST), 2,
                  (str(model), "input_size missing", "re-create it"), absent=(c.tmp / "out",))


def bug_is_one_line(c: Ctx) -> Expect:
    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    c.monkeypatch.setattr("usvmask.pipeline.export.export", broken)
    return Expect(cli("export", "--data", c.prepared, "--masks", c.masks, "--out", c.tmp / "out"), 3,
                  ("unexpected ZeroDivisionError: division by zero", "--debug"), absent=(c.tmp / "out",))


# --- what a kill -9 leaves is cleaned by the next run; every output is 0644 ----------------------------------------

def _stale(folder: Path, target: str, *, is_dir: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if is_dir:
        return Path(tempfile.mkdtemp(prefix=store.temp_prefix(target), dir=folder))
    fd, path = tempfile.mkstemp(prefix=store.temp_prefix(target), suffix=".zip", dir=folder)
    os.close(fd)
    return Path(path)


def killed_export_is_cleaned(c: Ctx) -> Expect:
    out = c.tmp / "data" / "export"
    left = _stale(out.parent, "export", is_dir=True)
    return Expect(cli("export", "--data", c.prepared, "--masks", c.masks, "--out", out), 0, absent=(left,))


def killed_segment_is_cleaned(c: Ctx) -> Expect:
    out = c.tmp / "out"
    left = _stale(out / "masks", "rec.zip")

    def then() -> None:
        modes = {p.relative_to(out).as_posix(): p.stat().st_mode & 0o777 for p in out.rglob("*") if p.is_file()}
        assert "masks/rec.zip" in modes and set(modes.values()) == {0o644}, modes

    return Expect(cli("segment", c.wav(), "--model", c.model, "--out", out, "--threshold", 0.05, "--no-progress",
                      *FAST), 0, absent=(left,), then=then)


def killed_zip_writer_is_cleaned(c: Ctx) -> Expect:
    (c.tmp / "corr").mkdir()
    out = c.tmp / "corrected" / "masks.zip"
    left = _stale(out.parent, out.name)

    def then() -> None:
        assert out.stat().st_mode & 0o777 == 0o644

    return Expect(cli("import-corrections", "--data", c.prepared, "--masks", c.masks, "--corrections", c.tmp / "corr",
                      "--out", out), 0, absent=(left,), then=then)


CASES = [
    out_is_file_predict, out_is_file_segment, out_is_file_prepare, out_is_folder_import, out_below_a_file_predict,
    out_unwritable_segment, out_unwritable_predict, out_unwritable_prepare, out_unwritable_import,
    long_name_predict, long_name_export,
    params_string_for_integer, params_string_for_integer_nested,
    params_unknown_architecture,
    checkpoint_unknown_model, erosion_max_iterations_10, erosion_max_iterations_negative,
    duplicate_stem_in_a_class, noise_list_not_utf8, corrections_folder_misspelt, junk_mp3, wav_of_100_samples,
    chunk_s_too_small, segment_nonexistent_path, no_input_size_predict, no_input_size_segment, bug_is_one_line,
    every_image_unreadable_predict, killed_export_is_cleaned, killed_segment_is_cleaned, killed_zip_writer_is_cleaned,
]


def _case_id(case) -> str:
    return (case.values[0] if hasattr(case, "values") else case).__name__


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_bad_input(case, tmp_path, segment_model, tiny_prepared, monkeypatch, capsys):
    ctx = Ctx(tmp_path, segment_model, tiny_prepared, monkeypatch)
    expect = case(ctx)
    before = {p: p.read_bytes() for p in expect.unchanged}
    capsys.readouterr()
    rc = expect.run()
    err = capsys.readouterr().err
    assert rc == expect.rc, err
    if expect.says:
        assert len(err.splitlines()) == 1 and err.startswith("usvmask: error: "), err
        for words in expect.says:
            assert words in err, err
    else:
        assert err == ""
    for path in expect.absent:
        assert not path.exists(), path
    assert {p: p.read_bytes() for p in expect.unchanged} == before
    assert not [p for p in tmp_path.rglob(f"{store.TEMP_PREFIX}*")], "temporary files left"
    if expect.then is not None:
        expect.then()


def test_exit_codes_are_documented_in_every_help(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    assert "Exit status" in text and "2  nothing was done" in text and "--debug" in text
    for command in ("segment", "predict-images", "export", "review"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert "exit status: 0 everything done; 1 " in " ".join(capsys.readouterr().out.split())


def test_the_same_training_twice_gives_the_same_checkpoint_bytes(tiny_prepared, tmp_path):
    from usvmask.pipeline.pretrain import pretrain

    digests = []
    for run in ("a", "b"):
        pretrain(tiny_prepared, tmp_path / f"{run}.pt", architecture={"name": "unet", "base_channels": 2, "depth": 1},
                 input_size=16, max_epochs=1, batch_size=16)
        digests.append(hashlib.md5((tmp_path / f"{run}.pt").read_bytes()).hexdigest())
    assert digests[0] == digests[1]
