"""What a web user may do on each project: read it, act on it, or coordinate it.

An administrator coordinates every project; a province reader reads every project and changes
none; a member has only the projects granted to them, each as coordinator, staff or read-only.
The web page asks :meth:`Scope.may` through ``Site.allow`` before every page, download and form
about a project, so this table is the one place the rules live (docs/security.md shows it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum

from db.models import ProjectRole, UserRole


class Need(IntEnum):
    """What a page or form needs on its project; each level includes the ones below it."""

    NOTHING = 0
    READ = 1  # pages, lists, downloads, evidence files
    ACT = 2  # acknowledge, silence (and undo either), enter a figure by hand
    COORDINATE = 3  # sign off (销号) or return results, import a ledger, revoke reply links, test channels


GRANTED = {
    ProjectRole.READ_ONLY: Need.READ,
    ProjectRole.STAFF: Need.ACT,
    ProjectRole.COORDINATOR: Need.COORDINATE,
}
EVERYWHERE = {UserRole.ADMIN: Need.COORDINATE, UserRole.PROVINCE: Need.READ}


@dataclass(frozen=True)
class Scope:
    role: UserRole
    grants: dict[str, ProjectRole] = field(default_factory=dict)

    def level(self, project: str) -> Need:
        """The most this user may do on ``project``."""
        if self.role in EVERYWHERE:
            return EVERYWHERE[self.role]
        grant = self.grants.get(project)
        return GRANTED[grant] if grant is not None else Need.NOTHING

    def may(self, project: str, need: Need) -> bool:
        return self.level(project) >= need

    def readable(self, projects: Iterable[str]) -> list[str]:
        """The ones of ``projects`` this user may see, in the order given."""
        return [code for code in projects if self.may(code, Need.READ)]

    def acts_anywhere(self) -> bool:
        """Whether any form is open to this user at all (province readers and read-only grants: none)."""
        return self.role is UserRole.ADMIN or any(GRANTED[g] >= Need.ACT for g in self.grants.values())

    def sees_everything(self) -> bool:
        """Administrators and province readers: they also read what belongs to no project."""
        return self.role in EVERYWHERE

    def acts_on_all(self, projects: Iterable[str]) -> bool:
        """Whether this user may act on every one of ``projects`` (a refresh touches them all)."""
        return all(self.may(code, Need.ACT) for code in projects)
