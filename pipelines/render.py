"""Renders digests from the marts (and nothing else): Markdown through Jinja2 with autoescaping, and JSON."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from pipelines.warehouse import rows_as_dicts

SOCIAL_IMAGES = ("/media/flying-marine.jpg", "/media/42-line-bible.jpg")
_RTL_LANGS = {"ar", "fa", "he", "iw", "ur", "ps", "sd", "ug", "yi", "dv", "ckb"}
_URL = re.compile(r"https?://[^\s<>\"']+")


def md_text(value: object) -> Markup:
    """Text for a Markdown line: only ``& < >`` escaped, so no markup can ride in, and quotes stay readable."""
    text = " ".join(str(value or "").split())
    return Markup(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def tweet_html(text: str) -> Markup:
    """A tweet's text as HTML: escaped, newlines as <br>, links clickable."""
    parts: list[str] = []
    last = 0
    for match in _URL.finditer(text):
        parts.append(str(escape(text[last : match.start()])))
        url = escape(match.group(0))
        parts.append(f'<a href="{url}">{url}</a>')
        last = match.end()
    parts.append(str(escape(text[last:])))
    return Markup("".join(parts).replace("\r\n", "\n").replace("\n", "<br>"))


def text_direction(lang: str | None) -> str:
    return "rtl" if (lang or "").split("-")[0].lower() in _RTL_LANGS else "ltr"


def tweet_date(moment: datetime | None) -> str:
    return f"{moment:%B} {moment.day}, {moment.year}" if moment else ""


def snapshot_time(moment: datetime | None) -> str:
    return moment.strftime("%m/%d/%Y %H:%M:%S") if moment else "no snapshot"


def other_sources(paper: dict) -> list[str]:
    """The figures of each source beyond X that engaged with the paper ([] for an X-only paper)."""
    parts = []
    if paper.get("on_hf_daily_papers"):
        parts.append(f"Hugging Face: {_n(paper['hf_upvotes'], 'upvote')}, {_n(paper['hf_comments'], 'comment')}")
    if paper.get("hn_stories"):
        stories = f" ({paper['hn_stories']} stories)" if paper["hn_stories"] > 1 else ""
        parts.append(f"Hacker News: {_n(paper['hn_points'], 'point')}, {_n(paper['hn_comments'], 'comment')}{stories}")
    if paper.get("bluesky_posts"):
        posts = f" ({paper['bluesky_posts']} posts)" if paper["bluesky_posts"] > 1 else ""
        parts.append(
            f"Bluesky: {_n(paper['bluesky_likes'], 'like')}, {_n(paper['bluesky_reposts'], 'repost')}, "
            f"{_n(paper['bluesky_quotes'], 'quote')}, {_n(paper['bluesky_replies'], 'reply', 'replies')}{posts}"
        )
    return parts


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else many or one + 's'}"


def category_link(category: str) -> Markup:
    name = escape(category)
    return Markup(f"[{name}](https://arxiv.org/list/{name}/recent)")


def template_environment(*, keep_trailing_newline: bool, **filters: object) -> Environment:
    """The one Jinja2 set-up every renderer uses (autoescaping, strict undefined, the tweet filters),
    plus the renderer's own filters."""
    env = Environment(
        loader=PackageLoader("pipelines", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=keep_trailing_newline,
        undefined=StrictUndefined,
    )
    env.filters.update(
        tweet_html=tweet_html,
        text_direction=text_direction,
        tweet_date=tweet_date,
        other_sources=other_sources,
        **filters,
    )
    return env


ENV = template_environment(
    keep_trailing_newline=True, md_text=md_text, snapshot_time=snapshot_time, category_link=category_link
)


def load_digest(con: duckdb.DuckDBPyConnection, listing_date: date, category: str | None = None) -> list[dict]:
    """Digest papers with their embedded tweets, in rank order, from the marts."""
    if category:
        papers = rows_as_dicts(
            con,
            "select * from digest_category_daily where listing_date = ? and category = ? order by rank",
            [listing_date, category],
        )
    else:
        papers = rows_as_dicts(
            con, "select * from digest_daily where listing_date = ? order by rank", [listing_date]
        )
    tweets = rows_as_dicts(
        con,
        "select * from digest_tweets where listing_date = ? order by arxiv_id, tweet_rank",
        [listing_date],
    )
    by_paper: dict[str, list[dict]] = {}
    for tweet in tweets:
        by_paper.setdefault(tweet["arxiv_id"], []).append(tweet)
    for paper in papers:
        paper["tweets"] = by_paper.get(paper["arxiv_id"], [])
    return papers


def render_post(
    papers: list[dict], listing_date: date, *, min_score: int, category: str | None = None
) -> str:
    """The Markdown post, in the published format; dated by its earliest engagement snapshot."""
    snapshots = [p["as_of"] for p in papers if p.get("as_of")]
    generated_at = min(snapshots) if snapshots else datetime.combine(listing_date, datetime.min.time())
    suffix = f" {category}" if category else ""
    return ENV.get_template("post.md.j2").render(
        title=f"Hot Papers {listing_date.isoformat()}{suffix}",
        slug=post_slug(listing_date, category),
        description=f"Hot papers {listing_date.isoformat()}{suffix}",
        generated_at=generated_at,
        social_image=SOCIAL_IMAGES[listing_date.toordinal() % len(SOCIAL_IMAGES)],
        papers=papers,
        min_score=min_score,
    )


def digest_document(
    papers: list[dict], listing_date: date, *, min_score: int, category: str | None = None
) -> dict:
    """The digest as data: each paper's mart row (every column), its links and its embedded tweets."""
    return {
        "listing_date": listing_date,
        "category": category,
        "min_score": min_score,
        "papers": [
            {
                **{k: v for k, v in paper.items() if k != "tweets"},
                "abs_url": f"https://arxiv.org/abs/{paper['arxiv_id']}",
                "pdf_url": f"https://arxiv.org/pdf/{paper['arxiv_id']}",
                "tweets": [
                    {**tweet, "url": f"https://twitter.com/{tweet['author_handle']}/status/{tweet['tweet_id']}"}
                    for tweet in paper.get("tweets", [])
                ],
            }
            for paper in papers
        ],
    }


def render_json(papers: list[dict], listing_date: date, *, min_score: int, category: str | None = None) -> str:
    """The digest as JSON; times are UTC, written ISO 8601 with a ``Z``."""
    document = digest_document(papers, listing_date, min_score=min_score, category=category)
    return json.dumps(document, default=_json_value, ensure_ascii=False, indent=2) + "\n"


def _json_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat() + ("Z" if value.tzinfo is None else "")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def post_slug(listing_date: date, category: str | None = None) -> str:
    slug = f"hot-papers-{listing_date.isoformat()}"
    return f"{slug}-{category.replace('.', '-').lower()}" if category else slug


def post_path(digests_dir: Path, listing_date: date, category: str | None = None) -> Path:
    return digests_dir / f"{post_slug(listing_date, category)}.md"
