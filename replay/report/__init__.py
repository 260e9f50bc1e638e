"""``vigilmar replay … --report FILE``: one self-contained HTML page for analysts.

The page holds the inputs and the replay's counts, maps of the alerts and of the tracks of
the vessels that raised them, a timeline of the episodes by type, and the table of alerts
(one row per episode, its latest state) with counts by type × severity. Everything is inline
— SVG drawn here, a small style sheet and script — so the file opens offline and from a mail
attachment; nothing is fetched, at run time or when the page is read.

Wiring (see ``ReportingSink`` and ``TrackRecorder``)::

    report = ReportingSink(sink)                 # passes alerts on, keeps them for the page
    runner = ReplayRunner(engine, report, on_records=report.tracks.observe)
    summary = runner.run(items)
    report.save(path, summary, engine.zones)     # = write_report(path, report.alerts(), ...)

What is drawn is capped so that a replay with tens of thousands of alerts still gives a page
a browser opens quickly (``MAX_*`` below); the page says what was left out. The same inputs
give a byte-identical page: it shows no wall-clock time and no run duration.
"""

from __future__ import annotations

import importlib.metadata
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from models.alerts import Alert
from models.voyages import Voyages
from replay.report.assets import SCRIPT, style_sheet
from replay.report.data import (
    SEVERITIES,
    SEVERITY_RANK,
    AlertRow,
    episodes,
    esc,
    fmt_lat,
    fmt_lon,
    type_key,
)
from replay.report.geo import MapView, find_regions, fit_view
from replay.report.map import ZoneLayer, render_map, symbol_defs
from replay.report.page import alert_table, counts_table, header, legend
from replay.report.timeline import render_timeline
from replay.report.tracks import Track, TrackRecorder
from replay.report.voyages import VoyageLine, voyage_lines, voyages_table
from replay.runner import AlertWriter, ReplaySummary
from zones.index import ZoneIndex

__all__ = ["ReportingSink", "TrackRecorder", "render_report", "write_report"]

MAX_TABLE_ROWS = 2_000
MAX_MARKERS = 2_500  # per map
MAX_TIMELINE_BARS = 3_000
MAX_TRACKS = 300
MAX_REGIONS = 4
OVERVIEW_WIDTH = 1300.0
REGION_WIDTH = 640.0
TIMELINE_WIDTH = 1300.0
_REGION_WEIGHT = {"info": 1.0, "low": 2.0, "medium": 4.0, "high": 8.0, "critical": 16.0}


class ReportingSink:
    """Wraps the replay's alert sink: passes every batch on unchanged, keeps the latest
    message of each episode for the report, and tells its ``tracks`` recorder which vessels
    alerted. Feed ``tracks.observe`` with the decoded records (the runner's ``on_records``)
    and call ``save`` at the end."""

    def __init__(
        self,
        inner: AlertWriter,
        tracks: TrackRecorder | None = None,
        voyages: Voyages | None = None,
    ) -> None:
        self.inner = inner
        self.tracks = tracks if tracks is not None else TrackRecorder()
        #: The voyages the alerts make (``models.voyages``), drawn and listed if given.
        self.voyages = voyages
        self._latest: dict[str, dict[str, Any]] = {}

    def write(self, alerts: list[Alert]) -> None:
        self.inner.write(alerts)
        for alert in alerts:
            if self.voyages is not None:
                self.voyages.update(alert)
            self._latest[alert.alert_id] = alert.to_dict()
            rank = SEVERITY_RANK.get(alert.severity.value, 0)
            self.tracks.mark(alert.mmsi, rank)
            if alert.other_mmsi is not None:
                self.tracks.mark(alert.other_mmsi, rank)

    def close(self) -> None:
        """Close the wrapped sink, if it has a ``close``."""
        close = getattr(self.inner, "close", None)
        if callable(close):
            close()

    def alerts(self) -> list[dict[str, Any]]:
        """The latest message of every episode, in the order the episodes first appeared."""
        return list(self._latest.values())

    def save(
        self, path: str | os.PathLike[str], summary: ReplaySummary, zones: ZoneIndex | None
    ) -> None:
        """Write the report of what went through this sink (``write_report``)."""
        voyages = self.voyages.records() if self.voyages is not None else None
        write_report(path, self.alerts(), self.tracks, summary, zones, voyages)


def write_report(
    path: str | os.PathLike[str],
    alerts: Sequence[Mapping[str, Any]],
    tracks: TrackRecorder,
    summary: ReplaySummary,
    zones: ZoneIndex | None,
    voyages: Sequence[Mapping[str, Any]] | None = None,
) -> None:
    """Write the HTML report of one replay to ``path``.

    ``alerts`` are alert JSON objects (``vigilmar.alert/1``), any number of messages per
    episode (the last one of each ``alert_id`` wins); ``tracks`` the recorder fed during the
    replay; ``zones`` the zones the replay used (drawn for context), or ``None``; ``voyages``
    the replay's ``vigilmar.voyage/1`` records (drawn port to port and listed), or ``None``.
    """
    page = render_report(alerts, tracks, summary, zones, voyages)
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.write(page)


def render_report(
    alerts: Sequence[Mapping[str, Any]],
    tracks: TrackRecorder,
    summary: ReplaySummary,
    zones: ZoneIndex | None,
    voyages: Sequence[Mapping[str, Any]] | None = None,
) -> str:
    """The report as one HTML document (see ``write_report``)."""
    rows = episodes(alerts)
    notes: list[str] = []
    lines = voyage_lines(voyages or (), zones)
    maps = _maps(rows, tracks, zones, notes, lines)
    data_end = tracks.last_time
    if data_end is None:
        ends = [t for r in rows for t in (r.start, r.end) if t is not None]
        data_end = max(ends) if ends else None
    timeline, undrawn = render_timeline(
        rows, data_end, width=TIMELINE_WIDTH, max_bars=MAX_TIMELINE_BARS
    )
    timeline_note = ""
    if undrawn:
        timeline_note = _note(
            f"The timeline shows the {MAX_TIMELINE_BARS:,} most severe of "
            f"{MAX_TIMELINE_BARS + undrawn:,} episodes."
        )
    table, table_note = _table(rows)
    types = sorted({r.type for r in rows}, key=type_key)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en" class="nojs"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        "<title>Vigilmar replay report</title>",
        f"<style>{style_sheet(types)}</style></head><body>",
        symbol_defs(),
        "<main>",
        header(summary, rows, tracks, _version()),
        '<h2 id="map">Map</h2>',
        legend(rows, zones is not None and len(zones) > 0, bool(lines)),
        *(_note(text) for text in notes),
        maps,
        '<h2 id="timeline">Timeline</h2>',
        timeline_note,
        timeline or '<p class="sub">No alert has a time.</p>',
        '<h2 id="table">Alerts</h2>',
        counts_table(rows, types),
        table_note,
        table,
        *(() if voyages is None else ('<h2 id="voyages-h">Voyages</h2>', voyages_table(voyages))),
        _footer(zones),
        '<a id="back" class="back js-only" href="#table" hidden>↓ Back to the selected alert</a>',
        "</main>",
        f"<script>{SCRIPT}</script>",
        "</body></html>",
    ]
    return "\n".join(part for part in parts if part) + "\n"


def _version() -> str:
    try:
        return importlib.metadata.version("vigilmar")
    except importlib.metadata.PackageNotFoundError:
        return "(development)"


def _note(text: str) -> str:
    return f'<p class="note">{esc(text)}</p>'


def _tracks_to_draw(rows: Sequence[AlertRow], recorder: TrackRecorder) -> list[Track]:
    """The kept tracks of the alerting vessels, the most severe and most alerting first."""
    weight: Counter[int] = Counter()
    rank: dict[int, int] = {}
    for row in rows:
        for mmsi in (row.mmsi, row.other_mmsi):
            if mmsi is not None:
                weight[mmsi] += 1
                rank[mmsi] = max(rank.get(mmsi, 0), row.rank)
    order = sorted(weight, key=lambda m: (-rank[m], -weight[m], m))
    chosen: list[Track] = []
    for mmsi in order:
        track = recorder.track(mmsi)
        if track is not None and len(track) >= 2:
            chosen.append(track)
            if len(chosen) == MAX_TRACKS:
                break
    return chosen


@dataclass
class _Layers:
    """What every map of one report draws: the placed alerts, tracks, their labels, zones."""

    placed: list[AlertRow]
    tracks: list[Track]
    labels: dict[int, str]
    zones: ZoneLayer | None
    voyages: list[VoyageLine] = field(default_factory=list)
    land_failed: list[str] = field(default_factory=list)

    def draw(
        self, map_id: str, view: MapView, label: str, insets: Sequence[MapView] = ()
    ) -> tuple[str, int]:
        return render_map(
            map_id,
            view,
            self.placed,
            self.tracks,
            self.labels,
            land=_land(view, self.land_failed),
            zones=self.zones,
            max_markers=MAX_MARKERS,
            label=label,
            insets=insets,
            voyages=self.voyages,
        )


def _maps(
    rows: Sequence[AlertRow],
    recorder: TrackRecorder,
    zones: ZoneIndex | None,
    notes: list[str],
    voyages: list[VoyageLine],
) -> str:
    """The overview map, with the detail maps of the places where alerts concentrate; the
    voyages drawn on both."""
    placed = [r for r in rows if r.has_position]
    unplaced = len(rows) - len(placed)
    if unplaced:
        notes.append(
            f"{unplaced:,} alert(s) have no position: they are in the timeline and the table only."
        )
    if not placed:
        return '<p class="sub">No alert has a position: nothing to map.</p>'
    tracks = _tracks_to_draw(rows, recorder)
    vessels = len({m for r in rows for m in (r.mmsi, r.other_mmsi) if m is not None})
    if len(tracks) == MAX_TRACKS and vessels > MAX_TRACKS:
        notes.append(f"Tracks are drawn for the {MAX_TRACKS} most severe of {vessels:,} vessels.")
    layer = ZoneLayer.from_index(zones) if zones is not None and len(zones) else None
    layers = _Layers(placed, tracks, {r.mmsi: r.vessel for r in rows}, layer, voyages)
    lon = np.array([r.lon for r in placed], dtype=np.float64)
    lat = np.array([r.lat for r in placed], dtype=np.float64)
    overview = fit_view(lon, lat, OVERVIEW_WIDTH, min_span=0.5, max_aspect=0.62)
    found = []
    if overview.span > 20 or overview.north - overview.south > 12:
        weight = np.array([_REGION_WEIGHT.get(r.severity, 1.0) for r in placed])
        found = find_regions(lon, lat, weight, REGION_WIDTH, limit=MAX_REGIONS)
    svg, dropped = layers.draw(
        "map-overview", overview, "Overview map of all alerts", [r.view for r in found]
    )
    if dropped:
        notes.append(
            f"The overview shows the {MAX_MARKERS:,} most severe of {MAX_MARKERS + dropped:,} "
            "alerts with a position."
        )
    caption = _caption(overview, len(placed))
    if found:
        caption += " · numbered boxes: the detail maps below"
    figures = [f"<figure>{svg}<figcaption>{esc(caption)}</figcaption></figure>"]
    details = []
    for n, region in enumerate(found, start=1):
        members = [placed[i] for i in region.members]
        svg, dropped = layers.draw(f"map-region-{n}", region.view, f"Detail map {n}")
        extra = f" ({dropped:,} less severe alerts not drawn)" if dropped else ""
        details.append(
            f'<figure id="region-{n}"><h3>{esc(_region_title(n, members))}</h3>{svg}'
            f"<figcaption>{esc(_caption(region.view, len(members)))}{esc(extra)}</figcaption>"
            "</figure>"
        )
    if layers.land_failed:
        notes.append(f"Land is not drawn: {layers.land_failed[0]}.")
    if details:
        figures.append(f'<div class="regions">{"".join(details)}</div>')
    return "".join(figures)


def _land(view: MapView, failed: list[str]) -> str | None:
    """The land path of a view, or ``None`` (with the reason noted once) if it cannot be had."""
    if failed:
        return None
    from replay.report.land import land_path

    try:
        return land_path(view)
    except (ModuleNotFoundError, OSError, ValueError) as err:
        failed.append(f"the land mask could not be read ({err})")
        return None


def _caption(view: MapView, count: int) -> str:
    west, east = view.west, view.west + view.span
    return (
        f"{count:,} alert(s) with a position · {fmt_lat(view.south, 0.01)} to "
        f"{fmt_lat(view.north, 0.01)}, {fmt_lon(west, 0.01)} to {fmt_lon(east, 0.01)} · "
        "equirectangular"
    )


def _region_title(n: int, members: Sequence[AlertRow]) -> str:
    """``3 · 138 alerts (60 high or critical) · MMSI 249014000 (MT), …``"""
    serious = sum(1 for r in members if r.rank >= SEVERITY_RANK["high"])
    who = Counter(r.vessel for r in members).most_common(3)
    spelled: dict[str, str] = {}
    for r in members:
        if r.zone:
            spelled.setdefault(r.zone.casefold(), r.zone)
    places = [
        (spelled[key], count)
        for key, count in Counter(r.zone.casefold() for r in members if r.zone).most_common(3)
    ]
    text = f"{n} · {len(members):,} alerts"
    if serious:
        text += f" ({serious:,} high or critical)"
    if places and len(places) >= len(who):
        text += " · " + ", ".join(name for name, _ in places)
    else:
        text += " · " + ", ".join(name for name, _ in who)
    return text


def _table(rows: Sequence[AlertRow]) -> tuple[str, str]:
    """The alert table (capped) and the note saying what the cap left out."""
    shown = list(rows)
    note = ""
    if len(shown) > MAX_TABLE_ROWS:
        keep = sorted(shown, key=lambda r: (-r.rank, -r.score, r.start or 0.0))[:MAX_TABLE_ROWS]
        kept = {id(r) for r in keep}
        shown = [r for r in rows if id(r) in kept]
        note = _note(
            f"The table lists the {MAX_TABLE_ROWS:,} most severe of {len(rows):,} episodes; "
            "the full list is in the replay's alert output."
        )
    return alert_table(shown), note


def _footer(zones: ZoneIndex | None) -> str:
    zone_text = (
        f"zones: the {len(zones):,} zones of the replay (ports, anchorages and limits outlined; "
        "shipping corridors not drawn). "
        if zones is not None and len(zones)
        else ""
    )
    return (
        "<footer>Land: the GLOBE 30″ land mask (NOAA NGDC) of the global-land-mask package, "
        f"contoured for each map; {zone_text}Times are UTC. Alert severities follow the "
        f"0–100 score: {' < '.join(SEVERITIES)}. Made by Vigilmar {esc(_version())}; this "
        "page needs no network.</footer>"
    )
