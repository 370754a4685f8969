"""Build the synthetic recent sample date (data/sample/2026-11-20/): every engagement source at once.

Called by ``scripts/build_sample.py`` (build, then check). Unlike the two reference dates, nothing here
comes from a published post: papers, accounts and figures are all made up, labelled ``[Sample]``, and
chosen so each counting rule shows and every figure can be worked out by hand (data/sample/README.md
has the table). Each source is written in its real wire format, for the replay server to serve:

    arxiv/page-0001.xml        arXiv API Atom feed
    x/page-0001.json           X API v2 /tweets/search/recent
    hf/page-0001.json          Hugging Face GET /api/daily_papers?date=2026-11-20 (a JSON array)
    hn/page-0001.json          Algolia HN GET /api/v1/search_by_date
    bluesky/session.json       Bluesky com.atproto.server.createSession (a made-up, unusable token)
    bluesky/page-0001.json     Bluesky app.bsky.feed.searchPosts

Deterministic (hashes, never ``random``): rebuilding gives identical bytes.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import build_sample as base

LISTING = base.Listing(
    "2026-11-20",
    base._utc("2026-11-18T19:00:00"),
    base._utc("2026-11-19T19:00:00"),
    base._utc("2026-11-20T01:00:00"),  # Thu 2026-11-19 20:00 New York (EST)
    "2026-11-23T00:00:00-05:00",
)
LABEL = (
    "SAMPLE DATA: synthetic, made up to show every engagement source (X, Hugging Face, Hacker News, "
    "Bluesky) and how they are counted; not a live fetch, not real papers or accounts"
)
FETCHED = {  # the Date header of each recorded answer (Mon 2026-11-23, after the 3-day window)
    "arxiv": base._utc("2026-11-23T02:29:00"),
    "x": base._utc("2026-11-23T02:30:00"),
    "hf": base._utc("2026-11-23T02:30:30"),
    "hn": base._utc("2026-11-23T02:31:00"),
    "bluesky_session": base._utc("2026-11-23T02:31:30"),
    "bluesky": base._utc("2026-11-23T02:31:31"),
}
B32 = "234567abcdefghijklmnopqrstuvwxyz"  # atproto's base32-sortable alphabet (TIDs); also lower base32
HEX = "0123456789abcdef"


@dataclass(frozen=True)
class SamplePaper:
    suffix: str
    title: str
    categories: tuple[str, ...]
    summary: str


PAPERS = (
    SamplePaper("99101", "[Sample] A Paper Shared Everywhere", ("cs.LG", "stat.ML"),
                "Synthetic sample entry, not a real paper. Shared on X, Hugging Face, Hacker News and Bluesky: "
                "every source adds to its score (313)."),
    SamplePaper("99102", "[Sample] A Paper Only Hugging Face Noticed", ("cs.CL",),
                "Synthetic sample entry, not a real paper. 64 upvotes on Hugging Face Daily Papers and nothing "
                "else: enough for the digest without a single tweet."),
    SamplePaper("99103", "[Sample] A Paper Only Hacker News Noticed", ("cs.CV",),
                "Synthetic sample entry, not a real paper. Two Hacker News stories (51 + 7 points) link it."),
    SamplePaper("99104", "[Sample] A Paper Only Bluesky Noticed", ("cs.AI",),
                "Synthetic sample entry, not a real paper. One Bluesky post with 45 likes and 11 reposts."),
    SamplePaper("99105", "[Sample] A Paper One Account Pushes", ("cs.LG",),
                "Synthetic sample entry, not a real paper. An announcing account's two tweets make 91 of its "
                "104 points: what HOTPAPERS_ACCOUNT_CAP and HOTPAPERS_IGNORE_ACCOUNTS are for."),
    SamplePaper("99106", "[Sample] Close Everywhere, Yet Below the Threshold", ("stat.ML",),
                "Synthetic sample entry, not a real paper. X 20, Hugging Face 17 and Hacker News 12 make 49, "
                "one short of the minimum score of 50."),
    SamplePaper("99107", "[Sample] A Paper Nobody Shared", ("cs.RO",),
                "Synthetic sample entry, not a real paper. No source mentions it: score 0."),
    SamplePaper("99108", "[Sample] Popular Outside the Configured Categories", ("math.AG",),
                "Synthetic sample entry, not a real paper. Its only category is math.AG, outside cs.* and "
                "stat.ML, so the pipeline drops it although 80 Hugging Face upvotes point at it."),
)
EARLIER_PAPER = "2611.99001"  # on Hugging Face, but listed before this date: links to no paper here


def paper_id(suffix: str) -> str:
    return f"2611.{suffix}"


def at(hours: float) -> datetime:
    """A moment ``hours`` after the listing's announcement, to the second."""
    return (LISTING.announced_at + timedelta(hours=hours)).replace(microsecond=0)


def token(alphabet: str, length: int, *parts: object) -> str:
    return base.base_n(base.stable_int(*parts), alphabet, length)


def iso_ms(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


# --- arXiv --------------------------------------------------------------------------------------


def arxiv_papers() -> list[base.Paper]:
    return [
        base.Paper(
            arxiv_id=paper_id(p.suffix),
            rank=0,
            title=p.title,
            authors=["Sample Author", "Another Sample Author"],
            retweets=0,
            favorites=0,
            snapshot_at=FETCHED["x"],
            categories=list(p.categories),
            abstract=p.summary,
            synthetic=True,
        )
        for p in PAPERS
    ]


# --- X --------------------------------------------------------------------------------------------

X_NAMES = {
    "sample_lab": "Sample Lab",
    "sample_paper_bot": "Sample Paper Bot",
    "sample_reader_1": "Sample Reader 1",
    "sample_reader_2": "Sample Reader 2",
    "sample_reader_3": "Sample Reader 3",
    "sample_retweeter": "Sample Retweeter",
}
# (author, paper, retweets, likes, how it cites the paper, hours after the announcement, note)
X_TWEETS = (
    ("sample_lab", "99101", 30, 90, "abs", 2.0, "Our new paper, now on arXiv:"),
    ("sample_reader_1", "99101", 2, 8, "text", 5.0, "Reading this one today:"),
    ("sample_paper_bot", "99105", 20, 56, "pdf", 0.2, "New on arXiv (cs.LG):"),
    ("sample_paper_bot", "99105", 4, 11, "abs", 24.0, "Trending on arXiv (cs.LG):"),
    ("sample_reader_2", "99105", 1, 4, "text", 6.0, "Bookmarked for the weekend:"),
    ("sample_reader_3", "99106", 5, 15, "abs", 8.0, "Nice read, recommended:"),
)


def x_page() -> dict:
    tweets = []
    for sequence, (author, suffix, retweets, likes, cite, hours, note) in enumerate(X_TWEETS, start=1):
        metrics = base.Metrics(retweets, likes)
        tweets.append(base.synthetic_tweet(paper_id(suffix), author, at(hours), sequence, metrics, cite, note))
    original = tweets[0]
    tweets.append(base.retweet_of(original, "sample_lab", at(3.0), len(tweets) + 1))
    [(_, body)] = base.x_page_bodies(LISTING, {FETCHED["x"]: tweets}, X_NAMES)
    return body


# --- Hugging Face Daily Papers ---------------------------------------------------------------------

HF_USERS = {
    "sample_hf_curator": "Sample HF Curator",
    "sample_hf_author": "Sample HF Author",
}
# (arXiv id, title, upvotes, comments, submitter, the submitter is an author)
HF_ENTRIES = (
    (paper_id("99101"), PAPERS[0].title, 48, 6, "sample_hf_curator", False),
    (paper_id("99102"), PAPERS[1].title, 64, 9, "sample_hf_curator", False),
    (paper_id("99106"), PAPERS[5].title, 17, 1, "sample_hf_author", True),
    (paper_id("99108"), PAPERS[7].title, 80, 12, "sample_hf_curator", False),
    (EARLIER_PAPER, "[Sample] An Earlier Paper, Not in This Listing", 30, 2, "sample_hf_curator", False),
)


def hf_user(name: str, key: str) -> dict:
    user_id = token(HEX, 24, "hf-user", name)
    return {
        "_id": user_id,
        "avatarUrl": f"/avatars/{token(HEX, 32, 'hf-avatar', name)}.svg",
        "isPro": False,
        "fullname": HF_USERS[name],
        key: name,
        "type": "user",
    }


def hf_page(published: dict[str, datetime]) -> list:
    items = []
    for n, (arxiv_id, title, upvotes, comments, submitter, author) in enumerate(HF_ENTRIES):
        summary = next((p.summary for p in PAPERS if paper_id(p.suffix) == arxiv_id), "Synthetic sample entry.")
        published_at = published.get(arxiv_id, LISTING.window_start - timedelta(days=3))
        paper = {
            "id": arxiv_id,
            "authors": [
                {"_id": token(HEX, 24, "hf-author", arxiv_id, i), "name": name, "hidden": False}
                for i, name in enumerate(["Sample Author", "Another Sample Author"])
            ],
            "publishedAt": iso_ms(published_at),
            "submittedOnDailyAt": iso_ms(at(2.5 + n)),
            "title": title,
            "submittedOnDailyBy": hf_user(submitter, "user"),
            "summary": summary,
            "upvotes": upvotes,
            "discussionId": token(HEX, 24, "hf-discussion", arxiv_id),
        }
        items.append(
            {
                "paper": paper,
                "publishedAt": iso_ms(published_at),
                "title": title,
                "summary": summary,
                "thumbnail": f"https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{arxiv_id}.png",
                "numComments": comments,
                "submittedBy": hf_user(submitter, "name"),
                "isAuthorParticipating": author,
            }
        )
    return items


# --- Hacker News (Algolia) ------------------------------------------------------------------------

# (story id, title, url, author, points, comments, hours after the announcement)
HN_STORIES = (
    (48120101, PAPERS[0].title, "https://arxiv.org/abs/2611.99101", "sample_hn_user", 75, 31, 3.0),
    (48120202, PAPERS[2].title, "https://arxiv.org/abs/2611.99103", "sample_hn_user", 51, 40, 9.0),
    (48120303, "[Sample] Same paper, PDF link", "https://arxiv.org/pdf/2611.99103v1", "sample_hn_other", 7, 2, 30.0),
    (48120404, PAPERS[5].title, "https://arxiv.org/abs/2611.99106", "sample_hn_other", 12, 3, 12.0),
    (48120505, "[Sample] A listing page, not a paper", "https://arxiv.org/list/cs.LG/recent", "sample_hn_other", 9, 1, 14.0),
    (48120606, "[Sample] Not an arXiv link", "https://sample.example/notes-on-arxiv.org-links", "sample_hn_user", 20, 5, 20.0),
)


def hn_page() -> dict:
    start, end = LISTING.announced_at, LISTING.announced_at + timedelta(days=3)
    hits = []
    for story_id, title, url, author, points, comments, hours in sorted(HN_STORIES, key=lambda s: -s[6]):
        created = at(hours)
        hits.append(
            {
                "_highlightResult": {
                    "author": {"matchLevel": "none", "matchedWords": [], "value": author},
                    "title": {"matchLevel": "none", "matchedWords": [], "value": title},
                    "url": {
                        "fullyHighlighted": False,
                        "matchLevel": "full",
                        "matchedWords": ["arxiv", "org"],
                        "value": url.replace("arxiv.org", "<em>arxiv.org</em>"),
                    },
                },
                "_tags": ["story", f"author_{author}", f"story_{story_id}"],
                "author": author,
                "children": [story_id + 1 + k for k in range(min(comments, 3))],
                "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "created_at_i": int(created.timestamp()),
                "num_comments": comments,
                "objectID": str(story_id),
                "points": points,
                "story_id": story_id,
                "title": title,
                "updated_at": FETCHED["hn"].strftime("%Y-%m-%dT%H:%M:%SZ"),
                "url": url,
            }
        )
    filters = f"created_at_i>={int(start.timestamp())},created_at_i<{int(end.timestamp())}"
    return {
        "exhaustive": {"nbHits": True, "typo": True},
        "exhaustiveNbHits": True,
        "exhaustiveTypo": True,
        "hits": hits,
        "hitsPerPage": 100,
        "nbHits": len(hits),
        "nbPages": 1,
        "page": 0,
        "params": f"query=arxiv.org&restrictSearchableAttributes=url&tags=story&numericFilters={filters}"
        "&hitsPerPage=100&page=0",
        "processingTimeMS": 2,
        "query": "arxiv.org",
        "serverTimeMS": 3,
    }


# --- Bluesky --------------------------------------------------------------------------------------

BSKY_ACCOUNTS = {
    "sample.bsky.social": "Sample Hot Papers Reader",  # the account the sample logs in as
    "sample-lab.bsky.social": "Sample Lab",
    "sample-reader.bsky.social": "Sample Reader",
    "sample-listings.bsky.social": "Sample Listings",
}
# (author, text before the links, papers linked by facets, link card paper, likes, reposts, quotes,
#  replies, hours after the announcement)
BSKY_POSTS = (
    ("sample-lab.bsky.social", "[Sample] Our new paper is out:", ("99101",), "99101", 40, 12, 3, 5, 2.5),
    ("sample-reader.bsky.social", "[Sample] Two papers from the same listing worth a read:", ("99101", "99105"), None, 6, 2, 0, 1, 7.0),
    ("sample-reader.bsky.social", "[Sample] This deserves more attention:", ("99104",), "99104", 45, 11, 1, 4, 11.0),
    ("sample-listings.bsky.social", "[Sample] Today's cs.LG listing:", (), "list", 3, 0, 0, 0, 1.0),
)


def did(handle: str) -> str:
    return "did:plc:" + token("abcdefghijklmnopqrstuvwxyz234567", 24, "did", handle)


def tid(moment: datetime, sequence: int) -> str:
    """An atproto record key: microseconds since the epoch and a clock id, base32-sortable."""
    micros = int(moment.timestamp() * 1_000_000)
    value = (micros << 10) | (sequence & 0x3FF)
    return "".join(B32[(value >> (5 * (12 - i))) & 31] for i in range(13))


def bsky_author(handle: str) -> dict:
    return {
        "did": did(handle),
        "handle": handle,
        "displayName": BSKY_ACCOUNTS[handle],
        "avatar": f"https://cdn.bsky.app/img/avatar/plain/{did(handle)}/bafkrei{token(B32, 52, 'avatar', handle)}@jpeg",
        "associated": {"chat": {"allowIncoming": "following"}},
        "labels": [],
        "createdAt": "2024-02-06T15:00:00.000Z",
    }


def link_target(suffix: str) -> str:
    return "https://arxiv.org/list/cs.LG/recent" if suffix == "list" else f"https://arxiv.org/abs/{paper_id(suffix)}"


def bsky_post(sequence: int, spec: tuple) -> dict:
    author, lead, linked, card, likes, reposts, quotes, replies, hours = spec
    created = at(hours)
    text, facets = lead, []
    for suffix in linked:
        shown = f"arxiv.org/abs/{paper_id(suffix)}"
        text += " "
        start = len(text.encode("utf-8"))
        text += shown
        facets.append(
            {
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": link_target(suffix)}],
                "index": {"byteEnd": start + len(shown.encode("utf-8")), "byteStart": start},
            }
        )
    record: dict = {"$type": "app.bsky.feed.post", "createdAt": iso_ms(created)}
    view_embed = None
    if card:
        title = next((p.title for p in PAPERS if p.suffix == card), "cs.LG recent submissions")
        external = {"description": "Synthetic sample link card.", "title": title, "uri": link_target(card)}
        record["embed"] = {"$type": "app.bsky.embed.external", "external": external}
        view_embed = {"$type": "app.bsky.embed.external#view", "external": dict(external)}
    if facets:
        record["facets"] = facets
    record["langs"] = ["en"]
    record["text"] = text
    post = {
        "uri": f"at://{did(author)}/app.bsky.feed.post/{tid(created, sequence)}",
        "cid": "bafyrei" + token(B32, 52, "cid", author, sequence),
        "author": bsky_author(author),
        "record": record,
    }
    if view_embed:
        post["embed"] = view_embed
    post.update(
        {
            "replyCount": replies,
            "repostCount": reposts,
            "likeCount": likes,
            "quoteCount": quotes,
            "indexedAt": iso_ms(created + timedelta(seconds=1)),
            "labels": [],
        }
    )
    return post


def bsky_page() -> dict:
    posts = [bsky_post(n, spec) for n, spec in enumerate(BSKY_POSTS, start=1)]
    return {"posts": sorted(posts, key=lambda p: p["record"]["createdAt"], reverse=True)}


def bsky_session() -> dict:
    handle = "sample.bsky.social"
    return {
        "did": did(handle),
        "handle": handle,
        "email": "sample@sample.example",
        "emailConfirmed": True,
        "emailAuthFactor": False,
        "accessJwt": "SAMPLE-ACCESS-TOKEN-not-a-real-jwt",
        "refreshJwt": "SAMPLE-REFRESH-TOKEN-not-a-real-jwt",
        "active": True,
    }


# --- the folder -----------------------------------------------------------------------------------


def write_json(path: Path, body: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(body, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def build(out_dir: Path) -> Path:
    """Write every file of the recent date; returns its folder."""
    folder = out_dir / LISTING.listing_date
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "arxiv").mkdir(parents=True)
    papers = arxiv_papers()
    (folder / "arxiv" / "page-0001.xml").write_text(base.atom_feed(LISTING, papers, set()), encoding="utf-8")
    published = base.published_times(LISTING, [p.arxiv_id for p in papers])
    write_json(folder / "x" / "page-0001.json", x_page())
    write_json(folder / "hf" / "page-0001.json", hf_page(published))
    write_json(folder / "hn" / "page-0001.json", hn_page())
    write_json(folder / "bluesky" / "session.json", bsky_session())
    write_json(folder / "bluesky" / "page-0001.json", bsky_page())
    page = lambda name, when: {"file": name, "date": base.http_date(FETCHED[when])}  # noqa: E731
    manifest = {
        "listing_date": LISTING.listing_date,
        "label": LABEL,
        "arxiv_pages": [page("arxiv/page-0001.xml", "arxiv")],
        "x_pages": [page("x/page-0001.json", "x")],
        "hf_pages": [page("hf/page-0001.json", "hf")],
        "hn_pages": [page("hn/page-0001.json", "hn")],
        "bluesky_session": page("bluesky/session.json", "bluesky_session"),
        "bluesky_pages": [page("bluesky/page-0001.json", "bluesky")],
    }
    write_json(folder / "manifest.json", manifest)
    return folder


# --- --check: read the files through the pipeline's own parsers, compare with the design ---------------

# What each paper must add up to, per source (worked out by hand from the tables above).
EXPECTED = {
    "2611.99101": {"x": (32, 98, 2), "hf": (48, 6), "hn": (75, 31, 1), "bluesky": (46, 14, 3, 6, 2)},
    "2611.99102": {"hf": (64, 9)},
    "2611.99103": {"hn": (58, 42, 2)},
    "2611.99104": {"bluesky": (45, 11, 1, 4, 1)},
    "2611.99105": {"x": (25, 71, 3), "bluesky": (6, 2, 0, 1, 1)},
    "2611.99106": {"x": (5, 15, 1), "hf": (17, 1), "hn": (12, 3, 1)},
    "2611.99108": {"hf": (80, 12)},
}


def check(out_dir: Path) -> list[str]:
    """Parse every recorded page with the pipeline's source parsers and compare per-paper figures."""
    import sys

    sys.path.insert(0, str(base.REPO_ROOT))
    from pipelines.calendar import announcement_time, submission_window
    from pipelines.sources import bluesky, hf_daily_papers, hn_algolia, x_search

    problems: list[str] = []
    folder = out_dir / LISTING.listing_date
    listing_date = datetime.fromisoformat(LISTING.listing_date).date()
    if (LISTING.window_start, LISTING.window_end) != submission_window(listing_date):
        problems.append("submission window differs from pipelines.calendar")
    if LISTING.announced_at != announcement_time(listing_date):
        problems.append("announcement time differs from pipelines.calendar")
    read = lambda name: json.loads((folder / name).read_text(encoding="utf-8"))  # noqa: E731
    figures: dict[str, dict[str, list[int]]] = {}

    def add(arxiv_id: str, source: str, values: tuple[int, ...]) -> None:
        current = figures.setdefault(arxiv_id, {}).setdefault(source, [0] * len(values))
        figures[arxiv_id][source] = [a + b for a, b in zip(current, values)]

    rows, retweets = x_search.parse_page(read("x/page-0001.json"), FETCHED["x"], listing_date)
    for row in rows:
        for arxiv_id in row["cited_arxiv_ids"]:
            add(arxiv_id, "x", (row["retweet_count"], row["like_count"], 1))
    if retweets != 1:
        problems.append(f"X: {retweets} retweets dropped, expected 1")
    for item in read("hf/page-0001.json"):
        row = hf_daily_papers.paper_row(item, FETCHED["hf"], listing_date, listing_date)
        add(row["arxiv_id"], "hf", (row["upvotes"], row["comment_count"]))
    dropped = 0
    for hit in read("hn/page-0001.json")["hits"]:
        row = hn_algolia.story_row(hit, FETCHED["hn"], listing_date)
        if row is None:
            dropped += 1
            continue
        created = row["created_at"]
        if not LISTING.announced_at <= created < LISTING.announced_at + timedelta(days=3):
            problems.append(f"HN story {row['story_id']} outside the window")
        for arxiv_id in row["cited_arxiv_ids"]:
            add(arxiv_id, "hn", (row["points"], row["comment_count"], 1))
    if dropped != 2:
        problems.append(f"HN: {dropped} hits dropped as not arXiv papers, expected 2")
    for post in read("bluesky/page-0001.json")["posts"]:
        row = bluesky.post_row(post, FETCHED["bluesky"], listing_date)
        text = post["record"]["text"].encode("utf-8")
        for facet in post["record"].get("facets", []):
            shown = text[facet["index"]["byteStart"] : facet["index"]["byteEnd"]].decode("utf-8")
            if not facet["features"][0]["uri"].endswith(shown.removeprefix("arxiv.org")):
                problems.append(f"Bluesky {row['uri']}: facet offsets do not match the text")
        for arxiv_id in row["cited_arxiv_ids"]:
            add(arxiv_id, "bluesky", (row["like_count"], row["repost_count"], row["quote_count"], row["reply_count"], 1))
    figures.pop(EARLIER_PAPER, None)
    for arxiv_id in sorted(set(figures) | set(EXPECTED)):
        got = {s: tuple(v) for s, v in figures.get(arxiv_id, {}).items()}
        ok = got == EXPECTED.get(arxiv_id, {})
        if not ok:
            problems.append(f"{arxiv_id}: figures {got} differ from the design {EXPECTED.get(arxiv_id)}")
        print(f"  {'ok ' if ok else 'BAD'} {arxiv_id} {got}")
    session = read("bluesky/session.json")
    if not session.get("accessJwt", "").startswith("SAMPLE-"):
        problems.append("the Bluesky session token must be an obviously fake sample value")
    return problems


if __name__ == "__main__":
    out = base.DEFAULT_OUT_DIR
    print(f"wrote {build(out)}")
    found = check(out)
    print("check: " + ("OK" if not found else "; ".join(found)))
