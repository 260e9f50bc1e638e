"""Where replay alerts go: JSON Lines (the contract), GeoJSON (for a map), CSV (for a sheet) or
a plain-text table (for a person at a terminal); and the per-vessel risk summaries
(``vigilmar.vessel/1``) as JSON Lines or CSV.

Output is a pure function of the alerts in order — no run times, no host names — so the same
input gives byte-identical files.
"""

from __future__ import annotations

import csv
import json
import os
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import IO, Any

from models.alerts import Alert, AlertType
from models.lists import VesselLists
from models.sharing import SharingPolicy
from models.vessel_risk import VesselRisk
from models.voyages import Voyages
from replay.runner import AlertWriter

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
            **_vessel_columns(vessel),
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


# -- per-vessel risk summaries -----------------------------------------------------------------

#: One row per vessel: identity, risk, then one column of distinct episodes per alert type.
VESSEL_CSV_COLUMNS = (
    "mmsi",
    "vessel_name",
    "imo",
    "callsign",
    "ship_type",
    "flag",
    "risk_score",
    "severity",
    *(kind.value for kind in AlertType),
    "top_alert_id",
    "top_alert_type",
    "top_alert_score",
    "first",
    "last",
    "met",
    "explanation",
)


class _Accumulating:
    """Wraps the replay's alert sink: passes every batch on unchanged and folds each alert
    into ``take`` (what the subclass accumulates)."""

    def __init__(self, inner: AlertWriter) -> None:
        self.inner = inner

    def take(self, alert: Alert) -> None:
        raise NotImplementedError

    def write(self, alerts: list[Alert]) -> None:
        self.inner.write(alerts)
        for alert in alerts:
            self.take(alert)

    def close(self) -> None:
        """Close the wrapped sink, if it has a ``close``."""
        close = getattr(self.inner, "close", None)
        if callable(close):
            close()


class VesselRiskSink(_Accumulating):
    """Feeds each alert to ``risk``, the per-vessel accumulator. Call ``save`` at the end."""

    def __init__(self, inner: AlertWriter, risk: VesselRisk | None = None) -> None:
        super().__init__(inner)
        self.risk = risk if risk is not None else VesselRisk()

    def take(self, alert: Alert) -> None:
        self.risk.update(alert)

    def save(self, path: str | os.PathLike[str]) -> int:
        """Write every vessel's summary to ``path`` — CSV if its name ends in ``.csv``, JSON
        Lines otherwise — highest risk first; return how many. ``OSError`` if it cannot."""
        summaries = self.risk.summaries()
        fmt = "csv" if Path(path).suffix.lower() == ".csv" else "jsonl"
        with open(path, "w", encoding="utf-8", newline="") as stream:
            write_vessels(summaries, stream, fmt)
        return len(summaries)


def write_vessels(summaries: Iterable[dict[str, Any]], stream: IO[str], fmt: str) -> None:
    """Write ``vigilmar.vessel/1`` summaries as ``jsonl`` (one object a line) or ``csv``."""
    if fmt == "jsonl":
        for summary in summaries:
            stream.write(dumps(summary) + "\n")
    elif fmt == "csv":
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(VESSEL_CSV_COLUMNS)
        for summary in summaries:
            writer.writerow(_vessel_row(summary))
    else:
        raise ValueError(f"unknown vessel summary format {fmt!r}; choose jsonl or csv")


def _vessel_row(summary: dict[str, Any]) -> list[Any]:
    vessel, top = summary["vessel"], summary["top_alert"]
    row = {
        **summary,
        **summary["alerts"],
        **_vessel_columns(vessel),
        "top_alert_id": top["alert_id"],
        "top_alert_type": top["type"],
        "top_alert_score": top["score"],
        "met": " ".join(str(mmsi) for mmsi in summary["met"]),
    }
    for kind in AlertType:
        row.setdefault(kind.value, 0)
    return ["" if row[column] is None else row[column] for column in VESSEL_CSV_COLUMNS]


def _vessel_columns(vessel: dict[str, Any]) -> dict[str, Any]:
    """A ``vessel`` object flattened into CSV columns."""
    return {
        "vessel_name": vessel["name"],
        "imo": vessel["imo"],
        "callsign": vessel["callsign"],
        "ship_type": vessel["ship_type"],
        "flag": vessel["flag"],
    }


VOYAGE_CSV_COLUMNS = (
    "voyage_id",
    "mmsi",
    "vessel_name",
    "imo",
    "callsign",
    "ship_type",
    "flag",
    "from_id",
    "from_name",
    "from_country",
    "to_id",
    "to_name",
    "to_country",
    "departure",
    "arrival",
    "distance_nm",
    "duration_h",
    "destinations",
    "stops_at_sea",
    "dark_hours",
    "max_corridor_nm",
    "risk_score",
    "severity",
    "alert_ids",
    "explanation",
)


class VoyageSink(_Accumulating):
    """Feeds each alert to ``voyages`` (``models.voyages``). Call ``save`` at the end."""

    def __init__(self, inner: AlertWriter, voyages: Voyages) -> None:
        super().__init__(inner)
        self.voyages = voyages

    def take(self, alert: Alert) -> None:
        self.voyages.update(alert)

    def save(self, path: str | os.PathLike[str]) -> int:
        """Write every voyage to ``path`` — CSV if its name ends in ``.csv``, JSON Lines
        otherwise — by departure; return how many. ``OSError`` if it cannot."""
        records = self.voyages.records()
        with open(path, "w", encoding="utf-8", newline="") as stream:
            if Path(path).suffix.lower() == ".csv":
                writer = csv.writer(stream, lineterminator="\n")
                writer.writerow(VOYAGE_CSV_COLUMNS)
                writer.writerows(_voyage_row(record) for record in records)
            else:
                stream.writelines(dumps(record) + "\n" for record in records)
        return len(records)


def _voyage_row(record: dict[str, Any]) -> list[Any]:
    row = {**record, **_vessel_columns(record["vessel"])}
    for end in ("from", "to"):
        port = record[end] or {}
        for part in ("id", "name", "country"):
            row[f"{end}_{part}"] = port.get(part)
    row["destinations"] = " | ".join(record["destinations"])
    row["alert_ids"] = " ".join(record["alert_ids"])
    return ["" if row[column] is None else row[column] for column in VOYAGE_CSV_COLUMNS]


# -- sharing with partner centres --------------------------------------------------------------


class SharingSink:
    """Wraps the replay's alert sink: partners' lists first (``models.lists``: raised scores,
    silenced messages), then the kept alerts to ``inner`` and each partner's view of them to
    ``partners[name]``, with one ``audit`` line per message shared and per message silenced.

    ``shared`` counts messages by partner; ``lists.suppressed`` the silenced ones by type."""

    def __init__(
        self,
        inner: AlertWriter,
        policy: SharingPolicy | None = None,
        lists: VesselLists | None = None,
        partners: Mapping[str, IO[str]] | None = None,
        audit: IO[str] | None = None,
    ) -> None:
        self.inner = inner
        self.policy = policy
        self.lists = lists
        self.partners = dict(partners or {})
        self.audit = audit
        self.shared: Counter[str] = Counter()
        if policy is not None and set(policy.names) - set(self.partners):
            raise ValueError("a sharing policy needs a stream for each of its partners")

    def write(self, alerts: list[Alert]) -> None:
        kept = alerts
        if self.lists is not None:
            kept, silenced = self.lists.apply(alerts)
            if self.audit is not None:
                for suppression in silenced:
                    self.audit.write(dumps(suppression.audit()) + "\n")
        self.inner.write(kept)
        if self.policy is None:
            return
        for alert in kept:
            for share in self.policy.share(alert):
                self.partners[share.partner].write(dumps(share.view) + "\n")
                if self.audit is not None:
                    self.audit.write(dumps(share.audit) + "\n")
                self.shared[share.partner] += 1

    def close(self) -> None:
        """Flush the partner feeds and the audit (the caller closes the files and ``inner``)."""
        for stream in (*self.partners.values(), self.audit):
            if stream is not None:
                stream.flush()
