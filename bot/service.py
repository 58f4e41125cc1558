"""``duban run``: the unattended service (a first version; the scheduling issue builds it out).

A daily refresh at a fixed Beijing time on Chinese working days, and the outbox sender every five
minutes so a message that failed is retried while the service runs.
"""

from __future__ import annotations

import logging
import signal
from types import FrameType

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.app import App
from bot.clock import today, wall_clock
from bot.workdays import OFFICE_TZ
from jobs.refresh import run_cycle, run_deliver

log = logging.getLogger(__name__)


def serve(app: App, at: str) -> None:
    hour, minute = (int(part) for part in at.split(":"))
    scheduler = BlockingScheduler(timezone=OFFICE_TZ)

    def daily_refresh() -> None:
        day = today()
        if not app.calendar.is_workday(day):
            log.info("%s 不是工作日，跳过每日刷新", day)
            return
        run_cycle(app, as_of=day, now=wall_clock(), trigger="scheduled")

    scheduler.add_job(
        daily_refresh,
        CronTrigger(hour=hour, minute=minute, timezone=OFFICE_TZ),
        id="daily-refresh",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=3600,
    )
    scheduler.add_job(
        lambda: run_deliver(app, now=wall_clock(), trigger="scheduled"),
        IntervalTrigger(minutes=5),
        id="deliver",
        max_instances=1,
        coalesce=True,
    )

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("收到信号 %s，正在停止", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for job in scheduler.get_jobs():
        log.info("已计划任务 %s：%s", job.id, job.trigger)
    scheduler.start()
