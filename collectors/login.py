"""Form login for HTML backends: fetch the login page, keep its hidden fields (the CSRF token among
them), fill in the account, post, and check that the answer is no longer a login page.

Settings (flat keys of the source; values may be ``${ENV}`` references):

* ``login_url`` — the login page; without it the source is read without logging in;
* ``username`` / ``password`` — the account (always ``${ENV}`` references in a plan file);
* ``username_field`` / ``password_field`` — the form's input names (default ``username`` /
  ``password``);
* ``login_form`` — CSS selector of the form, when the page has several (default: the form with a
  password input);
* ``login_marker`` — CSS selector that marks a login page (default: any password input);
* ``login_error_selector`` — where the page says why a login failed (default
  ``.error, .alert, .msg, #msg, .login-error``);
* ``cookies`` — a mapping of cookie name → value set before the first request, for systems whose
  login cannot be automated (a captcha): paste the session cookie of a browser login.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from lxml.html import HtmlElement

from collectors.encoding import EncodingError, decode_page
from collectors.fetched import Fetched
from collectors.http import HttpClient
from collectors.tables import cell_text, is_login_page, parse_html
from domain.errors import LayoutError, LoginError

DEFAULT_ERROR_SELECTOR = ".error, .alert, .msg, #msg, .login-error"


@dataclass(frozen=True)
class LoginForm:
    action: str
    fields: dict[str, str]  # hidden inputs and pre-filled values, the CSRF token among them


def find_login_form(doc: HtmlElement, page_url: str, selector: str | None = None) -> LoginForm | None:
    """The login form of a page: its target URL and the values it would submit as it stands."""
    forms = (
        doc.cssselect(selector)
        if selector
        else [
            f
            for f in doc.iter("form")
            if f.xpath(".//input[translate(@type,'PASSWORD','password')='password']")
        ]
    )
    if not forms:
        return None
    form = forms[0]
    fields: dict[str, str] = {}
    for field in form.xpath(".//input[@name]"):
        kind = (field.get("type") or "text").lower()
        if kind in {"checkbox", "radio"} and field.get("checked") is None:
            continue
        if kind in {"submit", "button", "image", "file"}:
            continue
        fields[field.get("name")] = field.get("value") or ""
    return LoginForm(urljoin(page_url, form.get("action") or page_url), fields)


def page_doc(fetched: Fetched, encoding: str | None, source: str) -> HtmlElement:
    try:
        return parse_html(decode_page(fetched.body, fetched.content_type, forced=encoding))
    except (EncodingError, UnicodeDecodeError, LookupError) as exc:
        error = LayoutError(source, f"页面文字无法解码：{exc}", url=fetched.url)
        error.evidence = fetched
        raise error from None


def apply_cookies(session: requests.Session, settings: Mapping[str, Any]) -> None:
    cookies = settings.get("cookies") or {}
    url = str(settings.get("login_url") or settings.get("url") or "")
    domain = urlsplit(url).hostname or ""
    for name, value in cookies.items():
        if session.cookies.get(name) != value:
            session.cookies.set(str(name), str(value), domain=domain)


def log_in(
    http: HttpClient, session: requests.Session, source: str, settings: Mapping[str, Any], *, now: datetime
) -> Fetched:
    """Log in with a fresh form; a refusal raises :class:`LoginError` with the refusing page."""
    encoding = settings.get("encoding")
    login_url = str(settings["login_url"])
    for key in ("username", "password"):
        if not settings.get(key):
            raise LoginError(source, f"配置了 login_url，但没有配置 {key}")
    page = http.request(session, source, "GET", login_url, now=now)
    form = find_login_form(page_doc(page, encoding, source), page.url, settings.get("login_form"))
    if form is None:
        error = LoginError(source, "登录页面上找不到登录表单（页面布局可能已改变）", url=page.url)
        error.evidence = page
        raise error
    data = dict(form.fields)
    data[str(settings.get("username_field", "username"))] = str(settings["username"])
    data[str(settings.get("password_field", "password"))] = str(settings["password"])
    answer = http.request(
        session,
        source,
        "POST",
        form.action,
        data=data,
        now=now,
        headers={"Referer": page.url},
        check_status=False,
    )
    doc = page_doc(answer, encoding, source)
    if (answer.status or 0) >= 400 or is_login_page(doc, settings.get("login_marker")):
        said = [
            cell_text(e) for e in doc.cssselect(settings.get("login_error_selector", DEFAULT_ERROR_SELECTOR))
        ]
        reason = next((s for s in said if s), f"HTTP {answer.status}，仍停留在登录页面")
        error = LoginError(source, f"登录失败：{reason}（请核对用户名和密码）", url=login_url)
        error.evidence = answer
        raise error
    return answer
