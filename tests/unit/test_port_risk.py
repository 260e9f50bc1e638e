"""The port risk file (issue 17): ports by UN/LOCODE or zone id, and every mistake refused with
the file and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.port_risk import PortRiskError, load_port_risks

ZONES = ["wpi-11040", "gfw-dom-santo-domingo", "wpi-11260", "unlocode-nlrtm"]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ports.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_ports_are_named_by_locode_or_zone_id(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "port,risk,reason\nDO SDQ,0.6,seizures 2025\nwpi-11260,1,watched\n\nnlrtm,0.2,transit\n"
        "ZZZZZ,0.5,no zone but a destination\n",
    )
    risks = load_port_risks(path, ZONES)
    assert set(risks.by_zone) == {"wpi-11040", "wpi-11260", "unlocode-nlrtm"}
    assert risks.of_zone("wpi-11040").risk == 0.6  # type: ignore[union-attr]
    assert risks.of_zone("wpi-11040").port == "DO SDQ"  # type: ignore[union-attr]
    assert risks.of_zone("gfw-dom-santo-domingo") is None  # named neither way
    assert risks.of_destination("DOSDQ").reason == "seizures 2025"  # type: ignore[union-attr]
    assert risks.of_destination("ZZZZZ") is not None
    assert risks.of_destination("SAN JUAN") is None
    assert risks.of_zone(None) is None


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        ("port,level,reason\n", 1, "header"),
        ("port,risk,reason\nDOSDQ,high,x\n", 2, "not a number"),
        ("port,risk,reason\nDOSDQ,1.5,x\n", 2, "within 0..1"),
        ("port,risk,reason\nDOSDQ,nan,x\n", 2, "within 0..1"),
        ("port,risk,reason\nDOSDQ,0.5\n", 2, "columns"),
        ("port,risk,reason\nDOSDQ,0.5,\n", 2, "must not be empty"),
        ("port,risk,reason\nDOSDQ,0.5,x\nthe docks,0.5,x\n", 3, "neither a UN/LOCODE"),
    ],
)
def test_every_mistake_names_the_file_and_line(
    tmp_path: Path, text: str, line: int, says: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(PortRiskError) as caught:
        load_port_risks(path, ZONES)
    message = str(caught.value)
    assert message.startswith(f"port risk file {path}: line {line}: ")
    assert says in message


def test_an_unreadable_or_binary_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PortRiskError, match="cannot read"):
        load_port_risks(tmp_path / "missing.csv", ZONES)
    binary = tmp_path / "ports.csv"
    binary.write_bytes(b"port,risk,reason\n\xff\xfe,1,x\n")
    with pytest.raises(PortRiskError, match="line 2: not UTF-8"):
        load_port_risks(binary, ZONES)
