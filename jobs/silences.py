"""Silences by hand (``duban silence``, the project page's 静默 section) and for a run.

A silence belongs to one project and may narrow it by unit, person, finding kind and alert key
(:mod:`domain.silences` says how each matches). Creating one checks every value against the
project's own names, so a typo is refused with the value and the choices rather than silencing
nothing; ending one early (提前结束) takes effect at once. :func:`muting` gives a run the end of
the silences muting each finding.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from db import alerts as alert_store
from db import silences as store
from db.models import Alert, Project, Silence
from db.plan import project_by_code, projects
from domain.enums import AlertState, FindingKind
from domain.errors import ConfigurationError
from domain.findings import Finding
from domain.keys import without_project
from domain.labels import label
from domain.silences import Matchers, Rule, Target, muted_until
from domain.workdays import OFFICE_TZ

QUIET_KINDS = frozenset(
    {FindingKind.TARGET_MET, FindingKind.ON_PACE, FindingKind.NOT_YET_DUE, FindingKind.RESOLVED}
)
# The kinds an alert can have, by their Chinese label and their stored word.
ALERT_KINDS = {label(kind): kind.value for kind in FindingKind if kind not in QUIET_KINDS}


class SilenceError(ConfigurationError):
    """A silence that cannot be made or ended: an unknown name, no reason, an end in the past."""


@dataclass(frozen=True)
class Wanted:
    """A silence as someone asked for it, before it is checked."""

    project: str
    until: datetime
    reason: str
    unit: str | None = None
    person: str | None = None
    kind: str | None = None
    key: str | None = None


@dataclass(frozen=True)
class Listed:
    """A silence as a list shows it: the row, whether it still mutes, how many open alerts it covers."""

    silence: Silence
    project: str
    active: bool
    state: str  # 生效中, 未开始, 已提前结束 or 已结束
    matching: int


def matchers_text(silence: Silence) -> str:
    """What a silence covers, in words: "责任单位 县商务局，类型 整改逾期", or "全部提醒"."""
    kinds = {value: word for word, value in ALERT_KINDS.items()}
    parts = [
        f"责任单位 {silence.unit}" if silence.unit else "",
        f"责任人 {silence.person}" if silence.person else "",
        f"类型 {kinds.get(silence.kind, silence.kind)}" if silence.kind else "",
        f"提醒 {without_project(silence.alert_key)}" if silence.alert_key else "",
    ]
    return "，".join(p for p in parts if p) or "全部提醒"


def muting(
    session: Session, project_ids: dict[str, int], at: datetime
) -> Callable[[Finding], datetime | None]:
    """For a run judging at ``at``: until when each finding is muted (None: not muted)."""
    rows = store.silences_of(session, project_ids=project_ids.values(), ending_after=at)
    rules = [store.rule_of(row, code) for row, code in rows]

    def until(finding: Finding) -> datetime | None:
        if not rules:  # the usual case, asked for each of a province's 60,000 findings
            return None
        target = Target(finding.project, finding.key, finding.kind.value, finding.units, finding.persons)
        return muted_until(rules, target, at)

    return until


def muted_keys(session: Session, *, project: str, at: datetime) -> set[str]:
    """The keys of the project's open alerts a silence mutes at ``at`` (shown as 静默中)."""
    return muted_among(session, alert_store.open_alerts(session, project=project), at=at)


def muted_among(session: Session, alerts: list[Alert], *, at: datetime) -> set[str]:
    """The keys of those of ``alerts`` not resolved that a silence mutes at ``at``; their projects'
    silences are read in one query (``duban alerts`` lists a province's 60,000 at once)."""
    rules: dict[int, list[Rule]] = defaultdict(list)
    codes: dict[int, str] = {}
    for row, code in store.silences_of(session, project_ids={a.project_id for a in alerts}, ending_after=at):
        rules[row.project_id].append(store.rule_of(row, code))
        codes[row.project_id] = code
    return {
        a.key
        for a in alerts
        if a.state is not AlertState.RESOLVED
        and a.project_id in rules
        and muted_until(rules[a.project_id], store.target_of(a, codes[a.project_id]), at) is not None
    }


def create(session: Session, *, wanted: Wanted, actor: str | None, now: datetime, at: datetime) -> Silence:
    """A new silence, muting from ``at`` (the judging moment) until ``wanted.until``."""
    project = _project(session, wanted.project)
    matchers = checked(session, project, wanted)
    if not wanted.reason.strip():
        raise SilenceError("请写明静默的原因，它会记入处理记录")
    if wanted.until <= at:
        when = wanted.until.astimezone(OFFICE_TZ)
        raise SilenceError(f"静默截止时间 {when:%Y-%m-%d %H:%M}（北京时间）已过，请给出将来的时间")
    assert project.id is not None
    row = store.add_silence(
        session,
        silence=Silence(
            project_id=project.id,
            unit=matchers.unit,
            person=matchers.person,
            kind=matchers.kind,
            alert_key=matchers.key,
            starts_at=at,
            ends_at=wanted.until,
            created_at=now,
            created_by=actor,
            reason=wanted.reason.strip(),
        ),
    )
    open_alerts = alert_store.open_alerts(session, project=project.code)
    covered = [a for a in open_alerts if matchers.match(store.target_of(a, project.code))]
    alert_store.note_silenced(session, alerts=covered, silence=row, now=now)
    return row


def checked(session: Session, project: Project, wanted: Wanted) -> Matchers:
    """The matchers of ``wanted``, each checked against the project's names (empty means any)."""
    units, persons = store.names_in(session, project=project)
    unit, person = _blank(wanted.unit), _blank(wanted.person)
    if unit is not None and unit not in units:
        raise SilenceError(f"项目 {project.code} 没有责任单位“{unit}”；可选：{'、'.join(units) or '（无）'}")
    if person is not None and person not in persons:
        raise SilenceError(
            f"项目 {project.code} 没有责任人“{person}”；可选：{'、'.join(persons) or '（无）'}"
        )
    kind = _blank(wanted.kind)
    if kind is not None:
        kind = ALERT_KINDS.get(kind, kind)
        if kind not in ALERT_KINDS.values():
            raise SilenceError(f"没有提醒类型“{wanted.kind}”；可选：{'、'.join(ALERT_KINDS)}")
    key = _blank(wanted.key)
    if key is not None and not key.startswith(f"{project.code}/"):
        key = f"{project.code}/{key}"
    return Matchers(project.code, unit, person, kind, key.rstrip("/") if key else None)


def expire_early(
    session: Session, *, silence_id: int, project: str | None, actor: str | None, now: datetime
) -> Silence:
    """End silence ``silence_id`` now; ``project``, when given, must be the silence's."""
    found = store.silence_by_id(session, silence_id)
    if found is None or (project is not None and found[1] != project):
        raise SilenceError(f"没有编号为 {silence_id} 的静默（可用 duban silence list 查看）")
    row = found[0]
    if row.expired_at is not None or row.ends_at <= now:
        raise SilenceError(f"编号 {silence_id} 的静默已经结束")
    store.expire(session, silence=row, actor=actor, now=now)
    return row


def listing(session: Session, *, project: str | None, now: datetime, since: datetime) -> list[Listed]:
    """The silences that mute at ``now`` and those ended after ``since``, newest first, each with
    how many of its project's open alerts it covers."""
    ids = [p.id for p in ([_project(session, project)] if project else projects(session)) if p.id is not None]
    rows = store.silences_of(session, project_ids=ids, ending_after=since)
    alerts = {code: alert_store.open_alerts(session, project=code) for code in {code for _, code in rows}}
    out = []
    for row, code in reversed(rows):
        rule = store.rule_of(row, code)
        if rule.window.end <= since:
            continue  # ended early, long ago
        count = sum(1 for a in alerts[code] if rule.matchers.match(store.target_of(a, code)))
        active = rule.window.mutes_at(now)
        out.append(Listed(row, code, active, _state(row, active, now), count))
    return out


def preview(session: Session, *, wanted: Wanted) -> int:
    """How many of the project's open alerts a silence like ``wanted`` would cover now."""
    project = _project(session, wanted.project)
    matchers = checked(session, project, wanted)
    open_alerts = alert_store.open_alerts(session, project=project.code)
    return sum(1 for a in open_alerts if matchers.match(store.target_of(a, project.code)))


def project_of_silence(session: Session, silence_id: int) -> str | None:
    """The project code silence ``silence_id`` belongs to (None: no such silence)."""
    found = store.silence_by_id(session, silence_id)
    return found[1] if found is not None else None


def _project(session: Session, code: str) -> Project:
    project = project_by_code(session, code=code)
    if project is None:
        raise SilenceError(f"项目 {code} 不存在")
    return project


def _state(row: Silence, active: bool, now: datetime) -> str:
    if active:
        return "生效中"
    if row.starts_at > now and row.expired_at is None:
        return "未开始"
    return "已提前结束" if row.expired_at is not None else "已结束"


def _choices(names: list[str]) -> str:
    return "、".join(names) or "（无）"


def _blank(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None
