"""The sharing stage, free of faust: partners' lists, then each partner's view and the audit.

The worker calls it where alerts are sent (``streams.outbox.Outbox.alerts``), with the same
``models.lists`` and ``models.sharing`` steps the replay's ``SharingSink`` takes, so a partner's
topic holds what ``replay --share-dir`` writes to that partner's file:

    alerts --lists--> kept alerts --> vigilmar.alerts
                            \\--policy--> vigilmar.share.<partner>  (key: MMSI; the partner's view)
                             \\--------> vigilmar.share.audit      (key: MMSI; shared, suppressed)

The prefix (``vigilmar.share``) is ``VIGILMAR_SHARE_PREFIX``; the policy ``VIGILMAR_SHARING``,
the lists ``VIGILMAR_LISTS`` (``streams.settings``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from models.alerts import Alert
from models.lists import ListError, VesselLists, load_lists
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


def sharing_stage(settings: Settings) -> SharingStage | None:
    """The stage ``settings`` ask for (``None`` when they name neither a policy nor lists).
    Raises ``SharingError``/``ListError`` naming the variable and the file's problem."""
    try:
        policy = load_policy(settings.sharing) if settings.sharing is not None else None
    except SharingError as err:
        raise SharingError(f"VIGILMAR_SHARING: {err}") from err
    try:
        lists = load_lists(settings.lists) if settings.lists else None
    except ListError as err:
        raise ListError(f"VIGILMAR_LISTS: {err}") from err
    if policy is None and lists is None:
        return None
    return SharingStage(policy, lists, settings.share_prefix)


def share_topics(settings: Settings) -> list[str]:
    """The topics the sharing stage of ``settings`` sends to (none without a policy or lists)."""
    stage = sharing_stage(settings)
    return [] if stage is None else stage.topics
