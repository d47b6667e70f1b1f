"""The README's folder tree lists exactly the library's modules, and its two commands are what CI runs."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def tree_block() -> list[str]:
    section = README.split("## Folder tree", 1)[1]
    return section.split("```", 2)[1].strip("\n").splitlines()


def listed_modules() -> set[str]:
    """src/usvmask-relative module paths named in the tree (a line under src/usvmask/ starting with `name/` is a
    sub-package; an indented continuation line belongs to the sub-package above it)."""
    found: set[str] = set()
    package = ""
    inside = False
    for line in tree_block():
        if line.startswith("src/usvmask/"):
            inside = True
            continue
        if inside and not line.startswith(" "):
            inside = False
        if not inside:
            continue
        tokens = line.split()
        if tokens and tokens[0].endswith("/"):
            package, tokens = tokens[0], tokens[1:]
        elif not line.startswith("    "):
            package = ""
        found |= {package + token for token in tokens if token.endswith(".py")}
    return found


def test_tree_lists_every_module_and_nothing_else():
    actual = {str(p.relative_to(ROOT / "src" / "usvmask")) for p in (ROOT / "src" / "usvmask").rglob("*.py")
              if p.name != "__init__.py"}
    listed = listed_modules()
    assert sorted(actual - listed) == [], "modules missing from the README tree"
    assert sorted(listed - actual) == [], "the README tree names modules that do not exist"


def test_tree_top_level_entries_exist():
    for line in tree_block():
        if line.startswith(" ") or line.startswith(("models/", "reports/")):  # DVC outputs: made by dvc repro
            continue
        for token in re.findall(r"^([\w.]+/?(?:[\w.]+)?)", line):
            assert (ROOT / token.rstrip("/")).exists(), token


def test_the_two_commands_and_ci():
    commands = re.findall(r"```bash\n(.+?)\n```", README)
    assert commands[:2] == ['pip install -e ".[test]" && dvc repro', 'pip install -e ".[test]" && pytest']
    ci = (ROOT / ".ci" / "run").read_text()
    assert "pip install" in ci and '-e ".[test]"' in ci and "python3 -m pytest" in ci
