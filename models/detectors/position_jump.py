"""Position jumps: consecutive positions no ship could connect, or coordinates off the globe.

A jump is reported when the implied speed between a vessel's previous and current fix exceeds
``max_speed_knots`` (50 kn by default; Global Fishing Watch's segmenter gates at 25–100 kn) over at
least ``min_distance_km``. Time differences are floored at ``min_seconds`` because receive times
jitter. Each jump is an instant event: one finding, already closed.

A single bad fix would otherwise raise two alerts (there and back). So jumps are measured from
the last *trusted* fix, the anchor: after a jump the new fix is only a candidate. The next fix
that connects to the anchor shows the candidate was an outlier (the anchor stays); one that
connects to the candidate shows the vessel really is there (the candidate becomes the anchor);
neither raises a new jump.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from models.alerts import AlertType, Finding, Status
from models.config import PositionJumpConfig
from models.detectors.base import Kind, Observation, Untimed
from models.geo import distance_km, knots
from models.records import Fix, iso_utc


@dataclass(slots=True)
class JumpState:
    anchor: Fix | None = None  # the last fix known to be consistent with the track
    candidate: Fix | None = None  # a fix that jumped away from the anchor, not yet confirmed
    jumps: int = 0


class PositionJump(Untimed[JumpState]):
    name = "position_jump"
    needs: ClassVar[frozenset[Kind]] = frozenset({Kind.POSITION, Kind.IMPOSSIBLE})

    def __init__(self, config: PositionJumpConfig) -> None:
        self.config = config

    def initial(self) -> JumpState:
        return JumpState()

    def restore(self, data: dict[str, Any]) -> JumpState:
        """The state back from ``dataclasses.asdict`` of it (as JSON gives it)."""
        anchor, candidate = data.get("anchor"), data.get("candidate")
        return JumpState(
            anchor=None if anchor is None else Fix(*anchor),
            candidate=None if candidate is None else Fix(*candidate),
            jumps=int(data.get("jumps", 0)),
        )

    def step(self, state: JumpState, obs: Observation) -> tuple[JumpState, list[Finding]]:
        if obs.kind is Kind.IMPOSSIBLE:
            return state, [self._impossible(obs)]
        fix, anchor = obs.position, state.anchor
        if anchor is None or self._connects(anchor, fix):
            state.anchor, state.candidate = fix, None
            return state, []
        candidate = state.candidate
        if candidate is not None and self._connects(candidate, fix):
            state.anchor, state.candidate = fix, None
            return state, []
        state.candidate = fix
        state.jumps += 1
        km = distance_km(anchor.lat, anchor.lon, fix.lat, fix.lon)
        seconds = fix.t - anchor.t
        implied = knots(km, max(seconds, self.config.min_seconds))
        return state, [self._jump(obs.mmsi, anchor, fix, km, seconds, implied)]

    def _connects(self, before: Fix, after: Fix) -> bool:
        """Could one vessel have sailed from ``before`` to ``after``?"""
        km = distance_km(before.lat, before.lon, after.lat, after.lon)
        if km < self.config.min_distance_km:
            return True
        seconds = max(after.t - before.t, self.config.min_seconds)
        return knots(km, seconds) <= self.config.max_speed_knots

    def _jump(
        self, mmsi: int, previous: Fix, fix: Fix, km: float, seconds: float, implied: float
    ) -> Finding:
        return Finding(
            type=AlertType.POSITION_JUMP,
            status=Status.CLOSED,
            mmsi=mmsi,
            start=fix.t,
            end=fix.t,
            lat=fix.lat,
            lon=fix.lon,
            evidence={
                "distance_km": round(km, 2),
                "seconds": round(seconds, 1),
                "implied_speed_knots": round(implied, 1),
                "from_lat": round(previous.lat, 6),
                "from_lon": round(previous.lon, 6),
                "from_time": iso_utc(previous.t),
            },
            magnitude=implied / self.config.max_speed_knots,
            summary=(
                f"Position jumped {km:.1f} km in {seconds:.0f} s "
                f"(implied {implied:.0f} kn, limit {self.config.max_speed_knots:.0f} kn)"
            ),
        )

    def _impossible(self, obs: Observation) -> Finding:
        """A report whose coordinates lie off the globe (and are not the 91/181 sentinels): where
        the vessel last was, with what it claimed."""
        lat, lon = obs.position.lat, obs.position.lon
        last = obs.previous
        return Finding(
            type=AlertType.POSITION_JUMP,
            status=Status.CLOSED,
            mmsi=obs.mmsi,
            start=obs.t,
            end=obs.t,
            lat=None if last is None else last.lat,
            lon=None if last is None else last.lon,
            evidence={"reported_lat": lat, "reported_lon": lon, "impossible_coordinates": True},
            magnitude=1.0,
            summary=f"Impossible coordinates reported (lat {lat:.4f}, lon {lon:.4f})",
        )
