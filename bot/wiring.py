"""The composition root: settings in, the engine, calendar, policies, collectors and notifiers out."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from bot.calendar_file import load_calendar
from bot.clock import wall_clock
from bot.settings import Settings
from collectors.base import CollectorEnv
from collectors.http import HttpClient
from collectors.registry import Registry, default_registry
from db.channels import channel_audience, channels_by_code
from db.engine import make_engine, session_scope, upgrade
from db.evidence import write_atomically
from db.models import Channel
from domain.alerting import AlertPolicy
from domain.errors import ConfigurationError
from domain.evaluation import Policy
from domain.plan.schema import KnownKinds
from domain.workdays import WorkCalendar
from jobs.admin_alert import AdminRoute
from jobs.import_plans import known_kinds
from notifiers.base import Message, Notifier
from notifiers.console import ConsoleFileNotifier
from notifiers.email import EmailNotifier, Recipient
from notifiers.factory import ChannelSetup, LiveConfig
from notifiers.registry import ChannelRegistry, default_channels
from notifiers.wecom_app import TokenCache
from notifiers.wecom_robot import Contact

Echo = Callable[[Message, Path], None]


@dataclass
class App:
    settings: Settings
    environ: Mapping[str, str]
    engine: Engine
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    registry: Registry = field(default_factory=default_registry)
    channels: ChannelRegistry = field(default_factory=default_channels)
    echo: Echo | None = None
    tokens: TokenCache = field(default_factory=lambda: TokenCache(wall_clock))
    _collector_env: CollectorEnv | None = field(default=None, init=False, repr=False)

    @classmethod
    def build(cls, settings: Settings, environ: Mapping[str, str], *, echo: Echo | None = None) -> App:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        calendar = (
            load_calendar(settings.calendar_file) if settings.calendar_file else WorkCalendar()
        )
        return cls(settings, environ, make_engine(settings.db_url), calendar=calendar, echo=echo)

    def clock(self) -> datetime:
        """The real clock: leases, send attempts, evidence and run records (never ``--as-of``)."""
        return wall_clock()

    @property
    def evidence_dir(self) -> Path:
        return self.settings.evidence_dir

    @property
    def attachments_dir(self) -> Path:
        return self.settings.attachments_dir

    @property
    def admin_email(self) -> str | None:
        return self.settings.admin_email

    @property
    def policy(self) -> Policy:
        return Policy(reminder_workdays=self.settings.reminder_workdays)

    @property
    def alert_policy(self) -> AlertPolicy:
        return AlertPolicy(repeat_every=timedelta(days=self.settings.repeat_days))

    @property
    def collector_env(self) -> CollectorEnv:
        """One HTTP client for the app's life, so backends' session cookies are reused."""
        if self._collector_env is None:
            http = HttpClient(timeout=self.settings.http_timeout, host_limit=self.settings.host_concurrency)
            self._collector_env = CollectorEnv(http, self.settings.data_dir, self.settings.max_file_bytes)
        return self._collector_env

    @property
    def plan_kinds(self) -> KnownKinds:
        """The channel and source kinds a plan may name: this app's registries'."""
        return known_kinds(self.channels.kinds, self.registry.kinds)

    def init_database(self) -> None:
        """Create or upgrade the schema; an unreachable database is one clear line, not a traceback."""
        try:
            upgrade(self.engine)
        except OperationalError as exc:
            where = self.engine.url.render_as_string(hide_password=True)
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            raise ConfigurationError(
                f"连不上数据库 {where}：{reason}（请检查 DUBAN_DATABASE_URL，以及数据库服务是否在运行）"
            ) from None

    @property
    def live(self) -> LiveConfig:
        s = self.settings
        return LiveConfig(
            wecom_api_base=s.wecom_api_base,
            wecom_corp_id=s.wecom_corp_id,
            wecom_agent_id=s.wecom_agent_id,
            smtp_host=s.smtp_host,
            smtp_port=s.smtp_port,
            smtp_security=s.smtp_security,
            smtp_user=s.smtp_user,
            smtp_from=s.smtp_from,
            smtp_from_name=s.smtp_from_name,
            smtp_ca_file=s.smtp_ca_file,
            timeout=s.http_timeout,
        )

    def notifier_for(self, channel: Channel | None) -> Notifier:
        """The channel's notifier; ``None`` is the administrator route (admin email or console).

        With ``DUBAN_DELIVERY=console`` (the default) every message is shown on the console and
        written to the outbox folder, so a demo or a new setup needs no secrets.
        """
        if self.settings.delivery == "console":
            return ConsoleFileNotifier(self.settings.outbox_dir, write_atomically, self.echo)
        return self.live_notifier(channel)

    def live_notifier(self, channel: Channel | None) -> Notifier:
        """The real notifier, whatever ``DUBAN_DELIVERY`` says (``duban notify-test`` uses it)."""
        console = ConsoleFileNotifier(self.settings.outbox_dir, write_atomically, self.echo)
        if channel is None:
            addresses = [a.strip() for a in (self.settings.admin_email or "").split(",") if a.strip()]
            if not addresses:
                return console
            recipients = [Recipient("督办系统管理员", a) for a in addresses]
            return EmailNotifier(channel="admin", smtp=self.live.smtp(self.environ), recipients=recipients)
        with session_scope(self.engine) as session:
            members, everyone = channel_audience(session, channel)
        contacts = {p.name: Contact(p.name, p.mobile, p.wecom_userid) for p in everyone}
        setup = ChannelSetup(
            code=channel.code,
            settings=channel.settings,
            members=members,
            contacts=contacts,
            config=self.live,
            environ=self.environ,
            tokens=self.tokens,
        )
        return self.channels.build(channel.kind, setup)

    def admin_route(self) -> AdminRoute:
        """Where administrator alerts go: ``DUBAN_ADMIN_CHANNEL`` if set, else the admin notifier."""
        code = self.settings.admin_channel
        if not code:
            return AdminRoute()
        with session_scope(self.engine) as session:
            found = channels_by_code(session, code=code)
        if len(found) != 1:
            problem = "找不到" if not found else "有多个同名频道"
            raise ConfigurationError(f"DUBAN_ADMIN_CHANNEL={code}：{problem}这个频道代码")
        return AdminRoute(found[0].id, code)
