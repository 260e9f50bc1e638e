"""The report's timeline: one lane per alert type, each episode a bar from its start to its end.

Replays often join inputs from different periods (the demo: January 2018, then 25 minutes of
2022-01-03, then 6 minutes of 2022-11-10), which a linear axis would squash into three specks.
So the axis is *broken*: episodes are grouped into periods separated by long quiet spans (over
5 % of the whole range, and over 6 h); each period gets its own scale and a share of the width
(half by its share of the time, half by its share of the episodes, and at least a fifth
of an even share), and the quiet span between periods is marked with its
length. Open episodes run to the end of their period and fade out. Overlapping bars within a
lane are stacked into up to ten rows, then drawn over each other. The axis is one
piecewise-linear map, so an episode that spans a quiet gap (a vessel dark between two inputs)
runs through the break.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from replay.report.data import AlertRow, esc, fmt_time, type_key

__all__ = ["render_timeline"]

LABEL_WIDTH = 150.0
BREAK_WIDTH = 34.0
BAR_HEIGHT = 5.0
ROW_PITCH = 6.0
MAX_ROWS_PER_LANE = 10
AXIS_HEIGHT = 22.0
HEADER_HEIGHT = 20.0
_MIN_GAP_S = 6 * 3600.0
_TICK_STEPS = (
    60,
    120,
    300,
    600,
    900,
    1800,
    3600,
    7200,
    10800,
    21600,
    43200,
    86400,
    172800,
    432000,
    604800,
    1209600,
    2592000,
    7776000,
    31536000,
)


@dataclass(frozen=True, slots=True)
class _Period:
    """A stretch of the axis: ``first``..``last`` are the episode times it holds, ``start``..
    ``end`` the padded range drawn from ``x0`` over ``width`` pixels."""

    first: float
    last: float
    start: float
    end: float
    x0: float
    width: float

    def x(self, t: float) -> float:
        return self.x0 + (t - self.start) / (self.end - self.start) * self.width


def _periods(times: list[float], starts: list[float], plot_width: float) -> list[_Period]:
    """Group the episodes' start and end times into periods split at long quiet gaps, and give
    each a width: half by its share of the time, half by its share of the episodes."""
    ordered = sorted(times)
    whole = ordered[-1] - ordered[0]
    threshold = max(_MIN_GAP_S, 0.05 * whole)
    groups: list[list[float]] = [[ordered[0], ordered[0]]]
    for t in ordered[1:]:
        if t > groups[-1][1] + threshold:
            groups.append([t, t])
        else:
            groups[-1][1] = t
    padded = []
    for s, e in groups:
        pad = max((e - s) * 0.02, 60.0)
        padded.append((s - pad, e + pad))
    firsts = [g[0] for g in groups]
    lasts = [g[1] for g in groups]
    lengths = [e - s for s, e in padded]
    counts = [sum(1 for t in starts if s <= t <= e) for s, e in padded]
    floor = 0.2 / len(padded)
    shares = [
        max(0.5 * length / sum(lengths) + 0.5 * count / max(sum(counts), 1), floor)
        for length, count in zip(lengths, counts, strict=True)
    ]
    usable = plot_width - BREAK_WIDTH * (len(padded) - 1)
    periods = []
    x = LABEL_WIDTH
    for n, ((s, e), share) in enumerate(zip(padded, shares, strict=True)):
        width = usable * share / sum(shares)
        periods.append(_Period(firsts[n], lasts[n], s, e, x, width))
        x += width + BREAK_WIDTH
    return periods


def _x(periods: list[_Period], t: float) -> float:
    """The broken axis as one piecewise-linear map: linear in each period, and across each
    break (so an episode spanning a quiet gap runs through the break between its periods)."""
    for i, period in enumerate(periods):
        if t <= period.end:
            if t >= period.start or i == 0:
                return period.x(max(t, period.start))
            before = periods[i - 1]
            share = (t - before.end) / (period.start - before.end)
            return before.x0 + before.width + share * BREAK_WIDTH
    last = periods[-1]
    return last.x0 + last.width


def _tick_step(period: _Period) -> int:
    seconds_per_px = (period.end - period.start) / max(period.width, 1.0)
    for step in _TICK_STEPS:
        if step / seconds_per_px >= 80:
            return step
    return _TICK_STEPS[-1]


def _tick_label(t: float, step: int) -> str:
    moment = datetime.fromtimestamp(t, tz=UTC)
    if step >= 86400:
        return moment.strftime("%m-%d")
    return moment.strftime("%H:%M")


def _axis(periods: list[_Period], y: float) -> list[str]:
    """Ticks under each period (none so close to a break that its label would spill over)."""
    out = ['<g class="axis">']
    for period in periods:
        step = _tick_step(period)
        t = math.ceil(period.start / step) * step
        while t <= period.end:
            x = period.x(t)
            if len(periods) == 1 or period.x0 + 16 <= x <= period.x0 + period.width - 16:
                out.append(f'<path d="M{x:.1f} {y:.1f}v4"/>')
                out.append(
                    f'<text x="{x:.1f}" y="{y + 15:.1f}" text-anchor="middle">'
                    f"{_tick_label(t, step)}</text>"
                )
            t += step
    out.append("</g>")
    return out


def _header(periods: list[_Period], bottom: float) -> list[str]:
    """Each period's dates above it, and each break as a band through the lanes, labelled
    with the quiet time it stands for."""
    out = ['<g class="periods">']
    for n, period in enumerate(periods):
        label = _period_label(period)
        centre = period.x0 + period.width / 2
        if label:
            out.append(
                f'<text class="pl" x="{centre:.1f}" y="12" text-anchor="middle">{esc(label)}</text>'
            )
        if n:
            before = periods[n - 1]
            x = before.x0 + before.width
            quiet = _quiet(period.start - before.end)
            out.append(
                f'<rect class="brk" x="{x + 4:.1f}" y="18" width="{BREAK_WIDTH - 8:.1f}" '
                f'height="{bottom - 18:.1f}"><title>{esc(quiet)} without alerts</title></rect>'
                f'<text class="bl" x="{x + BREAK_WIDTH / 2:.1f}" y="12" text-anchor="middle">'
                f"{esc(quiet)}</text>"
            )
    out.append("</g>")
    return out


def _quiet(seconds: float) -> str:
    """The length of a break, rounded for a glance: ``9 h``, ``12 d``, ``10 mo``, ``3.8 y``."""
    days = seconds / 86400
    if days >= 730:
        return f"{days / 365.25:.1f} y"
    if days >= 60:
        return f"{days / 30.44:.0f} mo"
    if days >= 2:
        return f"{days:.0f} d"
    return f"{seconds / 3600:.0f} h"


def _period_label(period: _Period) -> str:
    """The dates of a period, as long as its width allows (about 6.5 px a character)."""
    start, end = fmt_time(period.first), fmt_time(period.last)
    same_day = start[:10] == end[:10]
    for label in (
        f"{start} – {end[11:] if same_day else end} UTC",
        f"{start[:10]} {start[11:]}–{end[11:]}" if same_day else f"{start[:10]} – {end[:10]}",
        start[:10] if same_day else f"{start[5:10]} – {end[5:10]}",
        start[5:10],
    ):
        if len(label) * 6.5 <= period.width:
            return label
    return ""


def render_timeline(
    rows: Sequence[AlertRow], data_end: float | None, *, width: float, max_bars: int
) -> tuple[str, int]:
    """The timeline as an ``<svg>``, and how many episodes were left undrawn (over the cap)."""
    timed = [r for r in rows if r.start is not None]
    if not timed:
        return "", 0
    dropped = max(0, len(timed) - max_bars)
    if dropped:
        timed = sorted(timed, key=lambda r: (-r.rank, -r.score, r.start or 0.0))[:max_bars]
    starts = [r.start or 0.0 for r in timed]
    ends = [r.end for r in timed if r.end is not None]
    periods = _periods(starts + ends, starts, width - LABEL_WIDTH - 10)
    types = sorted({r.type for r in timed}, key=type_key)
    backgrounds: list[str] = []
    bars: list[str] = []
    y = HEADER_HEIGHT
    for alert_type in types:
        members = sorted(
            (r for r in timed if r.type == alert_type), key=lambda r: (r.start or 0.0, r.alert_id)
        )
        body, rows_used = _lane(members, periods, data_end, y + 4)
        height = rows_used * ROW_PITCH + 8
        css = f"t-{esc(alert_type)}"
        backgrounds.append(
            f'<rect class="lb {css}" x="0" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}"/>'
            f'<text class="ll {css}" x="8" y="{y + min(height / 2, 12) + 4:.1f}">'
            f'{esc(members[0].type_label)} <tspan class="n">{len(members)}</tspan></text>'
        )
        bars.append(f'<g class="lane {css}">{body}</g>')
        y += height + 2
    parts = [*backgrounds, *_header(periods, y), *bars, *_axis(periods, y + 2)]
    total = y + AXIS_HEIGHT
    svg = (
        f'<svg class="timeline" viewBox="0 0 {width:.0f} {total:.0f}" '
        f'aria-label="Alert episodes over time, by type">{"".join(parts)}</svg>'
    )
    return svg, dropped


def _period_of(periods: list[_Period], t: float) -> _Period:
    for period in periods:
        if period.start <= t <= period.end:
            return period
    return min(periods, key=lambda p: min(abs(p.start - t), abs(p.end - t)))


def _lane(
    members: list[AlertRow], periods: list[_Period], data_end: float | None, y0: float
) -> tuple[str, int]:
    """The bars of one type, packed into rows; returns the markup and the rows used."""
    row_ends: list[float] = []
    out = []
    for row in members:
        start = row.start or 0.0
        period = _period_of(periods, start)
        open_ended = row.end is None and row.status != "closed"
        end = row.end if row.end is not None else start
        if open_ended:
            end = max(end, min(period.end, data_end if data_end is not None else period.end))
        x0 = _x(periods, start)
        x1 = max(_x(periods, end), x0 + 3.0)
        slot = next((i for i, e in enumerate(row_ends) if e + 1.0 <= x0), None)
        if slot is None:
            if len(row_ends) < MAX_ROWS_PER_LANE:
                slot = len(row_ends)
                row_ends.append(x1)
            else:
                slot = min(range(len(row_ends)), key=row_ends.__getitem__)
        row_ends[slot] = max(row_ends[slot], x1)
        y = y0 + slot * ROW_PITCH
        ident = esc(row.alert_id)
        ongoing = " ongoing" if open_ended else ""
        when = f"{fmt_time(row.start)} → {fmt_time(row.end) if row.end else 'ongoing'}"
        title = f"{row.severity.upper()} · {row.type_label} · {row.vessel}\n{when}"
        out.append(
            f'<a href="#a-{ident}" class="bar s-{row.severity}{ongoing}" data-id="{ident}">'
            f"<title>{esc(title)}</title>"
            f'<rect x="{x0:.1f}" y="{y:.1f}" width="{x1 - x0:.1f}" height="{BAR_HEIGHT}"/></a>'
        )
    return "".join(out), max(len(row_ends), 1)
