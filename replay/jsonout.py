"""Decoded messages and failures as JSON objects (``vigilmar decode``, ``--failures`` files).

The keys follow gpsd's ``gpsdecode -j`` where they exist (``type``, ``mmsi``, ``lat``, ``lon``,
``speed``, ``course``, ``heading``, ``status``), with unknown values as ``null`` and a ``time``
in ISO 8601 UTC. A failed message is ``{"failure": reason, "detail", "source", "line", "raw"}``.
"""

from __future__ import annotations

from typing import Any

from models.records import Failure, Outcome, PositionReport, StaticReport, iso_utc


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
        "line": failure.line_no,
        "time": iso_utc(failure.timestamp),
        "raw": failure.raw,
    }
