"""The ``vigilmar`` command line: flags are read here and nowhere else.

vigilmar replay INPUT... [--zones FILE]... [--no-default-zones] [--config FILE]
                         [--out FILE] [--format jsonl|geojson|csv] [--failures FILE]
vigilmar decode INPUT...
vigilmar zones check FILE...
vigilmar zones list [--zones FILE]... [--no-default-zones]
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

from models.config import Config, ConfigError, load_config
from models.decode import Decoder
from models.engine import Engine
from models.records import Failure, InputLine, Outcome
from replay.errors import ReplayError
from replay.jsonout import failure_to_dict, outcome_to_dict
from replay.progress import progress_bar
from replay.readers import Reader
from replay.runner import ReplayRunner, write_summary
from replay.sinks import FORMATS, dumps, make_sink
from zones.catalogue import load_catalogue
from zones.errors import ZoneError
from zones.index import ZoneIndex

EXIT_USAGE = 2


class CliError(Exception):
    """A problem the user can fix; printed without a traceback."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        code: int = args.run(args)
    except (CliError, ConfigError, ZoneError, ReplayError) as err:
        print(f"vigilmar {args.command}: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # The reader of our output went away (``| head``): not an error of ours.
        with contextlib.suppress(OSError):
            sys.stdout = open("/dev/null", "w")  # noqa: SIM115 - keep Python's exit flush quiet
        return 0
    except KeyboardInterrupt:
        print(f"vigilmar {args.command}: interrupted", file=sys.stderr)
        return 130
    return code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vigilmar",
        description="Maritime risk monitoring: AIS in, explained alerts out.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    replay = commands.add_parser(
        "replay",
        help="run the engine over historical AIS files and write the alerts",
        description=(
            "Replay NMEA logs (tag blocks, $PGHP, epoch columns), MarineCadastre CSV, position "
            "CSV or JSON Lines — plain, .gz, .bz2 or .zip; files, directories or globs — through "
            "the engine. Alerts go to stdout (or --out), a summary to stderr."
        ),
    )
    replay.add_argument("inputs", nargs="+", metavar="INPUT", help="file, directory, glob or -")
    _zone_options(replay)
    replay.add_argument("--config", type=Path, help="TOML file overriding detector thresholds")
    replay.add_argument("--out", type=Path, help="write alerts here instead of stdout")
    replay.add_argument("--format", choices=FORMATS, default="jsonl", help="alert format")
    replay.add_argument(
        "--failures", type=Path, help="also write every failed line as JSON Lines to this file"
    )
    replay.add_argument(
        "--no-progress", action="store_true", help="no progress bar even on a terminal"
    )
    replay.add_argument(
        "--keep-order",
        action="store_true",
        help="replay CSV and JSON Lines records in file order instead of sorting each file by "
        "time (NMEA logs always keep their order)",
    )
    replay.set_defaults(run=run_replay)

    decode = commands.add_parser(
        "decode",
        help="print decoded, normalised messages as JSON Lines",
        description="Decode AIS inputs and print one JSON object per message (like gpsdecode -j); "
        "failed messages are printed as objects with a 'failure' reason.",
    )
    decode.add_argument("inputs", nargs="+", metavar="INPUT", help="file, directory, glob or -")
    decode.set_defaults(run=run_decode)

    zones = commands.add_parser("zones", help="check and list zone packs")
    zone_commands = zones.add_subparsers(dest="zones_command", metavar="ACTION", required=True)
    check = zone_commands.add_parser("check", help="validate zone packs, reporting by feature")
    check.add_argument("files", nargs="+", type=Path, metavar="FILE")
    check.set_defaults(run=run_zones_check)
    listing = zone_commands.add_parser("list", help="list the loaded zones by kind and source")
    _zone_options(listing)
    listing.set_defaults(run=run_zones_list)
    return parser


def _zone_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--zones",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="an extra zone pack (GeoJSON); repeat for more",
    )
    parser.add_argument(
        "--no-default-zones", action="store_true", help="do not load the shipped zone pack"
    )


def load_zones(args: argparse.Namespace) -> ZoneIndex:
    return load_catalogue(args.zones, include_default=not args.no_default_zones)


# -- replay -----------------------------------------------------------------------------------


def run_replay(args: argparse.Namespace) -> int:
    config = load_config(args.config) if args.config else Config()
    engine = Engine(config, load_zones(args))
    reader = Reader(args.inputs, sort_records=not args.keep_order)
    with contextlib.ExitStack() as stack:
        out = _open_output(args.out, stack)
        failures = _open_output(args.failures, stack) if args.failures else None
        sink = make_sink(args.format, out)

        def on_failure(failure: Failure) -> None:
            if failures is not None:
                failures.write(dumps(failure_to_dict(failure)) + "\n")

        runner = ReplayRunner(engine, sink, on_failure=on_failure)
        show = not args.no_progress and sys.stderr.isatty()
        with progress_bar(reader.total_bytes, enabled=show) as progress:
            summary = runner.run(iter(reader), progress, lambda: reader.bytes_done)
        sink.close()
    summary.files = [str(name) for name in reader.files]
    summary.skipped = [str(name) for name in reader.skipped]
    write_summary(summary, sys.stderr)
    return 0


def _open_output(path: Path | None, stack: contextlib.ExitStack) -> IO[str]:
    if path is None:
        return sys.stdout
    try:
        return stack.enter_context(path.open("w", encoding="utf-8", newline=""))
    except OSError as err:
        raise CliError(f"cannot write {path}: {err.strerror}") from err


# -- decode -----------------------------------------------------------------------------------


def run_decode(args: argparse.Namespace) -> int:
    reader = Reader(args.inputs)
    out = sys.stdout
    for outcome in decode_items(iter(reader)):
        out.write(dumps(outcome_to_dict(outcome)) + "\n")
    return 0


def decode_items(items: Iterator[InputLine | Outcome]) -> Iterator[Outcome]:
    """Lines through the decoder; records that came decoded pass as they are."""
    decoder = Decoder()
    outcomes: list[Outcome] = []
    for item in items:
        if isinstance(item, InputLine):
            decoder.feed(item, outcomes)
        else:
            outcomes.append(item)
        if outcomes:
            yield from outcomes
            outcomes.clear()
    decoder.flush(outcomes)
    yield from outcomes


# -- zones ------------------------------------------------------------------------------------


def run_zones_check(args: argparse.Namespace) -> int:
    from zones.pack import check_pack

    bad = 0
    for path in args.files:
        zones, problems = check_pack(path)
        if problems:
            bad += 1
            print(f"{path}: {len(problems)} problem(s); {len(zones)} zone(s) usable")
            for problem in problems:
                print(f"  {problem}")
        else:
            print(f"{path}: OK, {len(zones)} zone(s)")
    return 1 if bad else 0


def run_zones_list(args: argparse.Namespace) -> int:
    index = load_zones(args)
    rows: dict[tuple[str, str], int] = {}
    for zone in index.zones:
        key = (zone.kind.value, zone.source or "(no source given)")
        rows[key] = rows.get(key, 0) + 1
    for (kind, source), count in sorted(rows.items()):
        print(f"{kind:16} {count:6}  {source}")
    print(f"{'total':16} {len(index):6}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
