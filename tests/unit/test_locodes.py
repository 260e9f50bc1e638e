"""The shipped UN/LOCODE table: rebuilt from the World Port Index it is byte-identical, and a
code names its WPI port and its searoute port."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from zones.build import DEFAULT_SOURCES
from zones.build_locodes import locode_rows, locodes_text
from zones.locodes import locodes_path, zones_of_locode

SOURCES = Path(os.environ.get("VIGILMAR_ZONE_SOURCES", DEFAULT_SOURCES))


@pytest.mark.skipif(not (SOURCES / "nga-wpi").is_dir(), reason="source datasets not available")
def test_the_table_is_what_the_world_port_index_gives() -> None:
    rows = locode_rows(SOURCES / "nga-wpi" / "UpdatedPub150.csv")
    assert locodes_text(rows) == locodes_path().read_text(encoding="utf-8")
    assert len(rows) > 3000


def test_a_code_names_its_ports() -> None:
    assert zones_of_locode("DOSDQ") == ("wpi-11040", "unlocode-dosdq")
    assert zones_of_locode("dosdq") == ("wpi-11040", "unlocode-dosdq")
    assert zones_of_locode("ZZZZZ") == ("unlocode-zzzzz",)
