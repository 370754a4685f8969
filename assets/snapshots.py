"""The engagement history: each X fetch of a listing date kept as its own snapshot (see pipelines/snapshots.py)."""

from datetime import date

import dagster as dg

from pipelines.partitions import LISTING_DATES
from pipelines.rawstore import read_partition
from pipelines.resources import HotPapersResource
from pipelines.snapshots import TWEETS_TABLE, keep_snapshot, snapshot_files


@dg.asset(
    key="raw_x__tweet_snapshots",
    partitions_def=LISTING_DATES,
    deps=["raw_x__tweets"],
    group_name="ingestion",
    kinds={"python", "parquet"},
    owners=["team:hotpapers"],
)
def raw_x__tweet_snapshots(context: dg.AssetExecutionContext, hotpapers: HotPapersResource) -> dg.MaterializeResult:
    """Every X fetch of the listing date, one snapshot file each: how engagement grew from fetch to fetch."""
    listing_date = date.fromisoformat(context.partition_key)
    settings = hotpapers.settings()
    tweets = read_partition(settings.raw_dir, TWEETS_TABLE, listing_date)
    if tweets is None:
        if reason := hotpapers.skip_reasons(listing_date, settings).get("raw_x__tweets"):
            return dg.MaterializeResult(metadata={"skipped": reason})  # e.g. no X_BEARER_TOKEN: nothing to keep
        raise dg.Failure(f"no X fetch of listing {listing_date} yet: materialize raw_x__tweets first")
    path = keep_snapshot(settings.raw_dir, listing_date, tweets)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": tweets.num_rows if path else 0,
            "snapshot": dg.MetadataValue.path(str(path)) if path else "none: the fetch found no tweet",
            "snapshots_kept": len(snapshot_files(settings.raw_dir, listing_date)),
        }
    )
