"""The package tree is a one-way pipeline: no module imports from a later stage."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

# Earlier stages first. A module may import from its own stage or an earlier one.
STAGES = [
    {"packets", "packets.errors", "packets.files", "packets.assets", "packets.textsafety", "packets.pdfium", "packets.tempdirs"},
    {"packets.config"},
    {"packets.content"},
    {"packets.visits"},
    {"packets.render"},
    {"packets.chart"},
    {"packets.batch"},
    {"packets.printing"},
    {"packets.checks"},
    {"packets.facade"},
    {"packets.cli", "packets.__main__", "packets.web"},
]


def stage_of(module: str) -> int:
    parts = module.split(".")
    for length in range(len(parts), 0, -1):
        prefix = ".".join(parts[:length])
        for index, names in enumerate(STAGES):
            if prefix in names:
                return index
    raise AssertionError(f"{module} belongs to no stage; add it to STAGES")


def imports(path: Path) -> set[str]:
    """Modules a file imports from this package, including imports inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("packets") and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("packets"))
    return found


def test_no_module_imports_from_a_later_stage() -> None:
    backward = []
    for path in sorted((REPO / "packets").rglob("*.py")):
        if "templates" in path.parts:
            continue
        module = ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
        own = stage_of(module)
        for target in imports(path):
            if target != "packets" and stage_of(target) > own:
                backward.append(f"{module} imports {target}")
    assert backward == []


def test_no_relative_imports_hide_an_edge() -> None:
    for path in (REPO / "packets").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert not [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level], path
