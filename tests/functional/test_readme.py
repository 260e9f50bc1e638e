"""The README's commands and examples are what the code does (executable docs)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from replay.cli import main
from tests.factories import validate_alert

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def test_readme_shows_the_two_make_commands_and_the_makefile_has_them() -> None:
    assert re.search(r"^make demo\b", README, re.MULTILINE)
    assert re.search(r"^make test\b", README, re.MULTILINE)
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^demo:", makefile, re.MULTILINE)
    assert re.search(r"^test:", makefile, re.MULTILINE)
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci


def test_the_example_alert_is_one_the_demo_produces(tmp_path: Path) -> None:
    block = re.search(r"```json\n(.*?)```", README, re.DOTALL)
    assert block is not None
    example = json.loads(block.group(1))
    validate_alert(example)
    demo = re.search(r"^demo:.*\n\t\$\(BIN\)/(vigilmar .*)$", (ROOT / "Makefile").read_text(), re.M)
    assert demo is not None
    # The demo writes its alerts under demo-out/; here, under a temporary directory.
    args = [arg.replace("demo-out/", f"{tmp_path}/") for arg in demo.group(1).split()[1:]]
    assert main(args) == 0
    produced = [json.loads(line) for line in (tmp_path / "alerts.jsonl").read_text().splitlines()]
    assert example in produced


def test_the_example_config_in_the_readme_loads(tmp_path: Path) -> None:
    from models.config import load_config

    block = re.search(r"```toml\n(.*?)```", README, re.DOTALL)
    assert block is not None
    path = tmp_path / "readme.toml"
    path.write_text(block.group(1))
    config = load_config(path)
    assert config.tracking.lateness_seconds == 60
    assert config.dark_period.min_gap_hours == 6.0


def test_the_console_script_is_installed() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "vigilmar"), "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    for command in ("replay", "decode", "zones"):
        assert command in result.stdout
