"""The static HTML site (data/site/): every digest, category, week and month, the rising papers, an Atom feed."""

import dagster as dg

from pipelines.site import build_site, load_site_data, write_site
from pipelines.resources import HotPapersResource
from pipelines.warehouse import connect

SITE_READS = [
    "paper_engagement",
    "digest_daily",
    "digest_category_daily",
    "digest_tweets",
    "digest_weekly",
    "digest_category_weekly",
    "digest_monthly",
    "digest_category_monthly",
    "rising_papers",
    "paper_engagement_history",
]


@dg.asset(
    key="hot_papers_site",
    deps=SITE_READS,
    group_name="digests",
    kinds={"html"},
    owners=["team:hotpapers"],
)
def hot_papers_site(hotpapers: HotPapersResource) -> dg.MaterializeResult:
    """The static site (data/site/index.html), rewritten whole from the marts and swapped in atomically."""
    settings = hotpapers.settings()
    with connect(settings.warehouse_path, read_only=True) as con:
        data = load_site_data(con, settings.min_score)
    files = build_site(data)
    path = write_site(settings.site_dir, files)
    return dg.MaterializeResult(
        metadata={
            "pages": sum(1 for name in files if name.endswith(".html")),
            "listing_dates": len(data.dates),
            "rising_papers": len(data.rising),
            "index": dg.MetadataValue.path(str(path / "index.html")),
        }
    )
