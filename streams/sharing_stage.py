"""The sharing stage, free of faust: partners' lists, then each partner's view and the audit.

The worker calls it where alerts are sent (``streams.outbox.Outbox.alerts``), with the same
``models.lists`` and ``models.sharing`` steps the replay's ``SharingSink`` takes, so a partner's
topic holds what ``replay --share-dir`` writes to that partner's file:

    alerts --lists--> kept alerts --> vigilmar.alerts
                            \\--policy--> vigilmar.share.<partner>  (key: MMSI; the partner's view)
                             \\--------> vigilmar.share.audit      (key: MMSI; shared, suppressed)

The prefix (``vigilmar.share``) is ``VIGILMAR_SHARE_PREFIX``; the policy ``VIGILMAR_SHARING``,
the lists ``VIGILMAR_LISTS`` (``streams.settings``). Lists published on the ``vigilmar.lists``
topic (``vigilmar lists push``) come in through ``SharingStage.apply_list``
(``streams.lists_agent`` reads the topic): the stage's lists are then replaced whole, between two
batches, by the files' lists plus the latest version of every published one.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from models.alerts import Alert
from models.lists import (
    ListError,
    VesselLists,
    check_list_name,
    listings_of_document,
    load_lists,
)
from models.sharing import AUDIT, SharingError, SharingPolicy, load_policy
from streams.settings import Settings

DEFAULT_PREFIX = "vigilmar.share"

#: One message to send: (topic, key, value).
Send = tuple[str, bytes, bytes]


def _dumps(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(slots=True)
class SharingStep:
    """What one batch of alerts gives: the alerts that go on (after the allow-lists), and the
    partner and audit messages."""

    alerts: list[Alert]
    sends: list[Send] = field(default_factory=list)


class SharingStage:
    """Lists and a sharing policy over batches of alerts (either may be absent)."""

    def __init__(
        self,
        policy: SharingPolicy | None,
        lists: VesselLists | None = None,
        prefix: str = DEFAULT_PREFIX,
    ) -> None:
        self.policy = policy
        self.lists = lists
        self.prefix = prefix
        #: The lists read from files (``VIGILMAR_LISTS``), and those published on the lists
        #: topic by name (the latest version of each); ``lists`` holds them all.
        self.file_lists = lists
        self.published: dict[str, VesselLists] = {}
        #: Messages of the lists topic by outcome: applied, withdrawn, refused.
        self.list_updates: Counter[str] = Counter()

    def apply_list(self, name: str, value: bytes | None) -> str:
        """Take one message of the lists topic: ``value`` (a ``models.lists.list_document`` as
        JSON) replaces the list called ``name``; an empty value withdraws it. Returns what was
        done ("applied", "withdrawn"); a value that is not a usable list raises ``ListError``
        naming it, and the list's previous version stays."""
        try:
            check_list_name(name)
        except ListError:
            self.list_updates["refused"] += 1
            raise
        if not value:
            outcome = "withdrawn"
            self.published.pop(name, None)
        else:
            try:
                kind, listings = listings_of_document(name, _loads(name, value))
            except ListError:
                self.list_updates["refused"] += 1
                raise
            outcome = "applied"
            interest = kind == "interest"
            self.published[name] = VesselLists(
                listings if interest else [], [] if interest else listings
            )
        self.list_updates[outcome] += 1
        parts = [self.file_lists, *(self.published[key] for key in sorted(self.published))]
        suppressed = self.lists.suppressed if self.lists is not None else Counter()
        # One assignment: the batch being processed (``process`` runs to its end without
        # yielding) saw the old lists, the next sees the new.
        self.lists = VesselLists.combined([p for p in parts if p is not None], suppressed)
        return outcome

    def topic(self, partner: str) -> str:
        return f"{self.prefix}.{partner}"

    @property
    def audit_topic(self) -> str:
        return f"{self.prefix}.{AUDIT}"

    @property
    def topics(self) -> list[str]:
        """Every topic the stage sends to: one per partner, and the audit."""
        partners = self.policy.names if self.policy is not None else ()
        return [*(self.topic(name) for name in partners), self.audit_topic]

    def process(self, alerts: Iterable[Alert]) -> SharingStep:
        kept = list(alerts)
        sends: list[Send] = []
        if self.lists is not None:
            kept, silenced = self.lists.apply(kept)
            for suppression in silenced:
                key = str(suppression.alert.mmsi).encode()
                sends.append((self.audit_topic, key, _dumps(suppression.audit())))
        if self.policy is not None:
            for alert in kept:
                key = str(alert.mmsi).encode()
                for share in self.policy.share(alert):
                    sends.append((self.topic(share.partner), key, _dumps(share.view)))
                    sends.append((self.audit_topic, key, _dumps(share.audit)))
        return SharingStep(kept, sends)


def sharing_stage(settings: Settings) -> SharingStage:
    """The stage ``settings`` ask for (a worker always has one: lists may be published to it
    at any time; without a policy or lists it passes alerts on unchanged). Raises
    ``SharingError``/``ListError`` naming the variable and the file's problem."""
    try:
        policy = load_policy(settings.sharing) if settings.sharing is not None else None
    except SharingError as err:
        raise SharingError(f"VIGILMAR_SHARING: {err}") from err
    try:
        lists = load_lists(settings.lists) if settings.lists else None
    except ListError as err:
        raise ListError(f"VIGILMAR_LISTS: {err}") from err
    return SharingStage(policy, lists, settings.share_prefix)


def share_topics(settings: Settings) -> list[str]:
    """The topics the sharing stage of ``settings`` sends to: each partner's, and the audit."""
    return sharing_stage(settings).topics


def _loads(name: str, value: bytes) -> object:
    try:
        return json.loads(value)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ListError(f"list {name} (published): not JSON ({err})") from err
