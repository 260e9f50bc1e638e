"""Real tracks as NMEA: re-encode recorded positions as AIS sentences with NMEA 4 tag blocks.

The streaming path takes raw NMEA only, and the real NMEA samples here span minutes, too short for
dark periods or loitering. The GFW pyseas sample holds weeks of real positions as CSV; encoding
them (pyais's encoder) gives a real multi-week NMEA log whose behaviour both paths can be
compared on. Positions, speeds and times are the recorded ones; nothing is invented.
"""

from __future__ import annotations

import csv
import gzip
from datetime import datetime
from pathlib import Path

from pyais import encode_dict

from models.records import PositionReport, StaticReport

ROOT = Path(__file__).resolve().parents[1]
PYSEAS = ROOT / "replay" / "samples" / "2018-01-north-pacific.gfw-pyseas.csv.gz"


def tag_block(source: str, epoch: int) -> str:
    body = f"s:{source},c:{epoch}"
    checksum = 0
    for char in body.encode():
        checksum ^= char
    return f"\\{body}*{checksum:02X}\\"


def position_sentences(
    mmsi: int,
    lat: float | None,
    lon: float | None,
    speed: float | None,
    course: float | None,
    heading: int | None = None,
) -> list[str]:
    """A type 1 position report as NMEA sentences (pyais's encoder); an unknown speed, course
    or heading as AIS says it (102.3 kn, 360°, 511)."""
    message = {
        "type": 1,
        "mmsi": mmsi,
        "lat": lat,
        "lon": lon,
        "speed": 102.3 if speed is None else speed,
        "course": 360.0 if course is None else course,
        "heading": 511 if heading is None else heading,
        "status": 0,
    }
    return list(encode_dict(message, talker_id="AI", radio_channel="A"))


def pyseas_as_nmea(path: Path, limit_per_vessel: int | None = None) -> int:
    """Write the pyseas sample as tag-blocked NMEA, in time order. Returns the line count."""
    with gzip.open(PYSEAS, "rt", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if limit_per_vessel is not None:
        seen: dict[str, int] = {}
        kept = []
        for row in rows:
            count = seen.get(row["ssvid"], 0)
            if count < limit_per_vessel:
                kept.append(row)
            seen[row["ssvid"]] = count + 1
        rows = kept
    lines = []
    for row in rows:
        epoch = int(datetime.fromisoformat(row["timestamp"]).timestamp())
        speed = float(row["speed"]) if row["speed"] else None
        mmsi, lat, lon = int(row["ssvid"]), float(row["lat"]), float(row["lon"])
        for sentence in position_sentences(mmsi, lat, lon, speed, None):
            lines.append((epoch, tag_block("pyseas", epoch) + sentence))
    lines.sort(key=lambda pair: pair[0])
    path.write_text("".join(text + "\n" for _, text in lines))
    return len(lines)


def reports_as_nmea(
    path: Path, reports: list[PositionReport | StaticReport], source: str = "planted"
) -> int:
    """Write position reports (type 1) and static reports (type 5, both sentences tagged) of
    planted tracks as tag-blocked NMEA in the order given."""
    lines = []
    for report in reports:
        assert report.timestamp is not None
        epoch = int(report.timestamp)
        if isinstance(report, StaticReport):
            message = {
                "type": 5,
                "mmsi": report.mmsi,
                "imo": report.imo or 0,
                "callsign": report.callsign or "",
                "shipname": report.name or "",
                "ship_type": report.ship_type or 0,
                "destination": report.destination or "",
            }
            sentences = list(encode_dict(message, talker_id="AI", radio_channel="A"))
        else:
            r = report
            sentences = position_sentences(r.mmsi, r.lat, r.lon, r.speed, r.course, r.heading)
        for sentence in sentences:
            lines.append(tag_block(source, epoch) + sentence)
    path.write_text("".join(text + "\n" for text in lines))
    return len(lines)
