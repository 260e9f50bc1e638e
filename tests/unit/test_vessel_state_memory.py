"""What a tracked vessel holds is small: blank detector states are ``None``, empty buffers are
shared, and none of it changes what the engine does (issue 15 item 5, issue 11 item 6)."""

from __future__ import annotations

import dataclasses
import json

from models.config import Config
from models.coverage import Coverage
from models.engine import DETECTOR_NAMES, Engine
from models.monitor import Monitor
from models.snapshot import VERSION, restore, snapshot
from models.track import NOTHING
from tests.factories import HOUR, T0, static, voyage
from tests.property.test_order_and_isolation import CONFIG, ZONES, key, scenario
from zones.index import ZoneIndex


def test_a_blank_state_asks_for_no_timer() -> None:
    """The engine asks no detector whose state is blank (``None``) for its timer: so every
    detector's initial state must have none."""
    engine = Engine()
    assert tuple(d.name for d in engine.detectors) == DETECTOR_NAMES
    for detector in engine.detectors:
        state = detector.initial()
        assert state is None or detector.due(state) is None, detector.name


def test_a_ship_under_way_at_sea_holds_only_what_its_detectors_need() -> None:
    monitor = Monitor(Engine(zones=ZoneIndex([])))
    monitor.process(
        voyage(366000001, T0, 20.0, -40.0, hours=1) + voyage(366000002, T0, 21.0, -41.0, hours=1)
    )
    monitor.finish()
    one, two = (monitor.fleet.vessels[m] for m in (366000001, 366000002))
    held = {name for name, state in zip(DETECTOR_NAMES, one.detectors, strict=True) if state}
    assert held == {"identity", "position_jump", "dark_period"}
    assert one.pending is NOTHING
    assert one.recent is NOTHING
    assert one.identity is two.identity  # one shared record per flag before static data


def test_static_data_gives_a_vessel_its_own_identity() -> None:
    monitor = Monitor(Engine(zones=ZoneIndex([])))
    reports = voyage(366000001, T0, 20.0, -40.0, hours=0.5) + voyage(
        366000002, T0, 21.0, -41.0, hours=0.5
    )
    records = [*reports, static(366000001, T0 + 60.0, name="FIRST")]
    monitor.process(sorted(records, key=lambda r: r.timestamp or 0.0))
    monitor.finish()
    one, two = (monitor.fleet.vessels[m] for m in (366000001, 366000002))
    assert one.identity.name == "FIRST"
    assert two.identity.name is None
    assert one.identity.flag == two.identity.flag == "US"


def test_blank_states_stay_out_of_the_snapshot_and_come_back_blank() -> None:
    engine = Engine(CONFIG, ZoneIndex(ZONES))
    monitor = Monitor(engine)
    monitor.process(scenario()[:400])
    for vessel in monitor.fleet.vessels.values():
        data = json.loads(json.dumps(snapshot(vessel)))
        blank = {n for n, s in zip(DETECTOR_NAMES, vessel.detectors, strict=True) if s is None}
        assert not blank & set(data["detectors"])
        back = restore(data, engine)
        assert [s is None for s in back.detectors] == [s is None for s in vessel.detectors]
        assert back.detectors == vessel.detectors


#: Detectors added after blank states: snapshots from before them lack them (restored blank).
_NEWER = frozenset({"stop_at_sea", "drift", "route_deviation"})


def _with_every_detector(data: dict, engine: Engine) -> dict:
    """``data`` as a snapshot from before blank states: every detector saved, blank ones as
    their old initial state (a dataclass of defaults), buffers as lists."""
    old = json.loads(json.dumps(data))
    blanks = {
        "loitering": {
            "start_t": None,
            "start_lat": 0.0,
            "start_lon": 0.0,
            "last_t": 0.0,
            "speed_sum": 0.0,
            "count": 0,
            "max_drift_km": 0.0,
            "open": False,
        },
        "zone_transit": {"inside": {}},
        "destination_change": {
            "destination": None,
            "declared_t": 0.0,
            "harbour_t": None,
            "in_harbour": False,
            "at_sea": False,
        },
    }
    for detector in engine.detectors:
        if detector.name in old["detectors"] or detector.name in _NEWER:
            continue
        initial = detector.initial()
        if initial is not None:
            old["detectors"][detector.name] = dataclasses.asdict(initial)
        elif detector.name in blanks:
            old["detectors"][detector.name] = blanks[detector.name]
        else:  # port_call: an empty call
            old["detectors"][detector.name] = {
                "zone_id": None,
                "zone_name": "",
                "zone_kind": "",
                "zone_risk": None,
                "entered": 0.0,
                "entered_lat": 0.0,
                "entered_lon": 0.0,
                "last_inside": 0.0,
                "outside_since": None,
                "min_speed": None,
                "open": False,
            }
    return old


def test_a_snapshot_with_every_detector_saved_resumes_the_same() -> None:
    """A table written before blank states (every detector, blank ones as their defaults)
    resumes with exactly the alerts of an uninterrupted run."""
    records = scenario()
    cut = len(records) // 2
    uninterrupted = Monitor(Engine(CONFIG, ZoneIndex(ZONES)), pair_locally=False)
    expected = []
    for start in range(0, len(records), 50):
        expected.extend(uninterrupted.process(records[start : start + 50]).alerts)
    expected.extend(uninterrupted.finish().alerts)

    first = Monitor(Engine(CONFIG, ZoneIndex(ZONES)), pair_locally=False)
    alerts = []
    for start in range(0, cut, 50):
        alerts.extend(first.process(records[start : min(start + 50, cut)]).alerts)
    saved = [_with_every_detector(snapshot(v), first.engine) for v in first.fleet.vessels.values()]
    older = set(DETECTOR_NAMES) - _NEWER
    assert all(set(d["detectors"]) - _NEWER == older and d["v"] == VERSION for d in saved)
    second = Monitor(Engine(CONFIG, ZoneIndex(ZONES)), pair_locally=False)
    for data in saved:
        second.adopt(restore(data, second.engine))
    for start in range(cut, len(records), 50):
        alerts.extend(second.process(records[start : start + 50]).alerts)
    alerts.extend(second.finish().alerts)
    assert key(alerts) == key(expected)


def test_coverage_counts_distinct_vessels_per_cell_whatever_it_holds() -> None:
    """A cell heard from one vessel holds its MMSI, a set from the second on: the counts are
    of distinct vessels either way, across the antimeridian too."""
    coverage = Coverage(Config().coverage)
    bucket = coverage.bucket_of(T0)
    west, east = coverage.cell_of(10.2, 179.9), coverage.cell_of(10.2, -179.9)
    assert west != east
    for mmsi in (1, 1, 2, 2, 3):
        coverage.add(bucket, west, "rx", mmsi)
    coverage.add(bucket, east, "rx", 4)
    coverage.add(bucket, east, "rx", 4)
    held = coverage._cells[bucket]
    assert sorted(type(heard).__name__ for heard in held.values()) == ["int", "set"]
    cells = coverage.cells[bucket]
    assert cells == {west: {1, 2, 3}, east: {4}}
    # The neighbourhood of a vessel just east of 180° holds both cells.
    near = coverage._neighbourhood(east)
    assert west in near
    assert set().union(*(cells.get(cell, set()) for cell in near)) == {1, 2, 3, 4}


def test_a_dark_vessel_among_neighbours_is_judged_as_before() -> None:
    """Four neighbours keep reporting in one cell while a fifth falls silent: dark, with the
    four counted (one cell holding a set), and a vessel alone in its cell keeps its verdict."""
    area = [
        voyage(366000010 + i, T0, 15.0 + 0.01 * i, -45.0, hours=10, speed=0.0) for i in range(4)
    ]
    quiet = voyage(366000020, T0, 15.02, -45.01, hours=2, speed=0.0)
    records = sorted((r for track in [*area, quiet] for r in track), key=lambda r: r.timestamp)
    monitor = Monitor(Engine(zones=ZoneIndex([])))
    alerts = monitor.process(records).alerts + monitor.finish().alerts
    dark = [a for a in alerts if a.type.value == "dark_period" and a.mmsi == 366000020]
    assert dark
    assert dark[0].evidence["coverage"] == "neighbours"
    assert dark[0].evidence["neighbours_heard"] == 4
    assert dark[0].start == T0 + 2 * HOUR
