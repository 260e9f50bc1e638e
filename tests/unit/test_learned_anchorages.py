"""Learned anchorages on planted scenes: where many distinct vessels stop, loitering and
encounters are not alerts, decided on event time; far offshore nothing is learned."""

from __future__ import annotations

from dataclasses import replace

import pytest

from models.alerts import Alert, VesselInfo
from models.config import AnchorageConfig, Config, EncounterContextConfig
from models.encounter import AnchorageGrid, CellAnchorages, Mover
from models.encounter.mover import home_cell
from models.engine import Engine
from models.monitor import Monitor
from models.records import PositionReport, StaticReport
from tests.anchorage_scenes import (
    BAY,
    OFFSHORE,
    PLEASURE,
    ROADSTEAD,
    SAILING,
    TANKER,
    TUG,
    anchorage_then,
    anchored,
    cluster,
    side_by_side,
)
from tests.factories import HOUR, MINUTE, T0, by_time, move, of_type, run, validate_alert

NO_LEARNING = Config(anchorages=AnchorageConfig(enabled=False))
NO_CONTEXT = Config(encounter_context=EncounterContextConfig(enabled=False))
NEITHER = replace(NO_LEARNING, encounter_context=EncounterContextConfig(enabled=False))
DAY = 24 * HOUR

Records = list[PositionReport | StaticReport]


def episodes(alerts: list[Alert], kind: str) -> set[str]:
    return {a.alert_id for a in of_type(alerts, kind)}


def visitors(alerts: list[Alert]) -> set[str]:
    """The encounter episodes of the pair that visits (not the ships the place is learned from)."""
    return {a.alert_id for a in of_type(alerts, "encounter") if a.mmsi == 367500001}


def monitor_after(records: Records, config: Config | None = None) -> Monitor:
    monitor = Monitor(Engine(config or Config()))
    monitor.process(records)
    monitor.finish()
    return monitor


def learned(monitor: Monitor) -> dict[tuple[int, int], tuple[int, int]]:
    assert monitor.encounters is not None
    found: dict[tuple[int, int], tuple[int, int]] = {}
    for anchorages in monitor.encounters.cells.anchorages.values():
        found.update(anchorages.learned)
    return found


# -- fourteen pleasure craft at anchor -------------------------------------------------------


def pleasure_craft() -> Records:
    """14 pleasure and sailing craft at anchor within 400 m of each other for 20 h."""
    tracks = cluster(367300001, 7, T0, BAY, 20.0, ship_type=PLEASURE)
    tracks += cluster(367300101, 7, T0 + 20, BAY, 20.0, radius_km=0.12, ship_type=SAILING)
    return by_time(*tracks)


def test_fourteen_pleasure_craft_at_anchor_raise_no_encounter_and_no_loitering() -> None:
    alerts = run(pleasure_craft())
    assert of_type(alerts, "encounter") == []
    assert of_type(alerts, "loitering") == []
    assert learned(monitor_after(pleasure_craft()))


def test_without_learning_the_same_craft_loiter_and_without_context_they_meet() -> None:
    """The controls: the scene is 14 loiterers (the anchorage is what stops them) and, with the
    leisure rule off too, many encounters (the two together are what stop those)."""
    assert len({a.mmsi for a in of_type(run(pleasure_craft(), NO_LEARNING), "loitering")}) == 14
    assert of_type(run(pleasure_craft(), NO_LEARNING), "encounter") == []  # leisure, coastal
    assert len(episodes(run(pleasure_craft(), NEITHER), "encounter")) > 20
    assert of_type(run(pleasure_craft(), NO_CONTEXT), "encounter") == []  # the anchorage alone


def test_fewer_vessels_than_the_threshold_learn_nothing() -> None:
    few = by_time(*cluster(367300001, 9, T0, BAY, 20.0))
    assert not learned(monitor_after(few))
    assert len({a.mmsi for a in of_type(run(few), "loitering")}) == 9


def test_an_offshore_gathering_is_a_fleet_not_an_anchorage() -> None:
    """Twelve fishing vessels stopped together 60 nm offshore: never learned away."""
    fleet = by_time(*cluster(412400001, 12, T0, OFFSHORE, 8.0, ship_type=30))
    assert not learned(monitor_after(fleet))
    assert len({a.mmsi for a in of_type(run(fleet), "loitering")}) == 12
    far = Config(anchorages=AnchorageConfig(max_shore_km=200.0))
    assert learned(monitor_after(fleet, far))  # the control: the shore limit is what keeps it


# -- in and near a learned anchorage -----------------------------------------------------------


def test_a_tug_alongside_a_tanker_in_a_learned_anchorage_is_no_encounter() -> None:
    visit = side_by_side(367500001, 538500002, T0 + DAY, ROADSTEAD, 3.0, (TUG, TANKER))
    scene = anchorage_then(visit)
    assert episodes(run(scene), "encounter") == set()
    assert episodes(run(scene, NO_CONTEXT), "encounter") == set()  # the anchorage alone
    assert visitors(run(scene, NO_LEARNING)) == set()  # the service rule alone
    assert len(visitors(run(scene, NEITHER))) == 1  # the control


def test_a_pair_of_unknown_types_is_kept_out_only_by_the_anchorage() -> None:
    visit = side_by_side(367500001, 538500002, T0 + DAY, ROADSTEAD, 3.0, (None, None))
    assert episodes(run(anchorage_then(visit)), "encounter") == set()
    assert len(visitors(run(anchorage_then(visit), NO_LEARNING))) == 1


def test_an_encounter_near_a_learned_anchorage_says_so() -> None:
    where = move(*ROADSTEAD, 180.0, 1.6)
    visit = side_by_side(367500001, 538500002, T0 + DAY, where, 3.0, (None, None))
    found = of_type(run(anchorage_then(visit)), "encounter")
    assert found
    for alert in found:
        assert "km from a learned anchorage (learned from 10 vessels" in alert.explanation
        assert 0 < alert.evidence["learned_anchorage_km"] <= 1.5  # type: ignore[operator]
        validate_alert(alert.to_dict())
    control = of_type(run(anchorage_then(visit), NO_LEARNING), "encounter")
    assert control
    assert not any("learned" in a.explanation for a in control)


def test_loitering_in_a_learned_anchorage_is_not_raised_and_near_one_says_so() -> None:
    inside = anchored(367600001, T0 + DAY, *move(*ROADSTEAD, 90.0, 0.1), 8.0)
    near = anchored(367600002, T0 + DAY, *move(*ROADSTEAD, 180.0, 1.6), 8.0)
    alerts = run(anchorage_then(by_time(inside, near)))
    loitering = of_type(alerts, "loitering")
    assert {a.mmsi for a in loitering} == {367600002}
    (opened,) = loitering
    assert "km from a learned anchorage" in opened.explanation
    assert opened.evidence["learned_anchorage_vessels"] == 10  # when it was learned
    validate_alert(opened.to_dict())
    control = of_type(run(anchorage_then(by_time(inside, near)), NO_LEARNING), "loitering")
    assert {a.mmsi for a in control} == {367600001, 367600002}
    assert not any("learned" in a.explanation for a in control)


def test_the_decision_is_taken_on_event_time_and_holds_for_the_whole_episode() -> None:
    """A vessel loitering before the others come keeps its episode, open and closed; one that
    starts loitering there after the place was learned raises nothing."""
    first = anchored(367700001, T0, *ROADSTEAD, 8.0)
    leaves = [
        r
        for r in anchored(367700001, T0 + 8 * HOUR + 180, *ROADSTEAD, 1.0, speed=9.0)
        if isinstance(r, PositionReport)
    ]
    later = by_time(*cluster(367200001, 12, T0 + 5 * HOUR, ROADSTEAD, 6.0))
    second = anchored(367700002, T0 + 6 * HOUR, *move(*ROADSTEAD, 0.0, 0.1), 6.0)
    monitor = monitor_after(by_time(first, leaves, later, second))
    alerts = run(by_time(first, leaves, later, second))
    mine = of_type(alerts, "loitering")
    assert [(a.mmsi, a.status.value) for a in mine] == [(367700001, "open"), (367700001, "closed")]
    assert len({a.alert_id for a in mine}) == 1
    grid = AnchorageGrid.of(Config())
    assert grid is not None
    since = min(k for k, _ in learned(monitor).values())
    assert T0 + 5 * HOUR < since * grid.bucket < T0 + 6 * HOUR  # learned while the first loitered


def test_a_replay_gives_loitering_in_the_same_step_as_before() -> None:
    """Loitering goes through the cell of where it began, yet comes out of the step whose
    report opened it: the cells have reached its time by then."""
    records = by_time(anchored(367800001, T0, *BAY, 5.0))
    monitor = Monitor(Engine(Config()))
    opened_at = None
    for n, record in enumerate(records):
        if of_type(monitor.process([record]).alerts, "loitering"):
            opened_at = n
            break
    control = Monitor(Engine(NO_LEARNING))
    for n, record in enumerate(records):
        if of_type(control.process([record]).alerts, "loitering"):
            assert opened_at == n
            return
    pytest.fail("no loitering in the control")


# -- the state itself ----------------------------------------------------------------------


def grid() -> AnchorageGrid:
    found = AnchorageGrid.of(Config())
    assert found is not None
    return found


def stop(mmsi: int, t: float, lat: float, lon: float, speed: float = 0.1) -> Mover:
    return Mover(mmsi, t, lat, lon, speed, VesselInfo())


def test_a_visitor_needs_its_stops_to_span_the_minimum_in_one_square() -> None:
    g = grid()
    lat, lon = ROADSTEAD
    cell = home_cell(lat, lon, g.cell_deg)
    anchorages = CellAnchorages(cell, g)
    k = int(T0 // g.bucket)
    anchorages.learn([stop(1, T0, lat, lon), stop(1, T0 + 19 * MINUTE, lat, lon)], k)
    assert not any(s.counted for v in anchorages.stops.values() for s in v.values())
    anchorages.learn([stop(1, T0 + 20 * MINUTE, lat, lon)], k + 2)
    assert [s.counted for v in anchorages.stops.values() for s in v.values()] == [True]
    # A faster position is not a stop.
    anchorages.learn([stop(2, T0 + 21 * MINUTE, lat, lon, speed=1.5)], k + 2)
    assert {m for v in anchorages.stops.values() for m in v} == {1}


def test_forgotten_visitors_leave_memory_and_a_square_keeps_a_bounded_number() -> None:
    g = grid()
    lat, lon = ROADSTEAD
    anchorages = CellAnchorages(home_cell(lat, lon, g.cell_deg), g)
    k = int(T0 // g.bucket)
    anchorages.learn([stop(m, T0 + m, lat, lon) for m in range(1, 200)], k)
    (visits,) = anchorages.stops.values()
    assert len(visits) == g.visitors_per_square
    later = k + int(g.forget // g.bucket) + 2
    anchorages.expire(later)
    assert not anchorages.stops


def test_the_state_round_trips_through_its_snapshot() -> None:
    monitor = monitor_after(pleasure_craft())
    assert monitor.encounters is not None
    for cell, anchorages in monitor.encounters.cells.anchorages.items():
        copy = CellAnchorages(cell, grid())
        copy.restore(anchorages.snapshot())
        assert copy.snapshot() == anchorages.snapshot()
        assert copy.learned == anchorages.learned


def test_the_anchorage_must_fit_in_the_encounter_margin() -> None:
    from models.config import ConfigError

    with pytest.raises(ConfigError, match=r"encounter\.margin_km"):
        Config(anchorages=AnchorageConfig(near_km=3.0))
    Config(anchorages=AnchorageConfig(near_km=3.0, enabled=False))  # not learned: no limit
