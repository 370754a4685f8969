"""What the JSON engagement sources (Hugging Face, Hacker News, Bluesky) share.

Each source keeps its own pacing and its own rule for how long a 429 asks it to wait: ``HeaderRetry``
subclasses read the source's rate-limit header when ``Retry-After`` is missing, and ``paced_session``
gives that rule to the shared ``ApiSession`` (pacing, timeouts, one retry budget, counters).
``get_json`` reads one page strictly (a non-200 or malformed answer raises); ``count`` and
``parse_time`` read fields leniently (strings go through ``pipelines.sources.text.clean_text``).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Mapping

import requests

from pipelines.sources.http import RETRY_STATUSES, ApiSession, BadResponse, PacedRetry, RequestStats


class HeaderRetry(PacedRetry):
    """PacedRetry that falls back to the source's own rate-limit header when there is no Retry-After."""

    def reset_seconds(self, headers: Mapping[str, str]) -> float | None:
        """Seconds until the source's rate limit resets, from its own header (None: not given)."""
        return None

    def get_retry_after(self, response: Any) -> float | None:
        seconds = super().get_retry_after(response)
        if seconds is None:
            try:
                seconds = self.reset_seconds(response.headers)
            except (TypeError, ValueError):
                seconds = None
            if seconds is not None:
                seconds = min(max(seconds, self.min_backoff, 0.0), float(self.retry_after_max))
        return seconds


def paced_session(
    retry_class: type[HeaderRetry],
    *,
    min_interval: float,
    timeout: float,
    retries: int,
    stats: RequestStats | None = None,
) -> ApiSession:
    """An ApiSession whose retries (5xx, 429; GET only) follow ``retry_class``'s rate-limit header."""
    session = ApiSession(min_interval=min_interval, timeout=timeout, retries=retries, stats=stats)
    session.retry_policy = retry_class(
        total=retries,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET"}),
        backoff_factor=max(min_interval, 0.5),
        backoff_max=60,
        retry_after_max=300,
        raise_on_status=False,
        min_backoff=min_interval,
        stats=session.stats,
    )
    return session


def get_json(session: ApiSession, url: str, expect: type, **kwargs: Any) -> tuple[Any, datetime]:
    """One JSON answer of type ``expect`` and its snapshot time (the server's ``Date``).

    A non-200 answer raises ``HTTPError`` (after urllib3's retries); a body that is not JSON of the
    expected shape is a ``BadResponse``, retried from the same budget.
    """

    def read(response: requests.Response) -> Any:
        if response.status_code != 200:
            raise http_error(response)
        try:
            body = response.json()
        except ValueError:
            raise BadResponse("response is not JSON") from None
        if not isinstance(body, expect):
            raise BadResponse(f"response is not a JSON {'array' if expect is list else 'object'}")
        return body

    body = session.fetch(url, read, **kwargs)
    return body, session.last_server_time or datetime.now(timezone.utc)


def http_error(response: requests.Response) -> requests.HTTPError:
    """``HTTP 429 RateLimitExceeded: …``: the status and what the body says, on one short line."""
    detail = ""
    try:
        body = response.json()
        if isinstance(body, dict):
            parts = [body.get(k) for k in ("error", "message", "title", "detail")]
            detail = ": ".join(str(p) for p in parts if isinstance(p, str) and p)
    except ValueError:
        pass
    detail = " ".join(detail.split())[:200]
    return requests.HTTPError(f"HTTP {response.status_code} {detail}".strip())


def count(value: Any) -> int:
    """A non-negative count; anything missing or unreadable is 0."""
    if isinstance(value, bool):
        return 0
    try:
        return min(max(int(value), 0), 2**63 - 1)
    except (TypeError, ValueError, OverflowError):
        return 0


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 time (``Z`` or offset) or Unix seconds, in UTC; None when unreadable."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return datetime.fromtimestamp(value, timezone.utc)
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def iso_z(moment: datetime) -> str:
    """``2026-11-20T01:00:00Z``: the form the search APIs take for time bounds."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def as_dict(value: Any) -> dict:
    """A JSON object, or {} when the body has something else there (bodies are not trusted)."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list:
    """A JSON array, or [] when the body has something else there."""
    return value if isinstance(value, list) else []
