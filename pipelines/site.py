"""The static HTML site, read from the warehouse marts only: an index of listing dates, one page per
digest and per category, weekly and monthly rankings, the rising papers, JSON per digest, an Atom feed.

Everything goes through Jinja2 with autoescaping (tweets, names and titles are data, never markup),
charts are inline SVG drawn server-side, and pages load nothing from elsewhere (a Content Security
Policy says so too), so the site works offline and from ``file://``. ``write_site`` builds the whole
site in a folder beside the target and swaps it in.
"""

from __future__ import annotations

import ctypes
import errno
import os
import re
import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Callable, Mapping

import duckdb

from pipelines.charts import BAR_COLOR, bar_chart, line_chart
from pipelines.feeds import render_feed, xml_text
from pipelines.render import render_json, template_environment
from pipelines.warehouse import rows_as_dicts

SITE_MARKER = ".hotpapers-site"
RISING_SHOWN = 20
RISING_LINES = 5
RISING_WINDOW = timedelta(days=7)


class SiteError(ValueError):
    """The site cannot be written where asked; the CLI prints the message as one line."""


def utc(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else ""


ENV = template_environment(keep_trailing_newline=False, utc=utc, xml_text=xml_text)
ENV.globals.update(zip=zip, colors={"bar": BAR_COLOR})


def category_slug(category: str) -> str:
    """A file name for a category (``cs.CV`` → ``cs-cv``): only letters, digits and dashes."""
    return re.sub(r"[^a-z0-9]+", "-", category.lower()).strip("-") or "uncategorized"


# --- pages -------------------------------------------------------------------------------------


def render_digest_page(
    papers: list[dict],
    listing_date: date,
    *,
    min_score: int,
    listed: int,
    category: str | None = None,
    categories: Mapping[str, str] | None = None,
    root: str = "",
    standalone: bool = False,
) -> str:
    """One listing date's digest (or one category of it) as an HTML page with its bar chart."""
    title = f"Hot Papers {listing_date.isoformat()}" + (f" {category}" if category else "")
    if category:
        lede = f"{len(papers)} papers in {category} listed on {listing_date} reached a score of {min_score}."
        parent = None if standalone else {"href": f"../{listing_date}.html", "label": f"All categories of {listing_date}"}
    else:
        lede = f"{len(papers)} of the {listed} papers listed on {listing_date} reached a score of {min_score}."
        parent = None
    return _ranking_page(
        title=title,
        lede=lede,
        papers=papers,
        parent=parent,
        categories=categories,
        root=root,
        standalone=standalone,
        listed_link=False,
        empty=f"No paper of this listing reached a score of {min_score}.",
    )


def _ranking_page(*, title: str, lede: str, papers: list[dict], parent: dict | None, categories: Mapping[str, str] | None,
                  root: str, standalone: bool, listed_link: bool, empty: str) -> str:
    chart = bar_chart(papers, caption=f"{title}: score of the top {min(len(papers), 10)} papers")
    return ENV.get_template("site/ranking.html.j2").render(
        title=title,
        heading=title,
        lede=lede,
        papers=papers,
        parent=parent,
        categories=[{"name": name, "href": href} for name, href in (categories or {}).items()],
        chart=chart,
        root=root,
        standalone=standalone,
        listed_link=listed_link,
        empty=empty,
        as_of=max((p["as_of"] for p in papers if p.get("as_of")), default=None),
    )


# --- the site ----------------------------------------------------------------------------------


@dataclass
class SiteData:
    """What the site shows, loaded from the marts in a few queries (not one per page)."""

    min_score: int
    dates: list[dict]
    daily: dict[date, list[dict]]
    daily_categories: dict[date, dict[str, list[dict]]]
    weekly: dict[date, list[dict]]
    weekly_categories: dict[date, dict[str, list[dict]]]
    monthly: dict[date, list[dict]]
    monthly_categories: dict[date, dict[str, list[dict]]]
    rising: list[dict]
    rising_since: datetime | None
    history: dict[tuple[date, str], list[tuple[datetime, int]]] = field(default_factory=dict)


def load_site_data(con: duckdb.DuckDBPyConnection, min_score: int) -> SiteData:
    try:
        return _load_site_data(con, min_score)
    except duckdb.CatalogException as exc:
        missing = re.search(r"Table with name (\w+) does not exist", str(exc))
        table = missing.group(1) if missing else "a mart"
        raise SiteError(f"the warehouse has no {table} yet: run `hotpapers run` to build it") from None


def _load_site_data(con: duckdb.DuckDBPyConnection, min_score: int) -> SiteData:
    def table(name: str, order: str) -> list[dict]:
        return rows_as_dicts(con, f"select * from {name} order by {order}")

    tweets: dict[tuple[date, str], list[dict]] = defaultdict(list)
    for tweet in table("digest_tweets", "listing_date, arxiv_id, tweet_rank"):
        tweets[(tweet["listing_date"], tweet["arxiv_id"])].append(tweet)

    def with_tweets(rows: list[dict]) -> list[dict]:
        for row in rows:
            row["tweets"] = tweets.get((row["listing_date"], row["arxiv_id"]), [])
        return rows

    dates = rows_as_dicts(
        con,
        "select listing_date, count(*) as listed, max(as_of) as as_of from paper_engagement "
        "group by listing_date order by listing_date desc",
    )
    rising, since = _rising(con)
    return SiteData(
        min_score=min_score,
        dates=dates,
        daily=_group(with_tweets(table("digest_daily", "listing_date, rank")), "listing_date"),
        daily_categories=_group_categories(
            with_tweets(table("digest_category_daily", "listing_date, category, rank")), "listing_date"
        ),
        weekly=_group(table("digest_weekly", "week_start, rank"), "week_start"),
        weekly_categories=_group_categories(table("digest_category_weekly", "week_start, category, rank"), "week_start"),
        monthly=_group(table("digest_monthly", "month_start, rank"), "month_start"),
        monthly_categories=_group_categories(table("digest_category_monthly", "month_start, category, rank"), "month_start"),
        rising=rising,
        rising_since=since,
        history=_history(con, rising[:RISING_LINES]),
    )


def _rising(con: duckdb.DuckDBPyConnection) -> tuple[list[dict], datetime | None]:
    """The papers that gained most, among snapshots of the week before the newest one (not the clock)."""
    since = con.execute(f"select max(as_of) - interval {RISING_WINDOW.days} day from rising_papers").fetchone()[0]
    if since is None:
        return [], None
    rising = rows_as_dicts(
        con,
        "select * from rising_papers where as_of >= ? order by score_gained desc, as_of desc, arxiv_id limit ?",
        [since, RISING_SHOWN],
    )
    return rising, since


def _history(con: duckdb.DuckDBPyConnection, papers: list[dict]) -> dict[tuple[date, str], list[tuple[datetime, int]]]:
    """(time, score) at each snapshot of the given papers, oldest first."""
    wanted = {(p["listing_date"], p["arxiv_id"]) for p in papers}
    history: dict[tuple[date, str], list[tuple[datetime, int]]] = defaultdict(list)
    if not wanted:
        return {}
    rows = con.execute(
        "select listing_date, arxiv_id, as_of, score from paper_engagement_history "
        "where arxiv_id in (select unnest(?)) order by listing_date, arxiv_id, fetch_started_at",
        [sorted(arxiv_id for _, arxiv_id in wanted)],
    ).fetchall()
    for listing_date, arxiv_id, as_of, score in rows:
        if (listing_date, arxiv_id) in wanted:
            history[(listing_date, arxiv_id)].append((as_of, int(score)))
    return dict(history)


def _group(rows: list[dict], key: str) -> dict:
    grouped: dict = defaultdict(list)
    for row in rows:
        grouped[row[key]].append(row)
    return dict(grouped)


def _group_categories(rows: list[dict], key: str) -> dict:
    grouped: dict = defaultdict(lambda: defaultdict(list))
    for row in rows:
        grouped[row[key]][row["category"]].append(row)
    return {k: dict(v) for k, v in grouped.items()}


def build_site(data: SiteData, *, base_url: str | None = None) -> dict[str, str]:
    """Every file of the site, by path relative to its root."""
    files: dict[str, str] = {}
    days = []
    for row in data.dates:
        listing_date = row["listing_date"]
        papers = data.daily.get(listing_date, [])
        categories = data.daily_categories.get(listing_date, {})
        files[f"daily/{listing_date}.html"] = render_digest_page(
            papers, listing_date, min_score=data.min_score, listed=row["listed"], root="../",
            categories={c: f"{listing_date}/{category_slug(c)}.html" for c in sorted(categories)},
        )
        files[f"daily/{listing_date}.json"] = render_json(papers, listing_date, min_score=data.min_score)
        for category, category_papers in categories.items():
            files[f"daily/{listing_date}/{category_slug(category)}.html"] = render_digest_page(
                category_papers, listing_date, min_score=data.min_score, listed=row["listed"], category=category, root="../../"
            )
        days.append({
            **row,
            "href": f"daily/{listing_date}.html",
            "json_href": f"daily/{listing_date}.json",
            "in_digest": len(papers),
            "top_title": papers[0]["title"] if papers else None,
            "top_score": papers[0]["score"] if papers else None,
            "papers": papers,
        })

    weeks = _period_pages(
        files, "weekly", data.weekly, data.weekly_categories,
        heading=lambda start: f"Hot Papers, week of {start}", name=lambda start: start.isoformat(),
    )
    months = _period_pages(
        files, "monthly", data.monthly, data.monthly_categories,
        heading=lambda start: f"Hot Papers, {start:%B %Y}", name=lambda start: f"{start:%Y-%m}",
    )

    newest = max((d["as_of"] for d in data.dates if d["as_of"]), default=None)
    files["index.html"] = ENV.get_template("site/index.html.j2").render(
        title="Hot Papers", root="", standalone=False, as_of=newest, min_score=data.min_score, dates=days,
        weeks=[{"start": w, "href": href} for w, href in weeks], months=[{"label": f"{m:%B %Y}", "href": href} for m, href in months],
    )
    files["rising.html"] = render_rising(data)
    files["feed.xml"] = render_feed(days, min_score=data.min_score, base_url=base_url)
    return files


def _period_pages(
    files: dict[str, str], folder: str, periods: dict[date, list[dict]], period_categories: dict,
    *, heading: Callable[[date], str], name: Callable[[date], str],
) -> list[tuple[date, str]]:
    """Weekly or monthly ranking pages (a period is there because it has papers), with one page per
    category; returns (start, href), newest first."""
    links = []
    for start in sorted(periods, reverse=True):
        papers, title, page = periods[start], heading(start), name(start)
        dates = sorted({p["listing_date"] for p in papers})
        categories = period_categories.get(start, {})
        files[f"{folder}/{page}.html"] = _ranking_page(
            title=title,
            lede=f"The {len(papers)} digest papers of "
            + (f"the listing dates from {dates[0]} to {dates[-1]}, ranked together" if len(dates) > 1 else f"the listing date {dates[0]}")
            + " by score.",
            papers=papers, parent=None, root="../", standalone=False, listed_link=True,
            categories={c: f"{page}/{category_slug(c)}.html" for c in sorted(categories)},
            empty="",
        )
        for category, category_papers in categories.items():
            files[f"{folder}/{page}/{category_slug(category)}.html"] = _ranking_page(
                title=f"{title}: {category}", lede=f"{len(category_papers)} of them in {category}.", papers=category_papers,
                parent={"href": f"../{page}.html", "label": title}, categories=None, root="../../",
                standalone=False, listed_link=True, empty="",
            )
        links.append((start, f"{folder}/{page}.html"))
    return links


def render_rising(data: SiteData) -> str:
    lines = [
        (p["arxiv_id"], p["title"], data.history.get((p["listing_date"], p["arxiv_id"]), []))
        for p in data.rising[:RISING_LINES]
    ]
    chart = line_chart(lines, caption=f"X retweets + favorites at each snapshot of the top {len(lines)} rising papers")
    return ENV.get_template("site/rising.html.j2").render(
        title="Hot Papers: rising", root="", standalone=False, papers=data.rising, chart=chart, since=data.rising_since,
        as_of=max((p["as_of"] for p in data.rising), default=None),
    )


# --- writing -----------------------------------------------------------------------------------


def write_site(out: Path, files: Mapping[str, str]) -> Path:
    """Write the whole site to a temporary folder beside ``out``, then swap it in.

    Refuses a folder that holds something else than an earlier site (it would be replaced whole).
    """
    out = Path(os.path.abspath(out))
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise SiteError(f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / SITE_MARKER).is_file():
        raise SiteError(f"{out} is a folder with other content (no {SITE_MARKER} file): choose a new or empty folder")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    except OSError as exc:
        raise SiteError(f"cannot write beside {out}: {exc.strerror or exc}") from None
    try:
        for relative, text in files.items():
            path = tmp / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        (tmp / SITE_MARKER).write_text("Written by `hotpapers site`: the whole folder is replaced on each run.\n")
        os.chmod(tmp, 0o755)  # mkdtemp makes it private
        _swap_in(tmp, out)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError):
            raise SiteError(f"cannot write the site to {out}: {exc.strerror or exc}") from None
        raise
    return out


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _swap_in(new: Path, out: Path) -> None:
    """Put ``new`` at ``out``: one atomic exchange where Linux offers it, else two renames."""
    try:
        os.rename(new, out)  # no site there yet (or an empty folder)
        return
    except OSError as exc:
        if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
            raise
    if _exchange(new, out):
        shutil.rmtree(new)  # now holds the previous site
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
    os.rename(out, old / "site")
    try:
        os.rename(new, out)
    except OSError:
        os.rename(old / "site", out)
        raise
    finally:
        shutil.rmtree(old, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """renameat2(RENAME_EXCHANGE): readers of ``b`` see the old tree or the new one, never neither."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0
