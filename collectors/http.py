"""The one HTTP session collectors use: timeouts everywhere, retries for network errors only."""

from __future__ import annotations

from datetime import datetime

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from bot.errors import FetchError
from collectors.base import Fetched

USER_AGENT = "duban/0.1 (county e-commerce plan follow-up)"


def make_session(*, retries: int = 2, backoff: float = 0.5) -> requests.Session:
    """A session that retries refused connections and 502/503/504 on idempotent requests."""
    retry = Retry(
        total=retries,
        connect=retries,
        read=0,
        status=retries,
        backoff_factor=backoff,
        status_forcelist=(502, 503, 504),
        allowed_methods=("GET", "HEAD"),
        raise_on_status=False,
    )
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def fetch(session: requests.Session, source: str, url: str, *, timeout: float, now: datetime) -> Fetched:
    """GET ``url``; a network error or HTTP error status raises :class:`FetchError`."""
    try:
        response = session.get(url, timeout=timeout)
    except requests.Timeout:
        raise FetchError(source, f"{timeout:g} 秒内没有响应", url=url) from None
    except requests.ConnectionError:
        raise FetchError(source, "无法连接", url=url) from None
    fetched = Fetched(url, response.status_code, response.headers.get("Content-Type"), response.content, now)
    if response.status_code >= 400:
        error = FetchError(source, f"服务器返回 HTTP {response.status_code}", url=url)
        error.evidence = fetched
        raise error
    return fetched
