"""Soak: the service through 24 simulated months on loopback fakes; nothing lost, nothing twice.

Six generated county plans (imported through the plan importer, as a county would) with 12,600
rectification items whose deadlines fall over two years, a numeric indicator fed by a loopback
statistics backend whose table moves on every month, and for each county a WeCom group robot
(the local WeCom-compatible server) and a leadership email channel (aiosmtpd). People close
their items around the deadlines (``close_item``, the code behind ``duban close-item``).

Time is simulated: for every working day the real :class:`bot.service.Service` runs its sweep at
08:31 (collection in the MOFCOM window), 09:01 (daily evaluation and delivery), 09:31 (weekly and
monthly summaries with their charts) and every five minutes after that until the outbox is empty.
The outside world misbehaves a little: 1 % of WeCom requests get HTTP 500 and 1 % of mails a
451, so retries and backoff are exercised all along.

Measured, against what the run itself says should have happened:

* messages expected — every outbox row cut into its parts by its channel's own splitter —
  against the requests the fake WeCom server accepted and the mails aiosmtpd received; a repeat
  is the same text (or Message-ID) accepted twice;
* memory — VmRSS from /proc/self/status after a warm-up month and at the end;
* errors — ERROR log records, failed job runs, undeliverable (dead) messages, evidence files
  that do not hash to their name.

Run: ``.venv/bin/python bench/soak.py [--months 24]``. Target: zero lost, zero duplicated,
RSS growth under 20 MB.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlmodel import Session, col, func, select  # noqa: E402

from bot.demo.backend import render_monthly  # noqa: E402
from bot.demo.server import Request, Response, serve  # noqa: E402
from bot.service import Service  # noqa: E402
from bot.wiring import App  # noqa: E402
from db.evidence import intact  # noqa: E402
from db.models import Alert, AlertEvent, Channel, Delivery, Evidence, JobRun, Measurement  # noqa: E402
from domain.enums import DeliveryStatus, RunStatus  # noqa: E402
from domain.workdays import OFFICE_TZ  # noqa: E402
from jobs.import_plans import import_files  # noqa: E402
from jobs.manual import close_item  # noqa: E402
from jobs.outbox_message import message_of  # noqa: E402
from tests.fakes.clock import FakeClock  # noqa: E402
from tests.fakes.smtp_server import Mailbox, smtp_server  # noqa: E402
from tests.fakes.wecom_server import FakeWeCom, running  # noqa: E402
from tests.fault_world import live_app  # noqa: E402

PROJECTS, ITEMS = 6, 2100  # 10,379 alerts over the two years: the 10,000
START = date(2023, 7, 3)
FAULT_RATE = 0.01
TARGET_RSS_MB = 20.0
WARM_UP_DAYS = 30


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


class Counting(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(f"{record.name}: {record.getMessage()[:160]}")


class FlakyWeCom(FakeWeCom):
    """The fake WeCom server, answering a seeded 1 % of robot posts with HTTP 500."""

    rng: random.Random = random.Random(7)
    faults = 0

    def handle(self, method: str, path: str, query: dict[str, str], body: bytes) -> tuple[int, Any]:
        if path == "/cgi-bin/webhook/send" and self.rng.random() < FAULT_RATE:
            self.faults += 1
            return 500, {"error": "injected"}
        return super().handle(method, path, query, body)


class Backend:
    """A statistics page whose table always shows the twelve months before today (simulated)."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock

    def page(self, _request: Request) -> Response:
        today = self.clock().astimezone(OFFICE_TZ).date()
        rows = []
        for back in range(12, 0, -1):
            index = today.year * 12 + today.month - 1 - back
            year, month = divmod(index, 12)
            value = 150 + (index % 12) * 9.5 + (year - 2023) * 20
            rows.append({"月份": f"{year}年{month + 1}月", "网络零售额（万元）": f"{value:.1f}"})
        return Response(200, render_monthly(rows, title="月度经营数据统计表"), "text/html; charset=gbk")


def working_days(calendar: Any, first: date, last: date) -> list[date]:
    return [
        first + timedelta(n)
        for n in range((last - first).days + 1)
        if calendar.is_workday(first + timedelta(n))
    ]


def plan(
    number: int, rng: random.Random, days: list[date], count: int
) -> tuple[dict[str, Any], list[tuple[date, str]]]:
    """One county's plan, and the days its items are closed (8 % never are)."""
    code = f"county{number}"
    people = [
        {
            "name": f"责任人{number}{p}",
            "unit": f"第{p}责任单位",
            "mobile": f"1390000{number:02d}{p:02d}",
            "email": f"p{number}x{p}@example.com",
            "wecom_userid": f"u{number}x{p}",
        }
        for p in range(4)
    ]
    leader = {"name": f"组长{number}", "email": f"leader{number}@example.com", "wecom_userid": f"l{number}"}
    items, closings = [], []
    window = days[5:-10]
    for n in range(count):
        deadline = rng.choice(window)
        person = people[n % 4]["name"]
        items.append(
            {
                "number": str(n + 1),
                "problem": f"第{n + 1}项问题：{rng.choice(PROBLEMS)}",
                "measures": "按方案整改，报送佐证材料。",
                "units": [f"第{n % 4}责任单位"],
                "persons": [person],
                "deadline": deadline.isoformat(),
            }
        )
        fate = rng.random()
        at = days.index(deadline)
        if fate < 0.35:
            closings.append((days[max(0, at - rng.randint(1, 8))], str(n + 1)))
        elif fate < 0.92:
            closings.append((days[min(len(days) - 1, at + rng.randint(1, 15))], str(n + 1)))
    document: dict[str, Any] = {
        "project": {
            "code": code,
            "name": f"第{number}县乡村e镇建设项目",
            "county": f"第{number}县",
            "plan_start": "2023-07-01",
            "plan_end": "2025-12-31",
        },
        "people": [*people, leader],
        "channels": [
            {
                "code": f"{code}-work",
                "kind": "wecom_robot",
                "name": f"第{number}县工作群",
                "members": [p["name"] for p in people],
                "settings": {"webhook_key": f"${{DUBAN_WECOM_KEY_C{number}}}"},
            },
            {
                "code": f"{code}-leaders",
                "kind": "email",
                "name": f"第{number}县领导小组",
                "leadership": True,
                "members": [leader["name"]],
            },
        ],
        "rectification": {"title": f"第{number}县整改方案", "items": items},
    }
    if number == 0:
        document["sources"] = [
            {
                "code": "backend",
                "kind": "html_table",
                "settings": {"url": "${DUBAN_SOAK_BACKEND}/monthly", "month_header": "月份"},
            }
        ]
        document["indicators"] = [
            {
                "code": "S36",
                "name": "网络零售额",
                "unit": "万元",
                "targets": [{"year": y, "value": v} for y, v in ((2023, 2400), (2024, 2500), (2025, 2700))],
                "period": "per_year",
                "source": "backend",
                "source_field": "网络零售额（万元）",
                "responsible_persons": [people[0]["name"]],
            }
        ]
    return document, closings


PROBLEMS = [
    "实施方案未见向省、市商务局报备的印证材料。",
    "专项资金未下拨，未提供垫付资金支出的财务资料。",
    "未有效建立乡村e镇工作档案和台账制度。",
    "网络零售额不达标，未能提供数据后台证明材料。",
    "线上公共平台还在研发中。",
]


def fingerprint(text: str) -> bytes:
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


def expected_parts(app: App) -> tuple[Counter[tuple[str, str, str | bytes]], int]:
    """Every outbox row cut into parts by its own channel's splitter, as the fakes would record them."""
    parts: Counter[tuple[str, str, str | bytes]] = Counter()
    rows = 0
    with Session(app.engine) as session:
        channels = {c.id: c for c in session.exec(select(Channel))}
        for row in session.exec(select(Delivery)):
            rows += 1
            channel = channels.get(row.channel_id) if row.channel_id else None
            if channel is None or channel.kind == "email":
                code = channel.code if channel else "admin"
                parts[("mail", code, f"<duban.{code}.{row.id}@example.com>")] += 1
                continue
            key = app.environ[str(channel.settings["webhook_key"])[2:-1]]
            for part in app.notifier_for(channel).parts(message_of(row, channel)):
                if part.kind == "image":
                    parts[(key, part.kind, hashlib.md5(part.data).hexdigest())] += 1
                else:
                    parts[(key, part.kind, fingerprint(part.content))] += 1
    return parts, rows


class Received:
    """What the fakes accepted, kept as (who, kind, fingerprint): a message's text is kept as a
    16-byte digest, an image as its md5 and a mail as its Message-ID. The texts themselves (7,729
    robot messages of up to 4 KB at 10,000 alerts) grew the measured RSS by 22 MB that were the
    benchmark's bookkeeping, not duban's memory."""

    def __init__(self) -> None:
        self.parts: Counter[tuple[str, str, str | bytes]] = Counter()

    def take(self, wecom: FakeWeCom, mail: Mailbox) -> None:
        for r in wecom.received:
            kind = r.payload["msgtype"]
            body = r.payload[kind]
            self.parts[(r.who, kind, body["md5"] if kind == "image" else fingerprint(body["content"]))] += 1
        for m in mail.received:
            message_id = str(m["Message-ID"])
            self.parts[("mail", message_id.split(".")[1], message_id)] += 1
        wecom.received.clear()
        mail.received.clear()
        mail.envelopes.clear()


def run(months: int, seed: int, items: int = ITEMS) -> int:
    rng = random.Random(seed)
    errors = Counting()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger().addHandler(errors)
    clock = FakeClock(datetime.combine(START, datetime.min.time(), OFFICE_TZ).astimezone(UTC))
    last = (datetime(START.year, START.month, 1) + timedelta(days=31 * months)).date()
    with (
        tempfile.TemporaryDirectory(prefix="duban-soak-") as tmp,
        serve({"/monthly": Backend(clock).page}) as site,
    ):
        keys = {f"DUBAN_WECOM_KEY_C{n}": f"key-county{n}" for n in range(PROJECTS)}
        with (
            running(FlakyWeCom(clock=clock, robot_keys=set(keys.values()))) as wecom,
            smtp_server(Path(tmp)) as mail,
        ):
            app = live_app(
                Path(tmp) / "data",
                wecom_url=wecom.url,
                smtp_port=mail.port,
                environ={**keys, "DUBAN_SOAK_BACKEND": site.url},
                clock=clock,
                timeout=5,
            )
            app.init_database()
            days = working_days(app.calendar, START, last)
            closings: dict[date, list[tuple[str, str]]] = {}
            plans = []
            for number in range(PROJECTS):
                document, closes = plan(number, rng, days, items)
                path = Path(tmp) / f"county{number}.yaml"
                path.write_text(
                    yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8"
                )
                plans.append(path)
                for day, item in closes:
                    closings.setdefault(day, []).append((f"county{number}", item))
            import_files(app.engine, plans)
            service = Service(app, app.settings.schedule(), clock=clock)
            return soak(app, service, clock, wecom, mail, days, closings, errors)


def soak(
    app: App,
    service: Service,
    clock: FakeClock,
    wecom: FlakyWeCom,
    mail: Mailbox,
    days: list[date],
    closings: dict[date, list[tuple[str, str]]],
    errors: Counting,
) -> int:
    fault_rng = random.Random(11)
    seen = Received()
    mail_faults = 0
    started, warm = time.monotonic(), 0.0
    for index, day in enumerate(days):
        if index == WARM_UP_DAYS:
            warm = rss_mb()
        for project, number in closings.get(day, []):
            at = datetime.combine(day, datetime.min.time().replace(hour=8), OFFICE_TZ)
            close_item(app, project=project, batch="", number=number, result="已整改", evidence=None, now=at)
        if fault_rng.random() < FAULT_RATE * 10:  # a bad day for the mail server, now and then
            mail.reply_next.append("451 4.3.0 Mailbox busy, try again later")
            mail_faults += 1
        for hour, minute in ((8, 31), (9, 1), (9, 31)):
            clock.now = datetime.combine(
                day, datetime.min.time().replace(hour=hour, minute=minute), OFFICE_TZ
            )
            service.sweep()
        for _ in range(24):  # then every five minutes, until nothing is waiting
            if not pending(app):
                break
            clock.advance(300)
            service.sweep()
        seen.take(wecom, mail)
        if index % 60 == 0:
            print(
                f"{day}  day {index:3d}  rss {rss_mb():6.1f} MB  {time.monotonic() - started:6.1f} s",
                flush=True,
            )
    return report(app, wecom, seen, errors, warm, time.monotonic() - started, mail_faults, len(days))


def pending(app: App) -> int:
    with Session(app.engine) as session:
        return int(
            session.exec(
                select(func.count()).select_from(Delivery).where(Delivery.status == DeliveryStatus.PENDING)
            ).one()
        )


def report(
    app: App,
    wecom: FlakyWeCom,
    seen: Received,
    errors: Counting,
    warm: float,
    seconds: float,
    mail_faults: int,
    days: int,
) -> int:
    end = rss_mb()
    want, rows = expected_parts(app)
    got = seen.parts
    expected, delivered = sum(want.values()), sum(got.values())
    lost, duplicated = sum((want - got).values()), sum((got - want).values())
    with Session(app.engine) as session:
        alerts = session.exec(select(func.count()).select_from(Alert)).one()
        kinds = Counter(a.kind for a in session.exec(select(Alert)))
        told = session.exec(
            select(func.count()).select_from(AlertEvent).where(col(AlertEvent.event) == "notified")
        ).one()
        statuses = Counter(d.status.value for d in session.exec(select(Delivery)))
        failed_runs = session.exec(
            select(func.count()).select_from(JobRun).where(JobRun.status == RunStatus.FAILED)
        ).one()
        figures = session.exec(select(func.count()).select_from(Measurement)).one()
        evidence = session.exec(select(Evidence)).all()
        broken = sum(not intact(app.settings.evidence_dir, e) for e in evidence)
    growth = end - warm
    error_count = len(errors.records) + failed_runs + statuses.get("dead", 0) + broken
    print(f"simulated working days     {days}  ({seconds:.0f} s wall)")
    print(f"alerts                     {alerts} alert rows, {told} notifications")
    print(f"alert kinds                {dict(kinds)}")
    print(f"outbox                     {dict(statuses)}")
    print(f"messages expected          {expected} requests for {rows} outbox rows")
    mails = sum(n for (who, _, _), n in got.items() if who == "mail")
    print(f"messages delivered         {delivered} (robot {delivered - mails}, mail {mails})")
    print(f"lost / duplicated          {lost} / {duplicated}")
    print(f"faults injected            {wecom.faults} WeCom HTTP 500, {mail_faults} SMTP 451")
    print(f"figures / evidence         {figures} figures, {len(evidence)} evidence files, {broken} broken")
    problems = f"{len(errors.records)} ERROR lines, {failed_runs} failed runs"
    print(f"errors                     {error_count} ({problems})")
    for line in errors.records[:10]:
        print(f"  {line}")
    database = Path(app.settings.data_dir / "duban.db").stat().st_size / 2**20
    print(f"database                   {database:.1f} MB on disk")
    print(f"RSS                        {warm:.1f} MB after {WARM_UP_DAYS} days, {end:.1f} MB at the end")
    met = lost == 0 and duplicated == 0 and growth < TARGET_RSS_MB and error_count == 0
    print(
        f"RESULT days={days} alerts={alerts} notifications={told} expected={expected} delivered={delivered} "
        f"lost={lost} duplicated={duplicated} rss_growth_mb={growth:.1f} errors={error_count} "
        f"seconds={seconds:.0f} target={'met' if met else 'missed'}"
    )
    return 0 if met else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--items", type=int, default=ITEMS, help="rectification items per county")
    args = parser.parse_args()
    raise SystemExit(run(args.months, args.seed, args.items))


if __name__ == "__main__":
    main()
