"""`pip install .` gives a working vigilmar: the wheel built from the source tree holds every
package and data file of the shipped packages and nothing else, and a virtualenv outside the
checkout, with our code only from that wheel (the dependencies are the ones installed here),
runs `vigilmar replay` on the samples shipped inside it, with the source tree's alerts.

The wheel is built with pip (build isolation, as `pip install .` does) from a copy of the tree
without `build/`: setuptools packs whatever a previous build left in `build/lib`, so a build in
place could hide a package that discovery no longer finds.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from replay.cli import main
from tests.factories import validate_alert

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
# Top-level packages of the repository that are not part of the installable package.
NOT_SHIPPED = frozenset({"tests", "benchmarks"})
# What a checkout holds besides its sources (see .gitignore): not copied for the build.
GENERATED = frozenset(
    {".git", "build", "dist", "out", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis"}
)


def shipped_packages() -> list[str]:
    """Top-level directories of the repository with an ``__init__.py``, but tests and
    benchmarks: what the wheel must ship, by what is on disk rather than by pyproject."""
    return sorted(
        path.parent.name
        for path in ROOT.glob("*/__init__.py")
        if path.parent.name not in NOT_SHIPPED
    )


def source_files() -> set[str]:
    """Every file of the shipped packages (modules and data), as wheel paths."""
    files = set()
    for top in shipped_packages():
        for path in (ROOT / top).rglob("*"):
            parts = path.relative_to(ROOT).parts
            if path.is_file() and "__pycache__" not in parts and path.suffix != ".pyc":
                files.add("/".join(parts))
    return files


def ignore_generated(directory: str, names: list[str]) -> set[str]:
    ignored = {name for name in names if name == "__pycache__" or name.endswith(".pyc")}
    if Path(directory) == ROOT:
        for name in names:
            path = ROOT / name
            if name in GENERATED or name.endswith(".egg-info") or (path / "pyvenv.cfg").exists():
                ignored.add(name)
    return ignored


def clean_environment() -> dict[str, str]:
    """This process's environment without what would point Python or vigilmar elsewhere."""
    return {
        name: value
        for name, value in os.environ.items()
        if name not in {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE"}
        and not name.startswith("VIGILMAR_")
    }


def run(*command: str | Path, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@dataclass(frozen=True)
class Installed:
    python: Path
    vigilmar: Path
    site_packages: Path
    cwd: Path


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source") / "vigilmar"
    shutil.copytree(ROOT, source, ignore=ignore_generated, symlinks=True)
    out = tmp_path_factory.mktemp("wheel")
    build = run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--disable-pip-version-check",
        "--quiet",
        "--wheel-dir",
        out,
        source,
        cwd=out,
        timeout=300,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    [built] = out.glob("vigilmar-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """A virtualenv with the wheel (no dependencies) that also sees this environment's
    site-packages (a ``.pth`` line, appended after its own, so no ``.pth`` file there runs:
    not the editable install's finder either)."""
    home = tmp_path_factory.mktemp("installed")
    venv = home / "venv"
    made = run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=home)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    install = run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "--no-deps",
        "--no-index",
        "--disable-pip-version-check",
        "--quiet",
        wheel,
        cwd=home,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    found = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=home)
    site_packages = Path(found.stdout.strip())
    # Only now: had pip seen this environment, it would have found its (editable) vigilmar.
    ours = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    (site_packages / "dependencies.pth").write_text("".join(f"{path}\n" for path in ours))
    elsewhere = home / "elsewhere"
    elsewhere.mkdir()
    return Installed(python, venv / "bin" / "vigilmar", site_packages, elsewhere)


def test_the_wheel_holds_every_package_and_data_file_and_nothing_else(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = {name for name in archive.namelist() if not name.endswith("/")}
    in_wheel = {name for name in names if not name.split("/", 1)[0].endswith(".dist-info")}
    packages = {
        "/".join(path.relative_to(ROOT).parts[:-1])
        for top in shipped_packages()
        for path in (ROOT / top).rglob("__init__.py")
    }
    assert {"models", "models/encounter", "replay/report", "metrics"} <= packages
    missing_packages = {package for package in packages if f"{package}/__init__.py" not in names}
    assert not missing_packages, f"packages not in the wheel: {sorted(missing_packages)}"
    expected = source_files()
    assert "zones/data/default.geojson" in expected
    missing, extra = sorted(expected - in_wheel), sorted(in_wheel - expected)
    assert not missing, f"not in the wheel: {missing}"
    assert not extra, f"in the wheel, not in the sources: {extra}"


def test_the_installed_package_comes_from_the_wheel_only(installed: Installed) -> None:
    probe = (
        "import importlib, json, sys\n"
        f"names = {shipped_packages()!r}\n"
        "print(json.dumps({'path': sys.path, "
        "'files': {n: importlib.import_module(n).__file__ for n in names}}))\n"
    )
    result = run(installed.python, "-c", probe, cwd=installed.cwd)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    for name, file in seen["files"].items():
        assert Path(file).is_relative_to(installed.site_packages), (name, file)
    for entry in (installed.cwd / path for path in seen["path"]):  # "" is the cwd
        if entry != installed.site_packages:
            clash = [name for name in seen["files"] if (entry / name / "__init__.py").exists()]
            assert not clash, f"{entry} on sys.path also holds {clash}"


def test_the_installed_command_replays_its_own_samples_as_the_source_tree_does(
    installed: Installed, tmp_path: Path
) -> None:
    samples = installed.site_packages / "replay" / "samples"
    assert sorted(path.name for path in samples.iterdir()) == sorted(
        path.name for path in (ROOT / "replay" / "samples").iterdir()
    )
    result = run(installed.vigilmar, "replay", samples, cwd=installed.cwd)
    assert result.returncode == 0, result.stderr
    alerts = [json.loads(line) for line in result.stdout.splitlines()]
    assert alerts, result.stderr
    for alert in alerts:
        validate_alert(alert)

    reference = tmp_path / "source-tree.jsonl"
    assert main(["replay", str(ROOT / "replay" / "samples"), "--out", str(reference)]) == 0
    expected = [json.loads(line) for line in reference.read_text(encoding="utf-8").splitlines()]
    assert alerts == expected


def test_the_installed_command_shows_its_help(installed: Installed) -> None:
    top = run(installed.vigilmar, "--help", cwd=installed.cwd)
    assert top.returncode == 0, top.stderr
    for command in ("replay", "decode", "worker", "feed", "zones"):
        assert command in top.stdout, command
    worker = run(installed.vigilmar, "worker", "--help", cwd=installed.cwd)
    assert worker.returncode == 0, worker.stderr
    assert worker.stdout.startswith("usage: vigilmar worker"), worker.stdout
