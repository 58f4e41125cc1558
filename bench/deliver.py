"""Delivery benchmark: 300 findings for 12 WeCom groups, through the real outbox sender.

Builds the digests the evaluation would queue (``build_digest`` + ``render_digest``), writes them
to a temp SQLite outbox, and delivers them with ``deliver_pending`` to the local WeCom-compatible
server (tests/fakes), which enforces the byte limits and 20 requests a minute per robot. Time is
a simulated clock shared by sender and server, so minutes of rate limiting run in a second.

Measured against, in the same run:
* the minimum message count the size limits allow: for each group, ceil(digest bytes / 4096);
* the minimum time the rate limit allows: for each robot, (ceil(messages / 20) - 1) minutes;
* a baseline: one message per finding (no digest), sent the same way.

Run: ``.venv/bin/python bench/deliver.py``. Target: messages ≤ 1.2 × minimum, zero rate-limit
violations.
"""

from __future__ import annotations

import math
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.settings import Settings
from bot.wiring import App
from db.engine import session_scope
from db.models import Channel, Delivery, Person, Project
from domain.enums import Severity
from domain.findings import DeadlineApproaching, DeadlineToday, Finding, ItemDeadline, Overdue
from jobs.deliver import deliver_pending
from notifiers.digest import build_digest
from notifiers.render import render_digest, sentence
from notifiers.split import utf8_len
from tests.fakes.clock import FakeClock
from tests.fakes.wecom_server import FakeWeCom, running

GROUPS = 12
FINDINGS = 300
AS_OF = date(2023, 10, 12)
PROBLEMS = [
    "实施方案未见向省、市商务局报备的印证材料。",
    "专项资金未下拨。中标单位未提供垫付资金支出所有财务资料，无法判定资金使用的合规性。",
    "没有明确项目补助、以奖代补的支出方式和支持标准，未有效建立乡村 e 镇工作档案和台账制度。",
    "乡村 e 镇范围内的网络零售额不达标，未能提供数据后台证明材料。",
    "新增企业 57 户，但其中开展电商业务市场主体为 0。",
    "线上公共平台还在研发中，大数据中心正在研发中。",
]


def findings(rng: random.Random) -> list[tuple[int, Finding]]:
    """300 findings spread unevenly over 12 groups (a few busy groups, many quiet ones)."""
    weights = [1 / (g + 1) for g in range(GROUPS)]
    out = []
    for n in range(FINDINGS):
        group = rng.choices(range(GROUPS), weights)[0]
        due = AS_OF + timedelta(days=rng.choice([-20, -3, -1, 0, 1, 3, 5]))
        kind: type[ItemDeadline] = (
            Overdue if due < AS_OF else DeadlineToday if due == AS_OF else DeadlineApproaching
        )
        persons = rng.choice([("高权",), ("王雪",), ("高权", "王雪"), (f"责任人{group}",)])
        out.append(
            (
                group,
                kind(
                    key=f"g{group}/item/{n}",
                    project=f"g{group}",
                    severity=Severity.WARNING if kind is DeadlineApproaching else Severity.CRITICAL,
                    subject=f"问题{n}",
                    stage="bench",
                    persons=persons,
                    units=("偏关县工信局",),
                    due=due,
                    workdays_left=(due - AS_OF).days,
                    problem=rng.choice(PROBLEMS),
                    deadline_text=None,
                    ongoing=False,
                    overdue_days=0,
                    overdue_workdays=0,
                ),
            )
        )
    return out


def run(
    bodies: list[tuple[int, str, tuple[str, ...]]], label: str, mobile_only: set[int]
) -> dict[str, float]:
    """Deliver ``bodies`` (group, markdown, mentions) through a live App's outbox; measure it.

    Each group is a project with its own robot; in the groups of ``mobile_only`` 王雪 has a
    mobile but no WeCom userid, so @-ing her needs a ``text`` message.
    """
    clock = FakeClock()
    keys = {f"BENCH_KEY_{g:02d}": f"bench-robot-{g:02d}" for g in range(GROUPS)}
    fake_server = FakeWeCom(clock=clock, robot_keys=set(keys.values()))
    with tempfile.TemporaryDirectory() as tmp, running(fake_server) as fake:
        app = App.build(Settings(data_dir=Path(tmp), delivery="live", wecom_api_base=fake.url), keys)
        app.init_database()
        with session_scope(app.engine) as session:
            channels = []
            for g in range(GROUPS):
                project = Project(code=f"g{g}", name=f"第{g + 1}组项目", county="偏关县")
                session.add(project)
                session.flush()
                pid = project.id or 0
                session.add_all(
                    [
                        Person(project_id=pid, name="高权", mobile="13800000001", wecom_userid="gaoquan"),
                        Person(
                            project_id=pid,
                            name="王雪",
                            mobile="13800000002",
                            wecom_userid=None if g in mobile_only else "wangxue",
                        ),
                        Person(
                            project_id=pid,
                            name=f"责任人{g}",
                            mobile=f"1390000{g:04d}",
                            wecom_userid=f"owner{g}",
                        ),
                    ]
                )
                channel = Channel(
                    project_id=pid,
                    code=f"g{g}-work",
                    kind="wecom_robot",
                    name=f"工作群{g + 1}",
                    settings={"webhook_key": f"${{BENCH_KEY_{g:02d}}}"},
                )
                session.add(channel)
                session.flush()
                channels.append(channel)
            for n, (group, body, mentions) in enumerate(bodies):
                session.add(
                    Delivery(
                        dedup_key=f"{label}/{n}",
                        project_id=channels[group].project_id,
                        channel_id=channels[group].id,
                        channel_code=channels[group].code,
                        subject="督办提醒",
                        body=body,
                        mentions=list(mentions),
                        created_at=clock(),
                        next_attempt_at=clock(),
                    )
                )
        started, start = time.perf_counter(), clock()
        result = deliver_pending(app.engine, app.notifier_for, now=clock(), clock=clock, sleep=clock.sleep)
        wall = time.perf_counter() - started
        simulated = (clock() - start).total_seconds()
        per_robot = [sum(1 for r in fake.received if r.who == key) for key in keys.values()]
    return {
        "messages": len(fake.received),
        "simulated_s": simulated,
        "bound_s": max((math.ceil(n / 20) - 1) * 60 for n in per_robot if n),
        "violations": fake.rate_violations,
        "unsent": len(bodies) - result.sent,
        "wall_s": wall,
    }


def minimum(digests: list[tuple[int, str, tuple[str, ...]]], mobile_only: set[int]) -> int:
    """Fewest messages the limits allow: markdown ≤ 4096 B; where a mobile must be @-ed, the last
    message is a text (≤ 2048 B), the only type that can carry it."""
    total = 0
    for group, body, mentions in digests:
        size = utf8_len(body)
        if group in mobile_only and "王雪" in mentions:
            total += math.ceil(max(size - 2048, 0) / 4096) + 1
        else:
            total += math.ceil(size / 4096)
    return total


def main() -> None:
    rng = random.Random(5)
    all_findings = findings(rng)
    digests = []
    for group in range(GROUPS):
        mine = [f for g, f in all_findings if g == group]
        if mine:
            digest = build_digest(f"第{group + 1}组项目", f"工作群{group + 1}", AS_OF, mine)
            digests.append((group, render_digest(digest), digest.mentions))
    naive = [(g, sentence(f), f.persons) for g, f in all_findings]
    sizes = sorted(utf8_len(b) for _, b, _ in digests)
    print(f"{FINDINGS} 项发现，{GROUPS} 个群；每群一条汇总，大小 {sizes[0]}–{sizes[-1]} 字节")
    results = {}
    for scenario, mobile_only in (("userids", set()), ("mobiles", set(range(1, GROUPS, 2)))):
        least = minimum(digests, mobile_only)
        digest_run = run(digests, f"{scenario}-digest", mobile_only)
        naive_run = run(naive, f"{scenario}-naive", mobile_only)
        results[scenario] = (least, digest_run, naive_run)
        who = "人人有企业微信账号" if not mobile_only else "一半的群里有人只有手机号（须用 text 消息 @）"
        plain = minimum(digests, set())
        print(f"\n场景 {scenario}：{who}；按大小限制最少 {least} 条（纯按 4096 字节计 {plain} 条）")
        for name, r in (("汇总（duban）", digest_run), ("基线：每项一条", naive_run)):
            print(
                f"  {name}：发送 {r['messages']:.0f} 条（{r['messages'] / least:.2f} × 最少），"
                f"模拟用时 {r['simulated_s']:.0f} s（限速下限 {r['bound_s']:.0f} s），"
                f"超限 {r['violations']:.0f} 次，未送达 {r['unsent']:.0f}，实际耗时 {r['wall_s']:.2f} s"
            )
    fields = []
    met = True
    for scenario, (least, digest_run, naive_run) in results.items():
        ratio = digest_run["messages"] / least
        met &= ratio <= 1.2 and digest_run["violations"] == naive_run["violations"] == 0
        met &= digest_run["unsent"] == naive_run["unsent"] == 0
        fields += [
            f"{scenario}_messages={digest_run['messages']:.0f}",
            f"{scenario}_minimum={least}",
            f"{scenario}_ratio={ratio:.2f}",
            f"{scenario}_violations={digest_run['violations']:.0f}",
            f"{scenario}_baseline_messages={naive_run['messages']:.0f}",
            f"{scenario}_baseline_simulated_s={naive_run['simulated_s']:.0f}",
            f"{scenario}_baseline_bound_s={naive_run['bound_s']:.0f}",
            f"{scenario}_baseline_violations={naive_run['violations']:.0f}",
        ]
    print("RESULT " + " ".join(fields) + f" target={'met' if met else 'missed'}")


if __name__ == "__main__":
    main()
