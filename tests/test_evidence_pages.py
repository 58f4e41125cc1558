"""A figure summed over several pages keeps every page as one evidence bundle, and
``duban evidence --export`` lays the pages out and recomputes the figure from them.

Against the shop API fake on 127.0.0.1: 151 orders of one month over two pages of 100.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import Session, select

from bot.cli import main
from bot.demo.server import serve
from collectors.registry import default_registry
from db.models import Evidence, Measurement
from domain.amounts import exact_amount as amount
from domain.bundle import BUNDLE_TYPE, unpack
from jobs.collect import collect
from tests.collect_helpers import NOW, config, make_db, make_env
from tests.fakes.shop_api import ShopApi

ORDERS = 151


def orders() -> list[dict[str, object]]:
    """151 orders of September with cents, so a lost page or a rounding shows."""
    return [
        {
            "statMonth": f"2023-09-{1 + i % 30:02d}",
            "shop": {"gmv": (9_001 + i * 7_919 % 40_000) / 100, "orders": 1},
        }
        for i in range(ORDERS)
    ]


@pytest.fixture
def shop():
    api = ShopApi(page_size=100)
    api.records = orders()
    with serve(api.routes()) as running:
        api.url = running.url
        yield api


def shop_source(api: ShopApi):
    settings = {
        "url": f"{api.url}/open/v1/shop/monthly",
        "token": api.token,
        "records_path": "data.list",
        "month_path": "statMonth",
        "status_path": "code",
        "ok_values": [0],
        "page_param": "pageNo",
        "pages_path": "data.totalPage",
        "aggregate": True,
    }
    return config("json", settings, ("GMV", "shop.gmv", "元"), ("ORD", "shop.orders", "单"), code="shop")


def served_total(api: ShopApi) -> Decimal:
    return sum((Decimal(str(r["shop"]["gmv"])) for r in api.records), Decimal(0))  # type: ignore[index]


def run(engine, tmp_path: Path) -> None:
    result = collect(
        engine, default_registry(), make_env(tmp_path), tmp_path / "evidence", now=NOW, environ={}
    )
    assert result.failures == []


@pytest.mark.both_databases
def test_every_page_of_a_paginated_sum_is_kept_as_one_bundle(tmp_path: Path, shop: ShopApi, database) -> None:
    engine = make_db(tmp_path, [shop_source(shop)], database)
    run(engine, tmp_path)
    assert shop.calls == 2
    with Session(engine) as session:
        figures = {m.unit: m for m in session.exec(select(Measurement))}
        [row] = session.exec(select(Evidence)).all()  # both figures, one bundle
    assert len(figures) == 2 and {m.evidence_id for m in figures.values()} == {row.id}
    assert row.content_type == BUNDLE_TYPE
    bundle = unpack((tmp_path / "evidence" / row.path).read_bytes())
    records = [r for page in bundle.pages for r in json.loads(page.body)["data"]["list"]]
    assert [len(json.loads(p.body)["data"]["list"]) for p in bundle.pages] == [100, 51]
    assert records == shop.records  # all 151 orders, as served
    [gmv] = [f for f in bundle.figures if f.indicator == "GMV"]
    assert len(gmv.parts) == ORDERS and Decimal(str(gmv.recomputed())) == served_total(shop)


def test_the_stored_figure_is_the_sum_of_every_page(tmp_path: Path, shop: ShopApi) -> None:
    engine = make_db(tmp_path, [shop_source(shop)])
    run(engine, tmp_path)
    with Session(engine) as session:
        values = sorted(m.value for m in session.exec(select(Measurement)))
    assert values == [ORDERS, float(served_total(shop))]


def test_the_same_pages_again_keep_one_file(tmp_path: Path, shop: ShopApi) -> None:
    engine = make_db(tmp_path, [shop_source(shop)])
    run(engine, tmp_path)
    run(engine, tmp_path)
    with Session(engine) as session:
        assert len(session.exec(select(Evidence)).all()) == 1
    assert len(list((tmp_path / "evidence").rglob("*.zip"))) == 1


@pytest.mark.both_databases
def test_the_export_lays_out_the_pages_and_recomputes_the_figure(
    tmp_path: Path, shop: ShopApi, database
) -> None:
    engine = make_db(tmp_path, [shop_source(shop)], database)
    run(engine, tmp_path)
    export = tmp_path / "for-evaluators"
    args = ["--data-dir", str(tmp_path), "evidence", "GMV", "--month", "2023-09", "--export", str(export)]
    answer = CliRunner().invoke(main, args, env={"COLUMNS": "200", "DUBAN_DATABASE_URL": database or ""})
    assert answer.exit_code == 0, answer.output
    names = sorted(p.name for p in export.iterdir())
    pages = [n for n in names if n.endswith(("-p1.json", "-p2.json"))]
    assert len(pages) == 2 and any(n.endswith(".zip") for n in names) and "说明.txt" in names
    # An evaluator's own recomputation from the exported pages gives the stored figure.
    exported = [r for n in pages for r in json.loads((export / n).read_bytes())["data"]["list"]]
    assert len(exported) == ORDERS
    mine = sum((Decimal(str(r["shop"]["gmv"])) for r in exported), Decimal(0))
    assert mine == served_total(shop)
    note = (export / "说明.txt").read_text(encoding="utf-8")
    total = amount(float(mine))
    assert f"第 1 版：{total} 元" in note
    assert f"第 1 版：{total} 元" in answer.output  # every digit on the screen too
    assert f"合计 {ORDERS} 条 {total} 元，与记录的数值一致" in note
    assert "第 1 页 100 条" in note and "第 2 页 51 条" in note
    details = next(n for n in names if n.endswith("明细.csv"))
    assert len((export / details).read_text(encoding="utf-8-sig").splitlines()) == ORDERS + 1


def test_a_page_changed_inside_the_bundle_is_reported(tmp_path: Path, shop: ShopApi) -> None:
    """The bundle's own sha256 is checked first; this edits a page and re-signs the row, as an
    edited database would, to show the manifest is checked too."""
    import hashlib
    import io
    import zipfile

    engine = make_db(tmp_path, [shop_source(shop)])
    run(engine, tmp_path)
    with Session(engine) as session:
        [row] = session.exec(select(Evidence)).all()
        path = tmp_path / "evidence" / row.path
        source = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as target:
            for info in source.infolist():
                data = source.read(info)
                target.writestr(
                    info,
                    data.replace(b'"orders": 1', b'"orders": 2', 1) if "page-002" in info.filename else data,
                )
        path.write_bytes(out.getvalue())
        row.sha256 = hashlib.sha256(out.getvalue()).hexdigest()
        session.add(row)
        session.commit()
    export = tmp_path / "again"
    args = ["--data-dir", str(tmp_path), "evidence", "GMV", "--month", "2023-09", "--export", str(export)]
    CliRunner().invoke(main, args, env={"COLUMNS": "200", "DUBAN_DATABASE_URL": ""})
    note = (export / "说明.txt").read_text(encoding="utf-8")
    assert "与证据包清单的 SHA-256 不符" in note and "不一致，请核查" in note
