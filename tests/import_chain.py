"""The usvmask modules a stage script runs: a static walk of every import, including those inside functions.

`python tests/import_chain.py` prints, per dvc.yaml stage, the source files its script imports, directly or not
(package `__init__` files included), which is what its `deps:` must list.
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


if __name__ == "__main__":
    import yaml

    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
    for stage, body in stages.items():
        cmd = body.get("do", body)["cmd"]
        script = next(w for w in cmd.split() if w.startswith("stages/"))
        sys.stdout.write(f"{stage}: {script}\n")
        for path in sorted(import_chain(ROOT / script)):
            sys.stdout.write(f"        - {path}\n")
