"""The top alerts of a replay as a table a person reads at a terminal (``replay --top N``).

``TopAlerts`` wraps the replay's alert sink: it passes every batch on unchanged and keeps, per
episode (``alert_id``), what its latest message says. ``write_top`` then prints the ``n``
highest-scoring episodes, one line each — rank, score, type, vessel, flag, where, when and the
explanation cut to the width left — so that the JSON Lines stay untouched for piping and the
table goes to the terminal. A vessel's further episodes of the same type do not take rows of
their own: its best one says how many it had (``×5``), so the table shows many behaviours.
"""

from __future__ import annotations

from typing import IO, NamedTuple

from models.alerts import Alert
from replay.runner import AlertWriter

__all__ = ["TopAlerts", "write_top"]

#: Narrower than this, the explanation would have no room left.
MIN_WIDTH = 100
_COLUMNS = (("#", 2), ("score", 5), ("type", 20), ("vessel", 16), ("flag", 4), ("where", 15))
_WHEN = ("start (UTC)", 16)


class Episode(NamedTuple):
    """What the table shows of one alert episode (its latest message)."""

    score: int
    start: str
    alert_id: str
    mmsi: int
    type: str
    vessel: str
    flag: str
    where: str
    explanation: str


class TopAlerts:
    """Passes alerts on to ``inner`` and remembers each episode's latest message."""

    def __init__(self, inner: AlertWriter) -> None:
        self.inner = inner
        self.episodes: dict[str, Episode] = {}

    def write(self, alerts: list[Alert]) -> None:
        self.inner.write(alerts)
        for alert in alerts:
            self.episodes[alert.alert_id] = _episode(alert)

    def close(self) -> None:
        """Close the wrapped sink, if it has a ``close``."""
        close = getattr(self.inner, "close", None)
        if callable(close):
            close()

    def top(self, n: int) -> list[tuple[Episode, int]]:
        """The ``n`` highest-scoring episodes, each with how many episodes of its type its
        vessel had (only the best of them is listed); ties by start, then id (the same input
        gives the same table)."""
        ranked = sorted(self.episodes.values(), key=lambda e: (-e.score, e.start, e.alert_id))
        best: dict[tuple[int, str], Episode] = {}
        counts: dict[tuple[int, str], int] = {}
        for episode in ranked:
            key = (episode.mmsi, episode.type)
            best.setdefault(key, episode)
            counts[key] = counts.get(key, 0) + 1
        return [(episode, counts[key]) for key, episode in list(best.items())[:n]]


def _episode(alert: Alert) -> Episode:
    document = alert.to_dict()
    vessel = document["vessel"]
    name = vessel["name"]
    who = name or str(alert.mmsi)
    if alert.other_mmsi is not None:
        who += f" + {alert.other_mmsi}"
    zone = document["zone"]
    if zone is not None:
        where = zone["name"] or zone["id"]
    elif document["lat"] is not None and document["lon"] is not None:
        where = _place(document["lat"], document["lon"])
    else:
        where = "-"
    start = document["start"] or ""
    return Episode(
        score=int(document["score"]),
        start=start,
        alert_id=alert.alert_id,
        mmsi=alert.mmsi,
        type=document["type"].replace("_", " "),
        vessel=who,
        flag=vessel["flag"] or "-",
        where=where,
        explanation=document["explanation"],
    )


def _place(lat: float, lon: float) -> str:
    return f"{abs(lat):.2f}{'N' if lat >= 0 else 'S'} {abs(lon):.2f}{'E' if lon >= 0 else 'W'}"


def write_top(top: TopAlerts, n: int, stream: IO[str], width: int = 120) -> None:
    """The ``n`` highest-scoring episodes as an aligned table at most ``width`` columns wide
    (at least ``MIN_WIDTH``)."""
    width = max(width, MIN_WIDTH)
    episodes = top.top(n)
    total = len(top.episodes)
    if not episodes:
        stream.write("no alerts\n")
        return
    stream.write(
        f"top alerts ({total:,} episodes; a vessel's repeats of one type on one row, ×n):\n"
    )
    fixed = sum(size for _, size in (*_COLUMNS, _WHEN)) + len(_COLUMNS) + 1
    room = width - fixed - 1
    header = [name for name, _ in (*_COLUMNS, _WHEN)] + ["explanation"]
    stream.write(_row(header, room) + "\n")
    for rank, (episode, count) in enumerate(episodes, 1):
        cells = [
            str(rank),
            str(episode.score),
            episode.type + (f" ×{count}" if count > 1 else ""),
            episode.vessel,
            episode.flag,
            episode.where,
            episode.start.replace("T", " ")[:16],
            episode.explanation,
        ]
        stream.write(_row(cells, room) + "\n")


def _row(cells: list[str], room: int) -> str:
    sizes = [size for _, size in (*_COLUMNS, _WHEN)]
    padded = [_cut(cell, size).ljust(size) for cell, size in zip(cells, sizes, strict=False)]
    padded[0], padded[1] = cells[0].rjust(sizes[0]), cells[1].rjust(sizes[1])
    return " ".join([*padded, _cut(cells[-1], room)]).rstrip()


def _cut(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"
