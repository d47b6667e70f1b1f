"""The usvmask modules a stage script runs: a static walk of every import, including those inside functions.

`python tests/import_chain.py` prints, per dvc.yaml stage, the source files its script imports, directly or not
(package `__init__` files included), which is what its `deps:` must list; `--write` puts exactly those lists into
dvc.yaml (in place of each stage's current `src/` and `stages/` deps, other lines untouched).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"


def module_file(name: str) -> Path | None:
    """The file of module `usvmask....` (a package's __init__.py), or None when it is not a usvmask module."""
    if name != "usvmask" and not name.startswith("usvmask."):
        return None
    base = SRC / Path(*name.split("."))
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    return base.with_suffix(".py") if base.with_suffix(".py").is_file() else None


def _imported(path: Path) -> set[str]:
    """Every module name an import statement in `path` can load (`from a import b` may load module a.b)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def import_chain(script: Path) -> set[Path]:
    """Source files (relative to the repository root) that running `script` imports, transitively."""
    seen: set[Path] = set()
    todo = [script]
    while todo:
        path = todo.pop()
        for name in _imported(path):
            parts = name.split(".")
            for i in range(1, len(parts) + 1):  # importing a.b.c runs a/__init__, a/b/__init__ first
                found = module_file(".".join(parts[:i]))
                if found is not None and found not in seen:
                    seen.add(found)
                    todo.append(found)
    return {p.relative_to(ROOT) for p in seen}


def _stage_scripts(text: str) -> dict[str, Path]:
    import yaml

    stages = yaml.safe_load(text)["stages"]
    return {name: ROOT / next(w for w in body.get("do", body)["cmd"].split() if w.startswith("stages/"))
            for name, body in stages.items()}


def rewrite_code_deps(text: str) -> str:
    """dvc.yaml text with each stage's code deps replaced by its script plus its import chain, sorted."""
    scripts = _stage_scripts(text)
    out: list[str] = []
    stage = None
    written = False
    for line in text.splitlines(keepends=True):
        bare = line.strip()
        if line.startswith("  ") and not line.startswith("   ") and bare.endswith(":"):
            stage, written = bare[:-1], False
        is_code = bare.startswith(("- src/", "- stages/"))
        if stage in scripts and is_code:
            if not written:
                indent = line[: len(line) - len(line.lstrip())]
                script = scripts[stage]
                paths = [str(script.relative_to(ROOT)), *sorted(str(p) for p in import_chain(script))]
                out.extend(f"{indent}- {p}\n" for p in paths)
                written = True
            continue
        out.append(line)
    return "".join(out)


if __name__ == "__main__":
    dvc_yaml = ROOT / "dvc.yaml"
    if sys.argv[1:] == ["--write"]:
        dvc_yaml.write_text(rewrite_code_deps(dvc_yaml.read_text()))
    else:
        for stage, script in _stage_scripts(dvc_yaml.read_text()).items():
            sys.stdout.write(f"{stage}: {script.relative_to(ROOT)}\n")
            for path in sorted(import_chain(script)):
                sys.stdout.write(f"        - {path}\n")
