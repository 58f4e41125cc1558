"""A replica of MOFCOM's 农村电子商务和社区商业信息管理系统, county monthly report (月报).

The real system is not reachable from where duban is built, so this replica stands in for it in
the tests and the demo: a county account logs in (form with a CSRF token), opens 月报查询 for a
period and sees the month's 填报状态 and one row per indicator (指标名称, 计量单位, 本月,
本年累计, 同比增长). A month not yet reported shows 未填报 and dashes. The collector's selectors
for the real system live in the plan's settings (see ``collectors/mofcom.py``), not in code.
"""

from __future__ import annotations

import secrets
from html import escape

from bot.demo.server import Request, Response, Route, redirect

LOGIN = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>农村电子商务和社区商业信息管理系统</title></head>
<body class="login"><div class="login-panel"><h1>农村电子商务和社区商业信息管理系统</h1>{error}
<form id="loginForm" method="post" action="/login">
<input type="hidden" name="_csrf" value="{token}">
<div class="row"><label for="username">账号</label><input id="username" name="username" type="text"></div>
<div class="row"><label for="password">密码</label><input id="password" name="password" type="password"></div>
<button type="submit" class="btn-primary">登录</button></form>
<p class="tip">每月1日至10日开放上月数据填报。</p></div></body></html>
"""

REPORT = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>月报查询 - 农村电子商务和社区商业信息管理系统</title></head>
<body><div class="top">农村电子商务和社区商业信息管理系统 <span>{area}（县级账号）</span></div>
<div class="crumb">数据填报 &gt; 月报 &gt; 月报查询</div>
<div class="report-head"><span class="period">报告期：{year}年{month}月</span>
<span class="area">填报单位：{area}商务主管部门</span>
<span class="state">填报状态：<b>{state}</b></span></div>
<table class="table table-bordered" id="monthReport">
<thead><tr><th>序号</th><th>指标名称</th><th>计量单位</th><th>本月</th><th>本年累计</th><th>同比增长（%）</th></tr></thead>
<tbody>
{rows}
</tbody></table>
<div class="foot">注：本年累计为1月至报告期累计数。</div></body></html>
"""

# 昭化区 (seed 001) monthly figures: (本月, 本年累计) per indicator, in the units shown.
INDICATORS = (
    ("网络零售额", "万元"),
    ("其中：农产品网络零售额", "万元"),
    ("快递业务量", "万件"),
    ("电商服务站点数", "个"),
    ("电商培训人次", "人次"),
)
FIGURES: dict[str, tuple[tuple[str, str], ...]] = {
    "2023-08": (
        ("1,326.5", "9,812.4"),
        ("512.3", "3,640.8"),
        ("18.6", "132.9"),
        ("214", "214"),
        ("120", "865"),
    ),
    "2023-09": (
        ("1,418.2", "11,230.6"),
        ("566.0", "4,206.8"),
        ("19.9", "152.8"),
        ("218", "218"),
        ("96", "961"),
    ),
}


class Mofcom:
    def __init__(
        self, *, area: str = "四川省广元市昭化区", username: str = "510811sw", password: str = "Zh@2023mofcom"
    ) -> None:
        self.area, self.username, self.password = area, username, password
        self.figures = dict(FIGURES)
        self.sessions: set[str] = set()
        self.tokens: dict[str, str] = {}
        self.logins = 0

    def routes(self) -> dict[str, Route]:
        return {"/login": self.login, "/report/monthly": self.report}

    def _login(self, request: Request, error: str = "") -> Response:
        visitor = request.cookies.get("JSID_PRE") or secrets.token_hex(8)
        self.tokens[visitor] = secrets.token_urlsafe(24)
        note = f'<div class="alert alert-danger">{escape(error)}</div>' if error else ""
        body = LOGIN.format(token=self.tokens[visitor], error=note).encode("utf-8")
        return Response(200, body, headers={"Set-Cookie": f"JSID_PRE={visitor}; Path=/"})

    def login(self, request: Request) -> Response:
        if request.method == "GET":
            return self._login(request)
        if self.tokens.pop(request.cookies.get("JSID_PRE", ""), None) != request.form.get("_csrf"):
            return self._login(request, "页面已失效，请刷新后重新登录")
        if (request.form.get("username"), request.form.get("password")) != (self.username, self.password):
            return self._login(request, "账号或密码错误")
        session = secrets.token_hex(16)
        self.sessions.add(session)
        self.logins += 1
        return redirect("/report/monthly", **{"Set-Cookie": f"JSESSIONID={session}; Path=/; HttpOnly"})

    def report(self, request: Request) -> Response:
        if request.cookies.get("JSESSIONID") not in self.sessions:
            return redirect("/login")
        period = request.query.get("period", "2023-09")
        year, month = period.split("-")
        values = self.figures.get(period)
        cells = values or (("—", "—"),) * len(INDICATORS)
        rows = "\n".join(
            f"<tr><td>{n}</td><td>{escape(name)}</td><td>{unit}</td><td>{now}</td><td>{ytd}</td><td>—</td></tr>"
            for n, ((name, unit), (now, ytd)) in enumerate(zip(INDICATORS, cells, strict=True), start=1)
        )
        body = REPORT.format(
            area=escape(self.area),
            year=year,
            month=int(month),
            state="已填报" if values else "未填报",
            rows=rows,
        )
        return Response(200, body.encode("utf-8"))
