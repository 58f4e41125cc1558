"""A stand-in for a county e-commerce service centre's data backend, served on 127.0.0.1.

It serves the monthly statistics page the way such backends do (GBK-encoded, a title, a filter
form, the table, a footer), so the demo and the tests collect from a real HTTP server.
"""

from __future__ import annotations

import csv
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

DATA = Path(__file__).resolve().parent / "wenxi_2023.csv"

PAGE = """<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gbk">
<title>闻喜县桐城e镇电商公共服务中心 - 数据统计后台</title>
<link rel="stylesheet" href="/static/admin.css">
</head>
<body>
<div class="header"><span class="logo">桐城e镇</span> 电商公共服务中心数据统计后台
<span class="user">当前用户：运营专员 | <a href="/logout">退出</a></span></div>
<div class="nav"><a href="/home">首页</a> &gt; 统计报表 &gt; 月度经营数据</div>
<form class="filter" method="get"><label>年度</label><select name="year"><option selected>2023</option>
<option>2022</option></select><button type="submit">查询</button><a href="?export=xls">导出Excel</a></form>
<h3>{title}</h3>
<table class="report" border="1" cellspacing="0">
<thead><tr>{head}</tr></thead>
<tbody>
{rows}
</tbody>
</table>
<p class="note">注：数据来源于县域主要电商平台店铺后台及快递企业报送，每月10日前更新上月数据。</p>
<div class="footer">闻喜县桐城e镇电商公共服务中心 版权所有</div>
</body>
</html>
"""


def monthly_rows(path: Path = DATA) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def render_monthly(rows: list[dict[str, str]], *, title: str = "2023年月度经营数据统计表") -> bytes:
    headers = list(rows[0]) if rows else ["月份"]
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "\n".join(
        "<tr>" + "".join(f"<td>{escape(row[h])}</td>" for h in headers) + "</tr>" for row in rows
    )
    return PAGE.format(title=escape(title), head=head, rows=body).encode("gbk")


class _Handler(BaseHTTPRequestHandler):
    pages: ClassVar[dict[str, bytes]] = {}

    def do_GET(self) -> None:
        page = self.pages.get(self.path.split("?")[0])
        if page is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=gbk")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, format: str, *args: object) -> None:  # keep the demo's console clean
        pass


@contextmanager
def running_backend(pages: dict[str, bytes] | None = None) -> Iterator[str]:
    """Serve ``pages`` (path → bytes; by default the 闻喜 monthly page) and yield the base URL."""
    handler = type(
        "Handler", (_Handler,), {"pages": pages or {"/wenxi/monthly": render_monthly(monthly_rows())}}
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="demo-backend", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
