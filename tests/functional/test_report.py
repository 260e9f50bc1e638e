"""The HTML report: the track recorder's bounds, the page's content and self-containment, and
the demo replay's report loaded in headless Chromium (no console errors, no network, one table
row per episode, interactivity working).

Set ``VIGILMAR_UPDATE_SCREENSHOT=1`` to refresh ``docs/report-screenshot.png`` from the demo.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import io
import itertools
import json
import os
import re
import select
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from models.config import Config
from models.decode import DecodeStats
from models.engine import Engine
from models.records import Decoded, PositionReport, StaticReport
from replay.cli import main
from replay.readers import Reader
from replay.report import (
    MAX_TABLE_ROWS,
    ReportingSink,
    TrackRecorder,
    render_report,
    write_report,
)
from replay.runner import ReplayRunner, ReplaySummary
from replay.sinks import JsonLinesSink
from tests.factories import HOUR, T0, position, voyage
from tests.nmea_tracks import reports_as_nmea
from tests.voyage_scenes import passage
from zones.catalogue import load_catalogue

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "replay" / "samples"
SCREENSHOT = ROOT / "docs" / "report-screenshot.png"
CHROMIUM = next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
)
EXTERNAL = re.compile(r"""(?:src|href|action|xlink:href)\s*=\s*["']?\s*(?:https?:)?//""", re.I)


# -- helpers ----------------------------------------------------------------------------------


def alert(
    alert_id: str,
    *,
    type: str = "loitering",
    status: str = "closed",
    severity: str = "medium",
    mmsi: int = 123456789,
    start: str = "2023-11-14T22:13:20Z",
    end: str | None = "2023-11-15T04:13:20Z",
    lat: float | None = 18.4,
    lon: float | None = -66.1,
    name: str | None = "TEST <VESSEL>",
) -> dict[str, Any]:
    """An alert object of the ``vigilmar.alert/1`` contract."""
    return {
        "schema": "vigilmar.alert/1",
        "alert_id": alert_id,
        "type": type,
        "status": status,
        "mmsi": mmsi,
        "other_mmsi": None,
        "vessel": {"name": name, "imo": None, "callsign": None, "ship_type": None, "flag": "PR"},
        "start": start,
        "end": end,
        "lat": lat,
        "lon": lon,
        "zone": None,
        "severity": severity,
        "score": 50,
        "explanation": "Stayed within 1 km for 6.0 h & more.",
        "evidence": {},
    }


def summary(**counts: int) -> ReplaySummary:
    result = ReplaySummary(
        files=["a.nmea"], decode=DecodeStats(messages=counts.get("messages", 10))
    )
    result.decoded[1] = counts.get("messages", 10)
    return result


class _Tags(HTMLParser):
    """Checks that every element the page opens is closed, in order (void elements aside)."""

    VOID = frozenset({"meta", "br", "input", "path", "rect", "use", "circle", "link", "img"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids.extend(v for k, v in attrs if k == "id" and v)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids.extend(v for k, v in attrs if k == "id" and v)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
        else:
            self.stack.pop()


def check_html(page: str) -> _Tags:
    parser = _Tags()
    parser.feed(page)
    parser.close()
    assert page.startswith("<!DOCTYPE html>")
    assert not parser.problems, parser.problems[:5]
    assert parser.stack == [], parser.stack
    assert len(parser.ids) == len(set(parser.ids)), "duplicate element ids"
    return parser


def assert_self_contained(page: str) -> None:
    assert not EXTERNAL.findall(page), EXTERNAL.findall(page)[:3]
    assert "@import" not in page
    assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", page)
    assert "<link" not in page
    assert not re.search(r"<script[^>]+src", page)


def rows_of(page: str) -> list[str]:
    return re.findall(r'<tr id="a-([0-9a-zA-Z_-]+)"', page)


# -- the recorder -----------------------------------------------------------------------------


def test_recorder_keeps_every_point_of_a_short_track_and_ignores_the_rest() -> None:
    recorder = TrackRecorder()
    reports: list[Decoded] = list(voyage(1, T0, 18.0, -66.0, hours=1, interval_s=600))
    reports += [
        StaticReport(1, T0, 5, name="X"),
        PositionReport(2, None, 1, 18.0, -66.0),  # no time
        PositionReport(3, T0, 1, None, None),  # no position
        PositionReport(4, T0, 1, 95.0, 10.0, impossible=True),  # off the globe
    ]
    recorder.observe(reports)
    track = recorder.track(1)
    assert track is not None
    assert len(track) == 7
    assert list(track.times) == sorted(track.times)
    assert recorder.track(2) is recorder.track(3) is recorder.track(4) is None
    assert (recorder.first_time, recorder.last_time) == (T0, T0 + HOUR)


def test_recorder_thins_a_long_track_evenly_and_keeps_its_last_position() -> None:
    recorder = TrackRecorder(max_points=64)
    reports = voyage(7, T0, 10.0, 170.0, hours=30 * 24, interval_s=60, speed=5.0)
    for start in range(0, len(reports), 4096):
        recorder.observe(reports[start : start + 4096])
    track = recorder.track(7)
    assert track is not None
    assert 16 <= len(track) <= 65
    assert track.times[0] == reports[0].timestamp
    assert track.times[-1] == reports[-1].timestamp  # the latest is always kept
    gaps = [b - a for a, b in zip(track.times[:-2], track.times[1:-1], strict=True)]
    assert max(gaps) <= 4 * min(gaps)  # spread over the month, not bunched at one end


def test_recorder_memory_is_bounded_and_vessels_with_alerts_survive() -> None:
    recorder = TrackRecorder(max_points=16, max_vessels=100, max_alert_vessels=10)
    recorder.observe([position(1, T0, 18.0, -66.0)])
    recorder.mark(1, rank=3)
    for batch in range(50):
        recorder.observe(
            [
                position(1000 + batch * 100 + n, T0 + batch * 60 + s, 18.0, -66.0 + s * 0.01)
                for n in range(100)
                for s in range(3)
            ]
        )
    assert len(recorder) <= 101
    assert recorder.points <= 101 * 16
    assert recorder.evicted > 0
    assert recorder.track(1) is not None  # alerted: never evicted for vessels without alerts
    for n in range(2, 40):
        recorder.mark(n, rank=0)
    assert len(list(recorder.mmsis())) <= 111
    assert recorder.track(1) is not None  # the most severe one is the last to go


# -- the page ---------------------------------------------------------------------------------


def test_report_has_one_row_per_episode_and_is_self_contained(tmp_path: Path) -> None:
    alerts = [
        alert("aaaa000000000000000a", status="open", end=None),
        alert("bbbb000000000000000b", type="dark_period", severity="high", lat=None, lon=None),
        alert("aaaa000000000000000a", status="closed"),  # the same episode, closed
        alert(
            "cccc000000000000000c",
            type="position_jump",
            severity="critical",
            start="2023-11-15T01:00:00Z",
            end="2023-11-15T01:00:00Z",
            lat=20.0,
            lon=179.9,
        ),
    ]
    recorder = TrackRecorder()
    recorder.observe(voyage(123456789, T0, 18.4, -66.1, hours=6, interval_s=300, speed=0.5))
    path = tmp_path / "report.html"
    write_report(path, alerts, recorder, summary(), None)
    page = path.read_text(encoding="utf-8")
    check_html(page)
    assert_self_contained(page)
    assert rows_of(page) == ["aaaa000000000000000a", "bbbb000000000000000b", "cccc000000000000000c"]
    for ident in ("aaaa000000000000000a", "bbbb000000000000000b", "cccc000000000000000c"):
        assert ident in page
    assert "TEST &lt;VESSEL&gt;" in page
    assert "TEST <VESSEL>" not in page
    assert "1 alert(s) have no position" in page
    assert 'class="trk"' in page  # the alerting vessel's track
    assert page == render_report(alerts, recorder, summary(), None) + ""  # same input, same page


def test_report_without_alerts_still_renders(tmp_path: Path) -> None:
    path = tmp_path / "empty.html"
    write_report(path, [], TrackRecorder(), ReplaySummary(), None)
    page = path.read_text(encoding="utf-8")
    check_html(page)
    assert_self_contained(page)
    assert "No alerts" in page
    assert rows_of(page) == []


def test_a_single_alert_gets_a_small_map_around_it() -> None:
    page = render_report([alert("dddd000000000000000d")], TrackRecorder(), summary(), None)
    check_html(page)
    assert rows_of(page) == ["dddd000000000000000d"]
    assert page.count('class="mk ') == 1
    assert "map-region-1" not in page  # one place: the overview is the detail


def test_tracks_across_the_antimeridian_are_not_drawn_across_the_map() -> None:
    recorder = TrackRecorder()
    recorder.observe(voyage(55, T0, 50.0, 178.0, hours=20, interval_s=600, speed=12.0))
    alerts = [
        alert("eeee000000000000000e", mmsi=55, lat=50.0, lon=178.0),
        alert("ffff000000000000000f", mmsi=55, lat=50.0, lon=-175.0),
    ]
    page = render_report(alerts, recorder, summary(), None)
    overview = page[page.index('id="map-overview"') :]
    assert "180°" in overview  # one map across the antimeridian, not the whole world
    track = re.search(r'<path class="run" d="M([^"]+)"', overview)
    assert track is not None
    xs = [float(v) for v in track.group(1).split()[0::2]]
    steps = [b - a for a, b in itertools.pairwise(xs)]
    assert all(0 <= step < 60 for step in steps)  # always eastward, never a jump across
    assert min(xs) >= 0
    assert max(xs) <= 1300


def test_thousands_of_alerts_are_capped_and_the_page_says_so() -> None:
    alerts = [
        alert(
            f"{n:020x}",
            severity=("info", "low", "medium", "high", "critical")[n % 5],
            mmsi=200000000 + n,
            lat=-50 + (n * 7.3) % 100,
            lon=-180 + (n * 13.7) % 360,
            start=f"2023-11-{1 + n % 28:02d}T{n % 24:02d}:00:00Z",
            end=None,
            status="open",
        )
        for n in range(6000)
    ]
    page = render_report(alerts, TrackRecorder(), summary(), None)
    check_html(page)
    assert_self_contained(page)
    assert len(rows_of(page)) == 2000
    assert "most severe of 6,000 episodes" in page
    assert "most severe of 6,000 alerts with a position" in page  # the overview's marker cap
    assert len(page.encode()) < 6_000_000


# -- the demo, in a browser -------------------------------------------------------------------


@dataclass
class Demo:
    path: Path
    alerts: list[dict[str, Any]]
    episodes: set[str]


def replay_demo(with_report: bool) -> tuple[ReplaySummary, str, ReportingSink | None]:
    """The demo replay, wired as ``vigilmar replay [--report]`` wires it: a ``ReportingSink``
    around the alert sink, its recorder fed by the runner with each batch of decoded records.
    Returns the summary, the JSON Lines output and the reporting sink."""
    engine = Engine(Config(), load_catalogue())
    reader = Reader([SAMPLES], sort_records=True)
    out = io.StringIO()
    sink = JsonLinesSink(out)
    report = ReportingSink(sink) if with_report else None
    runner = ReplayRunner(
        engine, report or sink, on_records=report.tracks.observe if report else None
    )
    result = runner.run(iter(reader))
    result.files = [os.path.relpath(name, ROOT) for name in reader.files]
    result.skipped = [os.path.relpath(skipped.name, ROOT) for skipped in reader.skipped]
    return result, out.getvalue(), report


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """The demo replay's report."""
    result, output, report = replay_demo(with_report=True)
    assert report is not None
    path = tmp_path_factory.mktemp("report") / "report.html"
    report.save(path, result, load_catalogue())
    messages = [json.loads(line) for line in output.splitlines()]
    return Demo(path, messages, {m["alert_id"] for m in messages})


def test_reporting_sink_passes_alerts_on_unchanged(demo: Demo) -> None:
    _, plain, _ = replay_demo(with_report=False)
    assert [json.loads(line) for line in plain.splitlines()] == demo.alerts


def test_demo_report_lists_every_episode_once(demo: Demo) -> None:
    page = demo.path.read_text(encoding="utf-8")
    check_html(page)
    assert_self_contained(page)
    rows = rows_of(page)
    # Every episode once, or, past the table's cap (the world's port calls), the cap's worth.
    assert len(rows) == len(set(rows)) == min(len(demo.episodes), MAX_TABLE_ROWS)
    assert set(rows) <= demo.episodes
    if len(demo.episodes) > MAX_TABLE_ROWS:
        assert f"most severe of {len(demo.episodes):,} episodes" in page
    assert 'class="land"' in page
    assert "map-region-1" in page
    assert 100_000 < demo.path.stat().st_size < 4_000_000


class Chromium:
    """Headless Chromium driven over the DevTools protocol on a pipe (fds 3 and 4)."""

    def __init__(self, executable: str, profile: Path) -> None:
        to_child, self._to_child = os.pipe()
        self._from_child, from_child = os.pipe()
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_child, from_child)]
        for fd in (to_child, from_child):
            os.close(fd)

        def wire() -> None:  # runs in the child: its fds 3 and 4 are the pipe
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)

        args = [
            executable,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            "--remote-debugging-pipe",
            "about:blank",
        ]
        self.log = (profile / "stderr.log").open("wb")
        self.process = subprocess.Popen(
            args, pass_fds=(3, 4), preexec_fn=wire, stdout=subprocess.DEVNULL, stderr=self.log
        )
        for fd in high:
            os.close(fd)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def close(self) -> None:
        with contextlib.suppress(OSError, TimeoutError, RuntimeError):
            self.call("Browser.close")
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_child)
        os.close(self._from_child)
        self.log.close()

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_child], [], [], left)[0]:
                raise TimeoutError("no answer from Chromium")
            chunk = os.read(self._from_child, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the pipe")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        result: dict[str, Any] = json.loads(message)
        return result

    def call(
        self, method: str, params: dict[str, Any] | None = None, session: str | None = None
    ) -> dict[str, Any]:
        self._next_id += 1
        request: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            request["sessionId"] = session
        os.write(self._to_child, json.dumps(request).encode() + b"\0")
        deadline = time.monotonic() + 60
        while True:
            message = self._read(deadline)
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                answer: dict[str, Any] = message.get("result", {})
                return answer
            self.events.append(message)

    def wait_for(self, method: str, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events:
                if event.get("method") == method:
                    self.events.remove(event)
                    return event
            self.events.append(self._read(deadline))

    def evaluate(self, session: str, expression: str) -> Any:
        answer = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            session,
        )
        assert "exceptionDetails" not in answer, answer["exceptionDetails"]
        return answer["result"].get("value")

    def open(self, url: str, width: int, height: int, *, script: bool = True) -> str:
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session: str = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable", session=session)
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            session,
        )
        if not script:
            self.call("Emulation.setScriptExecutionDisabled", {"value": True}, session)
        self.call("Page.navigate", {"url": url}, session)
        self.wait_for("Page.loadEventFired")
        return session

    def screenshot(self, session: str, y: int, width: int, height: int) -> bytes:
        clip = {"x": 0, "y": y, "width": width, "height": height, "scale": 1}
        shot = self.call(
            "Page.captureScreenshot",
            {"format": "png", "clip": clip, "captureBeyondViewport": True},
            session,
        )
        return base64.b64decode(shot["data"])

    def problems(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions and requests off the file."""
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(f"exception: {params['exceptionDetails']}")
            elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "warning"):
                found.append(f"console.{params['type']}: {params['args']}")
            elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
                found.append(f"log: {params['entry']['text']}")
            elif method == "Network.requestWillBeSent":
                url = params["request"]["url"]
                if not url.startswith(("file:", "data:", "about:")):
                    found.append(f"request: {url}")
        return found


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium) — browser test skipped")
    chromium = Chromium(CHROMIUM, tmp_path_factory.mktemp("chromium"))
    try:
        yield chromium
    finally:
        chromium.close()


def _count(browser: Chromium, session: str, selector: str) -> int:
    return int(browser.evaluate(session, f"document.querySelectorAll({selector!r}).length"))


@pytest.mark.integration
def test_demo_report_in_headless_chromium(demo: Demo, browser: Chromium, tmp_path: Path) -> None:
    session = browser.open(demo.path.as_uri(), 1400, 1000)
    assert browser.evaluate(session, "document.documentElement.dataset.ready") == "1"
    png = browser.screenshot(session, 0, 1400, 1000)  # the first screen: header and overview
    assert png.startswith(b"\x89PNG")
    (tmp_path / "report.png").write_bytes(png)
    if os.environ.get("VIGILMAR_UPDATE_SCREENSHOT") == "1":
        SCREENSHOT.parent.mkdir(exist_ok=True)
        SCREENSHOT.write_bytes(png)
    assert len(png) < 400_000
    assert _count(browser, session, "#alerts tbody tr[data-id]") == min(
        len(demo.episodes), MAX_TABLE_ROWS
    )
    assert _count(browser, session, "svg.map") >= 2
    assert _count(browser, session, "svg.map path.land") >= 2
    # Selecting a row lights up its markers; clicking it again clears them.
    first = browser.evaluate(session, "document.querySelector('svg .mk').dataset.id")
    browser.evaluate(session, f"document.getElementById('a-{first}').click()")
    assert _count(browser, session, f'.mk.sel[data-id="{first}"]') >= 1
    assert _count(browser, session, ".halo") >= 1
    assert browser.evaluate(session, "document.getElementById('back').hidden") is False
    browser.evaluate(session, f"document.getElementById('a-{first}').click()")
    assert _count(browser, session, ".sel, .halo") == 0
    # Unticking a type hides its rows, markers and bars; ticking it shows them again.
    kind = browser.evaluate(
        session,
        "(function(){var b=document.querySelector('input[data-hide^=\"hide-t-\"]');"
        "b.click();return b.dataset.hide.slice(7);})()",
    )
    visible = (
        f"Array.from(document.querySelectorAll('#alerts tr.t-{kind}, .mk.t-{kind}'))"
        ".filter(function(e){return e.getClientRects().length>0;}).length"
    )
    assert browser.evaluate(session, visible) == 0
    browser.evaluate(
        session, f"document.querySelector('input[data-hide=\"hide-t-{kind}\"]').click()"
    )
    assert browser.evaluate(session, visible) > 0
    assert browser.problems() == []


@pytest.mark.integration
def test_demo_report_reads_without_javascript(demo: Demo, browser: Chromium) -> None:
    session = browser.open(demo.path.as_uri(), 1400, 1000, script=False)
    assert browser.evaluate(session, "document.documentElement.className") == "nojs"
    assert _count(browser, session, "#alerts tbody tr[data-id]") == min(
        len(demo.episodes), MAX_TABLE_ROWS
    )
    hidden = "getComputedStyle(document.querySelector('.filters')).display"
    assert browser.evaluate(session, hidden) == "none"  # the filters need the script
    assert _count(browser, session, "svg.map a.mk title") > 0  # native tooltips instead
    assert browser.problems() == []


@pytest.mark.integration
def test_voyages_are_drawn_port_to_port_and_listed(browser: Chromium, tmp_path: Path) -> None:
    """Three ships Ponce -> Santo Domingo, one stopping at sea: three voyage lines on the map,
    coloured by risk, with tooltips, and the voyages table, riskiest first."""
    fleet = [passage(367300001 + n, T0 + n * 1800, stop_at_sea=n == 1) for n in range(3)]
    path = tmp_path / "fleet.nmea"
    records = sorted((r for p in fleet for r in p.records), key=lambda r: r.timestamp or 0.0)
    reports_as_nmea(path, records)
    report, out = tmp_path / "fleet.html", tmp_path / "alerts.jsonl"
    assert main(["replay", str(path), "--out", str(out), "--report", str(report)]) == 0
    session = browser.open(report.as_uri(), 1400, 1000)
    assert browser.evaluate(session, "document.documentElement.dataset.ready") == "1"
    assert _count(browser, session, "svg#map-overview path.voy") == 3
    titles = browser.evaluate(
        session,
        "Array.from(document.querySelectorAll('svg#map-overview path.voy title'))"
        ".map(function(t){return t.textContent;})",
    )
    assert all("Playa De Ponce (PR) → Santo Domingo (DO)" in title for title in titles), titles
    rows = browser.evaluate(
        session,
        "Array.from(document.querySelectorAll('#voyages tbody tr'))"
        ".map(function(r){return r.cells[0].textContent + '|' + r.cells[9].textContent;})",
    )
    assert rows[0] == "TEST VESSEL (367300002)|45"  # the one that stopped at sea, first
    assert len(rows) == 3
    assert browser.problems() == []
