"""Partners' lists on Kafka: ``vigilmar lists push``/``remove`` publish to the lists topic
(``vigilmar.lists``, keyed by list name), and every worker reads the whole topic into its
sharing stage.

    vigilmar lists push FILE  --> vigilmar.lists (key: list name; value: the list as JSON)
    vigilmar lists remove NAME --> vigilmar.lists (key: list name; empty value: withdrawn)
    vigilmar.lists --ListsReader (every worker, all partitions)--> SharingStage.apply_list

The lists are not a faust agent: an agent's consumer group would give each worker only some
partitions, and every worker needs every list. Each worker reads the topic without a group,
from the earliest offset, and keeps the latest message per key (``apply_list``), so the result
does not depend on compaction (which Tansu, the test broker, ignores). A list that cannot be
used is counted (``SharingStage.list_updates``), logged and dead-lettered as every failure is
(``failure_to_dict``: reason ``bad_list``, the topic and offset as its source, the start of the
message as ``raw``); the list's previous version stays.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError, KafkaError

from models.lists import ListError, check_list_name
from models.records import Failure, FailureReason
from models.serialise import failure_to_dict
from streams.kafka import client_options
from streams.kafka_check import KafkaUnavailable, bootstrap_problem
from streams.settings import Settings
from streams.sharing_stage import SharingStage

log = logging.getLogger("vigilmar.worker")

#: Seconds between two attempts to start reading the lists topic while the broker is away.
RETRY_SECONDS = 2.0
#: Bytes of a refused list kept in its dead letter (a list may be megabytes).
MAX_RAW = 2000

#: Sends one dead-letter message (key, value).
DeadLetter = Callable[[bytes, bytes], Awaitable[Any]]


async def publish_list(settings: Settings, name: str, document: dict[str, Any] | None) -> None:
    """Publish ``document`` (a ``models.lists.list_document``) as the list ``name``, or
    withdraw it (``None``: an empty value, a tombstone once the topic is compacted)."""
    check_list_name(name)
    options = client_options(settings.security)
    producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap, **options)
    try:
        await producer.start()
    except KafkaConnectionError as err:
        await producer.close()
        problem = await bootstrap_problem(
            settings.bootstrap, settings.security, options.get("ssl_context")
        )
        raise KafkaUnavailable(problem) from err
    try:
        value = None if document is None else json.dumps(document, ensure_ascii=False).encode()
        await producer.send_and_wait(settings.topics.lists, key=name.encode(), value=value)
    finally:
        await producer.stop()


class ListsReader:
    """Reads the lists topic of ``settings`` into ``stage`` for as long as the worker runs;
    ``dead_letter`` takes the messages that are not usable lists."""

    def __init__(self, settings: Settings, stage: SharingStage, dead_letter: DeadLetter) -> None:
        self.settings = settings
        self.stage = stage
        self.dead_letter = dead_letter

    async def run(self) -> None:
        while True:
            consumer = AIOKafkaConsumer(
                self.settings.topics.lists,
                bootstrap_servers=self.settings.bootstrap,
                group_id=None,
                auto_offset_reset="earliest",
                enable_auto_commit=False,
                **client_options(self.settings.security),
            )
            try:
                await consumer.start()
                while True:
                    batch = await consumer.getmany(timeout_ms=1000)
                    for records in batch.values():
                        for record in records:
                            await self.take(record.key, record.value, record.offset)
            except KafkaError as err:
                log.warning(
                    "reading %s: %s; again in %g s", self.settings.topics.lists, err, RETRY_SECONDS
                )
            finally:
                await consumer.stop()
            await asyncio.sleep(RETRY_SECONDS)

    async def take(self, key: bytes | None, value: bytes | None, offset: int) -> str | None:
        """Apply one message; what was done, or ``None`` for one dead-lettered."""
        topic = self.settings.topics.lists
        where = f"{topic} offset {offset}"
        name = (key or b"").decode("utf-8", "replace")
        try:
            outcome = self.stage.apply_list(name, value)
        except ListError as err:
            log.warning("%s: %s; the list's previous version stays", where, err)
            raw = (value or b"")[:MAX_RAW].decode("utf-8", "replace")
            failure = Failure(FailureReason.BAD_LIST, raw, source=where, detail=str(err))
            await self.dead_letter(key or b"", json.dumps(failure_to_dict(failure)).encode())
            return None
        log.info("%s: list %s %s", where, name, outcome)
        return outcome
