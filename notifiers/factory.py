"""What a channel kind's builder is handed, and the builders of the kinds duban ships.

Channel settings (plan file ``channels[].settings``) hold only non-secret values and ``${ENV}``
references, resolved at the moment of use by :meth:`ChannelSetup.setting`:

* ``wecom_robot``: ``webhook_key`` (required, a reference).
* ``wecom_app``: ``agent_id``; ``corp_id`` and ``secret`` default to ``DUBAN_WECOM_CORP_ID`` and
  the environment variable ``DUBAN_WECOM_SECRET``.
* ``email``: ``to`` (extra addresses, comma separated), ``to_name`` (the group's display name);
  the server is the global SMTP setting, the password the variable ``DUBAN_SMTP_PASSWORD``.

Which kinds exist, and which builder each has, is in :mod:`notifiers.registry`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from domain.errors import ConfigurationError
from domain.routing import Member
from domain.secrets import resolve_setting
from notifiers.email import EmailNotifier, Recipient, SmtpConfig
from notifiers.wecom import DEFAULT_API_BASE
from notifiers.wecom_app import TokenCache, WeComAppNotifier
from notifiers.wecom_robot import Contact, WeComRobotNotifier

# Secrets, like the ``${…}`` references in plan files, are read from the environment when used.
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


@dataclass(frozen=True)
class ChannelSetup:
    """One channel as its builder sees it: ``members`` its audience, ``contacts`` whom it can @."""

    code: str
    settings: Mapping[str, str]
    members: Sequence[Member]
    contacts: Mapping[str, Contact]
    config: LiveConfig
    environ: Mapping[str, str]
    tokens: TokenCache

    def setting(self, name: str, default: str | None = None) -> str | None:
        """The setting ``name`` with its ``${ENV}`` references resolved; ``default`` when unset.

        A secret variable outside a secret field (a database edited by hand) is refused here too.
        """
        raw = self.settings.get(name)
        if raw is None or raw == "":
            return default
        return resolve_setting((name,), str(raw), self.environ, what=f"频道 {self.code} 的 {name}")


def wecom_robot(setup: ChannelSetup) -> WeComRobotNotifier:
    return WeComRobotNotifier(
        channel=setup.code,
        webhook_key=setup.setting("webhook_key") or "",
        contacts=setup.contacts,
        api_base=setup.config.wecom_api_base,
        timeout=setup.config.timeout,
    )


def wecom_app(setup: ChannelSetup) -> WeComAppNotifier:
    secret = setup.setting("secret") or setup.environ.get(WECOM_SECRET_VAR)
    if not secret:
        raise ConfigurationError(
            f"频道 {setup.code}（企业微信应用）需要 secret：设置环境变量 {WECOM_SECRET_VAR}"
        )
    return WeComAppNotifier(
        channel=setup.code,
        corp_id=setup.setting("corp_id", setup.config.wecom_corp_id) or "",
        agent_id=setup.setting("agent_id", setup.config.wecom_agent_id) or "",
        secret=secret,
        users=[m.wecom_userid for m in setup.members if m.wecom_userid],
        tokens=setup.tokens,
        api_base=setup.config.wecom_api_base,
        timeout=setup.config.timeout,
    )


def email(setup: ChannelSetup) -> EmailNotifier:
    extra = [a.strip() for a in (setup.setting("to") or "").split(",") if a.strip()]
    recipients = [Recipient(m.name, m.email) for m in setup.members if m.email]
    recipients += [Recipient("", address) for address in extra]
    return EmailNotifier(
        channel=setup.code,
        smtp=setup.config.smtp(setup.environ),
        recipients=recipients,
        group=setup.setting("to_name") or "",
    )
