"""What one worker holds between batches, free of faust, and the decisions it takes on it.

The agents and timers of ``streams/agents.py`` read the consumer (assignment, positions,
highwaters) and pass what they read here as plain values:

- ``Activity``: which agents are in a batch and when input last came — the idle tick's "quiet
  long enough" (``Activity.idle``); ``read_to_end`` is its "and every input is read";
- ``DecoderProgress``: the decoder's side of the raw-progress protocol (``RawProgress``, which
  ``TrackStage`` takes): which words to send to which reports partitions, after each batch and
  on a timer;
- ``WorkerStages``: every stage of the worker, and what a rebalance does to them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from models.engine import Engine
from streams.coverage_stages import CoverageAnnouncer
from streams.encounter_stages import CellAgentStage, PairAgentStage
from streams.stages import DecodeStage, RawProgress, RawRecord, TrackStage
from streams.state import VesselStore
from streams.vessel_risk import VesselRiskStage
from streams.voyage_stage import VoyageStage

Clock = Callable[[], float]

#: The periodic raw-progress words say everything again every this many idle ticks, for a
#: worker that has taken a reports partition over since the words last changed.
RESEND_TICKS = 10


class Activity:
    """Whether each agent is in a batch now, and when each last finished one that had input, on
    a monotonic wall ``clock``."""

    def __init__(self, agents: Iterable[str], tick_seconds: float, clock: Clock) -> None:
        self.tick_seconds = tick_seconds
        self._clock = clock
        now = clock()
        self._last_input = dict.fromkeys(agents, now)
        self._busy = dict.fromkeys(self._last_input, False)

    def begin(self, agent: str) -> None:
        """``agent`` has a batch in hand."""
        self._busy[agent] = True

    def end(self, agent: str, had_input: bool = True) -> None:
        """``agent`` is done with its batch; ``had_input``: the batch was input (the track
        agent's batches of progress words alone are not)."""
        self._busy[agent] = False
        if had_input:
            self._last_input[agent] = self._clock()

    def restart(self) -> None:
        """Count the quiet afresh from now (the broker is back after an outage: what did not
        come meanwhile could not)."""
        now = self._clock()
        for agent in self._last_input:
            self._last_input[agent] = now

    def busy(self, agent: str | None = None) -> bool:
        """Whether ``agent`` (or any agent) is in a batch."""
        if agent is None:
            return any(self._busy.values())
        return self._busy[agent]

    def quiet(self) -> float:
        """Seconds since the last batch of input of any agent ended."""
        return self._clock() - max(self._last_input.values())

    def idle(self) -> float | None:
        """How long the input has been quiet, if for at least a tick and no agent is in a batch:
        then the idle tick checks that every input is read to its end and moves event time on.
        ``None`` otherwise."""
        quiet = self.quiet()
        if quiet < self.tick_seconds or self.busy():
            return None
        return quiet


def read_to_end(position: int | None, end: int | None) -> bool:
    """Whether a partition's consumer ``position`` has reached its ``end`` (highwater)."""
    return position is not None and end is not None and position >= end


def consumer_lag(position: int | None, highwater: int | None) -> int | None:
    """Messages of a partition not yet read; ``None`` while either offset is unknown."""
    if position is None or highwater is None or highwater < 0:
        return None
    return max(0, highwater - position)


class DecoderProgress:
    """How far this worker's decoder has read each raw partition, and which ``RawProgress``
    words about it to send to which reports partitions.

    After a batch's reports, a word for each raw partition of the batch goes to every reports
    partition (the reports came first, so a word that says "read to the end" follows everything
    decoded before it). On a timer, the words that changed since they were last said, and every
    ``RESEND_TICKS`` ticks all of them again.

    ``latest``: the latest event time decoded from each raw partition (``DecodeStage.latest``).
    Highwaters are the consumer's, from fetch responses, per raw partition.
    """

    def __init__(
        self,
        latest: Mapping[int, float],
        reports_partitions: int,
        tick_seconds: float,
        clock: Clock,
    ) -> None:
        self._latest = latest
        self._reports_partitions = reports_partitions
        self._resend_seconds = RESEND_TICKS * tick_seconds
        self._clock = clock
        #: The offset of the last line decoded, per raw partition.
        self._done: dict[int, int] = {}
        #: The last word said, per raw partition.
        self._said: dict[int, RawProgress] = {}
        self._resent_at = float("-inf")

    def decoded(self, records: Iterable[RawRecord]) -> list[int]:
        """Note a batch's lines as decoded (before decoding them); the raw partitions it read."""
        done = self._done
        partitions = set()
        for record in records:
            done[record.partition] = max(done.get(record.partition, -1), record.offset)
            partitions.add(record.partition)
        return sorted(partitions)

    def after_batch(self, highwaters: Mapping[int, int | None]) -> list[tuple[int, RawProgress]]:
        """(reports partition, word) for each raw partition in ``highwaters``, in its order."""
        return self._words(highwaters, changed_only=False)

    def periodic(
        self, highwaters: Mapping[int, int | None], *, decoding: bool
    ) -> list[tuple[int, RawProgress]]:
        """(reports partition, word) for the raw partitions in ``highwaters`` (this worker's)
        whose word changed, or for all of them every ``RESEND_TICKS`` ticks. Nothing while a
        batch is ``decoding``: its own words follow its reports."""
        if decoding:
            return []
        now = self._clock()
        again = now - self._resent_at >= self._resend_seconds
        if again:
            self._resent_at = now
        return self._words(highwaters, changed_only=not again)

    def _words(
        self, highwaters: Mapping[int, int | None], *, changed_only: bool
    ) -> list[tuple[int, RawProgress]]:
        out: list[tuple[int, RawProgress]] = []
        for raw_partition, highwater in highwaters.items():
            # Read to the end: the last line decoded is the last there is (the consumer's
            # position may be ahead of what was decoded).
            done = self._done.get(raw_partition, -1) + 1
            caught_up = highwater is not None and highwater >= 0 and done >= highwater
            word = RawProgress(raw_partition, caught_up, self._latest.get(raw_partition))
            if changed_only and self._said.get(raw_partition) == word:
                continue
            self._said[raw_partition] = word
            out.extend((partition, word) for partition in range(self._reports_partitions))
        return out


@dataclass(slots=True)
class WorkerStages:
    """Every stage one worker runs, over its tables (dicts in tests, faust tables live)."""

    activity: Activity
    decode: DecodeStage
    progress: DecoderProgress
    #: Who the decoder heard, announced to every reports partition before the reports.
    coverage: CoverageAnnouncer
    store: VesselStore
    track: TrackStage
    cells: CellAgentStage
    pairs: PairAgentStage
    risk: VesselRiskStage
    voyages: VoyageStage

    @classmethod
    def build(
        cls,
        engine: Engine,
        vessels: MutableMapping[bytes, Any],
        risk: MutableMapping[bytes, Any],
        partitions: int,
        tick_seconds: float,
        clock: Clock = time.monotonic,
        voyages: MutableMapping[bytes, Any] | None = None,
    ) -> WorkerStages:
        """The stages of a worker whose topics all have ``partitions``: every cells partition
        hears the watermark of every reports partition, every pairs partition that of every
        cells partition, every reports partition the progress of every raw partition."""
        decode = DecodeStage(engine)
        store = VesselStore(vessels, engine)
        return cls(
            activity=Activity(("decode", "track"), tick_seconds, clock),
            decode=decode,
            progress=DecoderProgress(decode.latest, partitions, tick_seconds, clock),
            coverage=CoverageAnnouncer(engine.config),
            store=store,
            track=TrackStage(engine, store),
            cells=CellAgentStage(engine.config, partitions),
            pairs=PairAgentStage(engine.config, partitions),
            risk=VesselRiskStage(engine.config.vessel_risk, risk),
            voyages=VoyageStage(engine, {} if voyages is None else voyages),
        )

    def revoked(self) -> None:
        """Partitions were revoked (they may be another worker's now): every vessel's state is
        written and dropped from the cache, and the track stage forgets them and its clocks."""
        self.track.revoke(self.store.evict())

    def assigned(self, cells: Iterable[int], pairs: Iterable[int]) -> None:
        """After a rebalance: the encounter stages keep only this worker's partitions."""
        self.cells.keep(set(cells))
        self.pairs.keep(set(pairs))

    def recovered(self, partition_of: Callable[[bytes], int]) -> int:
        """The vessel table is recovered: the track stage adopts its vessels, each partition's
        clock starting where its vessels had got (``partition_of``: the partition of a table
        key, an MMSI's digits, as the reports are keyed); how many."""
        return self.track.adopt(self.store.stored(), lambda mmsi: partition_of(str(mmsi).encode()))
