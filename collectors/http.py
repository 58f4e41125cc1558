"""Transport: the HTTP client every collector uses. Knows nothing about what the bytes mean.

* one :class:`requests.Session` per source, kept for the life of the client, so a backend's
  session cookie is reused between collections (a collector logs in again when it expires);
* a total time limit per request (connect + every read), not only per socket read, so a backend
  that drips bytes cannot hold a worker;
* retries for network errors and 502/503/504 on GET (urllib3's Retry), never for other statuses;
* 429 Too Many Requests: wait for ``Retry-After`` (bounded) and try again, then fail clearly;
* a body shorter than its ``Content-Length`` is a truncated page: a failure, with the part that
  arrived kept as evidence;
* at most ``host_limit`` requests at a time to one host (``host:port``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from collectors.fetched import Fetched
from domain.errors import FetchError

USER_AGENT = "duban/0.1 (county e-commerce plan follow-up)"
MAX_BODY = 50 * 1024 * 1024


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
        # 429 is ours to handle (bounded Retry-After, clear failure); left on, urllib3 would
        # retry a 429 by itself and sleep for whatever Retry-After says.
        respect_retry_after_header=False,
    )
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def retry_after_seconds(value: str | None, *, now: float) -> float | None:
    """``Retry-After`` as seconds to wait: a number of seconds or an HTTP date; None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError):
        return None


def host_of(url: str) -> str:
    return urlsplit(url).netloc.lower()


class HttpClient:
    def __init__(
        self,
        *,
        timeout: float,
        host_limit: int = 4,
        retries: int = 2,
        backoff: float = 0.5,
        max_retry_after: float = 60.0,
        rate_limit_retries: int = 2,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.timeout = timeout
        self.host_limit = host_limit
        self.retries = retries
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.rate_limit_retries = rate_limit_retries
        self._sleep = sleep
        self._sessions: dict[str, requests.Session] = {}
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._lock = threading.Lock()

    def session(self, key: str) -> requests.Session:
        """The session for one source (``project/source``), created on first use."""
        with self._lock:
            if key not in self._sessions:
                self._sessions[key] = make_session(retries=self.retries, backoff=self.backoff)
            return self._sessions[key]

    def _slot(self, url: str) -> threading.BoundedSemaphore:
        with self._lock:
            return self._slots.setdefault(host_of(url), threading.BoundedSemaphore(self.host_limit))

    def close(self) -> None:
        with self._lock:
            for session in self._sessions.values():
                session.close()
            self._sessions.clear()

    def request(
        self,
        session: requests.Session,
        source: str,
        method: str,
        url: str,
        *,
        now: datetime,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        check_status: bool = True,
    ) -> Fetched:
        """One request, answered in full; ``check_status`` makes an HTTP status ≥ 400 a FetchError.

        A 429 is waited out (``Retry-After``, at most ``max_retry_after`` seconds, at most
        ``rate_limit_retries`` times) before it becomes a FetchError.
        """
        for attempt in range(self.rate_limit_retries + 1):
            with self._slot(url):
                fetched, answered = self._once(
                    session, source, method, url, now=now, data=data, headers=headers
                )
            if fetched.status != 429:
                break
            wait = retry_after_seconds(answered.get("Retry-After"), now=time.time())
            if wait is None or wait > self.max_retry_after or attempt == self.rate_limit_retries:
                said = f"要求 {wait:g} 秒后再试" if wait is not None else "没有说明何时再试"
                tried = f"，已等待重试 {attempt} 次" if attempt else ""
                raise _error(source, f"服务器限流（HTTP 429），{said}{tried}", url, fetched)
            self._sleep(wait)
        if check_status and fetched.status is not None and fetched.status >= 400:
            raise _error(source, f"服务器返回 HTTP {fetched.status}", url, fetched)
        return fetched

    def _once(
        self,
        session: requests.Session,
        source: str,
        method: str,
        url: str,
        *,
        now: datetime,
        data: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
    ) -> tuple[Fetched, Mapping[str, str]]:
        started = time.monotonic()
        try:
            response = session.request(
                method, url, data=data, headers=headers, timeout=self.timeout, stream=True
            )
        except requests.Timeout:
            raise FetchError(source, f"{self.timeout:g} 秒内没有响应", url=url) from None
        except requests.ConnectionError as exc:
            # A read timeout on a retried GET arrives wrapped as a ConnectionError.
            timed_out = "timed out" in str(exc).lower()
            problem = f"{self.timeout:g} 秒内没有响应" if timed_out else "无法连接"
            raise FetchError(source, problem, url=url) from None
        chunks: list[bytes] = []
        received = 0
        # Check the length ourselves instead of letting urllib3 raise: its error drops the bytes
        # that did arrive, and a truncated page is evidence too.
        response.raw.enforce_content_length = False
        try:
            for chunk in response.iter_content(64 * 1024):
                chunks.append(chunk)
                received += len(chunk)
                if time.monotonic() - started > self.timeout:
                    raise _TooSlowError
                if received > MAX_BODY:
                    raise FetchError(source, f"响应超过 {MAX_BODY // 1024 // 1024} MB，已放弃", url=url)
        except _TooSlowError:
            problem = f"{self.timeout:g} 秒内没有传完（已收到 {received} 字节）"
            raise _error(source, problem, url, _fetched(response, chunks, now)) from None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            if "timed out" in str(exc).lower():
                problem = f"{self.timeout:g} 秒内没有传完（已收到 {received} 字节）"
            else:
                problem = f"页面没有传完整（连接中断，已收到 {received} 字节）"
            raise _error(source, problem, url, _fetched(response, chunks, now)) from None
        finally:
            response.close()
        missing = response.raw.length_remaining
        if missing:
            expected = response.headers.get("Content-Length")
            problem = f"页面没有传完整（收到 {received} 字节，应为 {expected} 字节）"
            raise _error(source, problem, url, _fetched(response, chunks, now))
        return _fetched(response, chunks, now), response.headers


class _TooSlowError(Exception):
    pass


def _fetched(response: requests.Response, chunks: list[bytes], now: datetime) -> Fetched:
    return Fetched(
        response.url, response.status_code, response.headers.get("Content-Type"), b"".join(chunks), now
    )


def _error(source: str, problem: str, url: str, fetched: Fetched) -> FetchError:
    error = FetchError(source, problem, url=url)
    error.evidence = fetched
    return error
