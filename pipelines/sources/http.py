"""One HTTP session policy for every source: pacing, timeouts, retries with backoff, counters.

urllib3's ``Retry`` does the retrying (5xx, 429 with or without ``Retry-After``, resets, timeouts);
this module adds what it lacks: a floor under every wait so a retry never breaks the source's rate
limit, retries of bodies that arrive cut off or unusable, and counters that end up as asset
metadata. It is the only retry layer: ``ApiSession.fetch`` spends one budget of retries per call,
whatever failed, so a failing source gives up after ``retries + 1`` requests.
"""

from __future__ import annotations

import re
import threading
import time
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from dataclasses import dataclass, field, fields
from typing import Any, Callable, TypeVar

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

RETRY_STATUSES = (429, 500, 502, 503, 504)
# Failures while reading a body that urllib3 does not retry: cut off, reset or timed out mid-stream.
BODY_ERRORS = (
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    requests.exceptions.ConnectionError,
)
T = TypeVar("T")


@dataclass
class RequestStats:
    """What a fetch cost: shown on the asset in the Dagster UI."""

    requests: int = 0
    retries: int = 0
    pages: int = 0
    rate_limit_wait_seconds: float = 0.0
    retry_wait_seconds: float = 0.0
    entries_skipped: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, **amounts: float) -> None:
        with self._lock:
            for name, amount in amounts.items():
                setattr(self, name, getattr(self, name) + amount)

    def tried(self) -> str:
        """What was tried, for an error message: ``3 requests (2 retries)``."""
        return f"{self.requests} request{'' if self.requests == 1 else 's'} ({self.retries} retr{'y' if self.retries == 1 else 'ies'})"

    def as_metadata(self) -> dict[str, Any]:
        names = [f.name for f in fields(self) if not f.name.startswith("_")]
        return {n: round(v, 3) if isinstance(v := getattr(self, n), float) else v for n in names}


class PacedRetry(Retry):
    """urllib3 Retry whose every wait is at least ``min_backoff`` (the source's request spacing)."""

    def __init__(self, *args: Any, min_backoff: float = 0.0, stats: RequestStats | None = None, **kw: Any):
        super().__init__(*args, **kw)
        self.min_backoff = min_backoff
        self.stats = stats

    def new(self, **kw: Any) -> "PacedRetry":
        kw.setdefault("min_backoff", self.min_backoff)
        kw.setdefault("stats", self.stats)
        return super().new(**kw)

    def get_backoff_time(self) -> float:
        return max(super().get_backoff_time(), self.min_backoff)

    def get_retry_after(self, response: Any) -> float | None:
        """The server's ``Retry-After``, but never shorter than the source's request spacing."""
        seconds = super().get_retry_after(response)
        return None if seconds is None else max(seconds, self.min_backoff)

    def sleep(self, response: Any = None) -> None:
        """Runs once before every retry (``new`` also runs for mere copies): retries are counted here."""
        started = time.monotonic()
        super().sleep(response)
        if self.stats is not None:
            self.stats.add(requests=1, retries=1, retry_wait_seconds=time.monotonic() - started)


class ApiSession(requests.Session):
    """A requests Session that paces requests, always sets a timeout and retries by policy."""

    def __init__(
        self,
        *,
        min_interval: float,
        timeout: float,
        retries: int,
        stats: RequestStats | None = None,
        user_agent: str = "hotpapers/0.1 (+https://github.com/hotpapers)",
    ):
        super().__init__()
        self.min_interval = min_interval
        self.timeout = timeout
        self.stats = stats or RequestStats()
        self._last_request = 0.0
        self.last_server_time: datetime | None = None
        self.headers["User-Agent"] = user_agent
        self.retry_policy = PacedRetry(
            total=retries,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET"}),
            backoff_factor=max(min_interval, 0.5),
            backoff_max=60,
            retry_after_max=300,
            raise_on_status=False,
            min_backoff=min_interval,
            stats=self.stats,
        )
        self._adapter = HTTPAdapter(max_retries=self.retry_policy)
        self.mount("http://", self._adapter)
        self.mount("https://", self._adapter)

    def fetch(self, url: str, check: Callable[[requests.Response], T], **kwargs: Any) -> T:
        """GET ``url`` and return ``check(response)``, all within one budget of retries.

        urllib3 retries statuses, resets and timeouts before a response arrives; a body that is
        then cut off, reset, or that ``check`` refuses with ``BadResponse`` is retried here, from
        what is left of the same budget (the adapter is handed the remaining ``Retry``). When the
        budget is spent the last error is raised; a non-retryable status goes to ``check`` as is.
        """
        retry = self.retry_policy
        self.stats.add(requests=1)  # and one more per retry, counted where the retry waits (PacedRetry.sleep)
        while True:
            self._adapter.max_retries = retry
            try:
                response = self.get(url, stream=True, **kwargs)
            finally:
                self._adapter.max_retries = self.retry_policy
            try:
                retry = getattr(response.raw, "retries", None) or retry
                response.content  # noqa: B018 (reads the whole body now, where its errors can be retried)
                return check(response)
            except (*BODY_ERRORS, BadResponse) as exc:
                try:
                    retry = retry.increment(method="GET", url=url, error=exc)
                except MaxRetryError:
                    raise exc from None
                retry.sleep()
            finally:
                response.close()

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self._wait_for_turn()
        kwargs.setdefault("timeout", self.timeout)
        try:
            response = super().request(method, url, *args, **kwargs)
            self.last_server_time = server_time(response)
            return response
        finally:
            self._last_request = time.monotonic()

    def _wait_for_turn(self) -> None:
        if not self._last_request:
            return
        wait = self.min_interval - (time.monotonic() - self._last_request)
        if wait > 0:
            time.sleep(wait)
            self.stats.add(rate_limit_wait_seconds=wait)


def server_time(response: requests.Response) -> datetime:
    """When the server answered (its ``Date`` header), else our clock: the snapshot time of the data."""
    header = response.headers.get("Date")
    if header:
        try:
            return parsedate_to_datetime(header).astimezone(timezone.utc)
        except (TypeError, ValueError):
            pass
    return datetime.now(timezone.utc)


class SourceError(RuntimeError):
    """A source failed after its retries; the message is one line naming source, date and what was tried."""


class BadResponse(ValueError):
    """A response whose body cannot be used (cut off, malformed, unexpectedly empty): retried like a 503."""


def request_failure(exc: BaseException) -> str:
    """Why a request failed, in a few words, without the (long) URL that requests' messages repeat."""
    text = str(exc)
    if isinstance(exc, requests.exceptions.Timeout) or "timed out" in text.lower():
        return "timed out"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "response cut off mid-body"
    if isinstance(exc, requests.exceptions.ConnectionError):
        if "RemoteDisconnected" in text or "without response" in text:
            return "connection closed without a response"
        reason = re.search(r"\[Errno -?\d+\] ([^'\")\]]+)|Error\(-?\d+, '([^']+)'\)", text)
        if reason is None:
            return "cannot connect"
        reason_text = (reason.group(1) or reason.group(2)).strip()
        verb = "cannot connect" if re.search(r"refused|not known|resolution|unreachable", reason_text) else "connection failed"
        return f"{verb} ({reason_text})"
    return one_line(exc)[:300]


def one_line(exc: BaseException) -> str:
    """An exception as a single line for a user-facing message."""
    return " ".join(str(exc).split()) or type(exc).__name__
