"""Build the embedded sample (data/sample/YYYY-MM-DD/) from two published Hot Papers posts.

Run once; committed so anyone can see how every recorded byte was made. The posts give the facts
(papers, authors, categories, per-paper retweets/favorites and snapshot times, embedded tweets);
this script turns them into what the arXiv API and the X API v2 recent search would have answered,
in the layout of docs/architecture.md ("Embedded sample"). A few rows are synthetic and labelled
so ("[Sample] " titles, "Sample Author", ``sample_reader_N`` accounts): they exercise the score
threshold, the category filter and the retweet filter, which the posts alone cannot.

    python scripts/build_sample.py                # build every date, then --check them
    python scripts/build_sample.py --check        # only re-read and verify what is on disk

Everything is deterministic (hashes of ids, never ``random``): rebuilding gives identical files.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import re
import shutil
import sys
import textwrap
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from fractions import Fraction
from pathlib import Path
from urllib.parse import quote
from xml.sax.saxutils import escape

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REFERENCE_DIR = REPO_ROOT / ".." / "shared" / "reference"
DEFAULT_OUT_DIR = REPO_ROOT / "data" / "sample"

LABEL = "SAMPLE DATA: built from the facts of a published Hot Papers post, not a live fetch"
UTC = timezone.utc


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass(frozen=True)
class Listing:
    """One listing date: arXiv's submission window for it and the X search start (announcement)."""

    listing_date: str
    window_start: datetime
    window_end: datetime  # exclusive
    announced_at: datetime  # 20:00 New York the evening before the listing date
    feed_updated: str  # the feed-level <updated> arXiv stamps: midnight New York of the fetch day


LISTINGS = (
    Listing(
        "2021-06-04",
        _utc("2021-06-02T18:00:00"),
        _utc("2021-06-03T18:00:00"),
        _utc("2021-06-04T00:00:00"),
        "2021-06-06T00:00:00-04:00",
    ),
    Listing(
        "2020-07-09",
        _utc("2020-07-07T18:00:00"),
        _utc("2020-07-08T18:00:00"),
        _utc("2020-07-09T00:00:00"),
        "2020-07-10T00:00:00-04:00",
    ),
)

# arXiv comments for a few entries, taken from what the posts' own tweets say about the paper.
COMMENTS = {
    "2106.02022": "Accepted to CVPR 2021",
    "2106.01863": "Accepted to CVPR 2021",
    "2106.01465": "Findings of ACL 2021",
    "2106.01786": "Accepted to the Applied Data Science Track of KDD 2021",
    "2007.04131": "Accepted at the XXAI workshop at ICML 2020",
}

TWITTER_EPOCH_MS = 1288834974657
ARXIV_NS = "http://arxiv.org/schemas/atom"
OPENSEARCH_NS = "http://a9.com/-/spec/opensearch/1.1/"
ARXIV_ID = r"\d{4}\.\d{4,5}"
CITED_IN_URL = re.compile(rf"arxiv\.org/(?:abs|pdf)/({ARXIV_ID})", re.IGNORECASE)
CITED_IN_TEXT = re.compile(rf"\barXiv:({ARXIV_ID})", re.IGNORECASE)
TCO = re.compile(r"https://t\.co/\w+")
EMBED_MIN_SCORE = 25


# ---------------------------------------------------------------------------------------------
# Small deterministic helpers
# ---------------------------------------------------------------------------------------------


def stable_int(*parts: object) -> int:
    """A hash that is the same on every run and machine (``hash()`` is salted per process)."""
    return int(hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest(), 16)


def base_n(number: int, alphabet: str, length: int) -> str:
    out = []
    for _ in range(length):
        number, digit = divmod(number, len(alphabet))
        out.append(alphabet[digit])
    return "".join(out)


BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def snowflake_time(tweet_id: str) -> datetime:
    """When a tweet was posted, read from its id (Twitter snowflake: ms since 2010-11-04)."""
    return datetime.fromtimestamp(((int(tweet_id) >> 22) + TWITTER_EPOCH_MS) / 1000, UTC)


def snowflake_id(moment: datetime, sequence: int) -> str:
    """A tweet id whose embedded timestamp is ``moment``; ``sequence`` keeps ids distinct."""
    ms = int(moment.timestamp() * 1000) - TWITTER_EPOCH_MS
    return str((ms << 22) | (sequence & 0x3FFFFF))


def api_time(moment: datetime) -> str:
    """X API v2 ``created_at``: whole seconds, with a literal ``.000Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def atom_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def user_id(handle: str) -> str:
    """A stable numeric user id per handle (the posts do not carry real ones)."""
    return str(10**17 + stable_int("user", handle.lower()) % (9 * 10**17))


def fix_mojibake(text: str) -> str:
    """Undo UTF-8 read as Mac Roman (``‚Äú`` → ``“``) run by run, leaving correct text alone.

    Only runs of non-ASCII characters can be mojibake (every byte of a multi-byte UTF-8 sequence is
    ≥ 0x80, and Mac Roman maps those to non-ASCII), and a run is replaced only when the round trip
    succeeds and changes it, so genuine characters such as the ``ö`` in "König" survive.
    """

    def repair(match: re.Match[str]) -> str:
        run = match.group(0)
        try:
            fixed = run.encode("mac_roman").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return run
        return fixed

    return re.sub(r"[^\x00-\x7f]+", repair, text)


# ---------------------------------------------------------------------------------------------
# Reading the reference posts
# ---------------------------------------------------------------------------------------------


@dataclass
class Embed:
    """One tweet embedded in the post, as the API would return its text."""

    tweet_id: str
    handle: str
    name: str
    lang: str
    text: str
    photo_links: set[str]  # t.co URLs that were pic.twitter.com anchors


@dataclass
class Paper:
    arxiv_id: str
    rank: int
    title: str  # as in the post, double spaces (line-wrap points) kept
    authors: list[str]
    retweets: int
    favorites: int
    snapshot_at: datetime
    categories: list[str]  # primary first
    abstract: str
    embeds: list[Embed] = field(default_factory=list)
    synthetic: bool = False

    @property
    def clean_title(self) -> str:
        return " ".join(self.title.split())


PAPER_HEADING = re.compile(r"^# (\d+)\. (.+)$", re.MULTILINE)
METRICS = re.compile(r"^- retweets: (\d+), favorites: (\d+) \((\d\d)/(\d\d)/(\d{4}) (\d\d:\d\d:\d\d)\)$", re.M)
ABS_LINK = re.compile(rf"^- links: \[abs\]\(https://arxiv\.org/abs/({ARXIV_ID})\)", re.MULTILINE)
CATEGORY = re.compile(r"\[([\w.-]+)\]\(https://arxiv\.org/list/[\w.-]+/recent\)")
BLOCKQUOTE = re.compile(
    r'<blockquote class="twitter-tweet"><p lang="(?P<lang>[\w-]+)" dir="\w+">(?P<body>.*?)</p>'
    r"&mdash; (?P<name>.*) \(@(?P<handle>\w+)\) "
    r'<a href="https://twitter\.com/(?P<handle2>\w+)/status/(?P<id>\d+)\?[^"]*">[^<]*</a></blockquote>'
)
ANCHOR = re.compile(r'<a href="(?P<href>[^"]*)">(?P<text>.*?)</a>')


def read_post(path: Path) -> list[Paper]:
    """All papers of one post, in rank order, with mojibake repaired."""
    text = fix_mojibake(path.read_text(encoding="utf-8"))
    headings = list(PAPER_HEADING.finditer(text))
    papers = []
    for i, heading in enumerate(headings):
        block = text[heading.end() : headings[i + 1].start() if i + 1 < len(headings) else len(text)]
        papers.append(parse_paper(int(heading.group(1)), heading.group(2), block))
    return papers


def parse_paper(rank: int, title: str, block: str) -> Paper:
    """One ``# N. Title`` section: authors, metrics line, links, categories, abstract, embeds."""
    lines = [line for line in block.splitlines() if line.strip()]
    metrics = METRICS.search(block)
    abs_link = ABS_LINK.search(block)
    if not metrics or not abs_link:
        raise ValueError(f"paper {rank} ({title!r}): metrics or abs link line not found")
    month, day, year, clock = metrics.group(3, 4, 5, 6)
    category_line = next(line for line in lines if line.startswith("- [") and "arxiv.org/list/" in line)
    abstract = lines[lines.index(category_line) + 1]
    if abstract.startswith("<"):
        raise ValueError(f"paper {rank}: no abstract")
    return Paper(
        arxiv_id=abs_link.group(1),
        rank=rank,
        title=title.strip(),
        authors=[a.strip() for a in lines[0].split(",")],
        retweets=int(metrics.group(1)),
        favorites=int(metrics.group(2)),
        snapshot_at=_utc(f"{year}-{month}-{day}T{clock}"),
        categories=CATEGORY.findall(category_line),
        abstract=abstract.strip(),
        embeds=[parse_embed(m) for m in BLOCKQUOTE.finditer(block)],
    )


def parse_embed(match: re.Match[str]) -> Embed:
    if match.group("handle") != match.group("handle2"):
        raise ValueError(f"tweet {match.group('id')}: author handle and status URL disagree")
    text, photos = embed_html_to_text(match.group("body"))
    return Embed(
        tweet_id=match.group("id"),
        handle=match.group("handle"),
        name=html.unescape(match.group("name")),
        lang=match.group("lang"),
        text=text,
        photo_links=photos,
    )


def embed_html_to_text(body: str) -> tuple[str, set[str]]:
    """The plain text the API returns for an embed's ``<p>`` HTML.

    ``<br>`` is a newline; an anchor is its own text (``@user``, ``#tag``, the t.co URL), except a
    photo, shown as ``pic.twitter.com/X`` in embeds but sent by the API as its t.co URL.
    """
    photos: set[str] = set()

    def anchor(match: re.Match[str]) -> str:
        if match.group("text").startswith("pic.twitter.com/"):
            photos.add(match.group("href"))
            return match.group("href")
        return match.group("text")

    text = ANCHOR.sub(anchor, body.replace("<br>", "\n"))
    if "<" in text:
        raise ValueError(f"unexpected markup left in tweet text: {text!r}")
    return html.unescape(text), photos


# ---------------------------------------------------------------------------------------------
# Synthetic rows: the cases the posts cannot show
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyntheticTweet:
    """A clearly-labelled sample tweet about a synthetic paper: (retweets, likes) and link form."""

    retweets: int
    likes: int
    cite: str  # "abs", "pdf", "export" (a t.co URL entity) or "text" (arXiv:ID in the text only)


@dataclass(frozen=True)
class SyntheticPaper:
    suffix: str
    title: str
    categories: tuple[str, ...]
    summary: str
    tweets: tuple[SyntheticTweet, ...]


SYNTHETIC_PAPERS = (
    SyntheticPaper(
        "99001",
        "[Sample] Just Below the Threshold: Two Tweets Scoring 49",
        ("cs.LG", "stat.ML"),
        "Synthetic sample entry, not a real paper. Its tweets score 31 + 18 = 49, one short of the "
        "minimum score of 50, so it must not be listed, although one tweet alone would be embeddable.",
        (SyntheticTweet(6, 25, "abs"), SyntheticTweet(3, 15, "text")),
    ),
    SyntheticPaper(
        "99002",
        "[Sample] A Quiet Paper Scoring 12",
        ("cs.LG",),
        "Synthetic sample entry, not a real paper. One tweet scoring 12: far below the threshold.",
        (SyntheticTweet(2, 10, "pdf"),),
    ),
    SyntheticPaper(
        "99003",
        "[Sample] A Paper Nobody Tweeted About",
        ("cs.AI",),
        "Synthetic sample entry, not a real paper. No tweet cites it: it is in the listing with a "
        "score of zero.",
        (),
    ),
    SyntheticPaper(
        "99004",
        "[Sample] A Popular Paper Outside the Configured Categories",
        ("math.AG",),
        "Synthetic sample entry, not a real paper. Its only category is math.AG, outside cs.* and "
        "stat.ML, so the pipeline must drop it although a tweet scoring 125 cites it.",
        (SyntheticTweet(40, 85, "export"),),
    ),
)


def synthetic_papers(listing: Listing) -> list[Paper]:
    """The synthetic papers of one date; ids ``YYMM.99xxx`` are far beyond a month's real ids."""
    yymm = listing.listing_date[2:4] + listing.listing_date[5:7]
    return [
        Paper(
            arxiv_id=f"{yymm}.{s.suffix}",
            rank=0,
            title=s.title,
            authors=["Sample Author"],
            retweets=sum(t.retweets for t in s.tweets),
            favorites=sum(t.likes for t in s.tweets),
            snapshot_at=listing.announced_at,  # unused: synthetic tweets go on the last page
            categories=list(s.categories),
            abstract=s.summary,
            synthetic=True,
        )
        for s in SYNTHETIC_PAPERS
    ]


# ---------------------------------------------------------------------------------------------
# Engagement: reproduce each paper's retweets/favorites exactly
# ---------------------------------------------------------------------------------------------


def reader_score(paper: Paper) -> int:
    """Score (1..24) of the one synthetic, never-embedded reader tweet, or 0 if there is no room."""
    score = 1 + stable_int("reader", paper.arxiv_id) % 24
    minimum_embeds = sum(embed_floor(len(paper.embeds)))
    return score if paper.retweets + paper.favorites - score >= minimum_embeds else 0


def embed_floor(k: int) -> list[int]:
    """The smallest strictly decreasing scores, all ≥ 25, for k embeds: 25+k-1, ..., 26, 25."""
    return [EMBED_MIN_SCORE + (k - 1 - j) for j in range(k)]


def embed_scores(total: int, k: int) -> list[int]:
    """Split ``total`` over k embeds: each ≥ 25, strictly decreasing (the renderer's order).

    Above the floor, the surplus is shared in halving weights (1/2, 1/4, ...), so increments never
    increase down the list and strictness survives; the rounding remainder goes to the first.
    """
    floor = embed_floor(k)
    surplus = total - sum(floor)
    if surplus < 0:
        raise ValueError(f"total {total} cannot give {k} embeds scoring ≥ {EMBED_MIN_SCORE}")
    weights = [2 ** (k - 1 - j) for j in range(k)]
    increments = [surplus * w // sum(weights) for w in weights]
    increments[0] += surplus - sum(increments)
    return [f + i for f, i in zip(floor, increments)]


def split_retweets(scores: list[int], retweets: int) -> list[int]:
    """Each tweet's retweets, proportional to its score, summing to ``retweets`` exactly.

    Largest-remainder apportionment: every share stays within [floor, ceil] of its exact quota, so
    it never exceeds the tweet's score and likes (score − retweets) stay ≥ 0.
    """
    total = sum(scores)
    quotas = [Fraction(s * retweets, total) for s in scores]
    shares = [int(q) for q in quotas]
    by_remainder = sorted(range(len(scores)), key=lambda i: (-(quotas[i] - shares[i]), i))
    for i in by_remainder[: retweets - sum(shares)]:
        shares[i] += 1
    return shares


@dataclass
class Metrics:
    retweets: int
    likes: int


def paper_metrics(paper: Paper) -> tuple[list[Metrics], Metrics | None]:
    """Metrics of each embed (reference order) and of the reader tweet (None if there is none)."""
    reader = reader_score(paper)
    scores = embed_scores(paper.retweets + paper.favorites - reader, len(paper.embeds))
    if reader:
        scores.append(reader)
    retweets = split_retweets(scores, paper.retweets)
    metrics = [Metrics(r, s - r) for s, r in zip(scores, retweets)]
    return (metrics[:-1], metrics[-1]) if reader else (metrics, None)


# ---------------------------------------------------------------------------------------------
# X API v2 tweets
# ---------------------------------------------------------------------------------------------


class LinkForms:
    """Rotates the arXiv URL forms across a date's tweets, so the sample exercises the extractor."""

    ABS = ("https://arxiv.org/abs/{id}", "https://arxiv.org/abs/{id}v1", "http://export.arxiv.org/abs/{id}")
    ANY = ABS[:1] + ("https://arxiv.org/pdf/{id}.pdf",) + ABS[1:]

    def __init__(self, v2_ids: set[str]):
        self.v2_ids = v2_ids
        self.turn = {"abs": 0, "any": 0}

    def url(self, arxiv_id: str, label: str) -> str:
        """``pdf:``/``abs:`` labels get that kind of link; a v2 paper's pdf link names v2."""
        if label == "pdf":
            form = "https://www.arxiv.org/pdf/{id}v2" if arxiv_id in self.v2_ids else "https://arxiv.org/pdf/{id}.pdf"
        else:
            forms = self.ABS if label == "abs" else self.ANY
            key = "abs" if label == "abs" else "any"
            form = forms[self.turn[key] % len(forms)]
            self.turn[key] += 1
        return form.format(id=arxiv_id)


def display_url(url: str, expanded: str) -> str:
    """What X shows for a link: ``pic.twitter.com/X`` for a photo; else no scheme, no ``www.``, cut with an ellipsis."""
    if "/photo/" in expanded:
        return "pic.twitter.com/" + url.rsplit("/", 1)[1]
    shown = re.sub(r"^https?://(www\.)?", "", expanded)
    return shown if len(shown) <= 26 else shown[:25] + "…"


def url_entities(text: str, expand) -> list[dict]:
    """One ``entities.urls`` item per t.co URL, offsets in characters (code points)."""
    entities = []
    for match in TCO.finditer(text):
        expanded = expand(match)
        entities.append(
            {
                "start": match.start(),
                "end": match.end(),
                "url": match.group(0),
                "expanded_url": expanded,
                "display_url": display_url(match.group(0), expanded),
            }
        )
    return entities


def link_label(text: str, start: int) -> str:
    """``pdf`` or ``abs`` when the link follows that word on its line ("pdf: https://t.co/.."), else ``any``."""
    line_before = text[:start].rsplit("\n", 1)[-1]
    label = re.search(r"\b(pdf|abs):\s*$", line_before, re.IGNORECASE)
    return label.group(1).lower() if label else "any"


def public_metrics(tweet_id: str, metrics: Metrics) -> dict:
    """Retweets/likes as assigned; replies and quotes small and arbitrary.

    Bookmark and impression counts did not exist in 2020/2021 and read 0 for tweets of that age.
    """
    return {
        "retweet_count": metrics.retweets,
        "reply_count": stable_int("replies", tweet_id) % 9,
        "like_count": metrics.likes,
        "quote_count": stable_int("quotes", tweet_id) % 4,
        "bookmark_count": 0,
        "impression_count": 0,
    }


def tweet(
    tweet_id: str, text: str, author: str, created_at: datetime, lang: str, metrics: Metrics, urls: list[dict]
) -> dict:
    body = {
        "id": tweet_id,
        "text": text,
        "author_id": user_id(author),
        "created_at": api_time(created_at),
        "lang": lang,
        "public_metrics": public_metrics(tweet_id, metrics),
        "edit_history_tweet_ids": [tweet_id],
    }
    if urls:
        body["entities"] = {"urls": urls}
    return body


def embed_tweet(paper: Paper, embed: Embed, metrics: Metrics, forms: LinkForms) -> dict:
    """An embedded reference tweet: its real id, text and author; every non-photo link → the paper."""

    def expand(match: re.Match[str]) -> str:
        if match.group(0) in embed.photo_links:
            return f"https://twitter.com/{embed.handle}/status/{embed.tweet_id}/photo/1"
        return forms.url(paper.arxiv_id, link_label(embed.text, match.start()))

    urls = url_entities(embed.text, expand)
    if not any(CITED_IN_URL.search(u["expanded_url"]) for u in urls):
        raise ValueError(f"tweet {embed.tweet_id} links to no arXiv paper")
    created = snowflake_time(embed.tweet_id)
    return tweet(embed.tweet_id, embed.text, embed.handle, created, embed.lang, metrics, urls)


def tco(*parts: object) -> str:
    return "https://t.co/" + base_n(stable_int("tco", *parts), BASE62, 10)


def synthetic_tweet(
    arxiv_id: str, author: str, created: datetime, sequence: int, metrics: Metrics, cite: str, note: str
) -> dict:
    """A labelled sample tweet citing ``arxiv_id`` by a t.co link of form ``cite`` or by ``arXiv:ID`` text."""
    tweet_id = snowflake_id(created, sequence)
    if cite == "text":
        return tweet(tweet_id, f"[Sample] {note} arXiv:{arxiv_id}", author, created, "en", metrics, [])
    target = {
        "abs": "https://arxiv.org/abs/{id}",
        "pdf": "https://arxiv.org/pdf/{id}.pdf",
        "export": "http://export.arxiv.org/abs/{id}",
    }[cite].format(id=arxiv_id)
    text = f"[Sample] {note} {tco(arxiv_id, tweet_id)}"
    return tweet(tweet_id, text, author, created, "en", metrics, url_entities(text, lambda m: target))


def between(start: datetime, end: datetime, *key: object) -> datetime:
    """A deterministic whole second in the middle 60% of [start, end)."""
    fraction = 0.2 + 0.6 * (stable_int("when", *key) % 10_000) / 10_000
    return (start + (end - start) * fraction).replace(microsecond=0)


def retweet_of(original: dict, original_handle: str, created: datetime, sequence: int) -> dict:
    """A retweet: ``RT @handle: `` + text, metrics mirroring the original's; the pipeline drops it."""
    prefix = f"RT @{original_handle}: "
    tweet_id = snowflake_id(created, sequence)
    urls = [
        dict(u, start=u["start"] + len(prefix), end=u["end"] + len(prefix))
        for u in (original.get("entities") or {}).get("urls", [])
    ]
    return {
        "id": tweet_id,
        "text": prefix + original["text"],
        "author_id": user_id("sample_retweeter"),
        "created_at": api_time(created),
        "lang": original["lang"],
        "public_metrics": dict(original["public_metrics"]),
        "entities": {"urls": urls},
        "referenced_tweets": [{"type": "retweeted", "id": original["id"]}],
        "edit_history_tweet_ids": [tweet_id],
    }


# ---------------------------------------------------------------------------------------------
# One date: arXiv feed and X pages
# ---------------------------------------------------------------------------------------------


def choose_v2(papers: list[Paper]) -> set[str]:
    """Two entries that are v2: the 2nd and 3rd papers with a ``pdf:`` link (so a v2 link appears)."""
    with_pdf = [p.arxiv_id for p in papers if any(re.search(r"(?m)^pdf: https://t\.co/", e.text) for e in p.embeds)]
    return set(with_pdf[1:3])


def published_times(listing: Listing, ids: list[str]) -> dict[str, datetime]:
    """Spread v1 submissions over the window in id order (arXiv numbers them as they arrive).

    Each id gets an equal slot, and a jittered second within its middle half.
    """
    ordered = sorted(ids)
    slot = (listing.window_end - listing.window_start) / len(ordered)
    times = {}
    for i, arxiv_id in enumerate(ordered):
        jitter = 0.25 + 0.5 * (stable_int("published", arxiv_id) % 10_000) / 10_000
        times[arxiv_id] = (listing.window_start + slot * (i + jitter)).replace(microsecond=0)
    return times


def wrap_title(title: str) -> str:
    """arXiv keeps the submitter's line break, continued with two spaces; the post's double space marks it."""
    return "\n  ".join(" ".join(part.split()) for part in title.split("  "))


def wrap_summary(abstract: str) -> str:
    """arXiv's abstract layout: two leading spaces, lines of ≤ 80 characters, a final newline."""
    lines = textwrap.wrap(abstract, width=80, initial_indent="  ", break_long_words=False, break_on_hyphens=False)
    return "\n".join(lines) + "\n"


def attr(value: str) -> str:
    return escape(value, {'"': "&quot;"})


def atom_entry(paper: Paper, published: datetime, updated: datetime, version: int) -> str:
    """One ``<entry>`` as the arXiv API writes it (namespaces declared on the extension elements)."""
    versioned = f"{paper.arxiv_id}v{version}"
    authors = "".join(f"    <author>\n      <name>{escape(a)}</name>\n    </author>\n" for a in paper.authors)
    comment = COMMENTS.get(paper.arxiv_id) or ("Synthetic sample entry, not a real paper" if paper.synthetic else None)
    comment_xml = f'    <arxiv:comment xmlns:arxiv="{ARXIV_NS}">{escape(comment)}</arxiv:comment>\n' if comment else ""
    categories = "".join(f'    <category term="{attr(c)}" scheme="{ARXIV_NS}"/>\n' for c in paper.categories)
    return (
        "  <entry>\n"
        f"    <id>http://arxiv.org/abs/{versioned}</id>\n"
        f"    <updated>{atom_time(updated)}</updated>\n"
        f"    <published>{atom_time(published)}</published>\n"
        f"    <title>{escape(wrap_title(paper.title))}</title>\n"
        f"    <summary>{escape(wrap_summary(paper.abstract))}</summary>\n"
        f"{authors}{comment_xml}"
        f'    <link href="http://arxiv.org/abs/{versioned}" rel="alternate" type="text/html"/>\n'
        f'    <link title="pdf" href="http://arxiv.org/pdf/{versioned}" rel="related" type="application/pdf"/>\n'
        f'    <arxiv:primary_category xmlns:arxiv="{ARXIV_NS}" term="{attr(paper.categories[0])}"'
        f' scheme="{ARXIV_NS}"/>\n'
        f"{categories}"
        "  </entry>\n"
    )


def atom_feed(listing: Listing, papers: list[Paper], v2_ids: set[str]) -> str:
    """The whole listing as one page: the answer to one query with max_results=2000, oldest first."""
    published = published_times(listing, [p.arxiv_id for p in papers])
    last = listing.window_end - timedelta(minutes=1)
    query = f"(cat:cs.* OR cat:stat.ML) AND submittedDate:[{listing.window_start:%Y%m%d%H%M} TO {last:%Y%m%d%H%M}]"
    params = f"search_query={query}&id_list=&start=0&max_results=2000"
    feed_id = base_n(stable_int("feed", listing.listing_date), BASE62, 27)
    entries = []
    for paper in sorted(papers, key=lambda p: published[p.arxiv_id]):
        version = 2 if paper.arxiv_id in v2_ids else 1
        updated = published[paper.arxiv_id]
        if version == 2:
            updated = listing.announced_at + timedelta(hours=10, seconds=stable_int("v2", paper.arxiv_id) % 18_000)
        entries.append(atom_entry(paper, published[paper.arxiv_id], updated, version))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom">\n'
        f'  <link href="http://arxiv.org/api/query?{attr(quote(params, safe=""))}" '
        'rel="self" type="application/atom+xml"/>\n'
        f'  <title type="html">ArXiv Query: {escape(params)}</title>\n'
        f"  <id>http://arxiv.org/api/{feed_id}</id>\n"
        f"  <updated>{listing.feed_updated}</updated>\n"
        f'  <opensearch:totalResults xmlns:opensearch="{OPENSEARCH_NS}">{len(entries)}</opensearch:totalResults>\n'
        f'  <opensearch:startIndex xmlns:opensearch="{OPENSEARCH_NS}">0</opensearch:startIndex>\n'
        f'  <opensearch:itemsPerPage xmlns:opensearch="{OPENSEARCH_NS}">2000</opensearch:itemsPerPage>\n'
        + "".join(entries)
        + "</feed>\n"
    )


READER_NOTES = ("Reading this one today:", "Bookmarked for the weekend:", "Nice read, recommended:")


def x_tweets(
    listing: Listing, papers: list[Paper], synthetic: list[Paper], v2_ids: set[str]
) -> tuple[dict[datetime, list[dict]], dict[str, str]]:
    """Every tweet of the date, grouped by the snapshot second of the page it goes on.

    A reference paper's tweets (embeds and its reader tweet) go on that paper's snapshot page, so
    the page's Date is the paper's snapshot time; the synthetic papers' tweets and the retweet go on
    the last page. Also returns the display name of every author.
    """
    forms = LinkForms(v2_ids)
    names: dict[str, str] = {}
    pages: dict[datetime, list[dict]] = {p.snapshot_at: [] for p in papers}
    last_snapshot = max(pages)
    sequence = 0
    for paper in papers:
        embed_metrics, reader = paper_metrics(paper)
        for embed, metrics in zip(paper.embeds, embed_metrics):
            names.setdefault(embed.handle, embed.name)
            pages[paper.snapshot_at].append(embed_tweet(paper, embed, metrics, forms))
        if reader:
            sequence += 1
            author = f"sample_reader_{1 + paper.rank % 3}"
            names[author] = f"Sample Reader {1 + paper.rank % 3}"
            created = between(listing.announced_at, min(pages), "reader", paper.arxiv_id)
            note = READER_NOTES[paper.rank % len(READER_NOTES)]
            cite = "text" if paper.rank % 2 else "abs"
            reader_tweet = synthetic_tweet(paper.arxiv_id, author, created, sequence, reader, cite, note)
            pages[paper.snapshot_at].append(reader_tweet)

    for paper, spec in zip(synthetic, SYNTHETIC_PAPERS):
        for n, t in enumerate(spec.tweets):
            sequence += 1
            author = f"sample_reader_{4 + n}"
            names[author] = f"Sample Reader {4 + n}"
            created = between(listing.announced_at, min(pages), "synthetic", paper.arxiv_id, n)
            note = "A sample tweet about a sample paper:"
            metrics = Metrics(t.retweets, t.likes)
            sample = synthetic_tweet(paper.arxiv_id, author, created, sequence, metrics, t.cite, note)
            pages[last_snapshot].append(sample)

    top = papers[0]
    original = next(t for t in pages[top.snapshot_at] if t["id"] == top.embeds[0].tweet_id)
    sequence += 1
    created = between(snowflake_time(original["id"]), min(pages), "retweet", original["id"])
    pages[last_snapshot].append(retweet_of(original, top.embeds[0].handle, created, sequence))
    names["sample_retweeter"] = "Sample Retweeter"
    return pages, names


def x_page_bodies(
    listing: Listing, pages: dict[datetime, list[dict]], names: dict[str, str]
) -> list[tuple[datetime, dict]]:
    """The recent-search answers, in snapshot order, chained by opaque ``next_token``s."""
    handles = {user_id(h): h for h in names}
    bodies = []
    snapshots = sorted(pages)
    for i, snapshot in enumerate(snapshots):
        data = sorted(pages[snapshot], key=lambda t: int(t["id"]), reverse=True)  # newest first, like the API
        if len(data) > 100:
            raise ValueError(f"{listing.listing_date} {snapshot}: {len(data)} tweets exceed a page of 100")
        author_ids = list(dict.fromkeys(t["author_id"] for t in data))
        meta = {"newest_id": data[0]["id"], "oldest_id": data[-1]["id"], "result_count": len(data)}
        if i + 1 < len(snapshots):
            meta["next_token"] = base_n(stable_int("next_token", listing.listing_date, i + 1), BASE36, 47)
        users = [{"id": a, "name": names[handles[a]], "username": handles[a]} for a in author_ids]
        bodies.append((snapshot, {"data": data, "includes": {"users": users}, "meta": meta}))
    return bodies


def build_date(listing: Listing, reference_dir: Path, out_dir: Path) -> None:
    """Write manifest.json, arxiv/page-0001.xml and x/page-NNNN.json for one listing date."""
    papers = read_post(reference_dir / f"hot-papers-{listing.listing_date}.md")
    synthetic = synthetic_papers(listing)
    all_ids = [p.arxiv_id for p in papers + synthetic]
    if len(set(all_ids)) != len(all_ids):
        raise ValueError(f"{listing.listing_date}: duplicate arXiv ids")
    v2_ids = choose_v2(papers)

    folder = out_dir / listing.listing_date
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "arxiv").mkdir(parents=True)
    (folder / "x").mkdir()

    feed = atom_feed(listing, papers + synthetic, v2_ids)
    (folder / "arxiv" / "page-0001.xml").write_text(feed, encoding="utf-8")

    pages, names = x_tweets(listing, papers, synthetic, v2_ids)
    x_pages = []
    for n, (snapshot, body) in enumerate(x_page_bodies(listing, pages, names), start=1):
        name = f"x/page-{n:04d}.json"
        (folder / name).write_text(json.dumps(body, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        x_pages.append({"file": name, "date": http_date(snapshot)})

    manifest = {
        "listing_date": listing.listing_date,
        "label": LABEL,
        "arxiv_pages": [{"file": "arxiv/page-0001.xml", "date": http_date(min(pages) - timedelta(minutes=1))}],
        "x_pages": x_pages,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# --check: re-read the files as a consumer would and verify the facts
# ---------------------------------------------------------------------------------------------


def cited_ids(tweet_body: dict) -> set[str]:
    urls = [u.get("expanded_url", "") for u in (tweet_body.get("entities") or {}).get("urls", [])]
    return {m for u in urls for m in CITED_IN_URL.findall(u)} | set(CITED_IN_TEXT.findall(tweet_body["text"]))


def is_retweet(tweet_body: dict) -> bool:
    return any(r.get("type") == "retweeted" for r in tweet_body.get("referenced_tweets") or [])


def read_x_pages(folder: Path, manifest: dict, problems: list[str]) -> list[tuple[datetime, dict]]:
    """Pages in manifest order, verifying the next_token chain the replay server follows."""
    pages = []
    for i, entry in enumerate(manifest["x_pages"]):
        body = json.loads((folder / entry["file"]).read_text(encoding="utf-8"))
        last = i + 1 == len(manifest["x_pages"])
        if ("next_token" in body["meta"]) == last:
            problems.append(f"{entry['file']}: next_token on the last page, or missing before it")
        pages.append((parsedate_to_datetime(entry["date"]), body))
    return pages


def check_feed(listing: Listing, folder: Path, manifest: dict, problems: list[str]) -> dict[str, dict]:
    """Well-formed XML; every entry parsed by the arxiv package; published inside the window."""
    import arxiv._feed  # the check's own dependencies; building needs only the standard library
    from lxml import etree

    [page] = manifest["arxiv_pages"]
    raw = (folder / page["file"]).read_bytes()
    root = etree.fromstring(raw, etree.XMLParser(recover=False))
    ns = {"a": "http://www.w3.org/2005/Atom", "arxiv": ARXIV_NS, "os": OPENSEARCH_NS}
    entries = root.findall("a:entry", ns)
    total = int(root.findtext("os:totalResults", namespaces=ns))
    parsed = arxiv._feed.parse(raw)
    fetched = parsedate_to_datetime(page["date"])
    if parsed.malformed or len(parsed.results) != len(entries) or total != len(entries):
        problems.append(f"feed: {len(entries)} entries, totalResults {total}, arxiv parsed {len(parsed.results)}")
    out = {}
    for r in parsed.results:
        arxiv_id = r.entry_id.rsplit("/", 1)[1].rsplit("v", 1)[0]
        if not listing.window_start <= r.published < listing.window_end:
            problems.append(f"{arxiv_id}: published {r.published} outside the window")
        if not r.published <= r.updated < fetched:
            problems.append(f"{arxiv_id}: updated {r.updated} not in [published, fetch time)")
        out[arxiv_id] = {"result": r}
    print(
        f"  arXiv: {len(entries)} entries, totalResults {total}, arxiv._feed.parse → {len(parsed.results)} results; "
        f"published {min(r.published for r in parsed.results):%Y-%m-%d %H:%M:%S} … "
        f"{max(r.published for r in parsed.results):%Y-%m-%d %H:%M:%S} UTC; "
        f"v2: {sorted(i for i, v in out.items() if v['result'].entry_id.endswith('v2'))}"
    )
    return out


def check_tweets(pages: list[tuple[datetime, dict]], problems: list[str]) -> list[tuple[datetime, dict]]:
    """Ids unique; created_at = snowflake time and before the snapshot; entity offsets; users present."""
    seen: set[str] = set()
    tweets = []
    for snapshot, body in pages:
        users = {u["id"] for u in body["includes"]["users"]}
        meta = body["meta"]
        ids = [int(t["id"]) for t in body["data"]]
        bounds = (meta["newest_id"], meta["oldest_id"]) == (str(max(ids)), str(min(ids)))
        if meta["result_count"] != len(ids) or len(ids) > 100 or not bounds:
            problems.append(f"page {snapshot}: meta disagrees with data")
        for t in body["data"]:
            if t["id"] in seen:
                problems.append(f"tweet {t['id']} appears twice")
            seen.add(t["id"])
            created = datetime.fromisoformat(t["created_at"].replace("Z", "+00:00"))
            if created != snowflake_time(t["id"]).replace(microsecond=0) or created >= snapshot:
                problems.append(f"tweet {t['id']}: created_at {t['created_at']} vs id/snapshot")
            if t["author_id"] not in users:
                problems.append(f"tweet {t['id']}: author not in includes.users")
            for u in (t.get("entities") or {}).get("urls", []):
                if t["text"][u["start"] : u["end"]] != u["url"]:
                    problems.append(f"tweet {t['id']}: entity offsets do not match the text")
            tweets.append((snapshot, t))
    return tweets


def check_date(listing: Listing, reference_dir: Path, out_dir: Path) -> list[str]:
    """Verify one date folder against its post; print the figures; return the problems found."""
    problems: list[str] = []
    folder = out_dir / listing.listing_date
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    print(f"{listing.listing_date}:")
    feed = check_feed(listing, folder, manifest, problems)
    tweets = check_tweets(read_x_pages(folder, manifest, problems), problems)
    originals = [(s, t) for s, t in tweets if not is_retweet(t)]
    retweets = [t for _, t in tweets if is_retweet(t)]
    print(f"  X: {len(manifest['x_pages'])} pages, {len(tweets)} tweets ({len(retweets)} retweet), ids unique")

    for paper in read_post(reference_dir / f"hot-papers-{listing.listing_date}.md"):
        citing = [(s, t) for s, t in originals if paper.arxiv_id in cited_ids(t)]
        rts = sum(t["public_metrics"]["retweet_count"] for _, t in citing)
        likes = sum(t["public_metrics"]["like_count"] for _, t in citing)
        by_id = {t["id"]: t for _, t in citing}
        embed_scores_ = [
            by_id[e.tweet_id]["public_metrics"]["retweet_count"] + by_id[e.tweet_id]["public_metrics"]["like_count"]
            for e in paper.embeds
            if e.tweet_id in by_id
        ]
        others = [
            t["public_metrics"]["retweet_count"] + t["public_metrics"]["like_count"]
            for t in by_id.values()
            if t["id"] not in {e.tweet_id for e in paper.embeds}
        ]
        snapshots = {s for s, _ in citing}
        ok = (
            (rts, likes) == (paper.retweets, paper.favorites)
            and len(embed_scores_) == len(paper.embeds)
            and all(s >= EMBED_MIN_SCORE for s in embed_scores_)
            and all(a > b for a, b in zip(embed_scores_, embed_scores_[1:]))
            and all(o < EMBED_MIN_SCORE for o in others)
            and snapshots == {paper.snapshot_at}
            and paper.arxiv_id in feed
            and feed[paper.arxiv_id]["result"].categories == paper.categories
        )
        if not ok:
            problems.append(f"{paper.arxiv_id}: figures do not match the post")
        print(
            f"  {'ok ' if ok else 'BAD'} #{paper.rank:<2} {paper.arxiv_id}  post R/F {paper.retweets}/{paper.favorites}"
            f"  sample {rts}/{likes}  embeds {embed_scores_}  reader {others}  snapshot {min(snapshots):%H:%M:%S}"
        )

    for paper in synthetic_papers(listing):
        citing = [t for _, t in originals if paper.arxiv_id in cited_ids(t)]
        score = sum(t["public_metrics"]["retweet_count"] + t["public_metrics"]["like_count"] for t in citing)
        print(f"  synthetic {paper.arxiv_id} {paper.categories}: {len(citing)} tweets, score {score}  ({paper.title})")
    for t in retweets:
        metrics = t["public_metrics"]
        original = t["referenced_tweets"][0]["id"]
        print(f"  retweet {t['id']} of {original}: mirrors metrics {metrics['retweet_count']}/{metrics['like_count']}")
    return problems


# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--reference-dir", type=Path, default=DEFAULT_REFERENCE_DIR, help="folder holding hot-papers-YYYY-MM-DD.md"
    )
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR, help="sample root (default: data/sample)")
    parser.add_argument("--check", action="store_true", help="only verify the files already built")
    args = parser.parse_args(argv)

    for listing in LISTINGS:
        post = args.reference_dir / f"hot-papers-{listing.listing_date}.md"
        if not post.is_file():
            print(f"error: reference post not found: {post} (use --reference-dir)", file=sys.stderr)
            return 2
    import build_sample_recent  # the synthetic recent date with every engagement source (imports this module)

    if not args.check:
        for listing in LISTINGS:
            build_date(listing, args.reference_dir, args.out_dir)
            print(f"wrote {args.out_dir / listing.listing_date}")
        print(f"wrote {build_sample_recent.build(args.out_dir)}")
    problems = [p for listing in LISTINGS for p in check_date(listing, args.reference_dir, args.out_dir)]
    print(f"{build_sample_recent.LISTING.listing_date} (synthetic, every engagement source):")
    problems += build_sample_recent.check(args.out_dir)
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    print("check: " + ("OK" if not problems else f"{len(problems)} problem(s)"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
