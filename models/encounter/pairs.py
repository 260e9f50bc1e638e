"""Encounter episodes per pair of vessels, from the close buckets the cells found.

``PairStage`` takes ``PairBucket``s in any order (a pair drifting across cells is found by
different cells, perhaps on different workers) and, once the watermark says a bucket is
complete everywhere, applies them per pair in bucket order: close buckets no more than
``max_gap_minutes`` apart make one episode, which opens once it spans ``min_hours`` and closes
when no close bucket followed within the gap. One alert per pair and episode: ``mmsi`` is the
lower MMSI, ``other_mmsi`` the higher, and the id depends only on the pair and the episode's
first comparison, never on which vessel reported first.

Who met and where (models/encounter/context.py) scores the alert and may make the meeting
routine: an episode that would open is left closed while its context is routine (two pleasure
craft near the coast, a tug beside a tanker), and opens if a later bucket finds it otherwise
(the ship types become known). An episode near a learned anchorage says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import floor
from statistics import median
from typing import Any

from models.alerts import Alert, AlertType, Finding, Status, VesselInfo
from models.config import Config
from models.encounter.anchorages import Nearby, near_clause, near_evidence
from models.encounter.bucket import PairBucket
from models.encounter.context import Judgement, judge
from models.encounter.mover import History, history_from_wire, vessel_from_wire
from models.geo import SECONDS_PER_HOUR
from models.scoring import scored_alert

Pair = tuple[int, int]


@dataclass(slots=True)
class Episode:
    start: float
    lat: float
    lon: float
    last: float
    min_m: float
    samples: int
    medians: list[float] = field(default_factory=list)
    open: bool = False
    vessel_a: VesselInfo = field(default_factory=VesselInfo)
    vessel_b: VesselInfo = field(default_factory=VesselInfo)
    history: History = ()
    #: The nearest learned anchorage the latest bucket was near (km, vessels counted there).
    anchorage_km: float | None = None
    anchorage_vessels: int = 0
    #: The other vessel's (``b``'s) position at the episode's start, for partners' areas.
    other_lat: float | None = None
    other_lon: float | None = None

    @staticmethod
    def begin(bucket: PairBucket) -> Episode:
        episode = Episode(bucket.first_t, bucket.lat, bucket.lon, bucket.last_t, bucket.min_m, 0)
        episode.other_lat, episode.other_lon = bucket.other_lat, bucket.other_lon
        episode.extend(bucket)
        return episode

    def to_wire(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "lat": self.lat,
            "lon": self.lon,
            "last": self.last,
            "min": self.min_m,
            "n": self.samples,
            "medians": self.medians,
            "open": self.open,
            "va": self.vessel_a.to_dict(),
            "vb": self.vessel_b.to_dict(),
            "h": [list(item) for item in self.history],
            "ak": self.anchorage_km,
            "an": self.anchorage_vessels,
            "olat": self.other_lat,
            "olon": self.other_lon,
        }

    @staticmethod
    def from_wire(data: dict[str, Any]) -> Episode:
        return Episode(
            start=float(data["start"]),
            lat=float(data["lat"]),
            lon=float(data["lon"]),
            last=float(data["last"]),
            min_m=float(data["min"]),
            samples=int(data["n"]),
            medians=[float(m) for m in data["medians"]],
            open=bool(data["open"]),
            vessel_a=vessel_from_wire(data.get("va")),
            vessel_b=vessel_from_wire(data.get("vb")),
            history=history_from_wire(data.get("h")),
            anchorage_km=None if data.get("ak") is None else float(data["ak"]),
            anchorage_vessels=int(data.get("an") or 0),
            other_lat=None if data.get("olat") is None else float(data["olat"]),
            other_lon=None if data.get("olon") is None else float(data["olon"]),
        )

    def extend(self, bucket: PairBucket) -> None:
        self.last = max(self.last, bucket.last_t)
        self.min_m = min(self.min_m, bucket.min_m)
        self.samples += bucket.samples
        self.medians.append(bucket.median_m)
        self.vessel_a, self.vessel_b = bucket.vessel_a, bucket.vessel_b
        self.history = bucket.history
        self.anchorage_km, self.anchorage_vessels = bucket.anchorage_km, bucket.anchorage_vessels

    @property
    def nearby(self) -> Nearby | None:
        if self.anchorage_km is None:
            return None
        return Nearby(False, self.anchorage_km, self.anchorage_vessels)


@dataclass(slots=True)
class PairStats:
    buckets: int = 0
    late: int = 0  # pair buckets that came after the watermark had passed them
    duplicates: int = 0  # pair buckets already applied (sent again after a restart)
    episodes: int = 0  # episodes long enough to alert
    routine: int = 0  # pair buckets that would have opened an episode whose context is routine


#: How long (event time) a pair's last applied bucket is remembered after it, so that buckets
#: sent again after a worker's restart are not applied twice.
RETENTION_SECONDS = 24 * SECONDS_PER_HOUR


class PairStage:
    """Episodes of some pairs. Its state is kept per pair (buckets waiting, the open episode,
    the last bucket applied), so a streaming worker can store each pair apart and another
    worker resume it: ``changed`` names the pairs to store again, ``snapshot``/``restore``
    convert one."""

    def __init__(self, config: Config) -> None:
        self.config = config
        encounter = config.encounter
        self.pending: dict[Pair, list[PairBucket]] = {}
        self.episodes: dict[Pair, Episode] = {}
        #: The last bucket applied per pair, least recently applied first.
        self.applied: dict[Pair, int] = {}
        self.changed: set[Pair] = set()
        self.watermark = float("-inf")
        self.stats = PairStats()
        self._bucket = encounter.bucket_minutes * 60.0
        self._tolerance = encounter.tolerance_minutes * 60.0
        self._gap = encounter.max_gap_minutes * 60.0
        self._min_seconds = encounter.min_hours * SECONDS_PER_HOUR

    def add(self, bucket: PairBucket) -> bool:
        if self._complete(bucket.bucket) <= self.watermark:
            self.stats.late += 1
            return False
        if bucket.bucket <= self.applied.get(bucket.pair, -(2**62)):
            self.stats.duplicates += 1
            return False
        held = self.pending.setdefault(bucket.pair, [])
        if not any(h.bucket == bucket.bucket for h in held):  # repeated after a restart
            held.append(bucket)
            self.changed.add(bucket.pair)
        return True

    def snapshot(self, pair: Pair) -> dict[str, Any] | None:
        """One pair's state as JSON-ready data; None when nothing of it is kept any more."""
        if pair not in self.applied and pair not in self.pending:
            return None
        episode = self.episodes.get(pair)
        return {
            "pending": [b.to_wire() for b in self.pending.get(pair, ())],
            "episode": None if episode is None else episode.to_wire(),
            "applied": self.applied.get(pair),
        }

    def restore(self, pair: Pair, data: dict[str, Any]) -> None:
        """Take a pair back from ``snapshot`` (a worker resuming another's partition)."""
        pending = [PairBucket.from_wire(b) for b in data.get("pending") or ()]
        if pending:
            self.pending[pair] = pending
        if data.get("episode") is not None:
            self.episodes[pair] = Episode.from_wire(data["episode"])
        if data.get("applied") is not None:
            self.applied[pair] = int(data["applied"])

    def advance(self, watermark: float) -> list[Alert]:
        """Apply every bucket the watermark completed, pair by pair, and end the episodes no
        close bucket can extend any more."""
        if watermark <= self.watermark:
            return []
        self.watermark = watermark
        alerts: list[Alert] = []
        for pair in sorted(self.pending):
            held = self.pending[pair]
            ready = sorted(
                (b for b in held if self._complete(b.bucket) <= watermark), key=lambda b: b.bucket
            )
            if not ready:
                continue
            for bucket in ready:
                alerts.extend(self._apply(pair, bucket))
            rest = [b for b in held if self._complete(b.bucket) > watermark]
            self.changed.add(pair)
            if rest:
                self.pending[pair] = rest
            else:
                del self.pending[pair]
        for pair in sorted(self.episodes):
            episode = self.episodes[pair]
            if self._deadline(episode) <= watermark:
                del self.episodes[pair]
                self.changed.add(pair)
                if episode.open:
                    closed = self._alert(pair, episode, Status.CLOSED, self._deadline(episode))
                    alerts.append(closed)
        self._forget(watermark)
        return alerts

    def _forget(self, watermark: float) -> None:
        """Drop the pairs whose last bucket is older than the retention, with nothing open."""
        applied = self.applied
        while applied:
            pair, last = next(iter(applied.items()))
            expired = self._complete(last) + RETENTION_SECONDS <= watermark
            if not expired or pair in self.episodes or pair in self.pending:
                break
            del applied[pair]
            self.changed.add(pair)

    def _apply(self, pair: Pair, bucket: PairBucket) -> list[Alert]:
        self.stats.buckets += 1
        self.applied.pop(pair, None)  # to the end: the most recently applied
        self.applied[pair] = bucket.bucket
        self.changed.add(pair)
        alerts: list[Alert] = []
        episode = self.episodes.get(pair)
        if episode is not None and bucket.first_t - episode.last > self._gap:
            if episode.open:
                alerts.append(self._alert(pair, episode, Status.CLOSED, episode.last + self._gap))
            episode = None
        if episode is None:
            episode = self.episodes[pair] = Episode.begin(bucket)
        else:
            episode.extend(bucket)
        if not episode.open and episode.last - episode.start >= self._min_seconds:
            if self._judge(episode).routine:
                self.stats.routine += 1
            else:
                episode.open = True
                self.stats.episodes += 1
                alerts.append(self._alert(pair, episode, Status.OPEN, episode.last))
        return alerts

    def _judge(self, episode: Episode) -> Judgement:
        """Who met, and where (nothing to say when the context is off)."""
        context = self.config.encounter_context
        if not context.enabled:
            return Judgement(False, "")
        return judge(episode.vessel_a, episode.vessel_b, episode.lat, episode.lon, context)

    def _complete(self, bucket: int) -> float:
        """The event time by which every cell has evaluated ``bucket``."""
        return (bucket + 1) * self._bucket + self._tolerance

    def _deadline(self, episode: Episode) -> float:
        """When no close bucket within the gap of the episode's last one can still come."""
        return self._complete(floor((episode.last + self._gap) / self._bucket))

    # -- alerts ---------------------------------------------------------------------------------

    def _alert(self, pair: Pair, episode: Episode, status: Status, at: float) -> Alert:
        """The episode's alert message, raised at event time ``at``: the close approach that
        made it long enough (open), or when no close bucket can extend it any more (closed)."""
        judgement = self._judge(episode)
        finding = self._finding(pair, episode, status, judgement)
        scoring = self.config.scoring
        window = episode.start - scoring.history_hours * SECONDS_PER_HOUR
        recent = tuple(kind for kind, start in episode.history if window <= start)
        return scored_alert(finding, episode.vessel_a, recent, scoring, judgement.factors, at)

    def _finding(
        self, pair: Pair, episode: Episode, status: Status, judgement: Judgement
    ) -> Finding:
        a, b = pair
        hours = (episode.last - episode.start) / SECONDS_PER_HOUR
        middle = median(episode.medians)
        other = episode.vessel_b
        who = f"{other.name} (MMSI {b})" if other.name else f"MMSI {b}"
        closed = status is Status.CLOSED
        limit = self.config.encounter.max_speed_knots
        context = "".join(f"; {clause}" for clause in self._clauses(episode, judgement))
        evidence = {**judgement.evidence}
        if episode.nearby is not None:
            evidence.update(near_evidence(episode.nearby))
        return Finding(
            type=AlertType.ENCOUNTER,
            status=status,
            mmsi=a,
            other_mmsi=b,
            start=episode.start,
            end=episode.last if closed else None,
            lat=episode.lat,
            lon=episode.lon,
            evidence={
                "duration_hours": round(hours, 2),
                "min_distance_m": round(episode.min_m, 1),
                "median_distance_m": round(middle, 1),
                "comparisons": episode.samples,
                "other_name": other.name,
                "other_flag": other.flag,
                "other_ship_type": other.ship_type,
                # Where the other vessel was at the start: a partner's area holding either
                # vessel gets the encounter (``models.sharing``).
                "other_lat": episode.other_lat,
                "other_lon": episode.other_lon,
                **evidence,
            },
            magnitude=hours / self.config.encounter.min_hours,
            summary=(
                f"Encounter with {who} "
                f"{'for' if closed else 'for at least'} {hours:.1f} h: "
                f"{middle:.0f} m apart (closest {episode.min_m:.0f} m), both under {limit:g} kn, "
                f"outside any port or anchorage{context}"
            ),
        )

    @staticmethod
    def _clauses(episode: Episode, judgement: Judgement) -> list[str]:
        clauses = [judgement.clause] if judgement.clause else []
        if episode.nearby is not None:
            clauses.append(near_clause(episode.nearby))
        return clauses
