"""Identity conflicts: one MMSI heard at once on tracks no single ship could connect.

``PositionJump`` (models/detectors/position_jump.py) keeps each MMSI's fixes as a few candidate
tracks, after Global Fishing Watch's gpsdio-segment: a fix joins the track it can be reached
from (the jump speed gate), or starts a new one. This module turns those tracks into one
``identity_conflict`` episode instead of a position jump per switch:

- **alive**: a track heard within ``close_hours`` (24 h, gpsdio-segment's ``max_hours``). A fix
  joining a track silent that long starts a new stretch of it (counts from 1 again).
- **open**: two alive tracks with at least ``min_fixes`` (3) fixes each are *interleaved* —
  both have been heard for ``min_overlap_minutes`` (30) since the newer one began. A real
  relocation (the old track falls silent as the new one starts), an isolated bad fix (one fix)
  and the few minutes of doubled positions that receive-time noise of merged receivers gives
  a ship never qualify. Every alive, interleaved track of at least ``min_fixes`` is a member.
  The episode starts at the first fix of the second member (where the second position
  appeared).
- **update**: a track joins or leaves the members (while at least two remain), or the
  members' fixes have doubled since the last message — so a conflict of *n* fixes sends about
  log2(*n*) messages, not one per report.
- **closed**: fewer than two members are alive — one went unheard for ``close_hours``; the
  episode ends at that track's last fix. Noticed on event time (the watermark) as well as at
  the next fix, with the same result either way.

While an episode is open, a fix that joins no track is counted in it (``other_jumps``) rather
than raised as a ``position_jump``: the MMSI's positions are known not to be one ship's. The
evidence lists each member track (``trackN_lat``/``_lon`` its last position, ``_fixes``,
``_first_seen``, ``_last_seen``) and the distance between the first two.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from models.alerts import AlertType, Evidence, Finding, Status
from models.config import IdentityConflictConfig
from models.geo import SECONDS_PER_HOUR, distance_km
from models.records import Fix, iso_utc


@dataclass(slots=True)
class Track:
    """Consecutive fixes of one MMSI that one ship could have sailed (one stretch of them)."""

    id: int
    first: Fix  # first fix of the current stretch
    last: Fix
    fixes: int = 1  # in the current stretch
    before: Fix | None = None  # the fix before ``last`` in this stretch (its heading)

    @classmethod
    def restore(cls, data: dict[str, Any]) -> Track:
        before = data.get("before")
        return cls(
            int(data["id"]),
            Fix(*data["first"]),
            Fix(*data["last"]),
            int(data["fixes"]),
            None if before is None else Fix(*before),
        )


@dataclass(slots=True)
class Conflict:
    """An open identity-conflict episode."""

    start: float
    lat: float
    lon: float
    members: list[int] = field(default_factory=list)  # track ids, in order of first fix
    reported: int = 0  # the members' fixes when the last message went out
    strays: int = 0  # fixes that joined no track while the episode was open

    @classmethod
    def restore(cls, data: dict[str, Any]) -> Conflict:
        return cls(
            start=float(data["start"]),
            lat=float(data["lat"]),
            lon=float(data["lon"]),
            members=[int(i) for i in data.get("members", [])],
            reported=int(data.get("reported", 0)),
            strays=int(data.get("strays", 0)),
        )


class IdentityConflicts:
    """The episode rules over a list of tracks (the state stays with ``PositionJump``)."""

    def __init__(self, config: IdentityConflictConfig) -> None:
        self.config = config
        self.close_seconds = config.close_hours * SECONDS_PER_HOUR
        self._overlap = config.min_overlap_minutes * 60.0

    def alive(self, track: Track, t: float) -> bool:
        return track.last.t + self.close_seconds > t

    def due(self, conflict: Conflict | None, tracks: list[Track]) -> float | None:
        """When the next member falls silent for good (``None`` without an episode)."""
        if conflict is None:
            return None
        members = _by_id(tracks, conflict.members)
        return min(track.last.t for track in members) + self.close_seconds

    def members(self, tracks: list[Track], t: float) -> list[Track]:
        """The alive tracks of ``min_fixes`` or more that interleave with another such: both
        heard for at least ``min_overlap_minutes`` since the newer one began."""
        eligible = sorted(
            (tr for tr in tracks if tr.fixes >= self.config.min_fixes and self.alive(tr, t)),
            key=lambda tr: (tr.first.t, tr.id),
        )
        chosen: set[int] = set()
        for i, newer in enumerate(eligible):
            for older in eligible[:i]:
                if min(older.last.t, newer.last.t) - newer.first.t >= self._overlap:
                    chosen.update((older.id, newer.id))
        return [tr for tr in eligible if tr.id in chosen]

    def expire(
        self, conflict: Conflict | None, tracks: list[Track], t: float, mmsi: int
    ) -> tuple[Conflict | None, list[Finding]]:
        """Members silent for ``close_hours`` by ``t`` leave, one at a time in the order they
        fell silent: an update while two remain, else the episode closes."""
        findings: list[Finding] = []
        while conflict is not None:
            members = _by_id(tracks, conflict.members)
            leaving = min(members, key=lambda tr: (tr.last.t, tr.id))
            if leaving.last.t + self.close_seconds > t:
                break
            staying = [tr for tr in members if tr is not leaving]
            if len(staying) >= 2:
                conflict.members = [tr.id for tr in staying]
                conflict.reported = sum(tr.fixes for tr in staying)
                findings.append(self._finding(conflict, staying, mmsi, Status.UPDATE))
                continue
            findings.append(
                self._finding(conflict, members, mmsi, Status.CLOSED, end=leaving.last.t)
            )
            conflict = None
        return conflict, findings

    def after_fix(
        self, conflict: Conflict | None, tracks: list[Track], t: float, mmsi: int
    ) -> tuple[Conflict | None, list[Finding]]:
        """A fix has joined (or started) a track at ``t``: open the episode, or update it."""
        members = self.members(tracks, t)
        if conflict is None:
            if len(members) < 2:
                return None, []
            second = members[1].first
            conflict = Conflict(second.t, second.lat, second.lon)
            status = Status.OPEN
        else:
            # Members leave only by falling silent (``expire``): those still here stay.
            joining = [tr for tr in members if tr.id not in conflict.members]
            members = sorted(
                [*_by_id(tracks, conflict.members), *joining], key=lambda tr: (tr.first.t, tr.id)
            )
            if not joining and sum(tr.fixes for tr in members) < 2 * conflict.reported:
                return conflict, []
            status = Status.UPDATE
        conflict.members = [tr.id for tr in members]
        conflict.reported = sum(tr.fixes for tr in members)
        return conflict, [self._finding(conflict, members, mmsi, status)]

    def _finding(
        self,
        conflict: Conflict,
        members: list[Track],
        mmsi: int,
        status: Status,
        end: float | None = None,
    ) -> Finding:
        one, two = members[0], members[1]
        km = distance_km(one.last.lat, one.last.lon, two.last.lat, two.last.lon)
        evidence: Evidence = {
            "tracks": len(members),
            "fixes": sum(tr.fixes for tr in members),
            "distance_km": round(km, 2),
            "other_jumps": conflict.strays,
            "close_hours": self.config.close_hours,
        }
        for n, track in enumerate(members, start=1):
            evidence[f"track{n}_lat"] = round(track.last.lat, 6)
            evidence[f"track{n}_lon"] = round(track.last.lon, 6)
            evidence[f"track{n}_fixes"] = track.fixes
            evidence[f"track{n}_first_seen"] = iso_utc(track.first.t)
            evidence[f"track{n}_last_seen"] = iso_utc(track.last.t)
        counts = " and ".join(f"{tr.fixes:,}" for tr in members)
        summary = (
            f"One MMSI heard on {len(members)} tracks {km:.0f} km apart that no ship could "
            f"connect ({counts} fixes): two transmitters share the number, or one reports "
            "false positions"
        )
        if status is Status.CLOSED:
            summary += f"; one track unheard for {self.config.close_hours:g} h"
        return Finding(
            type=AlertType.IDENTITY_CONFLICT,
            status=status,
            mmsi=mmsi,
            start=conflict.start,
            end=end,
            lat=conflict.lat,
            lon=conflict.lon,
            evidence=evidence,
            magnitude=min(tr.fixes for tr in members) / self.config.min_fixes,
            summary=summary,
        )


def _by_id(tracks: list[Track], ids: list[int]) -> list[Track]:
    """The tracks of ``ids``, in that order (members are never evicted from the list)."""
    index = {track.id: track for track in tracks}
    return [index[i] for i in ids]
