"""The engagement history: every X fetch of a listing date, kept as its own snapshot.

``raw/x_tweets`` holds a listing date's latest fetch only (a refresh replaces it, so the digest
counts each tweet's newest figures). To answer "how much did a paper gain since the previous
snapshot", each fetch is also copied, unchanged plus the time it was taken, to
``raw/x_tweet_snapshots/listing_date=D/snapshot=<time>/data.parquet``. The file is named by the
fetch's time, so replaying the same fetch rewrites its own file and adds no rows.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from pipelines.rawstore import partition_path, write_snapshot
from pipelines.sources.x_search import TWEETS_SCHEMA

TWEETS_TABLE = "x_tweets"
SNAPSHOTS_TABLE = "x_tweet_snapshots"
SNAPSHOTS_SCHEMA = TWEETS_SCHEMA.append(pa.field("fetch_started_at", pa.timestamp("us", tz="UTC")))


def fetch_time(tweets: pa.Table) -> datetime | None:
    """When a fetch was taken: its earliest page's ``Date`` (None for a fetch that found no tweet)."""
    if tweets.num_rows == 0:
        return None
    return pc.min(tweets.column("fetched_at")).as_py()


def as_snapshot(tweets: pa.Table, taken_at: datetime) -> pa.Table:
    """The fetch's rows with the fetch's time on each, in the snapshot table's schema."""
    stamp = pa.array([taken_at] * tweets.num_rows, type=SNAPSHOTS_SCHEMA.field("fetch_started_at").type)
    return tweets.select(TWEETS_SCHEMA.names).cast(TWEETS_SCHEMA).append_column("fetch_started_at", stamp)


def keep_snapshot(raw_dir: Path, listing_date: date, tweets: pa.Table) -> Path | None:
    """Copy one fetch into the history; None when it found no tweet (nothing to remember)."""
    taken_at = fetch_time(tweets)
    if taken_at is None:
        return None
    return write_snapshot(raw_dir, SNAPSHOTS_TABLE, listing_date, taken_at, as_snapshot(tweets, taken_at))


def snapshot_files(raw_dir: Path, listing_date: date) -> list[Path]:
    """The kept snapshots of one listing date, oldest first."""
    folder = partition_path(raw_dir, SNAPSHOTS_TABLE, listing_date).parent
    return sorted(folder.glob("snapshot=*/data.parquet"))
