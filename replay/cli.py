"""The ``vigilmar`` command line: flags are read here and nowhere else.

vigilmar replay INPUT... [--zones FILE]... [--no-default-zones] [--config FILE]
                         [--out FILE] [--format jsonl|geojson|csv] [--failures FILE]
                         [--timezone ZONE] [--top N]
                         [--sharing FILE --share-dir DIR] [--lists FILE...]
                         [--voyages FILE] [--port-risk FILE]
vigilmar decode INPUT... [--timezone ZONE]
vigilmar zones check FILE...
vigilmar zones list [--zones FILE]... [--no-default-zones]
vigilmar worker [--loglevel LEVEL]          (settings from VIGILMAR_* variables)
vigilmar feed SOURCE [--speed X] [--timezone ZONE]   (udp://HOST:PORT, tcp://HOST:PORT or a file)
vigilmar up [--sample FILE] [--speed X]     (broker, worker and feeder on this machine)
vigilmar lists push FILE [--name NAME]      (a partner's list to the workers' lists topic)
vigilmar lists remove NAME
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, tzinfo
from pathlib import Path
from typing import IO

from metrics.telemetry import MetricsServer, Telemetry
from models.config import Config, ConfigError, load_config
from models.decode import Decoder
from models.engine import Engine
from models.lists import ListError, VesselLists, load_lists
from models.nmea import time_zone
from models.port_risk import PortRiskError, load_port_risks
from models.records import Failure, InputLine, Outcome
from models.serialise import failure_to_dict, outcome_to_dict
from models.sharing import AUDIT, SharingError, SharingPolicy, load_policy
from models.vessel_risk import VesselRisk
from models.voyages import Voyages
from replay.demo import TopAlerts, write_top
from replay.errors import ReplayError
from replay.progress import progress_bar
from replay.readers import Reader
from replay.report import ReportingSink
from replay.runner import AlertWriter, ReplayRunner, ReplaySummary, write_summary
from replay.sinks import FORMATS, SharingSink, VesselRiskSink, VoyageSink, dumps, make_sink
from streams.kafka_check import KafkaUnavailable
from streams.settings import Settings
from zones.catalogue import load_catalogue
from zones.errors import ZoneError
from zones.index import ZoneIndex

EXIT_USAGE = 2  # bad arguments, or an input, zone pack or config that cannot be read at all
EXIT_INCOMPLETE = 3  # the run finished, but some input could not be read to its end


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
    except (
        CliError,
        ConfigError,
        ZoneError,
        ReplayError,
        SharingError,
        ListError,
        PortRiskError,
        KafkaUnavailable,
    ) as err:
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
            "Replay NMEA logs (tag blocks, leading or trailing time columns, $PGHP/ZDA/RMC "
            "clocks), AIS-catcher JSON, MarineCadastre CSV, position CSV or JSON Lines — plain, "
            ".gz, .bz2 or .zip; files, directories or globs — through the engine. Alerts go to "
            "stdout (or --out), a summary to stderr."
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
        "--report",
        type=Path,
        metavar="FILE",
        help="also write a self-contained HTML report: map, timeline and table of the alerts",
    )
    replay.add_argument(
        "--vessels",
        type=Path,
        metavar="FILE",
        help="also write a risk summary per alerting vessel (vigilmar.vessel/1), highest risk "
        "first: JSON Lines, or CSV when FILE ends in .csv",
    )
    replay.add_argument(
        "--voyages",
        type=Path,
        metavar="FILE",
        help="also write the voyages between port calls (vigilmar.voyage/1), by departure: "
        "JSON Lines, or CSV when FILE ends in .csv",
    )
    replay.add_argument(
        "--port-risk",
        type=Path,
        metavar="FILE",
        help="ports to watch (CSV: port,risk,reason; port a UN/LOCODE or a zone id): alerts on "
        "voyages from or bound for one, and voyages from or to one, score higher",
    )
    replay.add_argument(
        "--metrics-port",
        type=int,
        metavar="N",
        help="serve Prometheus metrics (and /healthz, /readyz) on this port while replaying",
    )
    replay.add_argument(
        "--keep-order",
        action="store_true",
        help="replay CSV and JSON Lines records in file order instead of sorting each file by "
        "time (NMEA logs always keep their order)",
    )
    _timezone_option(replay)
    replay.add_argument(
        "--top",
        type=_count,
        default=0,
        metavar="N",
        help="also print the N highest-scoring alert episodes as a table on stderr",
    )
    _sharing_options(replay)
    replay.set_defaults(run=run_replay)

    decode = commands.add_parser(
        "decode",
        help="print decoded, normalised messages as JSON Lines",
        description="Decode AIS inputs and print one JSON object per message (like gpsdecode -j); "
        "failed messages are printed as objects with a 'failure' reason.",
    )
    decode.add_argument("inputs", nargs="+", metavar="INPUT", help="file, directory, glob or -")
    _timezone_option(decode)
    decode.set_defaults(run=run_decode)

    worker = commands.add_parser(
        "worker",
        help="run a streaming worker (faust) on Kafka",
        description="Decode ais.raw, track vessels and publish alerts to vigilmar.alerts. "
        "Settings come from VIGILMAR_* environment variables (see README).",
    )
    worker.add_argument("--loglevel", default="info", help="debug, info, warning or error")
    worker.set_defaults(run=run_worker)

    feed = commands.add_parser(
        "feed",
        help="send NMEA from a receiver or a file into the raw topic",
        description="Listen on udp://HOST:PORT or tcp://HOST:PORT for NMEA from an AIS receiver, "
        "or send a file, stamping each line with its receive time.",
    )
    feed.add_argument("source", metavar="SOURCE", help="udp://HOST:PORT, tcp://HOST:PORT or FILE")
    feed.add_argument("--speed", type=float, help="keep the file's original pacing, X times faster")
    feed.add_argument("--broker", help="bootstrap servers (default: $VIGILMAR_BROKER)")
    _timezone_option(feed)
    feed.set_defaults(run=run_feed)

    up = commands.add_parser(
        "up",
        help="run the live path locally: broker, worker and feeder, printing alerts",
        description="Start a local Kafka-protocol broker (Tansu), a worker and a feeder replaying "
        "an NMEA sample, print the alerts as they come, and stop everything on Ctrl-C.",
    )
    up.add_argument("--sample", type=Path, help="NMEA file to feed (default: the demo sample)")
    up.add_argument("--speed", type=float, default=10.0, help="times the sample's pace (10)")
    up.add_argument("--metrics-port", type=int, default=9464, help="worker metrics port (9464)")
    up.add_argument("--duration", type=float, help="stop by itself after this many seconds")
    up.set_defaults(run=run_up)

    _lists_commands(commands)

    zones = commands.add_parser("zones", help="check and list zone packs")
    zone_commands = zones.add_subparsers(dest="zones_command", metavar="ACTION", required=True)
    check = zone_commands.add_parser(
        "check",
        help="validate zone packs, reporting by feature",
        description="Validate zone packs — GeoJSON, GeoPackage, Shapefile (plain or zipped) or "
        "KML — and report every problem by feature: invalid geometry (with the reason), "
        "duplicate ids, unknown kinds, missing names. A pack in another coordinate reference "
        "system is reprojected to WGS84, with a warning.",
    )
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
        help="an extra zone pack (GeoJSON, GeoPackage or Shapefile); repeat for more",
    )
    parser.add_argument(
        "--no-default-zones", action="store_true", help="do not load the shipped zone pack"
    )


def _timezone_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--timezone",
        type=_zone,
        default=UTC,
        metavar="ZONE",
        help="IANA time zone of times written without one (a leading '2024-03-01 12:00:00' "
        "column, a positions CSV's naive times): Europe/Oslo, America/Puerto_Rico ... "
        "(default UTC)",
    )


def _zone(text: str) -> tzinfo:
    try:
        return time_zone(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _count(text: str) -> int:
    if not text.isascii() or not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 0")
    return int(text)


def load_zones(args: argparse.Namespace) -> ZoneIndex:
    return load_catalogue(args.zones, include_default=not args.no_default_zones)


# -- replay -----------------------------------------------------------------------------------


def run_replay(args: argparse.Namespace) -> int:
    check_outputs(
        ("--out", args.out),
        ("--failures", args.failures),
        ("--report", args.report),
        ("--vessels", args.vessels),
        ("--voyages", args.voyages),
    )
    policy, lists = load_sharing(args)
    config = load_config(args.config) if args.config else Config()
    zones = load_zones(args)
    risks = None
    if args.port_risk is not None:
        risks = load_port_risks(args.port_risk, [zone.id for zone in zones.zones])
    engine = Engine(config, zones, port_risks=risks)
    reader = Reader(args.inputs, sort_records=not args.keep_order, timezone=args.timezone)
    with contextlib.ExitStack() as stack:
        out = _open_output(args.out, stack)
        failures = _open_output(args.failures, stack) if args.failures else None
        sink = make_sink(args.format, out)

        def on_failure(failure: Failure) -> None:
            if failures is not None:
                failures.write(dumps(failure_to_dict(failure)) + "\n")

        telemetry = None
        if args.metrics_port is not None:
            telemetry = Telemetry()
            server = _serve_metrics(telemetry, args.metrics_port)
            stack.callback(server.stop)
            telemetry.set_ready(True)
        outputs = _Outputs.of(args, engine, sink)
        report = outputs.report
        inner = outputs.outermost or sink
        top = TopAlerts(inner) if args.top else None
        sharing = open_sharing(args, policy, lists, top or inner, stack)
        runner = ReplayRunner(
            engine,
            sharing or top or inner,
            on_failure=on_failure,
            telemetry=telemetry,
            on_records=report.tracks.observe if report else None,
            formats=reader.formats,
            timezone=args.timezone,
        )
        show = not args.no_progress and sys.stderr.isatty()
        with progress_bar(reader.total_bytes, enabled=show) as progress:
            summary = runner.run(iter(reader), progress, lambda: reader.bytes_done)
        sink.close()
        if sharing is not None:
            sharing.close()
            sharing_summary(summary, sharing)
    summary.files = [str(name) for name in reader.files]
    summary.skipped = [skipped.name for skipped in reader.skipped]
    wrote, unwritten = _save_outputs(args, sink.count, outputs, summary, engine)
    if top is not None:
        write_top(top, args.top, sys.stderr, shutil.get_terminal_size((120, 24)).columns)
    write_summary(summary, sys.stderr)
    for line in wrote:
        print(line, file=sys.stderr)
    if unwritten:
        raise CliError("; ".join(unwritten))
    return EXIT_INCOMPLETE if summary.incomplete else 0


@dataclass(frozen=True, slots=True)
class _Outputs:
    """What a replay writes beside its alerts, each a sink wrapping the one before."""

    report: ReportingSink | None
    vessels: VesselRiskSink | None
    voyages: VoyageSink | None

    @staticmethod
    def of(args: argparse.Namespace, engine: Engine, sink: AlertWriter) -> _Outputs:
        report = ReportingSink(sink, voyages=Voyages.of(engine)) if args.report else None
        vessels = None
        if args.vessels:
            vessels = VesselRiskSink(report or sink, VesselRisk(engine.config.vessel_risk))
        voyages = None
        if args.voyages:
            voyages = VoyageSink(vessels or report or sink, Voyages.of(engine))
        return _Outputs(report, vessels, voyages)

    @property
    def outermost(self) -> AlertWriter | None:
        return self.voyages or self.vessels or self.report


def _save_outputs(
    args: argparse.Namespace,
    alerts: int,
    outputs: _Outputs,
    summary: ReplaySummary,
    engine: Engine,
) -> tuple[list[str], list[str]]:
    """Write the report, the vessel summaries and the voyages; say what was written where, and
    what not."""
    wrote: list[str] = []
    unwritten: list[str] = []
    if args.out is not None:
        wrote.append(f"alerts: {alerts:,} written to {args.out}")
    if outputs.report is not None:
        try:
            outputs.report.save(args.report, summary, engine.zones)
            wrote.append(f"report: {args.report}")
        except OSError as err:
            unwritten.append(f"cannot write {args.report}: {err.strerror}")
    for saver, path, what in (
        (outputs.vessels, args.vessels, "vessels"),
        (outputs.voyages, args.voyages, "voyages"),
    ):
        if saver is None:
            continue
        try:
            written = saver.save(path)
            wrote.append(f"{what}: {written:,} written to {path}")
        except OSError as err:
            unwritten.append(f"cannot write {path}: {err.strerror}")
    return wrote, unwritten


def check_outputs(*options: tuple[str, Path | None]) -> None:
    """Refuse, before any input is read, an output path that cannot be written: a directory, a
    missing or unwritable parent directory, an existing file without write permission."""
    for option, path in options:
        if path is None:
            continue
        problem = _unwritable(path)
        if problem:
            raise CliError(f"cannot write {path} ({option}): {problem}")


def _unwritable(path: Path) -> str | None:
    if path.is_dir():
        return "is a directory, not a file"
    parent = path.parent
    if not parent.is_dir():
        return f"{parent} is not a directory" if parent.exists() else f"no directory {parent}"
    if path.exists():
        return None if os.access(path, os.W_OK) else "permission denied"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"cannot create a file in {parent} (permission denied)"
    return None


def _serve_metrics(telemetry: Telemetry, port: int) -> MetricsServer:
    try:
        server = MetricsServer(telemetry, port).start()
    except OSError as err:
        raise CliError(f"cannot serve metrics on port {port}: {err.strerror}") from err
    print(f"metrics on http://127.0.0.1:{server.port}/metrics", file=sys.stderr)
    return server


def _open_output(path: Path | None, stack: contextlib.ExitStack) -> IO[str]:
    if path is None:
        return sys.stdout
    try:
        return stack.enter_context(path.open("w", encoding="utf-8", newline=""))
    except OSError as err:
        raise CliError(f"cannot write {path}: {err.strerror}") from err


# -- sharing with partner centres --------------------------------------------------------------


def _sharing_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sharing",
        type=Path,
        metavar="FILE",
        help="sharing policy (TOML): which alerts each partner centre gets, with what withheld",
    )
    parser.add_argument(
        "--share-dir",
        type=Path,
        metavar="DIR",
        help="write each partner's view to DIR/PARTNER.jsonl and the audit to DIR/audit.jsonl",
    )
    parser.add_argument(
        "--lists",
        type=Path,
        nargs="+",
        action="extend",
        default=[],
        metavar="FILE",
        help="partners' vessel lists (CSV): vessels of interest raise scores, allow-lists "
        "silence chosen alert types (after the inputs, or repeat the option)",
    )


def load_sharing(args: argparse.Namespace) -> tuple[SharingPolicy | None, VesselLists | None]:
    """The policy and lists of ``--sharing`` and ``--lists``; the share directory and its files
    checked (and the directory made) before any input is read."""
    if args.sharing is not None and args.share_dir is None:
        raise CliError("--sharing needs --share-dir DIR for the partners' feeds and the audit")
    if args.share_dir is not None and args.sharing is None and not args.lists:
        raise CliError("--share-dir needs --sharing FILE (or --lists FILE for an audit alone)")
    try:
        policy = load_policy(args.sharing) if args.sharing is not None else None
        lists = load_lists(args.lists) if args.lists else None
    except (SharingError, ListError) as err:
        raise CliError(str(err)) from err
    if args.share_dir is not None:
        directory: Path = args.share_dir
        if not directory.is_dir():
            problem = _unwritable(directory)
            if problem:
                raise CliError(f"cannot write {directory} (--share-dir): {problem}")
            directory.mkdir()
        names = [*(policy.names if policy else ()), AUDIT]
        check_outputs(*(("--share-dir", directory / f"{name}.jsonl") for name in names))
    return policy, lists


def open_sharing(
    args: argparse.Namespace,
    policy: SharingPolicy | None,
    lists: VesselLists | None,
    inner: AlertWriter,
    stack: contextlib.ExitStack,
) -> SharingSink | None:
    if policy is None and lists is None:
        return None
    partners: dict[str, IO[str]] = {}
    audit = None
    if args.share_dir is not None:
        for name in policy.names if policy else ():
            partners[name] = _open_output(args.share_dir / f"{name}.jsonl", stack)
        audit = _open_output(args.share_dir / f"{AUDIT}.jsonl", stack)
    return SharingSink(inner, policy, lists, partners, audit)


def sharing_summary(summary: ReplaySummary, sharing: SharingSink) -> None:
    """What went to partners, and what the allow-lists silenced (not in the alert counts)."""
    summary.shared = Counter(sharing.shared)
    if sharing.lists is not None:
        summary.suppressed = Counter(sharing.lists.suppressed)
        summary.alerts -= summary.suppressed


# -- decode -----------------------------------------------------------------------------------


def run_decode(args: argparse.Namespace) -> int:
    """Exit 0, or ``EXIT_INCOMPLETE`` when an input breaks off (its ``truncated_input`` failure
    is printed like any other, and named on stderr)."""
    from models.records import FailureReason

    reader = Reader(args.inputs, timezone=args.timezone)
    out = sys.stdout
    incomplete = 0
    for outcome in decode_items(iter(reader), args.timezone):
        out.write(dumps(outcome_to_dict(outcome)) + "\n")
        if isinstance(outcome, Failure) and outcome.reason is FailureReason.TRUNCATED_INPUT:
            incomplete += 1
            print(f"vigilmar decode: {outcome.source}: {outcome.detail}", file=sys.stderr)
    return EXIT_INCOMPLETE if incomplete else 0


def decode_items(items: Iterator[InputLine | Outcome], timezone: tzinfo = UTC) -> Iterator[Outcome]:
    """Lines through the decoder (naive leading times read in ``timezone``; the duplicates
    replay drops, dropped); records that came decoded pass as they are."""
    decoder = Decoder.for_tracking(Config().tracking, timezone)
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


# -- streaming ---------------------------------------------------------------------------------


def stream_settings(overrides: dict[str, str] | None = None) -> Settings:
    from streams.settings import SettingsError, settings_from_env

    environ = dict(os.environ)
    environ.update(overrides or {})
    try:
        return settings_from_env(environ)
    except SettingsError as err:
        raise CliError(str(err)) from err


def run_worker(args: argparse.Namespace) -> int:
    from streams.worker import WorkerError
    from streams.worker import run_worker as start

    try:
        start(stream_settings(), loglevel=args.loglevel)
    except WorkerError as err:
        raise CliError(str(err)) from err
    return 0


def run_feed(args: argparse.Namespace) -> int:
    import asyncio

    from streams.feeder import parse_endpoint
    from streams.feeder import run_feed as feed

    overrides = {"VIGILMAR_BROKER": args.broker} if args.broker else {}
    settings = stream_settings(overrides)
    try:
        endpoint = parse_endpoint(args.source)
    except ValueError as err:
        raise CliError(str(err)) from err
    if endpoint is None and not Path(args.source).is_file():
        raise CliError(f"{args.source}: no such file (or give udp://HOST:PORT, tcp://HOST:PORT)")
    if args.speed is not None and args.speed <= 0:
        raise CliError("--speed must be > 0")
    telemetry = Telemetry()
    with contextlib.ExitStack() as stack:
        if settings.metrics_port_set:
            server = _serve_metrics(telemetry, settings.metrics_port)
            stack.callback(server.stop)
        telemetry.set_ready(True)
        try:
            stats = asyncio.run(
                feed(settings, args.source, args.speed, telemetry, zone=args.timezone)
            )
        except KeyboardInterrupt:
            return 130
    print(stats.summary(), file=sys.stderr)
    return 0


def run_up(args: argparse.Namespace) -> int:
    from streams.broker import BrokerError
    from streams.local import DEFAULT_SAMPLE, StackError
    from streams.local import run_up as start

    sample = args.sample or DEFAULT_SAMPLE
    if not sample.is_file():
        raise CliError(f"{sample}: no such file")
    if args.speed <= 0:
        raise CliError("--speed must be > 0")
    try:
        return start(sample, args.speed, args.metrics_port, args.duration)
    except (BrokerError, StackError) as err:
        raise CliError(str(err)) from err


# -- partners' lists on Kafka ------------------------------------------------------------------


def _lists_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    lists = commands.add_parser(
        "lists",
        help="publish partners' vessel lists to running workers",
        description="Publish a vessels-of-interest list or an allow-list (CSV, as replay "
        "--lists) to the lists topic (VIGILMAR_TOPIC_LISTS, vigilmar.lists), keyed by its name: "
        "every worker applies the latest version of each list to the alerts that follow. "
        "Broker and TLS/SASL settings from VIGILMAR_* variables.",
    )
    actions = lists.add_subparsers(dest="lists_command", metavar="ACTION", required=True)
    push = actions.add_parser("push", help="publish one list (replacing its earlier version)")
    push.add_argument("file", type=Path, metavar="FILE", help="the list (CSV)")
    push.add_argument("--name", help="the list's name (default: the file name without suffix)")
    push.add_argument("--broker", help="bootstrap servers (default: $VIGILMAR_BROKER)")
    push.set_defaults(run=run_lists_push)
    remove = actions.add_parser("remove", help="withdraw a published list")
    remove.add_argument("name", metavar="NAME", help="the list's name")
    remove.add_argument("--broker", help="bootstrap servers (default: $VIGILMAR_BROKER)")
    remove.set_defaults(run=run_lists_remove)


def run_lists_push(args: argparse.Namespace) -> int:
    import asyncio

    from models.lists import list_document
    from streams.lists_agent import publish_list

    document = list_document(args.file, args.name)
    settings = stream_settings({"VIGILMAR_BROKER": args.broker} if args.broker else {})
    asyncio.run(publish_list(settings, document["name"], document))
    print(
        f"list {document['name']} ({document['kind']}, {len(document['rows'])} row(s), sha256 "
        f"{document['sha256'][:12]}) published to {settings.topics.lists}",
        file=sys.stderr,
    )
    return 0


def run_lists_remove(args: argparse.Namespace) -> int:
    import asyncio

    from streams.lists_agent import publish_list

    settings = stream_settings({"VIGILMAR_BROKER": args.broker} if args.broker else {})
    asyncio.run(publish_list(settings, args.name, None))
    print(f"list {args.name} withdrawn from {settings.topics.lists}", file=sys.stderr)
    return 0


# -- zones ------------------------------------------------------------------------------------


def run_zones_check(args: argparse.Namespace) -> int:
    """Validate each pack: problems by feature, then the reader's warnings (reprojection, an
    assumed CRS). Exit 1 if any pack has a problem; warnings alone do not fail a pack."""
    from zones.pack import validate_pack

    bad = 0
    for path in args.files:
        report = validate_pack(path)
        if report.problems:
            bad += 1
            usable = len(report.zones)
            print(f"{path}: {len(report.problems)} problem(s); {usable} zone(s) usable")
            for problem in report.problems:
                print(f"  {problem}")
        else:
            print(f"{path}: OK, {len(report.zones)} zone(s)")
        for warning in report.warnings:
            print(f"  warning: {warning}")
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
