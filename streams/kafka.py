"""Plain aiokafka helpers shared by the feeder, the worker's start-up and the tests: client
security options and topic creation."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError, TopicAlreadyExistsError
from aiokafka.partitioner import DefaultPartitioner

from streams.kafka_check import KafkaUnavailable, bootstrap_problem, tls_problem
from streams.settings import Security, Settings
from streams.sharing_stage import share_topics


def client_options(security: Security) -> dict[str, Any]:
    """aiokafka keyword arguments for TLS and SASL."""
    options: dict[str, Any] = {"security_protocol": security.protocol}
    if security.protocol in ("SSL", "SASL_SSL"):
        try:
            context = ssl.create_default_context(
                cafile=None if security.cafile is None else str(security.cafile)
            )
        except (OSError, ssl.SSLError) as err:
            raise KafkaUnavailable(f"VIGILMAR_SSL_CAFILE={security.cafile}: {_why(err)}") from err
        if security.certfile is not None:
            try:
                context.load_cert_chain(
                    str(security.certfile),
                    None if security.keyfile is None else str(security.keyfile),
                )
            except (OSError, ssl.SSLError) as err:
                raise KafkaUnavailable(
                    f"VIGILMAR_SSL_CERTFILE={security.certfile}, VIGILMAR_SSL_KEYFILE="
                    f"{security.keyfile}: {_why(err)}"
                ) from err
        options["ssl_context"] = context
    if security.protocol.startswith("SASL"):
        options.update(
            sasl_mechanism=security.sasl_mechanism,
            sasl_plain_username=security.sasl_username,
            sasl_plain_password=security.sasl_password,
        )
    return options


async def ensure_topics(settings: Settings) -> list[str]:
    """Create every topic the pipeline uses if missing (the vessel summaries and the lists
    compacted); returns those created."""
    options = client_options(settings.security)
    early = await tls_problem(settings.bootstrap, settings.security, options.get("ssl_context"))
    if early is not None:
        raise KafkaUnavailable(early)
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.bootstrap, **options)
    try:
        await admin.start()
    except KafkaConnectionError as err:
        await admin.close()
        context = options.get("ssl_context")
        problem = await bootstrap_problem(settings.bootstrap, settings.security, context)
        raise KafkaUnavailable(problem) from err
    created: list[str] = []
    try:
        existing = set(await admin.list_topics())
        topics = settings.topics
        wanted = [
            topics.raw,
            topics.reports,
            topics.alerts,
            topics.deadletter,
            topics.encounter_cells,
            topics.encounter_pairs,
            topics.vessels,
            topics.vessel_alerts,
            topics.voyages,
            topics.lists,
        ]
        wanted.extend(share_topics(settings))
        missing = [name for name in wanted if name not in existing]
        for name in missing:
            compacted = name in (topics.vessels, topics.voyages, topics.lists)
            configs = {"cleanup.policy": "compact"} if compacted else None
            try:
                await admin.create_topics(
                    [
                        NewTopic(
                            name, settings.partitions, settings.replication, topic_configs=configs
                        )
                    ]
                )
                created.append(name)
            except TopicAlreadyExistsError:
                pass  # another worker won the race
    finally:
        await admin.close()
    return created


def _why(err: BaseException) -> str:
    """An OS or TLS error in a few words: "cannot read it (No such file or directory)"."""
    if isinstance(err, ssl.SSLError):
        return f"not a usable certificate or key ({err.reason or err})"
    return f"cannot read it ({getattr(err, 'strerror', None) or err})"


async def broker_reachable(bootstrap: str, timeout: float = 2.0) -> bool:
    """Whether any of the ``bootstrap`` servers (``host:port,...``) accepts a connection within
    ``timeout`` seconds: the worker's readiness probe (it says nothing when all are down)."""
    for server in bootstrap.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            _, writer = await asyncio.wait_for(
                asyncio.open_connection(host.strip("[]"), int(port)), timeout
            )
        except (OSError, ValueError, TimeoutError):
            continue
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return True
    return False


_PARTITIONER = DefaultPartitioner()


def partition_of(key: bytes, partitions: int) -> int:
    """The partition Kafka's default partitioner (murmur2, as faust's producer) gives ``key``."""
    every = list(range(partitions))
    return int(_PARTITIONER(key, every, every))
