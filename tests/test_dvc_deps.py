"""Every stage's code deps in dvc.yaml are exactly the modules its script imports, so DVC never serves outputs of
stale code and never re-runs a stage for code it does not use."""

from pathlib import Path

import pytest
import yaml

from import_chain import ROOT, import_chain

STAGES = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]


def _body(name: str) -> dict:
    return STAGES[name].get("do", STAGES[name])


def _script(name: str) -> Path:
    return ROOT / next(w for w in _body(name)["cmd"].split() if w.startswith("stages/"))


def _code_deps(name: str) -> list[str]:
    deps = [d if isinstance(d, str) else next(iter(d)) for d in _body(name).get("deps", [])]
    return [d for d in deps if d.startswith(("src/", "stages/"))]


def _covered(path: Path, deps: list[str]) -> bool:
    return any(path == Path(d) or Path(d) in path.parents for d in deps)


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_code_deps_cover_the_import_chain(stage):
    deps = _code_deps(stage)
    chain = import_chain(_script(stage))
    assert str(_script(stage).relative_to(ROOT)) in deps
    missing = sorted(str(p) for p in chain if not _covered(p, deps))
    assert missing == [], f"{stage}: add these to its deps (python tests/import_chain.py lists them)"


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_code_deps_list_nothing_the_stage_does_not_run(stage):
    chain = import_chain(_script(stage)) | {_script(stage).relative_to(ROOT)}
    for dep in _code_deps(stage):
        path = ROOT / dep
        if path.is_dir():  # a folder is listed only when the stage imports every module in it
            unused = sorted(str(p.relative_to(ROOT)) for p in path.glob("*.py") if p.relative_to(ROOT) not in chain)
            assert unused == [], f"{stage}: {dep} holds modules it never imports; list files instead"
        else:
            assert Path(dep) in chain, f"{stage}: {dep} is never imported; remove it from deps"


def test_the_walk_sees_imports_inside_functions(tmp_path):
    script = tmp_path / "s.py"
    script.write_text("def main():\n    from usvmask.infer.predictor import load_predictor\n")
    chain = import_chain(script)
    assert Path("src/usvmask/infer/predictor.py") in chain and Path("src/usvmask/infer/__init__.py") in chain
    assert Path("src/usvmask/models/base.py") in chain  # predictor → models.base, transitively
    assert Path("src/usvmask/train/loop.py") not in chain
