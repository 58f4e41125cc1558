"""``mofcom``: the monthly report of MOFCOM's 农村电子商务和社区商业信息管理系统, a preset of ``html``.

The county account logs in, opens the month's report (one row per indicator: 指标名称, 计量单位,
本月, 本年累计 …) and reads the figures and the month's 填报状态 (已填报 / 未填报); the state goes
to ``ReportFiling`` so the evaluation can remind people during the reporting window (days 1-10).

The real system cannot be reached from where duban was built: this preset was written against a
replica (``bot/demo/mofcom.py``). Every selector, header and path below is only a default — an
administrator adapts them in the plan's ``settings`` without touching code:

* ``base_url`` — the system's address; ``login_url`` and ``url`` default to
  ``{base_url}/login`` and ``{base_url}/report/monthly?period={month}``;
* ``username`` / ``password`` — ``${ENV}`` references; ``cookies`` when the login has a captcha;
* ``label_header`` (``指标名称``), ``value_header`` (``本月``), ``unit_header`` (``计量单位``);
* ``status_pattern`` — a regular expression over the page text after full-width forms are folded
  (``填报状态：`` reads ``填报状态:``), its group the state; ``filed_words`` — the states that count
  as filed;
* ``months_back`` — how many months before the current one to read (default 1: the month being
  reported); ``duban collect --month`` reads one given month.
"""

from __future__ import annotations

from typing import Any

from collectors.html import HtmlCollector

STATUS_PATTERN = r"填报状态:?(已填报|未填报|已上报|未上报|已审核|待审核|审核通过|已退回)"
FILED_WORDS = ["已填报", "已上报", "已审核", "待审核", "审核通过"]


class MofcomCollector(HtmlCollector):
    kind = "mofcom"

    def defaults(self) -> dict[str, Any]:
        return {
            "layout": "label_rows",
            "label_header": "指标名称",
            "value_header": "本月",
            "unit_header": "计量单位",
            "status_pattern": STATUS_PATTERN,
            "filed_words": FILED_WORDS,
            "username_field": "username",
            "password_field": "password",
        }

    def settings_for(self, settings: dict[str, Any]) -> dict[str, Any]:
        merged = super().settings_for(settings)
        base = str(merged.get("base_url", "")).rstrip("/")
        if base:
            merged.setdefault("login_url", f"{base}/login")
            merged.setdefault("url", f"{base}/report/monthly?period={{month}}")
        return merged
