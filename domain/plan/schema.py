"""The shape of a plan file, validated before anything touches the database.

A plan file (YAML) describes one project: its people, channels, data sources, indicators and
rectification items. ``examples/`` holds real ones. Secrets are never written here: a value such
as ``${DUBAN_WECOM_KEY_PIANGUAN}`` names an environment variable that is read at send time.

Validation context: ``{"year": 2023}`` gives the year for dates written without one (``10月底``);
``{"kinds": KnownKinds(...)}`` the channel and source kinds the application has registered. The
core knows no kinds itself: the importer hands them in, so a plan naming an unknown kind is
refused at its line, and adding a kind never touches this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from domain.agreement import parse_agree_within
from domain.enums import Binding, Cadence, Comparator, IndicatorKind, ItemStatus, PeriodKind
from domain.plan.dates import (
    MONTH_READINGS,
    ONGOING_MARKERS,
    month_only,
    parse_deadline,
    parse_office_date,
    read_month,
)
from domain.plan.names import canonical_units, closest, near_people, near_units
from domain.plan.periods import RecursSpec, WindowSpec
from domain.plan.text import TextError, clean_text
from domain.secrets import is_secret_setting, misplaced_problem, misplaced_secret

SECRET_REF = re.compile(r"^\$\{[A-Z][A-Z0-9_]*\}$")
CODE = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"

_BINDING_WORDS = {"约束性": Binding.BINDING, "期望性": Binding.EXPECTED}
_STATUS_WORDS = {
    "已销号": ItemStatus.CLOSED,
    "销号": ItemStatus.CLOSED,
    "已完成": ItemStatus.CLOSED,
    "未销号": ItemStatus.OPEN,
    "未完成": ItemStatus.OPEN,
    "整改中": ItemStatus.OPEN,
}
# Dates arrive as text (the loader does no implicit YAML dates): "2023-10-15", as YAML would have
# read a date; a time of day is no part of a plan date.
_ISO_DAY = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
_TIME_OF_DAY = re.compile(r"\d{1,2}:\d{2}")
_COMPARATOR_WORDS = {
    ">=": "ge",
    "≥": "ge",
    "不少于": "ge",
    "不低于": "ge",
    ">": "gt",
    "＞": "gt",
    "高于": "gt",
    "<=": "le",
    "≤": "le",
    "不超过": "le",
    "<": "lt",
    "＜": "lt",
    "低于": "lt",
    "=": "eq",
    "＝": "eq",
    "介于": "between",
    "约": "approx",
    "≈": "approx",
}
_CADENCE_WORDS = {
    "每月": "monthly",
    "月度": "monthly",
    "每季度": "quarterly",
    "季度": "quarterly",
    "每年": "yearly",
    "年度": "yearly",
    "一次": "once",
    "一次性": "once",
}
_READING_WORDS = {
    "月初前": "before_month",
    "该月之前": "before_month",
    "月底": "end_of_month",
    "月底前": "end_of_month",
}
# What plan format version 2 added; a file using any of it is read as version 2.
V2_COMPARATORS = frozenset({Comparator.GT, Comparator.LT, Comparator.EQ, Comparator.APPROX})


def _word(mapping: dict[str, Any]) -> BeforeValidator:
    return BeforeValidator(lambda v: mapping.get(v.strip(), v) if isinstance(v, str) else v)


def _names(value: Any) -> Any:
    """Accept a list or the office habit of one string joined by 、，, or spaces."""
    if isinstance(value, str):
        return [part for part in re.split(r"[、,，;；\s]+", value) if part]
    return value


def _no_time(value: Any) -> None:
    if isinstance(value, str) and _TIME_OF_DAY.search(value):
        raise ValueError(f"应为日期，不写时刻（实际值：{value!r}）")


def _office_date(value: Any, info: ValidationInfo) -> date | None:
    if value is None or value == "":
        return None
    _no_time(value)
    return parse_office_date(value, year=(info.context or {}).get("year"))


def _plain_number(value: Any) -> Any:
    """A number, never a YAML truth value: ``target: true`` is a slip, not 1."""
    if isinstance(value, bool):
        raise ValueError(f"应为数字，不能是真假值（实际值：{str(value).lower()}）")
    return value


Number = Annotated[float, BeforeValidator(_plain_number)]


OfficeDate = Annotated[date | None, BeforeValidator(_office_date)]
Names = Annotated[list[str], BeforeValidator(_names)]


@dataclass(frozen=True)
class KnownKinds:
    """The registered channel and source kinds, handed in as the validation context's ``kinds``."""

    channels: frozenset[str]
    sources: frozenset[str]


def _known_kind(value: str, info: ValidationInfo, registered: str, what: str) -> str:
    """``value`` if the context's kinds name it (or no kinds were handed in); else a ValueError."""
    kinds = (info.context or {}).get("kinds")
    if kinds is not None:
        known: frozenset[str] = getattr(kinds, registered)
        if value not in known:
            raise ValueError(f"不认识的{what} {value}（可用：{'、'.join(sorted(known))}）")
    return value


class LocatedError(ValueError):
    """A validation error that knows which field, below the model being validated, is at fault."""

    def __init__(self, message: str, *loc: str | int) -> None:
        super().__init__(message)
        self.loc = loc


def _clean(value: Any) -> Any:
    """Text at this level (a string, or a list of strings); nested models check their own."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean_text(v) if isinstance(v, str) else v for v in value]
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _clean_texts(cls, data: Any) -> Any:
        """Every text value passes :func:`clean_text`; the error names the field it is in."""
        if not isinstance(data, dict):
            return data
        cleaned = {}
        for key, value in data.items():
            try:
                cleaned[key] = _clean(value)
            except TextError as exc:
                raise LocatedError(str(exc), key) from None
        return cleaned


class ProjectSpec(Strict):
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1)
    county: str = Field(min_length=1)
    programme: str = "乡村e镇"
    plan_start: OfficeDate = None
    plan_end: OfficeDate = None
    timezone: str = "Asia/Shanghai"
    document: str | None = None  # the 文号 or title the plan comes from

    @model_validator(mode="after")
    def _period_in_order(self) -> ProjectSpec:
        if self.plan_start and self.plan_end and self.plan_end < self.plan_start:
            raise ValueError("plan_end 早于 plan_start")
        return self


class PersonSpec(Strict):
    name: str = Field(min_length=1)
    unit: str | None = None
    role: str | None = None
    mobile: str | None = Field(default=None, pattern=r"^1\d{10}$")
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    wecom_userid: str | None = None

    @field_validator("mobile", mode="before")
    @classmethod
    def _mobile_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value  # YAML reads 13800000001 as a number


class ChannelSpec(Strict):
    code: str = Field(pattern=CODE)
    kind: str = Field(min_length=1)  # a channel registry kind: wecom_robot, wecom_app, email …
    name: str = Field(min_length=1)
    members: Names = []
    leadership: bool = False  # receives escalations and summaries
    settings: dict[str, str] = {}

    @field_validator("kind")
    @classmethod
    def _registered(cls, value: str, info: ValidationInfo) -> str:
        return _known_kind(value, info, "channels", "频道类型")

    @field_validator("settings")
    @classmethod
    def _secrets_are_references(cls, value: dict[str, str]) -> dict[str, str]:
        for key, text in value.items():
            if is_secret_setting(key) and not SECRET_REF.match(str(text)):
                example = f"${{DUBAN_{key.upper()}}}"
                raise LocatedError(f"{key} 是密钥，只能写成环境变量引用，例如 {example}", key)
        return value


class SourceSpec(Strict):
    code: str = Field(pattern=CODE)
    kind: str = Field(min_length=1)  # a collector registry kind: html, mofcom, json, file …
    name: str | None = None
    settings: dict[str, Any] = {}

    @field_validator("kind")
    @classmethod
    def _registered(cls, value: str, info: ValidationInfo) -> str:
        return _known_kind(value, info, "sources", "数据源类型")


class YearTarget(Strict):
    year: int | None = None
    town: str | None = None
    value: Number
    high: Number | None = None  # upper bound for "between"


class IndicatorSpec(Strict):
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1)
    kind: IndicatorKind = IndicatorKind.NUMERIC
    category: str | None = None
    requirement: str | None = None  # the standard as the plan words it
    binding: Annotated[Binding, _word(_BINDING_WORDS)] = Binding.BINDING
    unit: str | None = None
    comparator: Annotated[Comparator, _word(_COMPARATOR_WORDS)] = Comparator.GE
    target: Number | None = None
    target_high: Number | None = None
    targets: list[YearTarget] = []
    period: PeriodKind = PeriodKind.PER_YEAR
    due: OfficeDate = None
    done: bool = False
    responsible_unit: str | None = None
    responsible_persons: Names = []
    source: str | None = None
    source_field: str | None = None  # the column or label the source reports this figure under
    # 序时进度 by the plan's own monthly schedule: cumulative % of the year's target due by the end
    # of each month, twelve numbers ending at 100. Left out, the pace is linear (m/12).
    pace: list[float] = []
    base: str | None = None  # growth: the indicator whose year-over-year change is the rate
    # The indicator holding the figure to beat (全市平均增速; 政府引导资金): the requirement is that
    # figure plus ``target`` — points for a rate, an amount for a level.
    reference: str | None = None
    # Format 2. How often the figure is reported: monthly (the default), quarterly, yearly, or
    # once (a count or an area entered once is never asked for again).
    cadence: Annotated[Cadence, _word(_CADENCE_WORDS)] = Cadence.MONTHLY
    tolerance: Number | None = Field(default=None, ge=0)  # approx: allowed deviation, % of target
    # Other indicators any one of which, met, meets this one: 或者建筑面积在 50 万平方米以上.
    alternatives: Names = []
    # The rectification item whose measures set this target — its number, or batch/number when
    # several batches share numbers (复核组/3): its deadline is the target's due date, its persons
    # and units the responsible ones, unless given here.
    item: str | None = None
    # ---- Format 2, the indicator's own time (沁县; domain/plan/periods.py) ----
    # The period the target is reckoned over, instead of the project's start and end.
    window: WindowSpec | None = None
    # growth: the compound average annual rate (年均增长) of ``base`` over the window's years,
    # from the year before the window starts ("在现有基础上"), not a year-over-year rate.
    average: bool = False
    # deliverable: due again each period (每月报送工作进展), closed by a figure for that period.
    recurs: RecursSpec | None = None
    # A figure other targets are held to or computed from (长治市平均增速, 政府引导资金): no target
    # of its own, so no verdict; entered by hand or collected like any figure.
    figure: bool = False

    # Rule sets and gradings (issue 13). A due date written to the month only ("2019年10月份前")
    # has two readings: before_month (the day before the month starts) or end_of_month; the plan
    # must say which, and the words are kept in due_text for the messages.
    due_reading: Annotated[str | None, _word(_READING_WORDS)] = None
    due_text: str | None = None
    points: Number | None = Field(default=None, ge=0)  # the standard's points in the evaluation
    part_of: str | None = None  # the standard (an indicator code) this figure is one part of
    # Format 2. How far this figure from two sources (two collected sources, or one and a hand
    # entry) may differ for a month: 5% (of the larger) or an amount in ``unit``; stored as text.
    agree_within: str | None = None

    @field_validator("agree_within", mode="before")
    @classmethod
    def _agree_within(cls, value: Any) -> Any:
        return None if value is None else str(parse_agree_within(value))

    @model_validator(mode="before")
    @classmethod
    def _month_only_due(cls, data: Any, info: ValidationInfo) -> Any:
        """Read "2019年10月份前" by the plan's ``due_reading``; without one it is refused, not guessed."""
        if not isinstance(data, dict):
            return data
        due, reading = data.get("due"), data.get("due_reading")
        reading = _READING_WORDS.get(reading, reading) if isinstance(reading, str) else reading
        if not month_only(due):
            if reading is not None and not data.get("due_text"):  # a stored spec was read already
                raise LocatedError("due_reading 只用于只写到月份的时限（如 2019年10月份前）", "due_reading")
            return data
        if reading not in MONTH_READINGS:
            message = (
                f"时限“{due}”只写到月份，有两种理解，请用 due_reading 写明："
                "before_month（该月开始之前）或 end_of_month（该月最后一天）"
            )
            raise LocatedError(message, "due_reading" if reading is not None else "due")
        try:
            day = read_month(due, reading, year=(info.context or {}).get("year"))
        except ValueError as exc:
            raise LocatedError(str(exc), "due") from None
        return {**data, "due": day.isoformat(), "due_text": data.get("due_text") or re.sub(r"\s+", "", due)}

    @property
    def format_2_fields(self) -> list[str]:
        """The fields of plan format version 2 this indicator uses."""
        names = ("tolerance", "alternatives", "item", "window", "average", "recurs", "figure", "agree_within")
        used = [name for name in names if getattr(self, name)]
        if self.reference and self.kind is not IndicatorKind.GROWTH:
            used.append("reference")
        if "cadence" in self.model_fields_set:
            used.append("cadence")
        if self.comparator in V2_COMPARATORS:
            used.append(f"comparator: {self.comparator.value}")
        return used

    @model_validator(mode="after")
    def _tolerance_for_approx(self) -> IndicatorSpec:
        if self.tolerance is not None and self.comparator is not Comparator.APPROX:
            raise ValueError("tolerance 只用于 comparator: approx（约）")
        if self.code in self.alternatives:
            raise ValueError(f"alternatives 不能包含指标自己（{self.code}）")
        return self

    @field_validator("pace")
    @classmethod
    def _pace_curve(cls, value: list[float]) -> list[float]:
        if not value:
            return value
        if len(value) != 12:
            raise ValueError(f"pace 应为 12 个月的累计进度百分比，实际有 {len(value)} 个")
        if any(b < a for a, b in pairwise(value)) or value[0] < 0:
            raise ValueError("pace 各月累计进度应逐月不减且不为负")
        if value[-1] != 100:
            raise ValueError(f"pace 12 月底应为 100（%），实际为 {value[-1]:g}")
        return value

    @model_validator(mode="after")
    def _targets_not_negative(self) -> IndicatorSpec:
        # A growth rate may fall (-3 means "drop by no more than 3 points"); amounts and counts may not.
        if self.kind is IndicatorKind.GROWTH:
            return self
        places: list[tuple[float | None, tuple[str | int, ...]]] = [
            (self.target, ("target",)),
            (self.target_high, ("target_high",)),
        ]
        for index, year in enumerate(self.targets):
            places += [(year.value, ("targets", index, "value")), (year.high, ("targets", index, "high"))]
        for value, loc in places:
            if value is not None and value < 0:
                raise LocatedError(f"目标值不能为负数（实际值：{value:g}）；只有增速类指标可以为负", *loc)
        return self

    @model_validator(mode="after")
    def _own_time_fits_kind(self) -> IndicatorSpec:
        if self.average and (self.kind is not IndicatorKind.GROWTH or not self.base or not self.window):
            raise ValueError(
                "average（年均增长）只用于增速类指标，并需要 base（据以计算的指标）和 window（年份范围）"
            )
        if self.recurs is not None:
            if self.kind is not IndicatorKind.DELIVERABLE:
                raise ValueError("recurs（定期报送）只用于 kind: deliverable")
            if self.due is not None:
                raise ValueError("定期报送的每一期都有自己的时限，不写 due（由 recurs 的 grace_days 算出）")
        elif self.window is not None and self.due is None and self.period is PeriodKind.ONCE:
            self.due = self.window.end  # a level reached "by 2023-06": the window's end is its date
        elif self.window is not None and self.due is None and self.kind is IndicatorKind.DELIVERABLE:
            self.due = self.window.end
        return self

    @model_validator(mode="after")
    def _target_fits_kind(self) -> IndicatorSpec:
        if self.base and self.kind is not IndicatorKind.GROWTH:
            raise ValueError("base 只用于增速类指标（kind: growth）")
        if self.reference and self.kind is IndicatorKind.DELIVERABLE:
            raise ValueError("reference 只用于数值、比例和增速类指标")
        if self.kind is IndicatorKind.DELIVERABLE:
            return self
        if self.figure:
            if self.target is not None or self.targets:
                raise ValueError("figure: true 表示只是一个参照数值，不写 target 或 targets")
            return self
        if self.target is None and not self.targets:
            raise ValueError("数值类指标需要 target 或 targets")
        if self.comparator is Comparator.BETWEEN and self.target_high is None and not self.targets:
            raise ValueError("comparator 为 between 时需要 target_high")
        if not self.unit:
            raise ValueError("数值类指标需要 unit")
        return self


class ItemSpec(Strict):
    number: str = Field(min_length=1)
    batch: str = ""
    problem: str = Field(min_length=1)
    measures: str = ""
    units: Names = []
    persons: Names = []
    deadline: date | None = None
    deadline_text: str | None = None  # as the office wrote it, kept for the messages
    ongoing: bool = False
    status: Annotated[ItemStatus, _word(_STATUS_WORDS)] = ItemStatus.OPEN
    closed_on: OfficeDate = None
    result: str | None = None

    @field_validator("number", "batch", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        if isinstance(value, bool):  # yes/no/on/off/true/false: YAML truth values, not numbers
            raise ValueError("应为编号（文字或数字），不能是真假值（yes、no、true、false 等）；请加引号")
        return str(value) if isinstance(value, int) else value

    @model_validator(mode="before")
    @classmethod
    def _ongoing_from_wording(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("deadline"), str):
            text = re.sub(r"\s+", "", data["deadline"])
            data = {**data, "deadline_text": data.get("deadline_text") or _iso_worded(text) or text}
            if any(marker in text for marker in ONGOING_MARKERS):
                data["ongoing"] = True
        return data

    @model_validator(mode="before")
    @classmethod
    def _date_cell_as_text(cls, data: Any) -> Any:
        if (
            isinstance(data, dict)
            and isinstance(data.get("deadline"), date)
            and not data.get("deadline_text")
        ):
            data = {**data, "deadline_text": _worded(data["deadline"])}
        return data

    @field_validator("deadline", mode="before")
    @classmethod
    def _deadline(cls, value: Any, info: ValidationInfo) -> date | None:
        if value is None or value == "":
            return None
        _no_time(value)
        return parse_deadline(value, year=(info.context or {}).get("year")).due

    @model_validator(mode="after")
    def _deadline_or_ongoing(self) -> ItemSpec:
        if self.deadline is None and not self.ongoing:
            raise ValueError("整改事项需要 deadline（整改时限），或标明 ongoing: true（长期坚持）")
        return self


def _worded(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _iso_worded(text: str) -> str | None:
    """``2023-10-15`` (a date as YAML writes it) worded as the office writes it, as a date cell is."""
    if not _ISO_DAY.match(text):
        return None
    try:
        return _worded(parse_office_date(text))
    except ValueError:
        return None  # the deadline's own check names the problem


class RectificationSpec(Strict):
    year: int | None = None  # the year for deadlines written as "10月底"
    title: str | None = None
    # Format 2. The day the rectification plan was issued (印发): no reminder goes out before it;
    # the first evaluation after it tells in one digest what is already due.
    issued: OfficeDate = None
    items: list[ItemSpec] = []


class AlertsSpec(Strict):
    """Per-project overrides of when reminders go out (defaults are in bot/evaluation/policy.py)."""

    reminder_workdays: list[int] | None = None  # e.g. [5, 3, 1, 0]: working days before a deadline
    escalate_after_workdays: int | None = Field(default=None, ge=0)  # overdue → 领导小组 after N
    checkin_every_months: int | None = Field(default=None, ge=1)  # 长期坚持事项 check-in spacing

    @field_validator("reminder_workdays")
    @classmethod
    def _offsets(cls, value: list[int] | None) -> list[int] | None:
        if value is not None and (not value or any(n < 0 for n in value)):
            raise ValueError("reminder_workdays 应为不小于 0 的工作日数，例如 [5, 3, 1, 0]")
        return value


def _secret_placement(data: Any, path: tuple[str | int, ...], extra: frozenset[str]) -> None:
    """Refuse a secret variable anywhere but a secret field of a channel's or source's settings."""
    if isinstance(data, dict):
        for key, value in data.items():
            _secret_placement(value, (*path, str(key)), extra)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            _secret_placement(value, (*path, index), extra)
    elif isinstance(data, str):
        in_settings = len(path) > 3 and path[0] in ("channels", "sources") and path[2] == "settings"
        name = misplaced_secret(path[3:] if in_settings else (), data, extra)
        if name is not None:
            raise LocatedError(misplaced_problem(name), *path)


PLAN_FORMATS = (1, 2)


class GradeBand(Strict):
    """One grade of an evaluation: 85分以上（含85分）为优秀 is ``{grade: 优秀, min: 85}``."""

    grade: str = Field(min_length=1)
    min: Number = Field(ge=0)


def check_grades(bands: list[GradeBand]) -> list[GradeBand]:
    """Bands from the highest down, each with its own lowest score; the last one starts at 0."""
    if not bands:
        return bands
    if any(b.min >= a.min for a, b in pairwise(bands)):
        raise ValueError("grades 应从高到低排列，每档的 min（该档最低分）依次减小")
    if len({b.grade for b in bands}) != len(bands):
        raise ValueError("grades 中等级名称重复")
    if bands[-1].min != 0:
        raise ValueError(f"grades 最后一档应从 0 分起（实际为 {bands[-1].min:g}），否则低分没有等级")
    return bands


Grades = Annotated[list[GradeBand], AfterValidator(check_grades)]


class PlanSpec(Strict):
    format: int | None = None  # the plan format version; left out, it is read from the fields used
    project: ProjectSpec
    alerts: AlertsSpec | None = None
    people: list[PersonSpec] = []
    channels: list[ChannelSpec] = []
    sources: list[SourceSpec] = []
    indicators: list[IndicatorSpec] = []
    rectification: RectificationSpec | None = None
    # One unit, several spellings in the documents: {区商务和经济合作局: [区商务经济合作局]}.
    unit_aliases: dict[str, Names] = {}
    # Rule sets (issue 13): the batches of a provincial notice this county's project is in
    # (``applies: [hunan-2016]``), and the evaluation's grade bands when the plan gives points.
    applies: Names = []
    grades: Grades = []

    @model_validator(mode="after")
    def _parts_name_standards(self) -> PlanSpec:
        check_parts(self.indicators, ("indicators",))
        return self

    @model_validator(mode="before")
    @classmethod
    def _secrets_in_secret_fields(cls, data: Any, info: ValidationInfo) -> Any:
        """A secret variable (``${DUBAN_SMTP_PASSWORD}``) only where a secret belongs; the
        context's ``secret_variables`` names the operator's own."""
        extra = frozenset((info.context or {}).get("secret_variables") or ())
        _secret_placement(data, (), extra)
        return data

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: int | None) -> int | None:
        if value is not None and value not in PLAN_FORMATS:
            raise ValueError(f"不认识的方案格式版本 {value}（可用：1、2）")
        return value

    @model_validator(mode="after")
    def _format_fits_fields(self) -> PlanSpec:
        if self.format == 1 and (used := _format_2_fields(self)):
            loc, what = used[0]
            raise LocatedError(f"{what} 是方案格式第 2 版的写法，请在文件开头写 format: 2", *loc)
        return self

    @property
    def format_version(self) -> int:
        """The format version this file is written in: as it says, else by the fields it uses."""
        if self.format is not None:
            return self.format
        return 2 if _format_2_fields(self) else 1

    @model_validator(mode="after")
    def _references_resolve(self) -> PlanSpec:
        _unique("people", "name", [p.name for p in self.people])
        _unique("channels", "code", [c.code for c in self.channels])
        _unique("sources", "code", [s.code for s in self.sources])
        _unique("indicators", "code", [i.code for i in self.indicators])
        if self.rectification:
            numbers = [(i.batch, i.number) for i in self.rectification.items]
            _unique("rectification", "number", numbers, "items")
        known_people = {p.name for p in self.people}
        self._people_named_by_items_exist(known_people)
        self._one_name_per_unit()
        for index, channel in enumerate(self.channels):
            missing = [name for name in channel.members if name not in known_people]
            if missing:
                message = f"频道 {channel.code} 的成员 {'、'.join(missing)} 不在 people 中"
                raise LocatedError(message, "channels", index, "members")
        source_codes = {s.code for s in self.sources}
        for index, indicator in enumerate(self.indicators):
            if indicator.source and indicator.source not in source_codes:
                message = f"指标 {indicator.code} 的数据源 {indicator.source} 不在 sources 中"
                raise LocatedError(message, "indicators", index, "source")
        indicator_codes = {i.code for i in self.indicators}
        items = self.rectification.items if self.rectification else []
        for index, indicator in enumerate(self.indicators):
            if indicator.item is not None:
                batch, _, number = indicator.item.rpartition("/")  # 复核组/3, or 3 when unique
                found = [i for i in items if i.number == number and (not batch or i.batch == batch)]
                _take_from_item(indicator, found, index)
            missing = [code for code in indicator.alternatives if code not in indicator_codes]
            if missing:
                message = f"指标 {indicator.code} 的 alternatives {'、'.join(missing)} 不在 indicators 中"
                raise LocatedError(message, "indicators", index, "alternatives")
            for field_name in ("base", "reference"):
                code = getattr(indicator, field_name)
                if code and code not in indicator_codes:
                    message = f"指标 {indicator.code} 的 {field_name} {code} 不在 indicators 中"
                    raise LocatedError(message, "indicators", index, field_name)
        return self

    def _people_named_by_items_exist(self, known: set[str]) -> None:
        """An item's person must be one of ``people`` (高全 for 高权 is refused, with the hint)."""
        items = self.rectification.items if self.rectification else []
        for index, item in enumerate(items):
            for name in item.persons:
                if name not in known:
                    hint = closest(name, known)
                    also = f"，是不是“{hint}”？" if hint else "，请先在 people 中登记"
                    message = f"事项 {item.batch}问题{item.number} 的责任人“{name}”不在 people 中{also}"
                    raise LocatedError(message, "rectification", "items", index, "persons")

    def _one_name_per_unit(self) -> None:
        """Every spelling in ``unit_aliases`` becomes its unit's one name, wherever a unit is named."""
        seen: dict[str, str] = {}
        for name, spellings in self.unit_aliases.items():
            for spelling in [name, *spellings]:
                if seen.get(spelling, name) != name:
                    message = f"单位写法“{spelling}”同时归到了“{seen[spelling]}”和“{name}”"
                    raise LocatedError(message, "unit_aliases", name)
                seen[spelling] = name
        table = canonical_units(self.unit_aliases)
        if not table:
            return

        def one(units: list[str]) -> list[str]:
            return list(dict.fromkeys(table.get(u, u) for u in units))

        for person in self.people:
            if person.unit:
                person.unit = table.get(person.unit, person.unit)
        for item in self.rectification.items if self.rectification else []:
            item.units = one(item.units)
        for indicator in self.indicators:
            if indicator.responsible_unit:
                indicator.responsible_unit = table.get(indicator.responsible_unit, indicator.responsible_unit)

    def unit_names(self) -> list[str]:
        """Every unit the plan names (people's units, items' units, indicators' units)."""
        names = [p.unit for p in self.people if p.unit]
        names += [u for i in (self.rectification.items if self.rectification else []) for u in i.units]
        names += [i.responsible_unit for i in self.indicators if i.responsible_unit]
        return names

    def name_warnings(self) -> list[str]:
        """Units and people whose names are almost the same: perhaps one written two ways."""
        warnings = [
            f"单位“{a}”和“{b}”只差几个字，如果是同一单位，请在 unit_aliases 中写明"
            for a, b in near_units(self.unit_names())
        ]
        unit_of = {p.name: p.unit for p in self.people}
        warnings += [
            f"人员“{a}”和“{b}”的名字只差一个字，请核对是否写错"
            for a, b in near_people(unit_of)
            if not (unit_of[a] and unit_of[b] and unit_of[a] != unit_of[b])  # two units: two people
        ]
        return warnings


def _take_from_item(indicator: IndicatorSpec, found: list[ItemSpec], index: int) -> None:
    """Fill a target's due date and responsible people from the item whose measures set it."""
    if len(found) != 1:
        problem = "不在 rectification 的 items 中" if not found else "在多个批次中都有，请写成 批次/编号"
        message = f"指标 {indicator.code} 的 item {indicator.item} {problem}"
        raise LocatedError(message, "indicators", index, "item")
    (item,) = found
    if indicator.due is None:
        indicator.due = item.deadline
    if not indicator.responsible_persons:
        indicator.responsible_persons = list(item.persons)
    if indicator.responsible_unit is None and item.units:
        indicator.responsible_unit = item.units[0]


def _format_2_fields(plan: PlanSpec) -> list[tuple[tuple[str | int, ...], str]]:
    used: list[tuple[tuple[str | int, ...], str]] = []
    for index, indicator in enumerate(plan.indicators):
        used += [
            (("indicators", index), f"指标 {indicator.code} 的 {name}") for name in indicator.format_2_fields
        ]
    if plan.rectification and plan.rectification.issued:
        used.append((("rectification", "issued"), "rectification 的 issued"))
    return used


def check_parts(indicators: list[IndicatorSpec], where: tuple[str | int, ...]) -> None:
    """Every ``part_of`` names another indicator that is itself a standard, not a part."""
    parts = {i.code: i.part_of for i in indicators}
    for index, indicator in enumerate(indicators):
        whole = indicator.part_of
        if whole is None:
            continue
        if whole not in parts or whole == indicator.code:
            raise LocatedError(
                f"指标 {indicator.code} 的 part_of {whole} 不在本文件的指标中", *where, index, "part_of"
            )
        if parts[whole] is not None:
            message = (
                f"指标 {indicator.code} 的 part_of {whole} 本身也是其他标准的一部分，请直接写最上层的标准"
            )
            raise LocatedError(message, *where, index, "part_of")


def _unique(section: str, field: str, keys: list[Any], *inner: str) -> None:
    seen: set[Any] = set()
    for index, key in enumerate(keys):
        if key in seen:
            raise LocatedError(f"{section} 中 {key} 重复", section, *inner, index, field)
        seen.add(key)
