"""Build the live notifier for a channel from its kind, its settings and its audience.

Channel settings (plan file ``channels[].settings``) hold only non-secret values and ``${ENV}``
references, resolved here, at the moment of use:

* ``wecom_robot``: ``webhook_key`` (required, a reference).
* ``wecom_app``: ``agent_id``; ``corp_id`` and ``secret`` default to ``DUBAN_WECOM_CORP_ID`` and
  the environment variable ``DUBAN_WECOM_SECRET``.
* ``email``: ``to`` (extra addresses, comma separated), ``to_name`` (the group's display name);
  the server is the global SMTP setting, the password the variable ``DUBAN_SMTP_PASSWORD``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from domain.enums import ChannelKind
from domain.errors import ConfigurationError
from domain.routing import Member
from domain.secrets import resolve
from notifiers.base import Notifier
from notifiers.email import EmailNotifier, Recipient, SmtpConfig
from notifiers.wecom import DEFAULT_API_BASE
from notifiers.wecom_app import TokenCache, WeComAppNotifier
from notifiers.wecom_robot import Contact, WeComRobotNotifier

SMTP_PASSWORD_VAR = "DUBAN_SMTP_PASSWORD"
WECOM_SECRET_VAR = "DUBAN_WECOM_SECRET"


@dataclass(frozen=True)
class LiveConfig:
    """The global, non-secret delivery settings (from :class:`bot.settings.Settings`)."""

    wecom_api_base: str = DEFAULT_API_BASE
    wecom_corp_id: str | None = None
    wecom_agent_id: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 465
    smtp_security: str = "ssl"
    smtp_user: str | None = None
    smtp_from: str | None = None
    smtp_from_name: str = "督办提醒"
    smtp_ca_file: str | None = None
    timeout: float = 15.0

    def smtp(self, environ: Mapping[str, str]) -> SmtpConfig:
        return SmtpConfig(
            host=self.smtp_host or "",
            port=self.smtp_port,
            sender=self.smtp_from or self.smtp_user or "",
            security=self.smtp_security,
            user=self.smtp_user,
            password=environ.get(SMTP_PASSWORD_VAR) or None,
            sender_name=self.smtp_from_name,
            ca_file=self.smtp_ca_file,
            timeout=self.timeout,
        )


def build_notifier(
    *,
    kind: ChannelKind,
    code: str,
    settings: Mapping[str, str],
    members: Sequence[Member],
    contacts: Mapping[str, Contact],
    config: LiveConfig,
    environ: Mapping[str, str],
    tokens: TokenCache,
) -> Notifier:
    """The notifier for one channel: ``members`` its audience, ``contacts`` whom it can @."""

    def setting(name: str, default: str | None = None) -> str | None:
        raw = settings.get(name)
        if raw is None or raw == "":
            return default
        return resolve(str(raw), environ, what=f"频道 {code} 的 {name}")

    if kind is ChannelKind.WECOM_ROBOT:
        key = setting("webhook_key")
        if not key:
            raise ConfigurationError(f"频道 {code}（群机器人）没有设置 webhook_key")
        return WeComRobotNotifier(
            channel=code,
            webhook_key=key,
            contacts=contacts,
            api_base=config.wecom_api_base,
            timeout=config.timeout,
        )
    if kind is ChannelKind.WECOM_APP:
        secret = setting("secret") or environ.get(WECOM_SECRET_VAR)
        if not secret:
            raise ConfigurationError(
                f"频道 {code}（企业微信应用）需要 secret：设置环境变量 {WECOM_SECRET_VAR}"
            )
        return WeComAppNotifier(
            channel=code,
            corp_id=setting("corp_id", config.wecom_corp_id) or "",
            agent_id=setting("agent_id", config.wecom_agent_id) or "",
            secret=secret,
            users=[m.wecom_userid for m in members if m.wecom_userid],
            tokens=tokens,
            api_base=config.wecom_api_base,
            timeout=config.timeout,
        )
    extra = [a.strip() for a in (setting("to") or "").split(",") if a.strip()]
    recipients = [Recipient(m.name, m.email) for m in members if m.email]
    recipients += [Recipient("", address) for address in extra]
    return EmailNotifier(
        channel=code, smtp=config.smtp(environ), recipients=recipients, group=setting("to_name") or ""
    )
