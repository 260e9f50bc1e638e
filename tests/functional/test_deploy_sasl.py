"""deploy/sasl: the compose override for Apache Kafka with a SASL_SSL listener (SCRAM-SHA-512)
and ACLs, checked without a container engine: it parses, names only settings the code reads,
points the workers at a SASL_SSL listener, and its setup script gives each partner READ on its
own ``vigilmar.share.<partner>`` topic only (the script is run with a Kafka ``bin`` directory
that records the commands it is given; Apache Kafka itself cannot run here)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from models.sharing import load_policy
from streams.settings import settings_from_env

yaml = pytest.importorskip("yaml", reason="PyYAML is in the dev extra: pip install -e '.[dev]'")

ROOT = Path(__file__).resolve().parents[2]
SASL = ROOT / "deploy" / "sasl"
OVERRIDE = SASL / "docker-compose.sasl.yml"
SETTINGS = (ROOT / "streams" / "settings.py").read_text()


def read_by_settings(variable: str) -> bool:
    """Whether ``streams/settings.py`` reads ``variable`` (``get("NAME")``, ``number("NAME"``)."""
    name = variable.removeprefix("VIGILMAR_")
    return f'get("{name}")' in SETTINGS or f'number("{name}",' in SETTINGS


def compose(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text())
    assert isinstance(document, dict)
    return document


def environment(name: str) -> dict[str, str]:
    return {k: str(v) for k, v in compose(OVERRIDE)["services"][name]["environment"].items()}


def interpolated(value: str) -> str:
    """``${NAME:-default}`` as compose gives it with NAME unset; ``${NAME:?..}``: ``secret``."""
    value = re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)
    return re.sub(r"\$\{[A-Z_]+:\?[^}]*\}", "secret", value)


def test_the_override_changes_only_services_of_the_main_file() -> None:
    main = set(compose(ROOT / "docker-compose.yml")["services"])
    assert set(compose(OVERRIDE)["services"]) <= main


def test_every_vigilmar_variable_it_sets_is_a_setting_the_code_reads() -> None:
    for name in ("worker", "feed"):
        for key in environment(name):
            assert key.startswith("VIGILMAR_"), key
            assert read_by_settings(key), key
    text = OVERRIDE.read_text()
    for key in set(re.findall(r"\bVIGILMAR_[A-Z_]+", text)) - {"SASL_PARTNERS"}:
        assert read_by_settings(key), key


def test_the_workers_use_scram_over_a_sasl_ssl_listener() -> None:
    kafka = environment("kafka")
    protocols = dict(
        item.split(":") for item in kafka["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(",")
    )
    advertised = dict(
        reversed(item.split("://", 1)) for item in kafka["KAFKA_ADVERTISED_LISTENERS"].split(",")
    )
    assert kafka["KAFKA_SASL_ENABLED_MECHANISMS"] == "SCRAM-SHA-512"
    assert kafka["KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"] == "false"
    assert "StandardAuthorizer" in kafka["KAFKA_AUTHORIZER_CLASS_NAME"]
    # Only the loopback listener is plaintext (besides the controller's).
    plaintext = {name for name, protocol in protocols.items() if protocol == "PLAINTEXT"}
    assert plaintext == {"CONTROLLER", "LOCAL"}
    assert advertised["127.0.0.1:19093"] == "LOCAL"
    for name in ("worker", "feed"):
        env = {key: interpolated(value) for key, value in environment(name).items()}
        settings = settings_from_env(env)
        assert protocols[advertised[settings.broker]] == "SASL_SSL", name
        assert settings.security.protocol == "SASL_SSL"
        assert settings.security.sasl_mechanism == "SCRAM-SHA-512"
        assert settings.security.sasl_username == "vigilmar"
        assert settings.security.cafile is not None


def test_the_mounted_files_exist_and_the_policy_has_the_partners() -> None:
    for service in compose(OVERRIDE)["services"].values():
        for volume in service.get("volumes", ()):
            source = volume.split(":")[0]
            if "/secrets" not in source:  # made by make-secrets.sh
                assert (ROOT / source).exists(), source
    partners = interpolated(environment("topics")["PARTNERS"]).split()
    assert sorted(partners) == sorted(load_policy(SASL / "sharing.toml").names)
    assert "coast-guard-co port-state" in (SASL / "make-secrets.sh").read_text()


def run_setup(tmp_path: Path, partners: str) -> list[list[str]]:
    """Run setup.sh with a ``bin`` whose Kafka tools record their arguments."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls"
    for tool in ("kafka-topics.sh", "kafka-configs.sh", "kafka-acls.sh"):
        script = bin_dir / tool
        script.write_text(f'#!/bin/sh\nprintf "%s\\n" "{tool} $*" >> "{log}"\n')
        script.chmod(0o755)
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    for user in ["vigilmar", *partners.split()]:
        (secrets / f"{user}.password").write_text(f"pw-{user}\n")
    topics = compose(ROOT / "docker-compose.yml")["services"]["topics"]["environment"]["TOPICS"]
    env = {
        "PATH": os.environ["PATH"],
        "KAFKA_BIN": str(bin_dir),
        "BOOTSTRAP": "127.0.0.1:19093",
        "PARTNERS": partners,
        "SECRETS": str(secrets),
        "TOPICS": topics,
        "PARTITIONS": "12",
    }
    subprocess.run(["sh", str(SASL / "setup.sh")], env=env, check=True, timeout=30)
    return [shlex.split(line) for line in log.read_text().splitlines()]


@pytest.mark.skipif(shutil.which("sh") is None, reason="no sh")
def test_each_partner_may_read_its_own_topic_and_nothing_else(tmp_path: Path) -> None:
    calls = run_setup(tmp_path, "coast-guard-co port-state")
    for partner in ("coast-guard-co", "port-state"):
        acls = [c for c in calls if c[0] == "kafka-acls.sh" and f"User:{partner}" in c]
        assert acls, partner
        for call in acls:
            operations = {call[i + 1] for i, word in enumerate(call) if word == "--operation"}
            assert operations <= {"Read", "Describe"}, call
            assert call[call.index("--resource-pattern-type") + 1] == "literal", call
            if "--topic" in call:
                assert call[call.index("--topic") + 1] == f"vigilmar.share.{partner}"
            else:
                assert call[call.index("--group") + 1] == partner
        users = [c for c in calls if c[0] == "kafka-configs.sh" and partner in c]
        assert any(f"password=pw-{partner}]" in c[-1] for c in users), users
    created = {
        c[c.index("--topic") + 1] for c in calls if c[0] == "kafka-topics.sh" and "--create" in c
    }
    assert {
        "vigilmar.share.coast-guard-co",
        "vigilmar.share.port-state",
        "vigilmar.share.audit",
    } <= created
    assert {"vigilmar.lists", "vigilmar.vessels", "vigilmar.voyages", "vigilmar.alerts"} <= created
    compacted = {c[c.index("--topic") + 1] for c in calls if "cleanup.policy=compact" in c}
    assert compacted == {"vigilmar.lists", "vigilmar.vessels", "vigilmar.voyages"}
    # The workers' principal: its own topics and group, by prefix.
    worker = [c for c in calls if c[0] == "kafka-acls.sh" and "User:vigilmar" in c]
    assert {c[c.index("--topic") + 1] for c in worker if "--topic" in c} == {"vigilmar", "ais."}


def test_docker_compose_config_accepts_the_pair_when_the_client_can_run_it() -> None:
    try:
        version = subprocess.run(
            ["docker", "compose", "version"], capture_output=True, text=True, timeout=20
        )
    except (OSError, subprocess.TimeoutExpired):
        pytest.skip("no docker client")
    if version.returncode != 0:
        pytest.skip(f"docker compose is not available: {version.stderr.strip()[:200]}")
    env = {**os.environ, "VIGILMAR_SASL_PASSWORD": "x", "KAFKA_KEYSTORE_PASSWORD": "x"}
    done = subprocess.run(
        ["docker", "compose", "-f", "docker-compose.yml", "-f", str(OVERRIDE), "config", "-q"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
