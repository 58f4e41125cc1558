"""Channels with their audiences, as the routing reads them."""

from __future__ import annotations

from collections import defaultdict

from sqlmodel import Session, col, select

from db.models import Channel, Person, Project, Subscription
from domain.routing import ChannelFacts, Member


def load_channels(session: Session, projects: list[str]) -> list[ChannelFacts]:
    """The projects' channels, by project then code, each with its members by name.

    Two queries whatever the number of channels: a province has thousands.
    """
    query = (
        select(Channel, Project)
        .join(Project)
        .where(col(Project.code).in_(projects))
        .order_by(Project.code, Channel.code)
    )
    rows = list(session.exec(query))
    members: dict[int | None, list[Member]] = defaultdict(list)
    subscribed = (
        select(Subscription.channel_id, Person)
        .join(Person, col(Person.id) == Subscription.person_id)
        .join(Channel, col(Channel.id) == Subscription.channel_id)
        .join(Project, col(Project.id) == Channel.project_id)
        .where(col(Project.code).in_(projects))
        .order_by(Person.name)
    )
    for channel_id, person in session.exec(subscribed):
        members[channel_id].append(_member(person))
    return [
        ChannelFacts(
            project=project.code,
            code=channel.code,
            kind=channel.kind,
            name=channel.name,
            leadership=channel.leadership,
            members=tuple(members[channel.id]),
            settings=tuple(sorted(channel.settings.items())),
        )
        for channel, project in rows
    ]


def channel_audience(session: Session, channel: Channel) -> tuple[list[Member], list[Member]]:
    """A channel's members, and every person of its project (whom a message may @)."""
    members = session.exec(
        select(Person).join(Subscription).where(Subscription.channel_id == channel.id).order_by(Person.name)
    ).all()
    everyone = session.exec(select(Person).where(Person.project_id == channel.project_id)).all()
    return [_member(p) for p in members], [_member(p) for p in everyone]


def _member(person: Person) -> Member:
    return Member(person.name, person.mobile, person.wecom_userid, person.email)


def channels_by_ids(session: Session, *, ids: set[int]) -> dict[int, Channel]:
    """The channel rows of ``ids`` by id, in one query (the sender reads a batch's channels)."""
    if not ids:
        return {}
    rows = session.exec(select(Channel).where(col(Channel.id).in_(ids)))
    return {channel.id: channel for channel in rows if channel.id is not None}


def channels_by_code(session: Session, *, code: str, project: str | None = None) -> list[Channel]:
    """Every channel with ``code``, in ``project`` if given (codes repeat across projects)."""
    query = select(Channel).join(Project).where(Channel.code == code)
    if project:
        query = query.where(col(Project.code) == project)
    return list(session.exec(query).all())


def channel_ids(session: Session) -> dict[tuple[int, str], int | None]:
    """(project id, channel code) → channel id, for every channel."""
    return {(c.project_id, c.code): c.id for c in session.exec(select(Channel))}


def leader_channels(session: Session, *, project_id: int | None) -> list[Channel]:
    """The project's leadership channels (who receive the summaries)."""
    query = select(Channel).where(Channel.project_id == project_id, Channel.leadership == True)  # noqa: E712
    return list(session.exec(query).all())
