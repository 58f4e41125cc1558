"""Channels with their audiences, as the routing reads them."""

from __future__ import annotations

from sqlmodel import Session, col, select

from db.models import Channel, Person, Project, Subscription
from domain.routing import ChannelFacts, Member


def load_channels(session: Session, projects: list[str]) -> list[ChannelFacts]:
    query = (
        select(Channel, Project)
        .join(Project)
        .where(col(Project.code).in_(projects))
        .order_by(Project.code, Channel.code)
    )
    channels = []
    for channel, project in session.exec(query):
        people = session.exec(
            select(Person)
            .join(Subscription)
            .where(Subscription.channel_id == channel.id)
            .order_by(Person.name)
        )
        channels.append(
            ChannelFacts(
                project=project.code,
                code=channel.code,
                kind=channel.kind,
                name=channel.name,
                leadership=channel.leadership,
                members=tuple(Member(p.name, p.mobile, p.wecom_userid, p.email) for p in people),
                settings=tuple(sorted(channel.settings.items())),
            )
        )
    return channels


def channel_audience(session: Session, channel: Channel) -> tuple[list[Member], list[Member]]:
    """A channel's members, and every person of its project (whom a message may @)."""
    members = session.exec(
        select(Person).join(Subscription).where(Subscription.channel_id == channel.id).order_by(Person.name)
    ).all()
    everyone = session.exec(select(Person).where(Person.project_id == channel.project_id)).all()
    return [_member(p) for p in members], [_member(p) for p in everyone]


def _member(person: Person) -> Member:
    return Member(person.name, person.mobile, person.wecom_userid, person.email)
