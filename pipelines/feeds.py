"""The Atom feed of the digests (RFC 4287): one entry per listing date, newest first.

Rendered through Jinja2 with autoescaping like the pages; entry content is XHTML, so titles are
escaped text inside real elements, and characters XML 1.0 forbids are dropped.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from jinja2 import Environment, PackageLoader, StrictUndefined

from pipelines.calendar import announcement_time

FEED_ENTRIES = 60
ENTRY_PAPERS = 10
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EPOCH = datetime(1970, 1, 1)


def xml_text(value: object) -> str:
    """Text XML 1.0 can carry (escaping is autoescape's job)."""
    return _NOT_XML.sub("", str(value if value is not None else ""))


def rfc3339(moment: datetime) -> str:
    """UTC, to the second; naive times are UTC already (the warehouse keeps UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


ENV = Environment(
    loader=PackageLoader("pipelines", "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=StrictUndefined,
)
ENV.filters.update(rfc3339=rfc3339, xml_text=xml_text)


def render_feed(digests: list[dict], *, min_score: int, base_url: str | None = None) -> str:
    """``digests``: newest first, each with listing_date, href, listed, in_digest, as_of and papers.

    An entry is as new as its newest engagement snapshot (or the listing's announcement when
    nobody shared its papers yet).
    """
    entries = [
        {
            **digest,
            "papers": digest["papers"][:ENTRY_PAPERS],
            "updated": digest["as_of"] or announcement_time(digest["listing_date"]),
        }
        for digest in digests[:FEED_ENTRIES]
    ]
    updated = max((rfc3339(e["updated"]) for e in entries), default=rfc3339(_EPOCH))
    return ENV.get_template("site/feed.xml.j2").render(
        entries=entries, updated=datetime.strptime(updated, "%Y-%m-%dT%H:%M:%SZ"), min_score=min_score, base_url=base_url
    )
