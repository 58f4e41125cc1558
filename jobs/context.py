"""What the pipeline is handed by the application: the store, the channels, the sources and the clock.

Jobs never import the application. They type their first argument as :class:`Context`, which the
application's wiring (``bot.wiring.App``) satisfies; tests may pass anything with these members.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # types only: importing the collectors would cost every command their parsers
    from sqlalchemy.engine import Engine

    from collectors.base import CollectorEnv
    from collectors.registry import Registry
    from db.models import Channel
    from domain.alerting import AlertPolicy
    from domain.evaluation import Policy
    from domain.workdays import WorkCalendar
    from jobs.admin_alert import AdminRoute
    from notifiers.base import Notifier
    from notifiers.registry import ChannelRegistry


class Context(Protocol):
    """The pipeline's dependencies. ``clock`` is the real clock: leases, attempts and records."""

    @property
    def engine(self) -> Engine: ...

    @property
    def calendar(self) -> WorkCalendar: ...

    @property
    def policy(self) -> Policy: ...

    @property
    def alert_policy(self) -> AlertPolicy: ...

    @property
    def registry(self) -> Registry: ...

    @property
    def channels(self) -> ChannelRegistry: ...

    @property
    def collector_env(self) -> CollectorEnv: ...

    @property
    def environ(self) -> Mapping[str, str]: ...

    @property
    def secret_variables(self) -> frozenset[str]: ...

    @property
    def evidence_dir(self) -> Path: ...

    @property
    def attachments_dir(self) -> Path: ...

    @property
    def admin_email(self) -> str | None: ...

    @property
    def public_url(self) -> str | None: ...

    @property
    def reply_link_days(self) -> float: ...

    @property
    def outbox_lease(self) -> timedelta: ...

    @property
    def collect_deadline(self) -> timedelta: ...

    def clock(self) -> datetime: ...

    def notifier_for(self, channel: Channel | None) -> Notifier: ...

    def live_notifier(self, channel: Channel | None) -> Notifier: ...

    def admin_route(self) -> AdminRoute: ...
