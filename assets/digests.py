"""Rendered digests: the published Markdown post of one listing date, from the marts only."""


from datetime import date

import dagster as dg

from pipelines.files import atomic_write_text
from pipelines.partitions import LISTING_DATES
from pipelines.render import load_digest, post_path, render_post
from pipelines.resources import HotPapersResource
from pipelines.warehouse import connect


@dg.asset(
    key="hot_papers_post",
    partitions_def=LISTING_DATES,
    deps=["digest_daily", "digest_tweets"],
    group_name="digests",
    kinds={"markdown"},
    owners=["team:hotpapers"],
    pool="duckdb",
)
def hot_papers_post(context: dg.AssetExecutionContext, hotpapers: HotPapersResource) -> dg.MaterializeResult:
    """The day's "Hot Papers" post (data/digests/hot-papers-YYYY-MM-DD.md), in the published format."""
    listing_date = date.fromisoformat(context.partition_key)
    settings = hotpapers.settings()
    with connect(settings.warehouse_path, read_only=True) as con:
        papers = load_digest(con, listing_date)
    text = render_post(papers, listing_date, min_score=settings.min_score)
    path = atomic_write_text(post_path(settings.digests_dir, listing_date), text)
    return dg.MaterializeResult(
        metadata={
            "papers": len(papers),
            "path": dg.MetadataValue.path(str(path)),
            "digest": dg.MetadataValue.md(text),
        }
    )
