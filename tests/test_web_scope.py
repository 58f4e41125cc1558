"""Web users scoped to projects, over HTTP on 127.0.0.1: a 偏关 clerk reads and acts on 偏关 only.

The world: 昭化, 偏关 and 闻喜 after one cycle as of 2023-10-12 (tests/webkit.py), an 昭化 item
given to 王蓉 with her result and a photo submitted through her reply link, and 偏关's users:
a coordinator (the clerk), a staff member and a read-only reader. 张科长 is an administrator and
李县长 reads the whole province (the roles old deployments' staff and leaders now have).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from sqlmodel import select

from bot.demo.backend import running_backend
from bot.web.users import save_user
from bot.wiring import App
from db.engine import session_scope
from db.evidence import store_evidence
from db.models import Alert, ItemSubmission, Person, Project, RectificationItem, WebUser
from domain.enums import AlertState, SubmissionState
from jobs.import_plans import import_files
from jobs.replies import Upload, submit
from jobs.reply_links import ReplyLinks
from tests.conftest import EXAMPLES
from tests.replykit import png
from tests.test_cli import duban
from tests.webkit import LEADER, STAFF, county, csrf_of, logged_in, serving

CLERK = ("pg_clerk", "pianguan clerk pass", "偏关王干事")
PG_STAFF = ("pg_staff", "pianguan staff pass", "偏关刘干事")
PG_READER = ("pg_reader", "pianguan reader pass", "偏关赵主任")


@dataclass
class World:
    app: App
    base: str
    zh_item: int
    zh_alert: int
    zh_submission: int
    zh_evidence: int
    zh_person: int
    zh_token: str
    pg_item: int
    pg_alert: int
    pg_token: str


def _first(app: App, model: type, code: str) -> int:
    with session_scope(app.engine) as session:
        query = select(model.id).join(Project).where(Project.code == code).order_by(model.id)  # type: ignore[attr-defined]
        return int(session.exec(query).first())  # type: ignore[arg-type]


def _link(app: App, code: str, person: str) -> str:
    links = ReplyLinks(base="http://127.0.0.1", days=30, personal=lambda kind: True)
    with session_scope(app.engine) as session:
        project = session.exec(select(Project).where(Project.code == code)).one()
        url = links.issue(session, project_id=project.id or 0, person=person, now=app.clock())
        session.commit()
    assert url is not None
    return url.rsplit("/", 1)[-1]


@pytest.fixture
def world(app: App) -> Iterator[World]:
    with running_backend() as backend:
        import_files(app.engine, [EXAMPLES / "zhaohua.yaml"])
        county(app, backend)
    for who, project_role in ((CLERK, "coordinator"), (PG_STAFF, "staff"), (PG_READER, "read_only")):
        save_user(
            app.engine,
            username=who[0],
            password=who[1],
            display_name=who[2],
            grants={"pianguan": project_role},
        )
    zh_item = _first(app, RectificationItem, "zhaohua")
    with session_scope(app.engine) as session:  # 昭化's report names no one: give 王蓉 an item
        item = session.get(RectificationItem, zh_item)
        assert item is not None
        item.persons = ["王蓉"]
        session.add(item)
        session.commit()
    zh_token = _link(app, "zhaohua", "王蓉")
    submission = submit(
        app,
        token=zh_token,
        item_id=zh_item,
        result="已整改",
        uploads=[Upload("现场.png", png())],
        now=app.clock(),
    )
    with session_scope(app.engine) as session:
        person = session.exec(select(Person).where(Person.name == "王蓉")).one()
    with serving(app) as base:
        yield World(
            app=app,
            base=base,
            zh_item=zh_item,
            zh_alert=_first(app, Alert, "zhaohua"),
            zh_submission=submission.id or 0,
            zh_evidence=submission.evidence_ids[0],
            zh_person=person.id or 0,
            zh_token=zh_token,
            pg_item=_first(app, RectificationItem, "pianguan"),
            pg_alert=_first(app, Alert, "pianguan"),
            pg_token=_link(app, "pianguan", "高权"),
        )


def _post(browser: requests.Session, world: World, path: str, **data: str) -> requests.Response:
    token = csrf_of(browser.get(f"{world.base}/p/pianguan", timeout=10).text)
    return browser.post(world.base + path, data={"csrf": token, **data}, allow_redirects=False, timeout=30)


def _alert_state(app: App, alert_id: int) -> AlertState:
    with session_scope(app.engine) as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None
        return alert.state


def _reads(world: World) -> list[str]:
    """Every page and download about 昭化, by the addresses a clerk could guess."""
    return [
        "/p/zhaohua",
        "/p/zhaohua/lists",
        "/p/zhaohua/lists?kind=overdue",
        "/p/zhaohua/export/ledger",
        "/p/zhaohua/export/report",
        "/p/zhaohua/channels",
        f"/items/{world.zh_item}",
        f"/evidence/{world.zh_evidence}",
        "/evidence/1",  # a figure's evidence of 闻喜, not granted either
    ]


@pytest.mark.both_databases
def test_a_pianguan_clerk_can_neither_read_nor_act_on_zhaohua(world: World) -> None:
    clerk = logged_in(world.base, CLERK)
    for path in _reads(world):
        answer = clerk.get(world.base + path, allow_redirects=False, timeout=30)
        assert answer.status_code == 403, path
        assert "你没有这个项目的权限" in answer.text and "昭化区" not in answer.text, path
    acts = {
        f"/alerts/{world.zh_alert}/ack": {"reason": "越权确认"},
        f"/alerts/{world.zh_alert}/silence": {"reason": "越权静默", "until": "2023-12-31"},
        f"/submissions/{world.zh_submission}/approve": {},
        f"/submissions/{world.zh_submission}/return": {"reason": "越权退回"},
        f"/people/{world.zh_person}/revoke-links": {"back": f"/items/{world.zh_item}"},
        "/p/zhaohua/channels/zhaohua-work/test": {},
    }
    for path, data in acts.items():
        assert _post(clerk, world, path, **data).status_code == 403, path
    assert _alert_state(world.app, world.zh_alert) is AlertState.OPEN
    with session_scope(world.app.engine) as session:
        kept = session.get(ItemSubmission, world.zh_submission)
        assert kept is not None and kept.state is SubmissionState.PENDING
    assert requests.get(f"{world.base}/r/{world.zh_token}", timeout=10).ok  # 王蓉's link still works
    # The overview and the navigation list show 偏关 alone.
    overview = clerk.get(world.base + "/", timeout=30).text
    assert "偏关县乡村e镇建设项目" in overview
    assert "昭化区" not in overview and "闻喜" not in overview and 'href="/p/zhaohua' not in overview


def test_the_clerk_reads_and_acts_on_their_own_county(world: World) -> None:
    clerk = logged_in(world.base, CLERK)
    for path in ["/p/pianguan", "/p/pianguan/lists", "/p/pianguan/export/ledger", "/p/pianguan/channels"]:
        assert clerk.get(world.base + path, timeout=30).status_code == 200, path
    item = clerk.get(f"{world.base}/items/{world.pg_item}", timeout=30)
    assert item.status_code == 200 and "撤销" in item.text  # a coordinator may revoke reply links
    assert "发送测试消息" in clerk.get(world.base + "/p/pianguan/channels", timeout=30).text
    acked = _post(clerk, world, f"/alerts/{world.pg_alert}/ack", reason="已安排专人")
    assert acked.status_code == 303 and _alert_state(world.app, world.pg_alert) is AlertState.ACKNOWLEDGED
    # A refresh collects and reminds for every county: not for a clerk of one.
    assert 'action="/refresh"' not in clerk.get(world.base + "/p/pianguan", timeout=30).text
    refused = _post(clerk, world, "/refresh")
    assert refused.status_code == 403 and "只有能处理全部项目的人" in refused.text


def test_a_member_without_grants_sees_no_project(world: World) -> None:
    nobody = ("pg_new", "no grants yet pass", "新来的")
    save_user(world.app.engine, username=nobody[0], password=nobody[1], display_name=nobody[2], role="member")
    overview = logged_in(world.base, nobody).get(world.base + "/", timeout=30).text
    assert "你还没有可查看的项目，请联系管理员授权" in overview
    assert "偏关县" not in overview and "昭化区" not in overview and "闻喜" not in overview


def test_staff_act_but_only_coordinators_sign_off(world: World) -> None:
    staff = logged_in(world.base, PG_STAFF)
    assert _post(staff, world, f"/alerts/{world.pg_alert}/ack", reason="收到").status_code == 303
    assert _alert_state(world.app, world.pg_alert) is AlertState.ACKNOWLEDGED
    item = staff.get(f"{world.base}/items/{world.pg_item}", timeout=30).text
    assert "撤销" not in item
    gaoquan = _first_person(world.app, "高权")
    refused = _post(staff, world, f"/people/{gaoquan}/revoke-links", back=f"/items/{world.pg_item}")
    assert refused.status_code == 403 and "协调人或管理员" in refused.text
    assert requests.get(f"{world.base}/r/{world.pg_token}", timeout=10).ok
    assert _post(staff, world, "/p/pianguan/channels/pianguan-work/test").status_code == 403


def _first_person(app: App, name: str) -> int:
    with session_scope(app.engine) as session:
        return session.exec(select(Person.id).where(Person.name == name)).one() or 0


def test_read_only_users_read_and_cannot_post(world: World) -> None:
    reader = logged_in(world.base, PG_READER)
    page = reader.get(world.base + "/p/pianguan", timeout=30)
    assert page.status_code == 200 and "偏关赵主任（只读）" in page.text and "/ack" not in page.text
    assert reader.get(world.base + "/p/pianguan/export/report", timeout=30).status_code == 200
    assert reader.get(world.base + "/p/zhaohua", timeout=30).status_code == 403
    refused = _post(reader, world, f"/alerts/{world.pg_alert}/ack", reason="想确认")
    assert refused.status_code == 403 and "只读账号" in refused.text
    assert _alert_state(world.app, world.pg_alert) is AlertState.OPEN


def test_province_reads_every_project_and_acts_on_none(world: World) -> None:
    province = logged_in(world.base, LEADER)
    for path in [*_reads(world), "/p/pianguan", "/p/wenxi"]:
        assert province.get(world.base + path, timeout=30).status_code == 200, path
    overview = province.get(world.base + "/", timeout=30).text
    assert "昭化区" in overview and "偏关县" in overview and 'action="/refresh"' not in overview
    for path in [f"/alerts/{world.zh_alert}/ack", f"/submissions/{world.zh_submission}/approve", "/refresh"]:
        assert _post(province, world, path, reason="x").status_code == 403, path
    assert _alert_state(world.app, world.zh_alert) is AlertState.OPEN


def test_evidence_of_no_project_is_for_those_who_read_every_project(world: World) -> None:
    with session_scope(world.app.engine) as session:
        loose = store_evidence(
            session, world.app.evidence_dir, b"orphan", origin="x.csv", fetched_at=world.app.clock()
        )
        session.commit()
    assert (
        logged_in(world.base, CLERK).get(f"{world.base}/evidence/{loose.id}", timeout=10).status_code == 403
    )
    assert (
        logged_in(world.base, LEADER).get(f"{world.base}/evidence/{loose.id}", timeout=10).status_code == 200
    )
    # Guessing an id that does not exist tells a clerk nothing more than one that does.
    assert logged_in(world.base, CLERK).get(f"{world.base}/evidence/99999", timeout=10).status_code == 403


def test_a_reply_link_touches_only_its_own_persons_items(world: World) -> None:
    guessed = requests.Session()
    page = guessed.get(f"{world.base}/r/{world.pg_token}", timeout=10)
    answer = guessed.post(
        f"{world.base}/r/{world.pg_token}/items/{world.zh_item}",
        data={"csrf": csrf_of(page.text), "result": "替昭化提交"},
        timeout=10,
    )
    assert "这个事项不在您名下" in answer.text
    with session_scope(world.app.engine) as session:
        rows = session.exec(select(ItemSubmission).where(ItemSubmission.item_id == world.zh_item)).all()
    assert [r.id for r in rows] == [world.zh_submission]


def test_administrators_manage_users_and_others_may_not(world: World) -> None:
    assert logged_in(world.base, CLERK).get(world.base + "/admin/users", timeout=10).status_code == 403
    assert _post(logged_in(world.base, LEADER), world, "/admin/users", username="x").status_code == 403
    admin = logged_in(world.base, STAFF)
    page = admin.get(world.base + "/admin/users", timeout=10)
    assert (
        page.status_code == 200 and "偏关王干事" in page.text and "偏关县乡村e镇建设项目：协调人" in page.text
    )
    added = _post(
        admin,
        world,
        "/admin/users",
        username="zh_clerk",
        display_name="昭化孙干事",
        password="zhaohua clerk pass",
        role="member",
        **{"grant:zhaohua": "coordinator"},
    )
    assert added.status_code == 303
    zh_clerk = ("zh_clerk", "zhaohua clerk pass", "昭化孙干事")
    newcomer = logged_in(world.base, zh_clerk)
    assert newcomer.get(world.base + "/p/zhaohua", timeout=10).status_code == 200
    assert newcomer.get(world.base + "/p/pianguan", timeout=10).status_code == 403
    user_id = _user_id(world.app, "zh_clerk")
    # Grants changed: 昭化 read-only and 偏关 staff, seen on the newcomer's next page.
    changed = _post(
        admin,
        world,
        f"/admin/users/{user_id}/access",
        role="member",
        **{"grant:zhaohua": "read_only", "grant:pianguan": "staff"},
    )
    assert changed.status_code == 303
    assert newcomer.get(world.base + "/p/pianguan", timeout=10).status_code == 200
    assert _post(newcomer, world, f"/alerts/{world.zh_alert}/ack", reason="x").status_code == 403
    # Deactivated: the open login ends at once, and logging in again fails.
    assert _post(admin, world, f"/admin/users/{user_id}/active", active="0").status_code == 303
    after = newcomer.get(world.base + "/p/pianguan", allow_redirects=False, timeout=10)
    assert after.status_code == 303 and after.headers["location"] == "/login"
    with pytest.raises(AssertionError):
        logged_in(world.base, zh_clerk)
    # An administrator cannot lock themselves out from the page.
    own = _user_id(world.app, STAFF[0])
    assert (
        "不能停用自己的账号"
        in admin.post(
            f"{world.base}/admin/users/{own}/active",
            data={"csrf": csrf_of(page.text), "active": "0"},
            timeout=10,
        ).text
    )
    assert logged_in(world.base, STAFF).get(world.base + "/admin/users", timeout=10).status_code == 200


def _user_id(app: App, username: str) -> int:
    with session_scope(app.engine) as session:
        return session.exec(select(WebUser.id).where(WebUser.username == username)).one() or 0


def test_the_command_line_grants_projects_and_says_what_is_wrong(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert duban(data, "import", str(EXAMPLES / "pianguan.yaml")).returncode == 0

    def add(*args: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_")}
        env.update(COLUMNS="200", DUBAN_DATA_DIR=str(data))
        return subprocess.run(
            [sys.executable, "-m", "bot", "user", "add", *args, "--password-stdin"],
            input="a long enough pass\n",
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )

    added = add("wang", "--name", "王干事", "--project", "pianguan=coordinator")
    assert added.returncode == 0, added.stderr
    assert "已添加网页用户 wang（按项目授权；项目：pianguan：协调人）" in added.stdout
    unknown = add("liu", "--project", "zhaohua=staff")
    assert unknown.returncode == 1 and "没有代码为 zhaohua 的项目，请先导入它的方案文件" in unknown.stderr
    malformed = add("liu", "--project", "pianguan")
    assert malformed.returncode == 1 and "--project pianguan 写法不对，应为 项目代码=角色" in malformed.stderr
    wrong_role = add("liu", "--project", "pianguan=boss")
    assert wrong_role.returncode == 1 and "项目 pianguan 的角色“boss”不对" in wrong_role.stderr
    assert "Traceback" not in unknown.stderr + malformed.stderr + wrong_role.stderr
    listed = duban(data, "user", "list")
    assert listed.returncode == 0 and "王干事" in listed.stdout and "pianguan：协调人" in listed.stdout
    assert "liu" not in listed.stdout  # a refused command added no one
