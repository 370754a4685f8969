"""Loopback APIs and real wire formats for the engagement sources: Hugging Face Daily Papers, the
Algolia Hacker News search, Bluesky (login + searchPosts).

``EngagementApi`` is ``tests.loopback.FakeApi`` plus POST, for Bluesky's login: a POST is recorded and
answered from the same per-path scripts, and its raw body is kept in ``posted`` (so a test can see
the password went exactly there and nowhere else).
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from email.utils import formatdate
from typing import Any, Iterable
from urllib.parse import parse_qs, urlsplit

from tests.loopback import FakeApi, RecordedRequest, _Handler

HF_PATH = "/hf/daily_papers"
HN_PATH = "/hn/search_by_date"
BSKY_LOGIN_PATH = "/xrpc/com.atproto.server.createSession"
BSKY_SEARCH_PATH = "/xrpc/app.bsky.feed.searchPosts"


class EngagementApi(FakeApi):
    """FakeApi that also answers POST requests (recorded with method ``POST``; bodies in ``posted``)."""

    def __init__(self) -> None:
        super().__init__()
        self.posted: list[bytes] = []
        self._server.RequestHandlerClass = type("Handler", (_PostHandler,), {"api": self})

    @property
    def hf_url(self) -> str:
        return self.url("/hf")

    @property
    def hn_url(self) -> str:
        return self.url("/hn")

    @property
    def bsky_url(self) -> str:
        return self.url("/xrpc")


class _PostHandler(_Handler):
    api: EngagementApi

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        arrived = time.monotonic()
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        url = urlsplit(self.path)
        request = RecordedRequest(
            method="POST",
            path=url.path,
            query=parse_qs(url.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            arrived=arrived,
        )
        self.api.posted.append(body)
        canned = self.api._answer(request)
        headers = {"Date": formatdate(usegmt=True), "Content-Type": canned.content_type, **canned.headers}
        self.send_response_only(canned.status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(canned.body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(canned.body)
        self.close_connection = True


# --- Hugging Face Daily Papers: GET /api/daily_papers -> a JSON array --------------------------------


def hf_item(arxiv_id: str, *, upvotes: int = 0, comments: int = 0, submitter: str = "curator") -> dict[str, Any]:
    """One daily-papers item as the Hub returns it (``paper`` with upvotes, ``numComments`` beside it)."""
    user = {"_id": "65a1b2c3d4e5f6a7b8c9d0e1", "avatarUrl": "/avatars/x.svg", "isPro": False, "fullname": submitter.title(), "type": "user"}
    return {
        "paper": {
            "id": arxiv_id,
            "authors": [{"_id": "65a1b2c3d4e5f6a7b8c9d0e2", "name": "A. Author", "hidden": False}],
            "publishedAt": "2026-11-19T17:59:58.000Z",
            "submittedOnDailyAt": "2026-11-20T03:12:44.000Z",
            "title": f"Paper {arxiv_id}",
            "submittedOnDailyBy": {**user, "user": submitter},
            "summary": "An abstract.",
            "upvotes": upvotes,
            "discussionId": "65a1b2c3d4e5f6a7b8c9d0e3",
        },
        "publishedAt": "2026-11-19T17:59:58.000Z",
        "title": f"Paper {arxiv_id}",
        "summary": "An abstract.",
        "thumbnail": f"https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{arxiv_id}.png",
        "numComments": comments,
        "submittedBy": {**user, "name": submitter},
        "isAuthorParticipating": False,
    }


# --- Algolia HN search: GET /api/v1/search_by_date -------------------------------------------------


def hn_hit(
    story_id: int, url: str | None, *, points: int = 0, comments: int = 0, author: str = "hnuser", created_at_i: int = 1795140000
) -> dict[str, Any]:
    """One story hit (``url`` None: an Ask HN without a link)."""
    hit: dict[str, Any] = {
        "_highlightResult": {"title": {"matchLevel": "none", "matchedWords": [], "value": f"Story {story_id}"}},
        "_tags": ["story", f"author_{author}", f"story_{story_id}"],
        "author": author,
        "created_at": datetime.fromtimestamp(created_at_i, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "created_at_i": created_at_i,
        "num_comments": comments,
        "objectID": str(story_id),
        "points": points,
        "story_id": story_id,
        "title": f"Story {story_id}",
        "updated_at": "2026-11-23T02:31:00Z",
    }
    if url is not None:
        hit["url"] = url
    return hit


def hn_page(hits: list[dict], *, page: int = 0, nb_pages: int = 1, per_page: int = 100) -> dict[str, Any]:
    return {
        "exhaustive": {"nbHits": True, "typo": True},
        "exhaustiveNbHits": True,
        "hits": hits,
        "hitsPerPage": per_page,
        "nbHits": per_page * (nb_pages - 1) + len(hits),
        "nbPages": nb_pages,
        "page": page,
        "params": f"query=arxiv.org&page={page}",
        "processingTimeMS": 1,
        "query": "arxiv.org",
    }


# --- Bluesky: createSession, app.bsky.feed.searchPosts ---------------------------------------------


def bsky_session(access_jwt: str) -> dict[str, Any]:
    return {
        "did": "did:plc:testaccount00000000000000",
        "handle": "tester.bsky.social",
        "accessJwt": access_jwt,
        "refreshJwt": access_jwt + "-refresh",
        "active": True,
    }


def bsky_post(
    key: str,
    *,
    text: str = "",
    links: Iterable[str] = (),
    card: str | None = None,
    likes: int = 0,
    reposts: int = 0,
    quotes: int = 0,
    replies: int = 0,
    handle: str = "reader.bsky.social",
    did: str | None = None,
    record_type: str = "app.bsky.feed.post",
    created_at: str = "2026-11-20T04:00:00.000Z",
) -> dict[str, Any]:
    """A PostView: ``links`` become link facets over text appended to ``text``; ``card`` a link card."""
    did = did or f"did:plc:{handle.split('.')[0]:0<24}"[:32]
    facets = []
    for link in links:
        shown = link.split("://", 1)[-1]
        text += " "
        start = len(text.encode("utf-8"))
        text += shown
        facets.append(
            {
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": link}],
                "index": {"byteStart": start, "byteEnd": start + len(shown.encode("utf-8"))},
            }
        )
    record: dict[str, Any] = {"$type": record_type, "createdAt": created_at, "langs": ["en"], "text": text}
    if facets:
        record["facets"] = facets
    post: dict[str, Any] = {
        "uri": f"at://{did}/app.bsky.feed.post/{key}",
        "cid": f"bafyrei{key:a<52}"[:59],
        "author": {"did": did, "handle": handle, "displayName": handle.split(".")[0].title(), "labels": []},
        "record": record,
        "replyCount": replies,
        "repostCount": reposts,
        "likeCount": likes,
        "quoteCount": quotes,
        "indexedAt": created_at,
        "labels": [],
    }
    if card:
        external = {"uri": card, "title": "A card", "description": ""}
        record["embed"] = {"$type": "app.bsky.embed.external", "external": external}
        post["embed"] = {"$type": "app.bsky.embed.external#view", "external": dict(external)}
    return post


def bsky_page(posts: list[dict], *, cursor: str | None = None) -> dict[str, Any]:
    page: dict[str, Any] = {"posts": posts}
    if cursor:
        page["cursor"] = cursor
    return page


def json_bytes(obj: Any) -> bytes:
    return json.dumps(obj).encode()
