"""Position jumps: positions no ship could connect, or coordinates off the globe — and the
identity conflicts they add up to when one MMSI keeps jumping between places.

Two fixes connect when the implied speed between them is at most ``max_speed_knots`` (50 kn by
default; Global Fishing Watch's segmenter gates at 25–100 kn), or they lie within
``min_distance_km``; time differences are floored at ``min_seconds`` because receive times
jitter.

Each MMSI's fixes are kept as up to ``identity_conflict.max_tracks`` (4) candidate tracks, as
gpsdio-segment does: a fix joins the track it connects to that expected it nearest (its last
fix carried on along its course and speed — reported, else from its last two fixes), or starts
a new one. A fix that starts a new track is a ``position_jump``, measured from the last fix of
the vessel's main track (the alive track with the most fixes): an instant event, one finding,
already closed. The next fix decides nothing by itself: one that connects to the main track
leaves the jump an outlier, one that connects to the new track shows the vessel really is
there — neither raises another jump, so a single bad fix or a relocation is one alert, not
two. Beyond the bound, the least useful track is dropped — a stale one first, then the one
with the fewest fixes, then the longest unheard — but never a member of an identity conflict
(if every other track is one, the new single fix is not kept as a track).

When two tracks are heard in turn, ``IdentityConflicts`` (models/detectors/identity_conflict.py)
makes them one ``identity_conflict`` episode, and the jumps between them are not raised
separately.

**Mirrored coordinates are decoding artefacts.** A fix that joins no track, whose latitude is
the main track's (it connects with its longitude put back) and whose longitude lies near the
mirror image of the track's (``mirror_share`` of the jump; or the same with the coordinates'
roles swapped) — the vessel reported at its own mirror image across the Greenwich meridian
(or the equator) — is a sign read wrong, a classic artefact of satellite AIS decoding, not a
second ship: no second ship keeps the first's latitude at its mirrored longitude. It is counted
(``artefacts``, in the evidence of the vessel's later jumps) and neither alerted
nor kept as a track, so a run of them never becomes an identity conflict either.

**Repeated jumps are one incident.** The first jump is alerted on its own; a jump within
``repeat_hours`` of the vessel's previous one (outside an identity conflict) opens a series, one
``position_jump`` episode that counts the incident's jumps (models/detectors/series.py) and
closes ``repeat_hours`` after its last — a receiver whose clock scrambles its reports, or a
transponder that keeps sending bad fixes, is one alert to follow, not hundreds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import atan2, cos, degrees, pi, radians, sin
from typing import Any, ClassVar

from models.alerts import AlertType, Finding, Status
from models.config import IdentityConflictConfig, PositionJumpConfig
from models.detectors.base import Kind, Observation
from models.detectors.identity_conflict import Conflict, IdentityConflicts, Track
from models.detectors.series import Repeats, Series
from models.geo import EARTH_RADIUS_KM, KM_PER_NM, SECONDS_PER_HOUR, distance_km, knots
from models.records import Fix, iso_utc


@dataclass(slots=True)
class JumpState:
    tracks: list[Track] = field(default_factory=list)
    next_id: int = 0
    jumps: int = 0
    conflict: Conflict | None = None
    artefacts: int = 0  # mirrored fixes seen (decoding artefacts, not alerted)
    last_jump: float | None = None  # when the latest jump was raised or counted in a series
    series: Series | None = None


class PositionJump:
    name = "position_jump"
    needs: ClassVar[frozenset[Kind]] = frozenset({Kind.POSITION, Kind.IMPOSSIBLE, Kind.SILENCE})

    def __init__(
        self,
        config: PositionJumpConfig,
        conflicts: IdentityConflictConfig | None = None,
    ) -> None:
        self.config = config
        self.conflicts = IdentityConflicts(conflicts or IdentityConflictConfig())
        self._max_tracks = self.conflicts.config.max_tracks
        self.repeats = Repeats(config.repeat_hours * SECONDS_PER_HOUR)

    def initial(self) -> JumpState:
        return JumpState()

    def restore(self, data: dict[str, Any]) -> JumpState:
        """The state back from ``dataclasses.asdict`` of it (as JSON gives it). A snapshot from
        before the tracks held an ``anchor`` and a ``candidate``: they become two tracks."""
        jumps = int(data.get("jumps", 0))
        if "tracks" not in data:
            old = [Fix(*data[k]) for k in ("anchor", "candidate") if data.get(k) is not None]
            tracks = [Track(i, fix, fix) for i, fix in enumerate(old)]
            return JumpState(tracks=tracks, next_id=len(tracks), jumps=jumps)
        conflict, series, last_jump = (
            data.get("conflict"),
            data.get("series"),
            data.get("last_jump"),
        )
        return JumpState(
            tracks=[Track.restore(track) for track in data["tracks"]],
            next_id=int(data.get("next_id", 0)),
            jumps=jumps,
            conflict=None if conflict is None else Conflict.restore(conflict),
            artefacts=int(data.get("artefacts", 0)),
            last_jump=None if last_jump is None else float(last_jump),
            series=None if series is None else Series.restore(series),
        )

    def due(self, state: JumpState) -> float | None:
        if state.conflict is None and state.series is None:
            return None
        conflict = (
            None if state.conflict is None else self.conflicts.due(state.conflict, state.tracks)
        )
        series = self.repeats.due(state.series)
        if conflict is None or series is None:
            return series if conflict is None else conflict
        return min(conflict, series)

    def step(self, state: JumpState, obs: Observation) -> tuple[JumpState, list[Finding]]:
        if obs.kind is Kind.IMPOSSIBLE:
            return state, [self._impossible(obs)]
        conflicts = self.conflicts
        findings: list[Finding] = []
        if state.conflict is not None:
            state.conflict, findings = conflicts.expire(
                state.conflict, state.tracks, obs.t, obs.mmsi
            )
        if state.series is not None:
            state.series, ended = self.repeats.expire(state.series, obs.t)
            if ended is not None:
                findings.append(self._series(obs.mmsi, ended, state, Status.CLOSED))
        if obs.kind is Kind.SILENCE:
            return state, findings
        fix = obs.position
        track = self._joined(state.tracks, fix)
        if track is not None:
            if track.last.t + conflicts.close_seconds > fix.t:  # alive
                track.before, track.fixes = track.last, track.fixes + 1
            else:  # silent for long: a new stretch of it
                track.first, track.before, track.fixes = fix, None, 1
            track.last = fix
        else:
            main = self._main(state.tracks, fix.t)
            if main is not None and self._mirrored(main.last, fix):
                state.artefacts += 1
                return state, findings
            self._start_track(state, fix)
            if state.conflict is not None:
                state.conflict.strays += 1
            elif main is not None:
                findings.extend(self._jumped(state, obs.mmsi, main.last, fix))
        if len(state.tracks) > 1:
            state.conflict, opened = conflicts.after_fix(
                state.conflict, state.tracks, fix.t, obs.mmsi
            )
            findings.extend(opened)
        return state, findings

    # -- tracks ---------------------------------------------------------------------------------

    def _joined(self, tracks: list[Track], fix: Fix) -> Track | None:
        """Of the tracks ``fix`` connects to, the one that expected it nearest: its last fix
        dead-reckoned to the fix's time (gpsdio-segment's discrepancy), then the longest. Not
        the slowest: over a long silence any old track is reachable at a low speed."""
        reachable = [track for track in tracks if self._connects(track.last, fix)]
        if len(reachable) < 2:
            return reachable[0] if reachable else None

        def discrepancy(track: Track) -> tuple[float, int]:
            lat, lon = _expected(track, fix.t)
            return distance_km(lat, lon, fix.lat, fix.lon), -track.fixes

        return min(reachable, key=discrepancy)

    def _mirrored(self, before: Fix, fix: Fix) -> bool:
        """Is ``fix`` (which does not connect to ``before``) ``before``'s mirror image in one
        coordinate? Its other coordinate connects (the fix with this one put back does), and
        this one lies nearer the mirror image of ``before``'s than ``mirror_share`` of its jump
        from it — satellite decoders that read the sign wrong also garble the digits, so the
        image is near, not exact."""
        share = self.config.mirror_share
        lon_jump = abs((fix.lon - before.lon + 540.0) % 360.0 - 180.0)
        if abs(fix.lon + before.lon) <= share * lon_jump and self._connects(
            before, fix._replace(lon=before.lon)
        ):
            return True
        lat_jump = abs(fix.lat - before.lat)
        return abs(fix.lat + before.lat) <= share * lat_jump and self._connects(
            before, fix._replace(lat=before.lat)
        )

    def _connects(self, before: Fix, after: Fix) -> bool:
        """Could one vessel have sailed from ``before`` to ``after``?"""
        km = distance_km(before.lat, before.lon, after.lat, after.lon)
        if km < self.config.min_distance_km:
            return True
        seconds = max(after.t - before.t, self.config.min_seconds)
        return knots(km, seconds) <= self.config.max_speed_knots

    def _main(self, tracks: list[Track], t: float) -> Track | None:
        """The track the vessel is taken to be on: the alive one with the most fixes (ties: the
        latest heard), else the latest heard."""
        if not tracks:
            return None
        alive = [track for track in tracks if self.conflicts.alive(track, t)]
        if alive:
            return max(alive, key=lambda tr: (tr.fixes, tr.last.t, tr.id))
        return max(tracks, key=lambda tr: (tr.last.t, tr.id))

    def _start_track(self, state: JumpState, fix: Fix) -> None:
        """A new track from ``fix``; beyond the bound, the least useful other track goes (never
        a conflict member; if every other track is one, the new track is not kept)."""
        tracks = state.tracks
        if len(tracks) >= self._max_tracks:
            members = set() if state.conflict is None else set(state.conflict.members)
            spare = [tr for tr in tracks if tr.id not in members]
            if not spare:
                return
            alive = self.conflicts.alive
            tracks.remove(min(spare, key=lambda tr: (alive(tr, fix.t), tr.fixes, tr.last.t, tr.id)))
        tracks.append(Track(state.next_id, fix, fix))
        state.next_id += 1

    # -- findings -------------------------------------------------------------------------------

    def _jumped(self, state: JumpState, mmsi: int, previous: Fix, fix: Fix) -> list[Finding]:
        """A jump outside an identity conflict: alerted on its own, or counted in a series."""
        state.jumps += 1
        jump = self._jump(mmsi, previous, fix, state.artefacts)
        state.series, status = self.repeats.event(
            state.series, state.last_jump, fix.t, (fix.lat, fix.lon), jump.magnitude
        )
        state.last_jump = fix.t
        if state.series is None:
            return [jump]
        if status is None:
            return []
        return [self._series(mmsi, state.series, state, status)]

    def _series(self, mmsi: int, series: Series, state: JumpState, status: Status) -> Finding:
        hours = (series.last - series.first) / SECONDS_PER_HOUR
        closed = status is Status.CLOSED
        limit = self.config.max_speed_knots
        summary = (
            f"Positions kept jumping: {series.events} jumps in {hours:.1f} h (up to "
            f"{series.peak * limit:.0f} kn implied, limit {limit:.0f} kn), each within "
            f"{self.config.repeat_hours:g} h of the last"
        )
        if closed:
            summary += f"; none for {self.config.repeat_hours:g} h since"
        evidence = {
            "jumps": series.events,
            "first_jump": iso_utc(series.first),
            "last_jump": iso_utc(series.last),
            "max_implied_speed_knots": round(series.peak * limit, 1),
            "artefacts": state.artefacts,
            "repeat_hours": self.config.repeat_hours,
        }
        return series.finding(
            AlertType.POSITION_JUMP, status, mmsi, closed, evidence, summary, series.peak
        )

    def _jump(self, mmsi: int, previous: Fix, fix: Fix, artefacts: int = 0) -> Finding:
        km = distance_km(previous.lat, previous.lon, fix.lat, fix.lon)
        seconds = fix.t - previous.t
        implied = knots(km, max(seconds, self.config.min_seconds))
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
                "artefacts": artefacts,
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


_KM_PER_DEGREE = EARTH_RADIUS_KM * pi / 180.0


def _expected(track: Track, t: float) -> tuple[float, float]:
    """Where the vessel of ``track`` would be at ``t``: its last fix carried on at its speed
    (reported, else from the fix before) along its course (reported, else from the fix before);
    the last fix itself when neither is known. A flat approximation: it only ranks tracks."""
    last, before = track.last, track.before
    speed, course = last.speed, last.course
    if before is not None and last.t > before.t and (speed is None or course is None):
        km = distance_km(before.lat, before.lon, last.lat, last.lon)
        if speed is None:
            speed = knots(km, last.t - before.t)
        if course is None and km > 0:
            east = (last.lon - before.lon + 540.0) % 360.0 - 180.0
            course = degrees(atan2(east * cos(radians(last.lat)), last.lat - before.lat))
    if not speed or course is None:
        return last.lat, last.lon
    km = speed * KM_PER_NM * (t - last.t) / SECONDS_PER_HOUR
    heading = radians(course)
    lat = min(90.0, max(-90.0, last.lat + km * cos(heading) / _KM_PER_DEGREE))
    shrink = max(cos(radians(last.lat)), 0.01)
    lon = (last.lon + km * sin(heading) / (_KM_PER_DEGREE * shrink) + 540.0) % 360.0 - 180.0
    return lat, lon
