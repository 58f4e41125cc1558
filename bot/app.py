"""The composition root: settings in, the engine, calendar, policies, collectors and notifiers out."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import Engine

from bot.alerting import AlertPolicy
from bot.evaluation import Policy
from bot.settings import Settings
from bot.workdays import WorkCalendar
from collectors.registry import Registry, default_registry
from db.engine import make_engine, upgrade
from db.models import Channel
from notifiers.base import Message, Notifier
from notifiers.console import ConsoleFileNotifier

Echo = Callable[[Message, Path], None]


@dataclass
class App:
    settings: Settings
    environ: Mapping[str, str]
    engine: Engine
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    registry: Registry = field(default_factory=default_registry)
    echo: Echo | None = None

    @classmethod
    def build(cls, settings: Settings, environ: Mapping[str, str], *, echo: Echo | None = None) -> App:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        calendar = (
            WorkCalendar.from_file(settings.calendar_file) if settings.calendar_file else WorkCalendar()
        )
        return cls(settings, environ, make_engine(settings.db_url), calendar=calendar, echo=echo)

    @property
    def policy(self) -> Policy:
        return Policy(reminder_workdays=self.settings.reminder_workdays)

    @property
    def alert_policy(self) -> AlertPolicy:
        return AlertPolicy(repeat_every=timedelta(days=self.settings.repeat_days))

    def init_database(self) -> None:
        upgrade(self.engine)

    def notifier_for(self, channel: Channel | None) -> Notifier:
        # Live WeCom and email notifiers plug in here; until then every channel is shown on the
        # console and written to the outbox folder.
        return ConsoleFileNotifier(self.settings.outbox_dir, self.echo)
