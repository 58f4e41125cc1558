"""The evaluation's knobs, with every default in one visible place."""

from __future__ import annotations

from dataclasses import dataclass, replace

from domain.enums import Binding, Severity
from domain.facts import AlertSettings
from domain.keys import DUE, OVERDUE, remind


@dataclass(frozen=True)
class Policy:
    """How the judgement is tuned; a project's plan may override the deadline settings.

    * ``reminder_workdays``: remind this many working days before a deadline (0 = on the day).
    * ``escalate_after_workdays``: an item still open this many working days after its deadline
      goes to the leadership group too.
    * ``checkin_every_months``: an ongoing duty (并长期坚持) past its date is asked for a progress
      report on the first working day of every this-many months, instead of being "overdue".
    * ``missing_after_day``: last month's figure is missing once this day of the month has passed.
    * ``stale_after_days``: a source with no successful collection for this many days is stale.
    * ``jump_factor``: a month this many times above (or below 1/factor of) the previous one is
      implausible.
    * ``report_window``: the days of the month a reporting system accepts last month's report;
      ``report_warn_workdays``: the second reminder this many working days before it closes.
    """

    reminder_workdays: tuple[int, ...] = (5, 3, 1, 0)
    escalate_after_workdays: int = 3
    checkin_every_months: int = 1
    missing_after_day: int = 10
    stale_after_days: int = 7
    jump_factor: float = 5.0
    report_window: tuple[int, int] = (1, 10)
    report_warn_workdays: int = 2

    def for_project(self, settings: AlertSettings) -> Policy:
        overrides = {
            name: getattr(settings, name)
            for name in ("reminder_workdays", "escalate_after_workdays", "checkin_every_months")
            if getattr(settings, name) is not None
        }
        return replace(self, **overrides) if overrides else self

    def stage(self, workdays_left: int) -> str | None:
        """The reminder step a number of working days falls in, or None if too early to remind."""
        if workdays_left < 0:
            return OVERDUE
        steps = [n for n in sorted(self.reminder_workdays) if n >= workdays_left]
        if not steps:
            return None
        return DUE if steps[0] == 0 else remind(steps[0])


def severity(binding: Binding, serious: bool) -> Severity:
    """Binding (约束性) targets weigh one step heavier than expected (期望性) ones."""
    if binding is Binding.EXPECTED:
        return Severity.WARNING if serious else Severity.INFO
    return Severity.CRITICAL if serious else Severity.WARNING
