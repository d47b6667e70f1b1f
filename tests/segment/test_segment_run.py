"""The segment command end to end: CLI, run folder, failures kept apart, real mouse recordings."""

import argparse
import json
from pathlib import Path

import pandas as pd
import pytest

from usvmask.segment.cli import add_command
from usvmask.segment.run import collect_inputs


def _run(argv):
    parser = argparse.ArgumentParser(prog="usvmask")
    handlers = add_command(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    try:
        handlers[args.command](args)
    except SystemExit as exit_:
        return exit_.code
    return 0


def test_help_lists_the_options(capsys):
    with pytest.raises(SystemExit) as exit_:
        _run(["segment", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for flag in ("--model", "--out", "--recursive", "--channel", "--xlsx", "--threshold", "--merge-gap-ms"):
        assert flag in out


def test_cli_on_tiny_wav_writes_the_run_folder(tmp_path, tiny_model, make_wav):
    wav = make_wav(tmp_path / "in" / "tiny.wav", seconds=1.5, calls=((0.4, 0.43, 70e3), (0.9, 0.92, 90e3)))
    out = tmp_path / "out"
    assert _run(["segment", str(wav.parent), "--model", str(tiny_model), "--out", str(out), "--xlsx",
                 "--no-progress", "--threshold", "0.3"]) == 0
    table = pd.read_csv(out / "calls.csv")
    assert {"file", "Start_time", "End_time", "Duration", "min_freq_main", "Harmonic", "slope"} <= set(table)
    assert (out / "calls.xlsx").is_file() and (out / "figures" / "tiny.png").is_file()
    assert (out / "files" / "tiny.csv").is_file() and (out / "masks" / "tiny.zip").is_file()
    assert json.loads((out / "run.json").read_text())["files_failed"] == {}
    assert not [p for p in out.rglob(".*")]  # no temporary files left


def test_bad_files_are_named_skipped_and_leave_no_rows(tmp_path, tiny_model, make_wav, bad_audio, capsys):
    good = make_wav(tmp_path / "good_one.wav", seconds=1.0)
    out = tmp_path / "out"
    paths = [str(p) for p, _ in bad_audio.values()] + [str(good)]
    assert _run(["segment", *paths, "--model", str(tiny_model), "--out", str(out), "--no-progress"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == len(bad_audio)
    for path, message in bad_audio.values():
        assert any(str(path) in line and message in line for line in err)
    run = json.loads((out / "run.json").read_text())
    assert run["files_done"] == [str(good)] and len(run["files_failed"]) == len(bad_audio)
    table = pd.read_csv(out / "calls.csv")
    assert set(table["file"]) <= {str(good)}
    assert sorted(p.name for p in (out / "files").iterdir()) == ["good_one.csv"]
    assert sorted(p.name for p in (out / "masks").iterdir()) == ["good_one.zip"]


def test_inputs_missing_path_and_recursive_listing(tmp_path):
    files, errors = collect_inputs([tmp_path / "missing"])
    assert files == [] and "no such file or folder" in errors[str(tmp_path / "missing")]
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "notes.txt").write_text("x")
    (tmp_path / "a" / "b" / "rec.WAV").write_bytes(b"")
    assert collect_inputs([tmp_path / "a"]) == ([], {})
    assert collect_inputs([tmp_path / "a"], recursive=True) == ([tmp_path / "a" / "b" / "rec.WAV"], {})


@pytest.mark.parametrize("clip", ["BM003.wav", "deermouse-go.wav"])
def test_real_mouse_clips_end_to_end(tmp_path, tiny_model, clip):
    vocalpy = pytest.importorskip("vocalpy")
    path = Path(vocalpy.__file__).parent / "examples" / clip
    if not path.is_file():
        pytest.skip(f"vocalpy has no example {clip}")
    out = tmp_path / "out"
    argv = ["segment", str(path), "--model", str(tiny_model), "--out", str(out), "--no-progress"]
    assert _run([*argv, "--threshold", "0.05"]) == 0  # untrained model: a low threshold keeps calls
    table = pd.read_csv(out / "calls.csv")
    duration = len(__import__("soundfile").read(str(path))[0]) / __import__("soundfile").info(str(path)).samplerate
    assert len(table) >= 1
    assert (table["Start_time"] >= 0).all() and (table["End_time"] <= duration + 1e-3).all()
    assert (table["min_freq_main"] >= 45.0).all() and (table["max_freq_total"] <= 125.0).all()
