"""The engine's one entry point: decoded records in, alerts out, in the one right order.

``Monitor`` runs every stage of detection for a set of vessels: the ``Fleet`` (reordering,
per-vessel detectors through the ``Engine``, the watermark and its timers), then the encounter
stages over the slow movers the fleet released, with scoring inside both. The replay runner,
the streaming track stage and the test factories all call it, so none of them rebuilds the step
order by hand.

In one process (replay, tests) the monitor compares movers itself. A streaming worker sees only
some vessels, so it builds the monitor with ``pair_locally=False``: the movers come back in the
``Step`` for the worker to re-key by cell, and the encounter stages run on other partitions.

Coverage (``models.coverage``: who was heard where, so that a silence is judged a dark period or
a coverage gap) likewise: in one process the monitor hears every record itself, before the
fleet takes them; a streaming worker's ``coverage`` is filled from the decoders' announcements
instead (``streams/coverage_stages.py``). Either way it is dropped as event time leaves it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import MutableMapping, Sequence

from models.coverage import Coverage
from models.encounter import Encounters
from models.encounter.pipeline import EncounterStats
from models.engine import Engine
from models.fleet import Fleet, FleetStats, Step
from models.records import Decoded
from models.track import VesselState

__all__ = ["Monitor", "Step"]


class Monitor:
    """Detection over the vessels in ``vessels`` (a dict, or a streaming worker's table), with
    the ``engine``'s configuration, zones and detectors."""

    def __init__(
        self,
        engine: Engine | None = None,
        vessels: MutableMapping[int, VesselState] | None = None,
        *,
        pair_locally: bool = True,
    ) -> None:
        self.engine = engine or Engine()
        self.config = self.engine.config
        self.coverage: Coverage | None = (
            Coverage(self.config.coverage, heard_from_start=pair_locally)
            if self.config.coverage.enabled
            else None
        )
        self._hear = pair_locally
        self.fleet = Fleet(self.engine, vessels, self.coverage)
        self.encounters: Encounters | None = (
            Encounters(self.config) if pair_locally and self.config.encounter.enabled else None
        )
        #: Every alert message produced, by type (the fleet's and the encounter stages').
        self.alerts: Counter[str] = Counter()

    def process(self, records: Sequence[Decoded], watermark: float | None = None) -> Step:
        """Feed a batch of decoded records in arrival order. Event time then moves on to
        ``watermark`` when given (a caller that merges several inputs knows how far all of them
        have got), else to the latest event time seen minus the lateness."""
        if self.coverage is not None and self._hear:
            self.coverage.hear(records)
        step = self.fleet.process(records, advance=watermark is None)
        if watermark is not None:
            step.extend(self.fleet.advance(watermark))
        return self._after(step)

    def advance(self, watermark: float) -> Step:
        """Event time has reached ``watermark`` without new records (an idle or drained input)."""
        return self._after(self.fleet.advance(watermark))

    def finish(self) -> Step:
        """End of input: everything held is processed, every vessel brought to the last time."""
        return self._after(self.fleet.finish())

    # -- vessels moving between workers -----------------------------------------------------

    def adopt(self, vessel: VesselState) -> None:
        """Take over a vessel restored from a snapshot, with its timers."""
        self.fleet.adopt(vessel)

    def forget(self, mmsi: int) -> None:
        """Stop tracking a vessel here (its partition went to another worker)."""
        self.fleet.forget(mmsi)

    def restart_clock(self) -> None:
        """Forget the event time reached: the next reports (or adoptions) set it afresh."""
        self.fleet.restart_clock()

    # -- counts -----------------------------------------------------------------------------

    @property
    def watermark(self) -> float:
        return self.fleet.watermark

    @property
    def latest(self) -> float:
        """The latest event time of any record so far."""
        return self.fleet.max_time

    @property
    def stats(self) -> FleetStats:
        return self.fleet.stats

    @property
    def coverage_gaps(self) -> Counter[str]:
        """Silences judged coverage gaps (not dark periods), by source."""
        return Counter() if self.coverage is None else self.coverage.gaps

    @property
    def encounter_stats(self) -> EncounterStats:
        return EncounterStats() if self.encounters is None else self.encounters.stats

    def tracked(self) -> int:
        return self.fleet.tracked()

    def _after(self, step: Step) -> Step:
        """The encounter stages take the movers released and follow the fleet's watermark."""
        if self.coverage is not None:
            self.coverage.expire(self.fleet.watermark)
        encounters = self.encounters
        if encounters is not None:
            # Learned anchorages decide loitering where they are learned: its messages go
            # through the encounter cells and come back from ``advance`` (in a stream: the
            # worker routes them; streams/stages.py ``TrackStage.hold``).
            step.alerts[:] = encounters.hold(step.alerts)
            encounters.feed(step.movers)
            step.movers.clear()
            step.alerts.extend(encounters.advance(self.fleet.watermark))
        self.alerts.update(alert.type.value for alert in step.alerts)
        return step
