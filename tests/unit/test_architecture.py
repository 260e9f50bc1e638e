"""Imports flow one way (zones <- models <- replay/streams) and the core never reads the clock."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EDGE_MODULES = (
    "faust",
    "aiokafka",
    "tqdm",
    "argparse",
    "click",
    "replay",
    "streams",
    "mode",
    "metrics",
    "prometheus_client",
)
CLOCK_CALLS = {("time", "time"), ("datetime", "now"), ("datetime", "utcnow"), ("date", "today")}


@pytest.mark.parametrize("package", ["models", "zones"])
def test_the_core_imports_no_edge(package: str) -> None:
    modules = sorted(p.relative_to(ROOT).with_suffix("") for p in (ROOT / package).rglob("*.py"))
    names = [".".join(m.parts).removesuffix(".__init__") for m in modules]
    probe = (
        f"import sys\nfor name in {names!r}:\n    __import__(name)\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {EDGE_MODULES!r}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "[]"


def test_models_does_not_import_downstream_packages_even_lazily() -> None:
    for path in (ROOT / "models").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert node.module.split(".")[0] not in EDGE_MODULES, f"{path}: {node.module}"
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert alias.name.split(".")[0] not in EDGE_MODULES, f"{path}: {alias.name}"


@pytest.mark.parametrize("package", ["models", "zones"])
def test_the_core_never_reads_the_wall_clock(package: str) -> None:
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                owner = node.func.value
                if isinstance(owner, ast.Name):
                    assert (owner.id, node.func.attr) not in CLOCK_CALLS, f"{path}:{node.lineno}"
