"""Records and failures as JSON-ready dicts, both ways.

One shape serves ``vigilmar decode``, ``--failures`` files, the ``ais.reports`` and
``ais.deadletter`` topics and the JSON Lines reader. The keys follow gpsd's ``gpsdecode -j``
where they exist (``type``, ``mmsi``, ``lat``, ``lon``, ``speed``, ``course``, ``heading``,
``status``), with unknown values as ``null`` and ``time`` in ISO 8601 UTC. A failed message is
``{"failure": reason, "detail", "source", "line", "time", "raw"}``.

Event times travel as ``time`` (ISO, millisecond precision, for people) and ``t`` (Unix seconds,
exact, so a record read back gives the very same alerts).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from models.alerts import Alert, AlertType, Severity, Status, VesselInfo, ZoneRef
from models.records import (
    Failure,
    FailureReason,
    OtherMessage,
    Outcome,
    PositionReport,
    StaticReport,
    iso_utc,
)


def outcome_to_dict(outcome: Outcome) -> dict[str, Any]:
    if isinstance(outcome, Failure):
        return failure_to_dict(outcome)
    document: dict[str, Any] = {
        "type": outcome.msg_type,
        "mmsi": outcome.mmsi,
        "time": iso_utc(outcome.timestamp),
    }
    if isinstance(outcome, PositionReport):
        document.update(
            lat=outcome.lat,
            lon=outcome.lon,
            speed=outcome.speed,
            course=outcome.course,
            heading=outcome.heading,
            status=outcome.status,
        )
        if outcome.impossible:
            document["impossible"] = True
    elif isinstance(outcome, StaticReport):
        document.update(
            name=outcome.name,
            callsign=outcome.callsign,
            imo=outcome.imo,
            ship_type=outcome.ship_type,
            destination=outcome.destination,
        )
        if outcome.part is not None:
            document["part"] = outcome.part
    document["source"] = outcome.source
    return document


def failure_to_dict(failure: Failure) -> dict[str, Any]:
    return {
        "failure": failure.reason.value,
        "detail": failure.detail,
        "source": failure.source,
        # A late report has no line of its own (it was read and decoded; its time was late).
        "line": None if failure.reason is FailureReason.LATE else failure.line_no,
        "time": iso_utc(failure.timestamp),
        "raw": failure.raw,
    }


def record_to_wire(record: PositionReport | StaticReport | OtherMessage) -> dict[str, Any]:
    """``outcome_to_dict`` plus the exact event time ``t``: what ``ais.reports`` carries."""
    document = outcome_to_dict(record)
    document["t"] = record.timestamp
    return document


def record_from_wire(document: dict[str, Any]) -> PositionReport | StaticReport | OtherMessage:
    """The inverse of ``record_to_wire``. Raises ``KeyError``/``TypeError``/``ValueError`` on a
    document of another shape."""
    msg_type = int(document["type"])
    mmsi = int(document["mmsi"])
    timestamp = document.get("t")
    timestamp = None if timestamp is None else float(timestamp)
    source = str(document.get("source", ""))
    if "lat" in document:
        return PositionReport(
            mmsi=mmsi,
            timestamp=timestamp,
            msg_type=msg_type,
            lat=document["lat"],
            lon=document["lon"],
            speed=document.get("speed"),
            course=document.get("course"),
            heading=document.get("heading"),
            status=document.get("status"),
            impossible=bool(document.get("impossible", False)),
            source=source,
        )
    if "name" in document or "callsign" in document:
        return StaticReport(
            mmsi=mmsi,
            timestamp=timestamp,
            msg_type=msg_type,
            name=document.get("name"),
            callsign=document.get("callsign"),
            imo=document.get("imo"),
            ship_type=document.get("ship_type"),
            destination=document.get("destination"),
            part=document.get("part"),
            source=source,
        )
    return OtherMessage(mmsi, timestamp, msg_type, source)


def failure_from_dict(document: dict[str, Any]) -> Failure:
    reason = FailureReason(document["failure"])
    return Failure(
        reason,
        raw=str(document.get("raw", "")),
        source=str(document.get("source", "")),
        line_no=int(document.get("line") or 0),
        detail=str(document.get("detail", "")),
    )


def alert_from_dict(document: dict[str, Any]) -> Alert:
    """An alert back from its ``vigilmar.alert/1`` object (times to the millisecond)."""
    zone = document.get("zone")
    vessel = document.get("vessel") or {}
    return Alert(
        alert_id=str(document["alert_id"]),
        type=AlertType(document["type"]),
        status=Status(document["status"]),
        mmsi=int(document["mmsi"]),
        other_mmsi=None if document.get("other_mmsi") is None else int(document["other_mmsi"]),
        vessel=VesselInfo(**vessel),
        start=_seconds(document["start"]),
        end=None if document.get("end") is None else _seconds(document["end"]),
        lat=document.get("lat"),
        lon=document.get("lon"),
        zone=None if zone is None else ZoneRef(zone["id"], zone["name"], zone["kind"]),
        severity=Severity(document["severity"]),
        score=int(document["score"]),
        explanation=str(document.get("explanation") or ""),
        evidence=dict(document.get("evidence") or {}),
    )


def _seconds(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
