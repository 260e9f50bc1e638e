"""The report's HTML parts other than drawings: header, legend, counts and the alert table."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from replay.report.data import (
    SEVERITIES,
    SEVERITY_COLOURS,
    TYPE_LABELS,
    TYPE_ORDER,
    AlertRow,
    duration,
    esc,
    fmt_time,
)
from replay.report.map import shape_of
from replay.report.tracks import TrackRecorder
from replay.runner import ReplaySummary

__all__ = ["alert_table", "counts_table", "header", "legend"]


def _card(value: int, label: str) -> str:
    return f'<div class="card"><b>{value:,}</b><span>{esc(label)}</span></div>'


def header(
    summary: ReplaySummary, rows: Sequence[AlertRow], tracks: TrackRecorder, version: str
) -> str:
    """Title, period, inputs and the replay's counts."""
    period = "no timed positions"
    if tracks.first_time is not None and tracks.last_time is not None:
        period = f"positions from {fmt_time(tracks.first_time)} to {fmt_time(tracks.last_time)} UTC"
    facts = [("Inputs", _inputs(summary.files, summary.skipped))]
    if summary.failed:
        facts.append(("Failures by reason", _counts(summary.failed)))
    if summary.ignored:
        facts.append(("Other lines", _counts(summary.ignored)))
    if summary.alerts:
        facts.append(("Alert messages by type", _counts(summary.alerts, labels=True)))
    remarks = []
    if summary.inherited_time:
        remarks.append(f"{summary.inherited_time:,} sentences took an earlier line's time")
    if summary.untimed:
        remarks.append(f"{summary.untimed:,} reports had no time and were not tracked")
    if summary.late:
        remarks.append(f"{summary.late:,} reports came too late to be tracked")
    if remarks:
        facts.append(("Remarks", esc("; ".join(remarks)) + "."))
    facts.append(("Tracks", esc(_track_text(tracks))))
    dl = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in facts)
    serious = sum(1 for r in rows if r.rank >= 3)
    cards = "".join(
        [
            _card(summary.messages, "AIS messages"),
            _card(summary.decoded_total, "decoded"),
            _card(summary.failed_total, "failed"),
            _card(summary.vessels, "vessels tracked"),
            _card(len(rows), "alert episodes"),
            _card(serious, "high or critical"),
        ]
    )
    return (
        f"<header><h1>Vigilmar replay report</h1>"
        f'<p class="sub">{esc(period)} · Vigilmar {esc(version)}</p>'
        f'<nav><a href="#map">Map</a><a href="#timeline">Timeline</a>'
        f'<a href="#table">Alerts</a></nav>'
        f'<div class="top"><div class="cards">{cards}</div><dl class="facts">{dl}</dl></div>'
        "</header>"
    )


def _inputs(files: Sequence[str], skipped: Sequence[str]) -> str:
    """The input files (folded away when there are many) and the skipped ones (folded)."""
    listed = "<br>".join(esc(name) for name in files) or "(not recorded)"
    if len(files) > 4:
        listed = f"<details><summary>{len(files):,} files</summary>{listed}</details>"
    if skipped:
        names = "<br>".join(esc(name) for name in skipped)
        listed += f"<details><summary>{len(skipped):,} skipped (not AIS)</summary>{names}</details>"
    return listed


def _track_text(tracks: TrackRecorder) -> str:
    text = (
        f"{tracks.positions:,} positions seen; up to {tracks.max_points} kept per vessel "
        "(evenly thinned over time)"
    )
    if tracks.evicted:
        text += f"; {tracks.evicted:,} vessel tracks dropped to bound memory"
    return text


def _counts(counter: Counter[str], *, labels: bool = False) -> str:
    items = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    return esc(
        ", ".join(f"{TYPE_LABELS.get(k, k) if labels else k} {v:,}" for k, v in items) or "none"
    )


def _swatch_svg(shape: str, css: str, size: int = 14) -> str:
    return (
        f'<svg width="{size}" height="{size}" viewBox="-7 -7 14 14" aria-hidden="true">'
        f'<use href="#s-{shape}" class="{css}"/></svg>'
    )


def legend(rows: Sequence[AlertRow], with_zones: bool, with_voyages: bool = False) -> str:
    """Severity colours, the marker shape of each type present, and the line styles."""
    if not rows:
        return ""
    present = {r.type for r in rows}
    parts = ["<b>Severity</b>"]
    for severity in SEVERITIES:
        parts.append(
            f'<span><svg width="14" height="14" viewBox="-7 -7 14 14" aria-hidden="true">'
            f'<circle r="5.5" fill="{SEVERITY_COLOURS[severity]}" stroke="#1d2733" '
            f'stroke-width=".9"/></svg>{severity}</span>'
        )
    parts.append("<b>Type</b>")
    for alert_type in [*TYPE_ORDER, *sorted(present - set(TYPE_ORDER))]:
        if alert_type in present:
            label = TYPE_LABELS.get(alert_type, alert_type)
            parts.append(f"<span>{_swatch_svg(shape_of(alert_type), 'lg-t')}{esc(label)}</span>")
    parts.append(
        '<span><svg width="26" height="8" aria-hidden="true"><path d="M1 4H25" '
        'stroke="#2f4b6e" stroke-width="1.6" stroke-opacity=".7"/></svg>track</span>'
        '<span><svg width="26" height="8" aria-hidden="true"><path d="M1 4H25" '
        'stroke="#2f4b6e" stroke-width="1.2" stroke-dasharray="3 3"/></svg>'
        "silence over 3 h</span>"
    )
    if "dark_period" in present:
        parts.append(
            '<span><svg width="26" height="8" aria-hidden="true"><path d="M1 4H25" '
            'stroke="#0b1a2b" stroke-width="1.4" stroke-dasharray="5 3"/></svg>'
            "dark: went silent → reappeared</span>"
        )
    if with_voyages:
        parts.append(
            '<span><svg width="26" height="8" aria-hidden="true"><path d="M1 4H25" '
            'stroke="#2f4b6e" stroke-width="2.2" stroke-opacity=".55"/></svg>'
            "voyage, port to port (colour: its risk)</span>"
        )
    if with_zones:
        parts.append(
            '<span><svg width="18" height="12" aria-hidden="true"><rect x="1" y="1" '
            'width="16" height="10" fill="#7d5ba6" fill-opacity=".1" stroke="#7d5ba6"/></svg>'
            "port / anchorage</span>"
        )
    return f'<div class="legend">{"".join(parts)}</div>'


def counts_table(rows: Sequence[AlertRow], types: Sequence[str]) -> str:
    """Episodes by type × severity, with the filters (script only) beside it."""
    if not rows:
        return '<p class="sub">No alerts: the engine raised nothing on these inputs.</p>'
    counts = Counter((r.type, r.severity) for r in rows)
    head = "".join(f"<th>{s}</th>" for s in SEVERITIES)
    body = []
    for alert_type in types:
        cells = []
        for severity in SEVERITIES:
            n = counts[(alert_type, severity)]
            cells.append('<td class="zero">0</td>' if not n else f"<td>{n:,}</td>")
        total = sum(counts[(alert_type, s)] for s in SEVERITIES)
        label = TYPE_LABELS.get(alert_type, alert_type)
        body.append(f"<tr><td>{esc(label)}</td>{''.join(cells)}<td><b>{total:,}</b></td></tr>")
    totals = "".join(f"<td><b>{sum(counts[(t, s)] for t in types):,}</b></td>" for s in SEVERITIES)
    body.append(f"<tr><td><b>All</b></td>{totals}<td><b>{len(rows):,}</b></td></tr>")
    boxes = ["<b>Show</b>"]
    for alert_type in types:
        label = TYPE_LABELS.get(alert_type, alert_type)
        boxes.append(
            f'<label><input type="checkbox" checked data-hide="hide-t-{esc(alert_type)}"> '
            f"{esc(label)}</label>"
        )
    for severity in SEVERITIES:
        boxes.append(
            f'<label><input type="checkbox" checked data-hide="hide-s-{severity}"> '
            f"{severity}</label>"
        )
    return (
        f'<table class="counts"><thead><tr><th>Episodes</th>{head}<th>total</th></tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
        f'<div class="filters js-only">{"".join(boxes)}'
        f'<span><b id="shown">{len(rows):,}</b> rows shown · click a row to find it on the map'
        f"</span></div>"
    )


_COLUMNS = (
    "Start (UTC)",
    "Duration",
    "Type",
    "Status",
    "Severity",
    "Score",
    "MMSI",
    "Vessel · flag",
    "Zone",
    "Explanation",
)


def _vessel(row: AlertRow) -> str:
    name = esc(row.name) if row.name else '<span class="unk">unnamed</span>'
    flag = f' <span class="flag">{esc(row.flag)}</span>' if row.flag else ""
    return name + flag


def alert_table(rows: Sequence[AlertRow]) -> str:
    """One row per episode, in time order; each row is the target of its markers' links."""
    head = "".join(f"<th>{c}</th>" for c in _COLUMNS)
    out = [f'<table id="alerts"><thead><tr>{head}</tr></thead><tbody>']
    for row in rows:
        ident = esc(row.alert_id)
        if row.end is not None and row.start is not None:
            span = "instant" if row.end == row.start else duration(row.end - row.start)
        else:
            span = "ongoing" if row.status != "closed" else "–"
        where = "" if row.has_position else " (no position)"
        other = f" with MMSI {row.other_mmsi}" if row.other_mmsi is not None else ""
        out.append(
            f'<tr id="a-{ident}" data-id="{ident}" data-mmsi="{row.mmsi}" tabindex="0" '
            f'class="t-{esc(row.type)} s-{row.severity}">'
            f'<td class="when">{fmt_time(row.start, seconds=True)}</td><td>{span}</td>'
            f"<td>{esc(row.type_label)}</td><td>{esc(row.status)}</td>"
            f'<td><span class="sev s-{row.severity}">{row.severity}</span></td>'
            f'<td class="num">{row.score}</td><td class="num">{row.mmsi}</td>'
            f"<td>{_vessel(row)}{esc(other)}</td><td>{esc(row.zone or '')}</td>"
            f'<td class="expl">{esc(row.explanation)}{esc(where)}<br><code>{ident}</code></td></tr>'
        )
    if not rows:
        out.append(f'<tr><td colspan="{len(_COLUMNS)}">No alerts.</td></tr>')
    out.append("</tbody></table>")
    return "".join(out)
