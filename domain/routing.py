"""Who hears about a finding: the channels of its project whose members it names.

* A finding goes to every working channel (not the leadership's) with a member it names; if it
  names nobody in any channel, to all of the project's working channels, so nothing is unheard.
* An escalated finding also goes to the leadership channels (领导小组): an item or deliverable
  still open ``escalate_after_workdays`` working days after its date, a missed binding target —
  and so does the resolution of an alert that had been escalated.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from domain.findings import Finding


@dataclass(frozen=True)
class Member:
    name: str
    mobile: str | None = None
    wecom_userid: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class ChannelFacts:
    project: str
    code: str
    kind: str
    name: str
    leadership: bool
    members: tuple[Member, ...]
    settings: tuple[tuple[str, str], ...] = ()

    def names(self) -> set[str]:
        return {m.name for m in self.members}


def route(findings: list[Finding], channels: list[ChannelFacts]) -> dict[ChannelFacts, list[Finding]]:
    """Map each channel to the findings it should carry, keeping the findings' order."""
    by_project: dict[str, list[ChannelFacts]] = defaultdict(list)
    for channel in channels:
        by_project[channel.project].append(channel)
    routed: dict[ChannelFacts, list[Finding]] = defaultdict(list)
    for finding in findings:
        project_channels = by_project.get(finding.project, [])
        working = [c for c in project_channels if not c.leadership]
        named = [c for c in working if c.names() & set(finding.persons)]
        for channel in named or working:
            routed[channel].append(finding)
        if finding.escalate:
            for channel in project_channels:
                if channel.leadership:
                    routed[channel].append(finding)
    return dict(routed)
