"""A login-protected platform backend (an e-commerce service centre's 数据统计后台), GBK-encoded.

Like the real ones: a login form with a hidden CSRF token bound to a pre-login cookie, a session
cookie after login, a redirect to the login page once the session is gone, and the monthly
table split over pages with a 下一页 link. The knobs on :class:`Portal` make it misbehave the
ways backends do (expired sessions, a changed layout, HTTP 500, slowness, a truncated page).
"""

from __future__ import annotations

import secrets
from html import escape

from bot.demo.backend import monthly_rows
from bot.demo.server import Request, Response, Route, redirect

LOGIN_PAGE = """<!DOCTYPE html>
<html><head><meta charset="gbk"><title>用户登录 - 电商公共服务中心数据统计后台</title></head>
<body><div class="login-box"><h2>电商公共服务中心数据统计后台</h2>{error}
<form method="post" action="/login">
<input type="hidden" name="_csrf" value="{token}">
<label>用户名</label><input type="text" name="username">
<label>密码</label><input type="password" name="password">
<label><input type="checkbox" name="remember" value="1">记住我</label>
<button type="submit">登 录</button></form></div></body></html>
"""

REPORT_PAGE = """<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>月度经营数据 - 数据统计后台</title></head>
<body><div class="header">电商公共服务中心数据统计后台 <span class="user">当前用户：运营专员 |
<a href="/logout">退出</a></span></div>
<div class="nav"><a href="/admin/home">首页</a> &gt; 统计报表 &gt; 月度经营数据</div>
<table class="layout"><tr><td class="side">菜单</td><td>
<h3>2023年月度经营数据统计表</h3>
<table class="report" border="1"><thead><tr>{head}</tr></thead><tbody>
{rows}
</tbody></table>
<div class="pager">第 {page} 页，共 {pages} 页 {prev} {next}</div>
</td></tr></table>
<p class="note">注：数据来源于县域主要电商平台店铺后台，每月10日前更新上月数据。</p>
</body></html>
"""

CHANGED_HEADERS = {"月份": "统计期", "网络零售额（万元）": "线上销售额（万元）"}


class Portal:
    def __init__(
        self,
        rows: list[dict[str, str]] | None = None,
        *,
        username: str = "yunying01",
        password: str = "Tc#2023pass",
        page_size: int = 5,
    ) -> None:
        self.rows = rows if rows is not None else monthly_rows()
        self.username, self.password, self.page_size = username, password, page_size
        self.sessions: set[str] = set()
        self.tokens: dict[str, str] = {}  # pre-login cookie → CSRF token
        self.logins = 0
        self.changed_layout = False
        self.fail_status: int | None = None
        self.delay = 0.0
        self.truncate = False  # cut the page mid-table and hang up despite Content-Length
        self.cut_html = False  # a page that simply ends mid-table (no Content-Length lie)

    def routes(self) -> dict[str, Route]:
        return {"/login": self.login, "/admin/report": self.report}

    def expire_sessions(self) -> None:
        self.sessions.clear()

    def _login_page(self, request: Request, error: str = "") -> Response:
        visitor = request.cookies.get("VISITOR") or secrets.token_hex(8)
        self.tokens[visitor] = secrets.token_hex(16)
        note = f'<div class="error">{escape(error)}</div>' if error else ""
        body = LOGIN_PAGE.format(token=self.tokens[visitor], error=note).encode("gbk")
        return Response(
            200,
            body,
            "text/html; charset=gbk",
            headers={"Set-Cookie": f"VISITOR={visitor}; Path=/; HttpOnly"},
        )

    def login(self, request: Request) -> Response:
        if request.method == "GET":
            return self._login_page(request)
        visitor = request.cookies.get("VISITOR", "")
        if not visitor or self.tokens.pop(visitor, None) != request.form.get("_csrf"):
            return self._login_page(request, "页面已过期，请重新登录")
        if (request.form.get("username"), request.form.get("password")) != (self.username, self.password):
            return self._login_page(request, "用户名或密码错误")
        session = secrets.token_hex(16)
        self.sessions.add(session)
        self.logins += 1
        return redirect("/admin/report", **{"Set-Cookie": f"SESSIONID={session}; Path=/; HttpOnly"})

    def report(self, request: Request) -> Response:
        if request.cookies.get("SESSIONID") not in self.sessions:
            return redirect("/login")
        if self.fail_status:
            return Response(self.fail_status, "<html><body>系统繁忙，请稍后再试</body></html>".encode("gbk"))
        page = int(request.query.get("page", "1"))
        body = self.render(page)
        if self.cut_html:
            body = body[: len(body) // 2]
        return Response(
            200,
            body,
            "text/html",  # like many backends: no charset in the header, only in <meta>
            delay=self.delay,
            truncate_at=len(body) // 2 if self.truncate else None,
        )

    def render(self, page: int) -> bytes:
        pages = max(1, -(-len(self.rows) // self.page_size))
        chunk = self.rows[(page - 1) * self.page_size : page * self.page_size]
        headers = list(self.rows[0]) if self.rows else ["月份"]
        shown = [CHANGED_HEADERS.get(h, h) if self.changed_layout else h for h in headers]
        head = "".join(f"<th>{escape(h)}</th>" for h in shown)
        rows = "\n".join(
            "<tr>" + "".join(f"<td>{escape(r[h])}</td>" for h in headers) + "</tr>" for r in chunk
        )
        prev = f'<a href="?page={page - 1}">上一页</a>' if page > 1 else ""
        nxt = (
            f'<a href="/admin/report?page={page + 1}">下一页</a>'
            if page < pages
            else '<a class="disabled">下一页</a>'
        )
        return REPORT_PAGE.format(head=head, rows=rows, page=page, pages=pages, prev=prev, next=nxt).encode(
            "gbk"
        )
