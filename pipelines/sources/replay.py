"""Replays recorded API pages over loopback HTTP, so the sample runs through the live clients.

A recorded folder (see docs/architecture.md, "Embedded sample") holds arXiv Atom pages and X API v2
JSON pages with the ``Date`` header each was served with. The server answers
``GET /api/query`` (arXiv, by ``start``) and ``GET /2/tweets/search/recent`` (X, by ``next_token``);
a folder may also record Hugging Face Daily Papers (``GET /hf/daily_papers``, by ``p``), Hacker News
search (``GET /hn/search_by_date``, by ``page``) and Bluesky (``POST /xrpc/com.atproto.server.
createSession``, then ``GET /xrpc/app.bsky.feed.searchPosts`` by ``cursor``).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from lxml import etree

_OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"


@dataclass(frozen=True)
class RecordedPage:
    body: bytes
    date: str
    content_type: str


class RecordedApi:
    """The recorded pages of one sample folder, indexed the way the APIs page through them."""

    def __init__(self, folder: Path):
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        self.label: str = manifest.get("label", "")
        self.arxiv_by_start: dict[int, RecordedPage] = {}
        for entry in manifest.get("arxiv_pages", []):
            body = (folder / entry["file"]).read_bytes()
            start = int(etree.fromstring(body).findtext(f"{_OPENSEARCH}startIndex") or 0)
            self.arxiv_by_start[start] = RecordedPage(body, entry["date"], "application/atom+xml; charset=utf-8")
        self.x_by_token: dict[str | None, RecordedPage] = {}
        token: str | None = None
        for entry in manifest.get("x_pages", []):
            body = (folder / entry["file"]).read_bytes()
            self.x_by_token[token] = RecordedPage(body, entry["date"], "application/json; charset=utf-8")
            token = (json.loads(body).get("meta") or {}).get("next_token")
        self.hf_by_page = [self._json_page(folder, e) for e in manifest.get("hf_pages", [])]
        self.hn_by_page = [self._json_page(folder, e) for e in manifest.get("hn_pages", [])]
        session = manifest.get("bluesky_session")
        self.bluesky_session = self._json_page(folder, session) if session else None
        self.bluesky_by_cursor: dict[str | None, RecordedPage] = {}
        cursor: str | None = None
        for entry in manifest.get("bluesky_pages", []):
            page = self._json_page(folder, entry)
            self.bluesky_by_cursor[cursor] = page
            cursor = json.loads(page.body).get("cursor")

    @staticmethod
    def _json_page(folder: Path, entry: dict) -> RecordedPage:
        return RecordedPage((folder / entry["file"]).read_bytes(), entry["date"], "application/json; charset=utf-8")

    def page_for(self, path: str, query: dict[str, list[str]]) -> RecordedPage | None:
        if path.endswith("/api/query"):
            return self.arxiv_by_start.get(int(query.get("start", ["0"])[0]))
        if path.endswith("/tweets/search/recent"):
            return self.x_by_token.get(query.get("next_token", [None])[0])
        if path.endswith("/hf/daily_papers"):
            return _nth(self.hf_by_page, query.get("p", ["0"])[0])
        if path.endswith("/hn/search_by_date"):
            return _nth(self.hn_by_page, query.get("page", ["0"])[0])
        if path.endswith("/xrpc/app.bsky.feed.searchPosts"):
            return self.bluesky_by_cursor.get(query.get("cursor", [None])[0])
        return None

    def post_for(self, path: str) -> RecordedPage | None:
        if path.endswith("/xrpc/com.atproto.server.createSession"):
            return self.bluesky_session
        return None


def _nth(pages: list[RecordedPage], index: str) -> RecordedPage | None:
    return pages[int(index)] if index.isdigit() and int(index) < len(pages) else None


class ReplayServer:
    """A loopback HTTP server for one RecordedApi; use as a context manager."""

    def __init__(self, api: RecordedApi):
        self.api = api
        handler = type("Handler", (_Handler,), {"api": api})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def arxiv_api_url(self) -> str:
        return self.base_url + "/api/query"

    @property
    def x_api_url(self) -> str:
        return self.base_url + "/2"

    @property
    def hf_api_url(self) -> str:
        return self.base_url + "/hf"

    @property
    def hn_api_url(self) -> str:
        return self.base_url + "/hn"

    @property
    def bsky_api_url(self) -> str:
        return self.base_url + "/xrpc"

    def __enter__(self) -> "ReplayServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    api: RecordedApi

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        url = urlsplit(self.path)
        self._send(self.api.page_for(url.path, parse_qs(url.query)))

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))  # the login body: read, never kept
        self._send(self.api.post_for(urlsplit(self.path).path))

    def _send(self, page: RecordedPage | None) -> None:
        if page is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response_only(200)
        self.send_header("Server", "hotpapers-replay")
        self.send_header("Date", page.date)
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(len(page.body)))
        self.end_headers()
        self.wfile.write(page.body)

    def log_message(self, format: str, *args: object) -> None:  # silence per-request stderr lines
        return
