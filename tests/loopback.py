"""A small programmable fake API on loopback HTTP, for driving the real source clients in tests.

``FakeApi`` is a ``ThreadingHTTPServer`` on 127.0.0.1 (port 0) that

* records every request (method, path, parsed query, headers, monotonic arrival time), and
* answers from a script: per path, a queue of canned responses served in order, then an optional
  default once the queue is empty. A script item is a ``Canned`` response or a callable taking the
  ``RecordedRequest`` and returning one (e.g. ``arxiv_responder``, which pages like the arXiv API).

Builders produce the real wire formats: arXiv API Atom 1.0 feeds (``atom_feed``) and X API v2
``/2/tweets/search/recent`` pages (``x_page``).

Network faults ride on a ``Canned`` response (``with_fault`` adds them to any script item): a delay
before the answer (``delay``, for timeouts), a body cut off after ``cut_after`` bytes (with the full
``Content-Length`` announced, or with the body framed by closing the connection when
``send_length=False``), a stall mid-body (``stall``), or a connection reset instead of an answer
(``reset``).
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from email.utils import format_datetime, formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterable, Union
from urllib.parse import parse_qs, urlencode, urlsplit
from xml.sax.saxutils import escape, quoteattr

ARXIV_PATH = "/api/query"
X_SEARCH_PATH = "/2/tweets/search/recent"


# --- canned responses --------------------------------------------------------------------------


@dataclass(frozen=True)
class Canned:
    """One HTTP response: status, extra headers, body. A ``Date`` header here overrides the default."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/plain; charset=utf-8"
    # network faults (see the module docstring); ``fault`` names a fault the body itself carries
    fault: str = ""
    delay: float = 0.0
    cut_after: int | None = None
    send_length: bool = True
    stall: float = 0.0
    reset: bool = False


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    arrived: float  # time.monotonic() when the request line and headers had been read

    def param(self, name: str) -> str | None:
        """The first value of a query parameter (None when absent)."""
        values = self.query.get(name)
        return values[0] if values else None


Script = Union[Canned, Callable[[RecordedRequest], Canned]]


def http_date(moment: datetime) -> str:
    """An RFC 7231 ``Date`` header value."""
    return format_datetime(moment.astimezone(timezone.utc), usegmt=True)


def error(status: int, *, retry_after: str | int | None = None, body: bytes | None = None) -> Canned:
    """An error response, optionally with ``Retry-After``."""
    headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
    text = body if body is not None else f"error {status}\n".encode()
    return Canned(status=status, body=text, headers=headers)


def json_response(obj: Any, *, status: int = 200, date: str | None = None) -> Canned:
    headers = {} if date is None else {"Date": date}
    return Canned(status, json.dumps(obj).encode(), headers, "application/json; charset=utf-8")


def with_fault(script: "Script", **fault: Any) -> Callable[["RecordedRequest"], Canned]:
    """The same answer as ``script``, with network faults added (``delay``, ``cut_after``, ``reset``, ...)."""

    def respond(request: RecordedRequest) -> Canned:
        canned = script(request) if callable(script) else script
        return replace(canned, **fault)

    return respond


def is_fault(canned: Canned) -> bool:
    """Whether serving this response injects a fault (an error status, a network fault, a named one)."""
    return bool(
        canned.fault or canned.status == 429 or canned.status >= 500 or canned.delay or canned.reset
        or canned.cut_after is not None or canned.stall
    )


def connection_reset() -> Canned:
    """No answer: the connection is reset (TCP RST) as soon as the request has arrived."""
    return Canned(reset=True)


# --- arXiv Atom feeds --------------------------------------------------------------------------

_ATOM_NS = "http://www.w3.org/2005/Atom"
_OPENSEARCH_NS = "http://a9.com/-/spec/opensearch/1.1/"
_ARXIV_NS = "http://arxiv.org/schemas/atom"


def atom_entry(entry: dict[str, Any]) -> str:
    """One ``<entry>`` as the arXiv API writes it.

    Keys: ``id`` (e.g. ``2106.01548v2``), ``published``/``updated`` (RFC 3339 strings), ``title``,
    ``summary``, ``authors`` (names), ``primary_category``, ``categories``, optional ``comment``,
    ``journal_ref``, ``doi``.
    """
    arxiv_id = entry["id"]
    abs_url = f"http://arxiv.org/abs/{arxiv_id}"
    parts = [
        "  <entry>",
        f"    <id>{escape(abs_url)}</id>",
        f"    <updated>{escape(entry.get('updated', entry['published']))}</updated>",
        f"    <published>{escape(entry['published'])}</published>",
        f"    <title>{escape(entry.get('title', 'Untitled'))}</title>",
        f"    <summary>{escape(entry.get('summary', 'No abstract.'))}</summary>",
    ]
    for name in entry.get("authors", ["A. Author"]):
        parts.append(f"    <author>\n      <name>{escape(name)}</name>\n    </author>")
    if entry.get("doi"):
        parts.append(f'    <arxiv:doi xmlns:arxiv="{_ARXIV_NS}">{escape(entry["doi"])}</arxiv:doi>')
        parts.append(
            f'    <link title="doi" href={quoteattr("http://dx.doi.org/" + entry["doi"])} rel="related"/>'
        )
    if entry.get("comment"):
        parts.append(f'    <arxiv:comment xmlns:arxiv="{_ARXIV_NS}">{escape(entry["comment"])}</arxiv:comment>')
    if entry.get("journal_ref"):
        parts.append(
            f'    <arxiv:journal_ref xmlns:arxiv="{_ARXIV_NS}">{escape(entry["journal_ref"])}</arxiv:journal_ref>'
        )
    parts.append(f'    <link href={quoteattr(abs_url)} rel="alternate" type="text/html"/>')
    parts.append(
        f'    <link title="pdf" href={quoteattr(f"http://arxiv.org/pdf/{arxiv_id}")} '
        'rel="related" type="application/pdf"/>'
    )
    categories = entry.get("categories", ["cs.LG"])
    primary = entry["primary_category"] if "primary_category" in entry else categories[0]
    parts.append(
        f'    <arxiv:primary_category xmlns:arxiv="{_ARXIV_NS}" term={quoteattr(primary)} scheme="{_ARXIV_NS}"/>'
    )
    for term in categories:
        parts.append(f'    <category term={quoteattr(term)} scheme="{_ARXIV_NS}"/>')
    parts.append("  </entry>")
    return "\n".join(parts)


def atom_feed(
    entries: Iterable[dict[str, Any]],
    *,
    total_results: int,
    start_index: int = 0,
    items_per_page: int = 10,
    query: str = "",
) -> bytes:
    """A whole arXiv API response page (Atom 1.0 with opensearch paging elements)."""
    args = urlencode({"search_query": query, "id_list": "", "start": start_index, "max_results": items_per_page})
    body = "\n".join(atom_entry(e) for e in entries)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<feed xmlns="{_ATOM_NS}">\n'
        f'  <link href={quoteattr("http://arxiv.org/api/query?" + args)} rel="self" type="application/atom+xml"/>\n'
        f'  <title type="html">{escape("ArXiv Query: " + args)}</title>\n'
        "  <id>http://arxiv.org/api/fakeloopbackfeedid</id>\n"
        "  <updated>2021-06-04T00:00:00-04:00</updated>\n"
        f'  <opensearch:totalResults xmlns:opensearch="{_OPENSEARCH_NS}">{total_results}</opensearch:totalResults>\n'
        f'  <opensearch:startIndex xmlns:opensearch="{_OPENSEARCH_NS}">{start_index}</opensearch:startIndex>\n'
        f'  <opensearch:itemsPerPage xmlns:opensearch="{_OPENSEARCH_NS}">{items_per_page}</opensearch:itemsPerPage>\n'
        f"{body}\n"
        "</feed>\n"
    ).encode("utf-8")


def atom_response(body: bytes, *, date: str | None = None) -> Canned:
    headers = {} if date is None else {"Date": date}
    return Canned(200, body, headers, "application/atom+xml; charset=utf-8")


def arxiv_responder(entries: list[dict[str, Any]], *, date: str | None = None) -> Callable[[RecordedRequest], Canned]:
    """Answers like the arXiv API: the slice ``[start, start + max_results)`` of ``entries``."""

    def respond(request: RecordedRequest) -> Canned:
        start = int(request.param("start") or 0)
        size = int(request.param("max_results") or 10)
        page = entries[start : start + size]
        feed = atom_feed(
            page,
            total_results=len(entries),
            start_index=start,
            items_per_page=size,
            query=request.param("search_query") or "",
        )
        return atom_response(feed, date=date)

    return respond


# --- X API v2 recent search --------------------------------------------------------------------


def tweet(
    tweet_id: str,
    *,
    text: str = "",
    author_id: str = "100",
    created_at: str = "2021-06-04T01:00:00.000Z",
    urls: Iterable[str] = (),
    metrics: dict[str, int] | None = None,
    retweet_of: str | None = None,
    quote_of: str | None = None,
    lang: str = "en",
) -> dict[str, Any]:
    """A tweet object as the API returns it with tweet.fields=created_at,public_metrics,entities,..."""
    body: dict[str, Any] = {
        "id": tweet_id,
        "text": text,
        "author_id": author_id,
        "created_at": created_at,
        "lang": lang,
        "edit_history_tweet_ids": [tweet_id],
        "public_metrics": {
            "retweet_count": 0,
            "reply_count": 0,
            "like_count": 0,
            "quote_count": 0,
            "bookmark_count": 0,
            "impression_count": 0,
            **(metrics or {}),
        },
    }
    url_entities = []
    offset = len(text) + 1
    for i, expanded in enumerate(urls):
        short = f"https://t.co/fake{tweet_id[-4:]}{i}"
        url_entities.append(
            {
                "start": offset,
                "end": offset + len(short),
                "url": short,
                "expanded_url": expanded,
                "display_url": expanded.split("://", 1)[-1][:30],
            }
        )
        offset += len(short) + 1
    if url_entities:
        body["entities"] = {"urls": url_entities}
        body["text"] = " ".join([text] + [u["url"] for u in url_entities]).strip()
    refs = []
    if retweet_of:
        refs.append({"type": "retweeted", "id": retweet_of})
    if quote_of:
        refs.append({"type": "quoted", "id": quote_of})
    if refs:
        body["referenced_tweets"] = refs
    return body


def x_page(
    tweets: list[dict[str, Any]],
    *,
    users: list[dict[str, Any]] | None = None,
    next_token: str | None = None,
) -> dict[str, Any]:
    """A ``/2/tweets/search/recent`` response body with ``includes.users`` and ``meta``."""
    if users is None:
        ids = dict.fromkeys(t["author_id"] for t in tweets)
        users = [{"id": uid, "name": f"User {uid}", "username": f"user{uid}"} for uid in ids]
    meta: dict[str, Any] = {"result_count": len(tweets)}
    if tweets:
        ids = [int(t["id"]) for t in tweets]
        meta["newest_id"], meta["oldest_id"] = str(max(ids)), str(min(ids))
    if next_token:
        meta["next_token"] = next_token
    page: dict[str, Any] = {"meta": meta}
    if tweets:
        page["data"] = tweets
        page["includes"] = {"users": users}
    return page


def x_response(page: dict[str, Any], *, date: str | None = None) -> Canned:
    return json_response(page, date=date)


# --- the server --------------------------------------------------------------------------------


class FakeApi:
    """A scripted loopback HTTP server; use as a context manager."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queues: dict[str, deque[Script]] = defaultdict(deque)
        self._defaults: dict[str, Script] = {}
        self._requests: list[RecordedRequest] = []
        self.faults_served = 0
        handler = type("Handler", (_Handler,), {"api": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._server.handle_error = lambda request, client_address: None  # quiet on client disconnects
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-api", daemon=True
        )

    # script
    def enqueue(self, path: str, *responses: Script) -> "FakeApi":
        """Serve these responses, in order, to the next requests for ``path``."""
        with self._lock:
            self._queues[path].extend(responses)
        return self

    def default(self, path: str, response: Script) -> "FakeApi":
        """Serve ``response`` for ``path`` whenever its queue is empty."""
        with self._lock:
            self._defaults[path] = response
        return self

    # inspection
    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == path]

    def pending(self, path: str) -> int:
        with self._lock:
            return len(self._queues[path])

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str = "") -> str:
        return self.base_url + path

    # lifecycle
    def __enter__(self) -> "FakeApi":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # called by the handler
    def _answer(self, request: RecordedRequest) -> Canned:
        with self._lock:
            self._requests.append(request)
            queue = self._queues.get(request.path)
            script = queue.popleft() if queue else self._defaults.get(request.path)
        if script is None:
            return json_response({"title": "Not Found", "detail": f"no script for {request.path}"}, status=404)
        canned = script(request) if callable(script) else script
        if is_fault(canned):
            with self._lock:
                self.faults_served += 1
        return canned


class _Handler(BaseHTTPRequestHandler):
    api: FakeApi
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        arrived = time.monotonic()
        url = urlsplit(self.path)
        request = RecordedRequest(
            method="GET",
            path=url.path,
            query=parse_qs(url.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            arrived=arrived,
        )
        canned = self.api._answer(request)
        self.close_connection = True
        if canned.delay:
            time.sleep(canned.delay)
        if canned.reset:
            self._reset()
            return
        headers = {"Date": formatdate(usegmt=True), "Content-Type": canned.content_type, **canned.headers}
        self.send_response_only(canned.status)
        self.send_header("Server", "fake-api")
        for name, value in headers.items():
            self.send_header(name, value)
        if canned.send_length:
            self.send_header("Content-Length", str(len(canned.body)))
        self.send_header("Connection", "close")
        self.end_headers()
        body = canned.body if canned.cut_after is None else canned.body[: canned.cut_after]
        self.wfile.write(body)
        if canned.stall:
            self.wfile.flush()
            time.sleep(canned.stall)
        if canned.cut_after is not None:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)

    def _reset(self) -> None:
        """Close with SO_LINGER 0, so the client sees ECONNRESET rather than a clean close."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()

    def log_message(self, format: str, *args: object) -> None:  # silence per-request stderr lines
        return
