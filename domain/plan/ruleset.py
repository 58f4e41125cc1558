"""The shape of a rule-set file: a provincial notice written once, applied to batches of counties.

A notice such as 湘商建〔2018〕16号 sets dated requirements per batch of 示范县 (2015年, 2016年 …).
The file lists each batch's counties and requirements once; every county project in a batch gets
the batch's requirements as its own indicators when either file is imported — a project in the
batch's ``projects``, or one whose plan says ``applies: [hunan-2016]``. Changing the notice and
importing it again changes every county in the batch.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from domain.plan.schema import (
    CODE,
    Grades,
    IndicatorSpec,
    LocatedError,
    Names,
    Strict,
    check_parts,
)


class RuleSetInfo(Strict):
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1)
    document: str | None = None  # the 文号 the notice carries
    year: int | None = None  # the year for dates written without one ("11月份")


class BatchSpec(Strict):
    code: str = Field(pattern=CODE)  # what a county project names in ``applies``
    name: str = Field(min_length=1)
    counties: Names = Field(default_factory=list)  # the counties as the notice lists them
    # duban project codes in this batch (besides those whose plan says ``applies``)
    projects: list[str] = Field(default_factory=list)
    indicators: list[IndicatorSpec] = Field(default_factory=list)


class RuleSetSpec(Strict):
    format: int | None = None
    ruleset: RuleSetInfo
    grades: Grades = Field(default_factory=list)
    batches: list[BatchSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _codes_unique(self) -> RuleSetSpec:
        batches: set[str] = set()
        indicators: dict[str, str] = {}
        for b_index, batch in enumerate(self.batches):
            if batch.code in batches:
                raise LocatedError(f"批次 {batch.code} 重复", "batches", b_index, "code")
            batches.add(batch.code)
            check_parts(batch.indicators, ("batches", b_index, "indicators"))
            for i_index, indicator in enumerate(batch.indicators):
                # Unique across the notice: a county in two batches must not get two "HN-1".
                if indicator.code in indicators:
                    where = indicators[indicator.code]
                    message = f"指标 {indicator.code} 已在批次 {where} 中，代码应在整个文件中唯一"
                    raise LocatedError(message, "batches", b_index, "indicators", i_index, "code")
                indicators[indicator.code] = batch.code
                for field_name in ("source", "item", "base", "reference"):
                    if getattr(indicator, field_name):
                        message = f"规则集中的指标不能写 {field_name}（它属于各县自己的方案）"
                        raise LocatedError(message, "batches", b_index, "indicators", i_index, field_name)
        return self

    def batch(self, code: str) -> BatchSpec | None:
        return next((b for b in self.batches if b.code == code), None)


def is_ruleset(data: Any) -> bool:
    """A loaded YAML mapping is a rule set (not a county's plan) when it has a ``ruleset`` section."""
    return isinstance(data, dict) and "ruleset" in data
