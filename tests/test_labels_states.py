"""States, statuses, roles and channel kinds read one way everywhere: from domain/labels.py."""

from __future__ import annotations

from enum import StrEnum

import pytest

from bot.cli import display
from bot.web import views
from db.models.service import ProjectRole, UserRole
from domain.enums import AlertState, DeliveryStatus, ItemStatus, Origin, RunStatus
from domain.labels import channel_kind_label, label, labels_of, role_label
from notifiers.registry import default_channels


@pytest.mark.parametrize("enum", [AlertState, RunStatus, DeliveryStatus, ItemStatus, Origin])
def test_every_state_has_a_word(enum: type[StrEnum]) -> None:
    words = [label(member) for member in enum]
    assert all(words) and len(set(words)) == len(words)


def test_an_alert_and_an_item_that_are_both_open_read_differently() -> None:
    assert AlertState.OPEN == ItemStatus.OPEN  # the same stored text …
    assert (label(AlertState.OPEN), label(ItemStatus.OPEN)) == ("待处理", "未销号")  # … two words


def test_the_cli_and_the_web_page_say_the_same_of_a_silenced_alert() -> None:
    assert label(AlertState.SILENCED) == "静默中"
    assert labels_of(AlertState) == views.STATE_LABELS
    assert views.STATE_LABELS["silenced"] == label(AlertState.SILENCED)
    assert views.STATUS_LABELS == {"running": "进行中", "succeeded": "完成", "failed": "失败"}


def test_roles_and_channel_kinds() -> None:
    assert [r.label for r in UserRole] == ["管理员", "全省只读", "按项目授权"]
    assert [r.label for r in ProjectRole] == ["协调人", "工作人员", "只读"]
    assert display.role_label("province") == role_label("province") == "全省只读"
    assert {k: channel_kind_label(k) for k in default_channels().kinds} == {
        "email": "邮件",
        "wecom_app": "企业微信应用",
        "wecom_robot": "群机器人",
    }
    assert channel_kind_label("pager") == "pager"  # a kind without a word reads as its name
