"""faust's Kafka transport, with the fetch wait the worker is given.

A consumer's fetch asks the broker to hold it up to ``fetch_max_wait_ms`` while there is
nothing to read; faust's aiokafka driver fixes that at 1.5 s. Apache Kafka answers a held fetch
as soon as data arrives, so there it only sets how often an idle consumer asks again. Tansu
(the broker of the tests and benchmarks, and a light deployment) holds it the whole time: every
hop of the pipeline (``ais.raw`` to the decode agent, ``ais.reports`` to the track agent, ...)
could wait up to 1.5 s at a low message rate, measured as ~0.55 s per message sent every 0.3 s
against ~3 ms with a 100 ms wait. ``VIGILMAR_FETCH_WAIT_MS`` sets it (``Settings``); the
transport here passes it to the worker's consumer.
"""

from __future__ import annotations

from typing import Any

import aiokafka
from faust.transport.drivers import aiokafka as driver


class _ConsumerThread(driver.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> aiokafka.AIOKafkaConsumer:
        consumer = super()._create_worker_consumer(transport)
        # faust passes its own 1.5 s; aiokafka reads this when the consumer starts.
        consumer._fetch_max_wait_ms = transport.fetch_wait_ms
        return consumer


class _Consumer(driver.Consumer):
    def _new_consumer_thread(self) -> driver.AIOKafkaConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class Transport(driver.Transport):
    """The aiokafka transport whose worker consumer holds an empty fetch ``fetch_wait_ms``."""

    Consumer = _Consumer

    def __init__(self, *args: Any, fetch_wait_ms: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fetch_wait_ms = fetch_wait_ms
