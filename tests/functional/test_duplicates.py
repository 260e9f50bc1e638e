"""Multi-receiver duplicates (issue 15, item 1): a payload heard again within
``tracking.duplicate_seconds`` of event time is counted as a duplicate, not decoded — the same
in replay (``ReplayRunner``) and in the stream (``DecodeStage``), in the metrics, and with
bounded memory."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

import pytest
from pyais import encode_dict

from metrics.telemetry import Telemetry
from models.config import Config, ConfigError, TrackingConfig, load_config
from models.decode import Decoder
from models.duplicates import DuplicateFilter
from models.engine import Engine
from models.records import Failure, InputLine, Outcome
from replay.readers import Reader
from replay.runner import ReplayRunner
from replay.sinks import JsonLinesSink
from streams.stages import DecodeStage, RawRecord
from tests.nmea_tracks import tag_block
from zones.catalogue import load_catalogue
from zones.index import ZoneIndex

T0 = 1_700_000_000
ROOT = Path(__file__).resolve().parents[2]
AMSA = ROOT.parent / "shared" / "data" / "amsa-risky" / "ais.txt.gz"
WORLDWIDE = ROOT / "replay" / "samples" / "2022-11-10-worldwide.gfw-ais-listener.nmea"

POSITION = encode_dict(
    {"type": 1, "mmsi": 367_000_001, "lat": 18.4, "lon": -66.1, "speed": 9.5, "course": 45.0}
)[0]
OTHER = encode_dict({"type": 18, "mmsi": 367_000_002, "lat": 18.5, "lon": -66.2, "speed": 3.0})[0]
STATIC = encode_dict(
    {"type": 5, "mmsi": 367_000_001, "shipname": "SEA TEST", "callsign": "WDA1234"}
)  # two parts


def heard(sentence: str, station: str, t: int) -> str:
    return tag_block(station, t) + sentence


#: One vessel heard by three receivers (clocks 0, 2 and 9 s apart), another by one, a static
#: report (two parts) by two, and the position again 60 s later (a new transmission).
LINES = [
    heard(POSITION, "rx1", T0),
    heard(OTHER, "rx1", T0 + 1),
    heard(POSITION, "rx2", T0 + 2),
    heard(STATIC[0], "rx1", T0 + 3),
    STATIC[1],
    heard(STATIC[0], "rx2", T0 + 4),
    STATIC[1],
    heard(POSITION, "rx3", T0 + 9),
    heard(POSITION, "rx1", T0 + 60),
]


def decoded(outcomes: list[Outcome]) -> list[tuple[int, int, float | None]]:
    return [(o.msg_type, o.mmsi, o.timestamp) for o in outcomes if not isinstance(o, Failure)]


def test_copies_within_the_window_are_counted_not_decoded() -> None:
    decoder = Decoder.for_tracking(TrackingConfig())
    out = decoder.decode_all([InputLine(text, "feed", n) for n, text in enumerate(LINES, 1)])
    assert decoded(out) == [
        (1, 367_000_001, T0),
        (18, 367_000_002, T0 + 1),
        (5, 367_000_001, T0 + 3),
        (1, 367_000_001, T0 + 60),  # the same bits a minute on: a new transmission
    ]
    stats = decoder.stats
    assert stats.duplicates == 3  # rx2's and rx3's position, rx2's static report
    assert stats.messages == stats.decoded_total + stats.failed_total == 4
    assert stats.failed_total == 0


def test_a_message_without_any_time_is_never_a_duplicate() -> None:
    decoder = Decoder.for_tracking(TrackingConfig())
    out = decoder.decode_all([InputLine(POSITION, "feed", 1), InputLine(POSITION, "feed", 2)])
    assert [o.timestamp for o in out] == [None, None]
    assert decoder.stats.duplicates == 0


def test_a_window_of_zero_keeps_every_copy() -> None:
    decoder = Decoder.for_tracking(TrackingConfig(duplicate_seconds=0))
    out = decoder.decode_all([InputLine(text, "feed", n) for n, text in enumerate(LINES, 1)])
    assert len(decoded(out)) == 7
    assert decoder.stats.duplicates == 0


def test_the_window_is_a_strict_setting(tmp_path: Path) -> None:
    config = tmp_path / "vigilmar.toml"
    config.write_text("[tracking]\nduplicate_seconds = 3\n")
    assert load_config(config).tracking.duplicate_seconds == 3.0
    for bad in ("-1", "56", '"10"', "true"):
        config.write_text(f"[tracking]\nduplicate_seconds = {bad}\n")
        with pytest.raises(ConfigError, match=r"tracking\.duplicate_seconds"):
            load_config(config)


@cache
def zones() -> ZoneIndex:
    return load_catalogue()


def engine(config: Config) -> Engine:
    return Engine(config, zones())


def test_replay_and_stream_drop_the_same_copies_and_count_them_in_the_metrics() -> None:
    config = Config()
    telemetry = Telemetry()
    runner = ReplayRunner(engine(config), JsonLinesSink(io.StringIO()), telemetry=telemetry)
    summary = runner.run(InputLine(text, "feed", n) for n, text in enumerate(LINES, 1))
    stage = DecodeStage(engine(config))
    streamed = stage.decode(
        RawRecord("feed", text.encode(), None, n) for n, text in enumerate(LINES, 1)
    )
    assert summary.decode.duplicates == stage.decoder.stats.duplicates == 3
    assert summary.messages == stage.decoder.stats.messages == 4
    replayed = Decoder.for_tracking(config.tracking).decode_all(
        [InputLine(text, "feed", n) for n, text in enumerate(LINES, 1)]
    )
    assert decoded(streamed) == decoded(replayed)
    exposition = telemetry.exposition().decode()
    assert 'vigilmar_messages_total{outcome="duplicate",stage="decode"} 3.0' in exposition
    assert 'vigilmar_decode_failures_total{reason="duplicate"}' not in exposition


def test_memory_stays_bounded_whatever_the_times() -> None:
    copies = DuplicateFilter(10.0, capacity=1_000)
    for n in range(20_000):  # a clock that jumps back every 100 messages: forgetting by time
        t = T0 + (n % 100) - 50 * (n // 100 % 2)  # cannot keep up, the capacity does
        copies.is_copy(f"payload {n}", float(t))
        assert len(copies) <= 1_000
    steady = DuplicateFilter(10.0)
    for n in range(20_000):  # 20 messages a second of event time: 10 s are some 200
        steady.is_copy(f"payload {n}", T0 + n / 20)
    assert len(steady) <= 202
    assert steady.is_copy("payload 19999", T0 + 1000.0)
    assert not steady.is_copy("payload 0", T0 + 1000.0)  # forgotten long ago


@pytest.mark.skipif(not AMSA.is_file(), reason="shared AMSA receiver log absent")
def test_on_real_feeds_copies_are_dropped_and_no_episode_is_lost_or_gained() -> None:
    for path, share in ((AMSA, (0.27, 0.29)), (WORLDWIDE, (0.09, 0.10))):
        counts = {}
        for seconds in (0.0, 10.0):
            config = Config(tracking=TrackingConfig(duplicate_seconds=seconds))
            runner = ReplayRunner(engine(config), JsonLinesSink(io.StringIO()))
            summary = runner.run(iter(Reader([path])))
            counts[seconds] = summary
        kept, dropped = counts[0.0], counts[10.0]
        duplicates = dropped.decode.duplicates
        assert share[0] < duplicates / kept.messages < share[1], (path, duplicates)
        assert dropped.messages + duplicates == kept.messages
        assert dropped.failed == kept.failed
        assert dropped.alerts == kept.alerts
