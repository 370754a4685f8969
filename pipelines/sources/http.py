"""One HTTP session policy for every source: pacing, timeouts, retries with backoff, counters.

urllib3's ``Retry`` does the retrying (5xx, 429 with or without ``Retry-After``, resets); this
module only adds what it lacks: a floor under the backoff so a retry never breaks the source's rate
limit, and counters that end up as asset metadata.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from dataclasses import dataclass, field, fields
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

RETRY_STATUSES = (429, 500, 502, 503, 504)


@dataclass
class RequestStats:
    """What a fetch cost: shown on the asset in the Dagster UI."""

    requests: int = 0
    retries: int = 0
    pages: int = 0
    rate_limit_wait_seconds: float = 0.0
    retry_wait_seconds: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, **amounts: float) -> None:
        with self._lock:
            for name, amount in amounts.items():
                setattr(self, name, getattr(self, name) + amount)

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
        if self.stats is not None:
            self.stats.add(retries=1)
        return super().new(**kw)

    def get_backoff_time(self) -> float:
        return max(super().get_backoff_time(), self.min_backoff)

    def sleep(self, response: Any = None) -> None:
        started = time.monotonic()
        super().sleep(response)
        if self.stats is not None:
            self.stats.add(retry_wait_seconds=time.monotonic() - started)


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
        retry = PacedRetry(
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
        adapter = HTTPAdapter(max_retries=retry)
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self._wait_for_turn()
        kwargs.setdefault("timeout", self.timeout)
        try:
            response = super().request(method, url, *args, **kwargs)
            self.last_server_time = server_time(response)
            return response
        finally:
            self._last_request = time.monotonic()
            self.stats.add(requests=1)

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


def one_line(exc: BaseException) -> str:
    """An exception as a single line for a user-facing message."""
    return " ".join(str(exc).split()) or type(exc).__name__
