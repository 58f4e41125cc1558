"""The composition root: settings in, the engine, calendar, policies, collectors and notifiers out.

Every command builds an :class:`App`, so building one stays cheap: the collectors' registry, the
HTTP client, the token cache and the notifiers (requests, openpyxl, bs4 …) are imported and made
when a verb first asks for them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from bot.clock import wall_clock
from bot.settings import Settings
from db.engine import make_engine, upgrade
from domain.errors import ConfigurationError
from domain.workdays import WorkCalendar

if TYPE_CHECKING:
    from collectors.base import CollectorEnv
    from collectors.registry import Registry
    from db.models import Channel
    from domain.alerting import AlertPolicy
    from domain.evaluation import Policy
    from domain.plan.schema import KnownKinds
    from jobs.admin_alert import AdminRoute
    from notifiers.base import Message, Notifier
    from notifiers.factory import LiveConfig
    from notifiers.registry import ChannelRegistry
    from notifiers.wecom_app import TokenCache

Echo = Callable[["Message", Path], None]


@dataclass
class App:
    settings: Settings
    environ: Mapping[str, str]
    engine: Engine
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    echo: Echo | None = None
    _registry: Registry | None = field(default=None, init=False, repr=False)
    _channels: ChannelRegistry | None = field(default=None, init=False, repr=False)
    _tokens: TokenCache | None = field(default=None, init=False, repr=False)
    _collector_env: CollectorEnv | None = field(default=None, init=False, repr=False)

    @classmethod
    def build(cls, settings: Settings, environ: Mapping[str, str], *, echo: Echo | None = None) -> App:
        from db.evidence import private_folder

        private_folder(settings.data_dir)
        calendar = WorkCalendar()
        if settings.calendar_file:
            from bot.calendar_file import load_calendar

            calendar = load_calendar(settings.calendar_file)
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
    def public_url(self) -> str | None:
        return self.settings.public_url

    @property
    def reply_link_days(self) -> float:
        return self.settings.reply_link_days

    @property
    def outbox_lease(self) -> timedelta:
        return timedelta(seconds=self.settings.outbox_lease_seconds)

    @property
    def collect_deadline(self) -> timedelta:
        return timedelta(minutes=self.settings.collect_deadline_minutes)

    @property
    def policy(self) -> Policy:
        from domain.evaluation import Policy

        return Policy(reminder_workdays=self.settings.reminder_workdays)

    @property
    def alert_policy(self) -> AlertPolicy:
        from domain.alerting import AlertPolicy

        return AlertPolicy(repeat_every=timedelta(days=self.settings.repeat_days))

    @property
    def registry(self) -> Registry:
        """The source kinds, built on first use (their parsers import openpyxl, bs4 and lxml)."""
        if self._registry is None:
            from collectors.registry import default_registry

            self._registry = default_registry()
        return self._registry

    @property
    def channels(self) -> ChannelRegistry:
        """The channel kinds: how each is built and which message format it takes."""
        if self._channels is None:
            from notifiers.registry import default_channels

            self._channels = default_channels()
        return self._channels

    @channels.setter
    def channels(self, registry: ChannelRegistry) -> None:
        self._channels = registry

    @property
    def plan_kinds(self) -> KnownKinds:
        """The channel and source kinds a plan may name: this app's registries'."""
        from jobs.import_plans import known_kinds

        return known_kinds(self.channels.kinds, self.registry.kinds)

    @property
    def secret_variables(self) -> frozenset[str]:
        """The operator's secret variables (``DUBAN_SECRET_VARIABLES``), besides those named like one."""
        return frozenset(self.settings.secret_variables)

    @property
    def tokens(self) -> TokenCache:
        """WeCom access tokens, shared by every application channel for the app's life."""
        if self._tokens is None:
            from notifiers.wecom_app import TokenCache

            self._tokens = TokenCache(wall_clock)
        return self._tokens

    @tokens.setter
    def tokens(self, cache: TokenCache) -> None:
        self._tokens = cache

    @property
    def collector_env(self) -> CollectorEnv:
        """One HTTP client for the app's life, so backends' session cookies are reused."""
        if self._collector_env is None:
            from collectors.base import CollectorEnv
            from collectors.http import HttpClient

            http = HttpClient(timeout=self.settings.http_timeout, host_limit=self.settings.host_concurrency)
            self._collector_env = CollectorEnv(http, self.settings.data_dir, self.settings.max_file_bytes)
        return self._collector_env

    def init_database(self) -> None:
        """Create or upgrade the schema; an unreachable database is one clear line, not a traceback."""
        from sqlalchemy.exc import OperationalError

        try:
            upgrade(self.engine)
        except OperationalError as exc:
            raise ConfigurationError(self.database_problem(exc)) from None

    def database_problem(self, exc: Exception) -> str:
        """What an error from the database means: a full or read-only disk, named with its path,
        or a database that cannot be reached."""
        from db.storage import sqlite_file, storage_problem

        reason = _reason(exc)
        path = sqlite_file(self.engine.url)
        if path is not None and (problem := storage_problem(path, reason)):
            return problem
        if "no space left" in reason.lower():
            return f"数据库服务器的磁盘已满：{reason}（请清理数据库服务器的磁盘后重试）"
        where = self.engine.url.render_as_string(hide_password=True)
        return f"连不上数据库 {where}：{reason}（请检查 DUBAN_DATABASE_URL，以及数据库服务是否在运行）"

    def open_for_reading(self) -> None:
        """For commands that only read (``duban status``): the schema is upgraded as usual, but a
        SQLite database on a read-only or full disk is opened read-only instead, without upgrading
        or writing anything. It must already be at the current schema."""
        from sqlalchemy.exc import OperationalError

        from db.engine import HEAD_REVISION, schema_revisions
        from db.storage import read_only_disk, read_only_engine, sqlite_file, storage_problem

        path = sqlite_file(self.engine.url)
        if path is None or not path.exists():
            self.init_database()
            return
        if not read_only_disk(path):
            try:
                upgrade(self.engine)
                return
            except OperationalError as exc:
                if storage_problem(path, _reason(exc)) is None:  # not the disk: nothing to fall back on
                    raise ConfigurationError(self.database_problem(exc)) from None
        self.engine.dispose()
        self.engine = read_only_engine(path)
        try:
            revisions = schema_revisions(self.engine)
        except OperationalError as exc:
            raise ConfigurationError(self.database_problem(exc)) from None
        if revisions != {HEAD_REVISION}:
            raise ConfigurationError(
                f"数据库文件 {path} 不可写入，而它的表结构需要升级到这个版本的 duban：请先让它可写入，"
                "运行一次 duban status 完成升级"
            )

    @property
    def live(self) -> LiveConfig:
        from notifiers.factory import LiveConfig

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
        from db.evidence import write_atomically
        from notifiers.console import ConsoleFileNotifier

        if self.settings.delivery == "console":
            return ConsoleFileNotifier(self.settings.outbox_dir, write_atomically, self.echo)
        return self.live_notifier(channel)

    def live_notifier(self, channel: Channel | None) -> Notifier:
        """The real notifier, whatever ``DUBAN_DELIVERY`` says (``duban notify-test`` uses it)."""
        from db.channels import channel_audience
        from db.engine import session_scope
        from db.evidence import write_atomically
        from notifiers.console import ConsoleFileNotifier
        from notifiers.email import EmailNotifier, Recipient
        from notifiers.factory import ChannelSetup
        from notifiers.wecom_robot import Contact

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
        from db.channels import channels_by_code
        from db.engine import session_scope
        from jobs.admin_alert import AdminRoute

        code = self.settings.admin_channel
        if not code:
            return AdminRoute()
        with session_scope(self.engine) as session:
            found = channels_by_code(session, code=code)
        if len(found) != 1:
            problem = "找不到" if not found else "有多个同名频道"
            raise ConfigurationError(f"DUBAN_ADMIN_CHANNEL={code}：{problem}这个频道代码")
        return AdminRoute(found[0].id, code)


def _reason(exc: Exception) -> str:
    """The database driver's own first line about ``exc``."""
    from sqlalchemy.exc import DBAPIError

    orig = exc.orig if isinstance(exc, DBAPIError) else None
    return str(orig).strip().splitlines()[0] if orig else str(exc) or type(exc).__name__
