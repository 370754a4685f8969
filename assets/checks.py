"""Data checks: the SQL tests under sql/tests/ as blocking asset checks, and a calendar freshness check."""

from datetime import date, datetime, timedelta, timezone

import dagster as dg

from assets.metadata import markdown_preview
from pipelines.calendar import latest_listing_date, listing_dates_between, next_listing_date
from pipelines.config import Settings
from pipelines.partitions import LISTING_DATES
from pipelines.resources import HotPapersResource
from pipelines.sqlmodels import SqlTest, build_session, count_failures, discover, discover_tests


def sql_check(test: SqlTest) -> dg.AssetChecksDefinition:
    """A check partitioned like its table: per listing date, or the whole table when it is not partitioned."""
    partitioned = next(m.partitioned for m in discover() if m.name == test.table)

    @dg.asset_check(
        asset=test.table,
        name=test.name,
        description=test.description,
        blocking=True,
        pool="duckdb",
        partitions_def=LISTING_DATES if partitioned else None,
        metadata={"sql": dg.MetadataValue.md(f"```sql\n{test.sql}\n```")},
    )
    def _check(context: dg.AssetCheckExecutionContext, hotpapers: HotPapersResource) -> dg.AssetCheckResult:
        listing_date = date.fromisoformat(context.partition_key) if partitioned else None
        with build_session(hotpapers.settings()) as con:
            count = count_failures(con, test, listing_date)
            preview = markdown_preview(con, f"({test.sql})", 5) if count else "none"
        return dg.AssetCheckResult(
            passed=count == 0,
            metadata={"failing_rows": count, "failures": dg.MetadataValue.md(preview)},
        )

    return _check


SQL_CHECKS = [sql_check(test) for test in discover_tests()]


FRESHNESS_CHECK = dg.AssetCheckKey(dg.AssetKey("raw_arxiv__papers"), "newest_listing_is_current")
FRESHNESS_GRACE = timedelta(hours=1)
"""How long after arXiv's announcement the new listing may still be missing (the schedule's run)."""


def listing_freshness(settings: Settings, now: datetime) -> dg.AssetCheckResult:
    """Passes when the newest ingested listing is at least the newest one the calendar says was
    announced (more than ``FRESHNESS_GRACE`` before ``now``)."""
    expected = latest_listing_date(now - FRESHNESS_GRACE, settings.holidays)
    folders = settings.raw_dir.glob("arxiv_papers/listing_date=*/data.parquet")
    ingested = sorted(date.fromisoformat(p.parent.name.removeprefix("listing_date=")) for p in folders)
    newest = ingested[-1] if ingested else None
    passed = newest is not None and newest >= expected
    behind = -1 if newest is None else len(listing_dates_between(next_listing_date(newest, settings.holidays), expected, settings.holidays))
    return dg.AssetCheckResult(
        passed=passed,
        description=f"newest listing ingested: {newest or 'none'}; the calendar expects {expected}",
        metadata={
            "newest_ingested": newest.isoformat() if newest else "none",
            "expected": expected.isoformat(),
            "listing_dates_behind": behind,
            "evaluated_at": now.isoformat(timespec="seconds"),
        },
    )


@dg.asset_check(
    asset=FRESHNESS_CHECK.asset_key,
    name=FRESHNESS_CHECK.name,
    description="The newest listing arXiv has announced (per the calendar, now) has been ingested. "
    "Not partitioned: evaluated against the clock by its own daily schedule, not by the daily job.",
)
def newest_listing_is_current(hotpapers: HotPapersResource) -> dg.AssetCheckResult:
    return listing_freshness(hotpapers.settings(), datetime.now(timezone.utc))
