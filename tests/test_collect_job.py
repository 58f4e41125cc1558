"""The collect job end to end: real loopback backends → the database (SQLite and PostgreSQL) →
evidence files → ``duban evidence``."""

from __future__ import annotations

import errno
import hashlib
import os
import time

import pytest
from click.testing import CliRunner
from sqlmodel import Session, col, select

from bot.cli import main
from bot.demo.server import serve
from collectors.registry import default_registry
from db.evidence import intact
from db.facts_loader import load_projects
from db.models import CollectionAttempt, Evidence, Measurement, ReportFiling
from jobs.collect import collect
from tests.collect_helpers import NOW, config, make_db, make_env
from tests.fakes.mofcom import Mofcom
from tests.fakes.portal import Portal


@pytest.fixture
def backends():
    portal, mofcom = Portal(), Mofcom()
    with serve(portal.routes()) as p, serve(mofcom.routes()) as m:
        portal.url, mofcom.url = p.url, m.url
        yield portal, mofcom


def portal_source(portal, code="backend", project="wenxi"):
    settings = {
        "url": f"{portal.url}/admin/report",
        "login_url": f"{portal.url}/login",
        "username": "${PORTAL_USER}",
        "password": "${PORTAL_PASSWORD}",
    }
    return config("html", settings, ("S36", "网络零售额（万元）", "万元"), code=code, project=project)


def mofcom_source(mofcom):
    settings = {"base_url": mofcom.url, "username": "${MOFCOM_USER}", "password": "${MOFCOM_PASSWORD}"}
    return config("mofcom", settings, ("Z1", "网络零售额", "万元"), code="mofcom", project="zhaohua")


@pytest.fixture
def environ(backends):
    portal, mofcom = backends
    return {
        "PORTAL_USER": portal.username,
        "PORTAL_PASSWORD": portal.password,
        "MOFCOM_USER": mofcom.username,
        "MOFCOM_PASSWORD": mofcom.password,
    }


def run(engine, tmp_path, environ, **options):
    env = options.pop("env", None) or make_env(tmp_path)
    return collect(
        engine, default_registry(), env, tmp_path / "evidence", now=NOW, environ=environ, **options
    )


@pytest.mark.both_databases
def test_figures_are_stored_with_their_evidence(tmp_path, backends, environ, database):
    portal, mofcom = backends
    engine = make_db(tmp_path, [portal_source(portal), mofcom_source(mofcom)], database)
    result = run(engine, tmp_path, environ)
    assert (result.sources, result.figures, result.filings, result.failures) == (2, 10, 1, [])
    with Session(engine) as session:
        september = session.exec(select(Measurement).where(Measurement.month == "2023-09")).all()
        assert sorted(m.value for m in september) == [245.5, 1418.2]
        for m in september:
            evidence = session.get(Evidence, m.evidence_id)
            stored = (tmp_path / "evidence" / evidence.path).read_bytes()
            assert hashlib.sha256(stored).hexdigest() == evidence.sha256
            assert evidence.http_status == 200 and evidence.origin.startswith("http://127.0.0.1")
            assert m.locator
        filing = session.exec(select(ReportFiling)).one()
        assert (filing.month, filing.filed, filing.evidence_id is not None) == ("2023-09", True, True)
        assert all(a.ok for a in session.exec(select(CollectionAttempt)))


@pytest.mark.both_databases
def test_a_changed_value_is_a_revision_and_both_are_kept(tmp_path, backends, environ, database):
    portal, _ = backends
    engine = make_db(tmp_path, [portal_source(portal)], database)
    run(engine, tmp_path, environ)
    portal.rows[8] = portal.rows[8] | {"网络零售额（万元）": "250.1"}
    result = run(engine, tmp_path, environ)
    assert (result.figures, result.revisions) == (1, 1)
    with Session(engine) as session:
        rows = session.exec(
            select(Measurement).where(Measurement.month == "2023-09").order_by(col(Measurement.revision))
        ).all()
        assert [(m.revision, m.value) for m in rows] == [(1, 245.5), (2, 250.1)]
        assert rows[0].evidence_id != rows[1].evidence_id


def test_evidence_the_disk_could_not_keep_stores_no_figure(tmp_path, backends, environ, monkeypatch):
    """The disk's error is injected (a failing disk cannot be had here): the flush before the
    rows commit reports a write-back error, as syncfs does."""
    portal, mofcom = backends
    engine = make_db(tmp_path, [portal_source(portal), mofcom_source(mofcom)])

    def refuse(_self):
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr("db.evidence.DiskSync.flush", refuse)
    result = run(engine, tmp_path, environ)
    assert result.figures == 0 and len(result.failures) == 2
    assert all("佐证文件无法保存" in failure and "本次数据未记录" in failure for failure in result.failures)
    with Session(engine) as session:
        assert session.exec(select(Measurement)).all() == [] and session.exec(select(Evidence)).all() == []
        assert [a.ok for a in session.exec(select(CollectionAttempt))] == [False, False]
    monkeypatch.undo()
    assert run(engine, tmp_path, environ).figures == 10


def test_an_evidence_file_cut_short_is_written_again(tmp_path, backends, environ):
    """A file renamed into place but not yet flushed when the power failed can be cut short; the
    next collection of the same page writes it whole again."""
    portal, _ = backends
    engine = make_db(tmp_path, [portal_source(portal)])
    run(engine, tmp_path, environ)
    with Session(engine) as session:
        rows = session.exec(select(Evidence)).all()
    for row in rows:
        (tmp_path / "evidence" / row.path).write_bytes(b"")
    assert run(engine, tmp_path, environ).figures == 0  # the same page: nothing new to record
    assert all(intact(tmp_path / "evidence", row) for row in rows)


@pytest.mark.both_databases
def test_a_layout_change_is_a_recorded_failure_never_a_zero(tmp_path, backends, environ, database):
    portal, _ = backends
    engine = make_db(tmp_path, [portal_source(portal)], database)
    portal.changed_layout = True
    result = run(engine, tmp_path, environ)
    assert result.figures == 0 and len(result.failures) == 1
    with Session(engine) as session:
        attempt = session.exec(select(CollectionAttempt)).one()
        assert not attempt.ok and "页面布局可能已改变" in attempt.error
        page = (tmp_path / "evidence" / session.get(Evidence, attempt.evidence_id).path).read_bytes()
        assert "统计期".encode("gbk") in page
        assert session.exec(select(Measurement)).all() == []
        [facts] = load_projects(session)
        assert [(s.code, s.failed_error) for s in facts.sources] == [("backend", attempt.error)]


@pytest.mark.both_databases
def test_filing_state_is_one_row_per_month_updated_when_rechecked(tmp_path, backends, environ, database):
    _, mofcom = backends
    engine = make_db(tmp_path, [mofcom_source(mofcom)], database)
    run(engine, tmp_path, environ, month="2023-10")
    run(engine, tmp_path, environ, month="2023-10")
    with Session(engine) as session:
        assert [(f.month, f.filed) for f in session.exec(select(ReportFiling))] == [("2023-10", False)]
    mofcom.figures["2023-10"] = (("1,500.0", "12,730.6"),) * 5
    run(engine, tmp_path, environ, month="2023-10")
    with Session(engine) as session:
        assert [(f.month, f.filed) for f in session.exec(select(ReportFiling))] == [("2023-10", True)]
        assert [m.value for m in session.exec(select(Measurement))] == [1500.0]


def test_a_slow_backend_does_not_hold_the_others(tmp_path, environ):
    slow, fast = Portal(), Portal()
    slow.delay = 0.8  # per page: the slow source takes about 2.4 s in all
    with serve(slow.routes()) as s, serve(fast.routes()) as f:
        slow.url, fast.url = s.url, f.url
        sources = [portal_source(slow, "a-slow", "slow"), portal_source(fast, "b-fast", "fast")]
        engine = make_db(tmp_path, sources)
        finished: list[tuple[str, float]] = []
        started = time.monotonic()
        result = run(
            engine, tmp_path, environ, on_done=lambda c: finished.append((c.code, time.monotonic() - started))
        )
    assert result.failures == []
    assert [code for code, _ in finished] == ["b-fast", "a-slow"]
    assert finished[0][1] < 0.8  # stored before the slow one's first page answered


def test_secrets_never_reach_the_recorded_error(tmp_path):
    # A secret variable may not sit in a URL any more (tests/test_secret_placement.py): the key
    # goes in the token field, and the recorded error still never shows it.
    src = config(
        "json",
        {"url": "http://127.0.0.1:9/api", "token": "${SHOP_KEY}", "month_path": "m"},
        ("G", "g", "元"),
    )
    engine = make_db(tmp_path, [src])
    result = run(engine, tmp_path, {"SHOP_KEY": "sk-live-5f2c8e1d9a"}, env=make_env(tmp_path, retries=0))
    assert "无法连接" in result.failures[0]
    assert "sk-live-5f2c8e1d9a" not in result.failures[0]
    with Session(engine) as session:
        assert "sk-live-5f2c8e1d9a" not in session.exec(select(CollectionAttempt)).one().error


@pytest.mark.both_databases
def test_a_rejected_file_is_the_latest_attempt(tmp_path, database):
    import openpyxl

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    src = config("file", {"inbox": "inbox"}, ("S36", "网络零售额（万元）", "万元"), code="export")
    engine = make_db(tmp_path, [src], database)
    assert run(engine, tmp_path, {}).sources == 1
    with Session(engine) as session:
        assert session.exec(select(CollectionAttempt)).all() == []  # an empty inbox is no attempt
    for name, header in (("1-good.xlsx", "网络零售额(万元)"), ("2-bad.xlsx", "销售额")):
        book = openpyxl.Workbook()
        book.active.append(["月份", header])
        book.active.append(["2023-09", 12.5])
        book.save(inbox / name)
    result = run(engine, tmp_path, {})
    assert result.figures == 1 and len(result.failures) == 1
    with Session(engine) as session:
        [facts] = load_projects(session)
        assert [s.code for s in facts.sources if s.failed_error] == ["export"]
    assert (inbox / "rejected" / "2-bad.xlsx.reason.txt").exists()
    assert (inbox / "processed" / "1-good.xlsx").exists()


@pytest.mark.both_databases
def test_duban_evidence_shows_and_exports(tmp_path, backends, environ, database):
    portal, _ = backends
    engine = make_db(tmp_path, [portal_source(portal)], database)
    run(engine, tmp_path, environ)
    export = tmp_path / "for-evaluators"
    runner = CliRunner()
    args = ["--data-dir", str(tmp_path), "evidence", "S36", "--month", "2023-09", "--export", str(export)]
    answer = runner.invoke(main, args, env={"COLUMNS": "200", "DUBAN_DATABASE_URL": database or ""})
    assert answer.exit_code == 0, answer.output
    assert "245.5 万元" in answer.output and "第 2 页" in answer.output and "完好" in answer.output
    files = sorted(p.name for p in export.iterdir())
    assert files[-1] == "说明.txt" and files[0].startswith("S36-2023-09-v1-") and files[0].endswith(".html")
    assert "2023年9月".encode("gbk") in (export / files[0]).read_bytes()
    # A tampered evidence file is reported, not exported as if it were sound.
    with Session(engine) as session:
        evidence = session.exec(select(Evidence)).all()
    for row in evidence:
        (tmp_path / "evidence" / row.path).write_bytes(b"tampered")
    answer = runner.invoke(
        main,
        [*args[:-1], str(tmp_path / "again")],
        env={"COLUMNS": "200", "DUBAN_DATABASE_URL": database or ""},
    )
    assert "缺失或已被改动" in answer.output
    assert "未导出" in (tmp_path / "again" / "说明.txt").read_text(encoding="utf-8")
