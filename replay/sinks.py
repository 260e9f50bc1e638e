"""Where replay alerts go: JSON Lines (the contract), GeoJSON (for a map), CSV (for a sheet) or
a plain-text table (for a person at a terminal).

Output is a pure function of the alerts in order — no run times, no host names — so the same
input gives byte-identical files.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from typing import IO, Any

from models.alerts import Alert

FORMATS = ("jsonl", "geojson", "csv", "table")

CSV_COLUMNS = (
    "alert_id",
    "type",
    "status",
    "mmsi",
    "other_mmsi",
    "vessel_name",
    "imo",
    "callsign",
    "ship_type",
    "flag",
    "start",
    "end",
    "lat",
    "lon",
    "zone_id",
    "zone_name",
    "zone_kind",
    "severity",
    "score",
    "explanation",
    "evidence",
)


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


class AlertSink:
    """Writes alerts to a text stream as they come; ``close`` finishes the document."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.count = 0

    def write(self, alerts: list[Alert]) -> None:
        for alert in alerts:
            self._write(alert.to_dict())
            self.count += 1

    def _write(self, document: dict[str, Any]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self.stream.flush()


class JsonLinesSink(AlertSink):
    def _write(self, document: dict[str, Any]) -> None:
        self.stream.write(dumps(document) + "\n")


class GeoJsonSink(AlertSink):
    """A FeatureCollection of Points, one per alert, with the alert's fields as properties.

    Written incrementally: features stream out as they come, the collection closes at the end.
    """

    def __init__(self, stream: IO[str]) -> None:
        super().__init__(stream)
        self.stream.write('{"type":"FeatureCollection","features":[\n')

    def _write(self, document: dict[str, Any]) -> None:
        lat, lon = document["lat"], document["lon"]
        geometry = (
            None
            if lat is None or lon is None
            else {
                "type": "Point",
                "coordinates": [lon, lat],
            }
        )
        feature = {"type": "Feature", "geometry": geometry, "properties": document}
        separator = ",\n" if self.count else ""
        self.stream.write(separator + dumps(feature))

    def close(self) -> None:
        self.stream.write("\n]}\n")
        super().close()


class CsvSink(AlertSink):
    """One row per alert; the vessel and zone objects are flattened, evidence stays JSON."""

    def __init__(self, stream: IO[str]) -> None:
        super().__init__(stream)
        self._writer = csv.writer(stream, lineterminator="\n")
        self._writer.writerow(CSV_COLUMNS)

    def _write(self, document: dict[str, Any]) -> None:
        vessel = document["vessel"]
        zone = document["zone"] or {}
        row = {
            **document,
            "vessel_name": vessel["name"],
            "imo": vessel["imo"],
            "callsign": vessel["callsign"],
            "ship_type": vessel["ship_type"],
            "flag": vessel["flag"],
            "zone_id": zone.get("id"),
            "zone_name": zone.get("name"),
            "zone_kind": zone.get("kind"),
            "evidence": dumps(document["evidence"]),
        }
        self._writer.writerow(["" if row[c] is None else row[c] for c in CSV_COLUMNS])


class TableSink(AlertSink):
    """One aligned line per alert: time, type, status, severity, score, vessel, explanation."""

    def __init__(self, stream: IO[str]) -> None:
        super().__init__(stream)
        header = ("start", "type", "status", "severity", "score", "mmsi", "vessel", "explanation")
        self._line(*header)

    def _write(self, document: dict[str, Any]) -> None:
        vessel = document["vessel"]
        who = vessel["name"] or "-"
        if vessel["flag"]:
            who += f" ({vessel['flag']})"
        self._line(
            document["start"],
            document["type"],
            document["status"],
            document["severity"],
            str(document["score"]),
            str(document["mmsi"]),
            who,
            document["explanation"],
        )

    def _line(self, *cells: str) -> None:
        widths = (20, 14, 7, 9, 5, 10, 24)
        padded = [cell[:width].ljust(width) for cell, width in zip(cells, widths, strict=False)]
        self.stream.write("  ".join([*padded, cells[-1]]).rstrip() + "\n")


SINKS: dict[str, Callable[[IO[str]], AlertSink]] = {
    "jsonl": JsonLinesSink,
    "geojson": GeoJsonSink,
    "csv": CsvSink,
    "table": TableSink,
}


def make_sink(fmt: str, stream: IO[str]) -> AlertSink:
    try:
        return SINKS[fmt](stream)
    except KeyError:
        raise ValueError(
            f"unknown output format {fmt!r}; choose one of {', '.join(FORMATS)}"
        ) from None
