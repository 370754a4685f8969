"""Data checks: the SQL tests under sql/tests/ as blocking asset checks, and a calendar freshness check."""

from datetime import date, datetime, timezone

import dagster as dg

from assets.metadata import markdown_preview
from pipelines.calendar import latest_listing_date
from pipelines.partitions import LISTING_DATES
from pipelines.rawstore import partition_path
from pipelines.resources import HotPapersResource
from pipelines.sqlmodels import SqlTest, build_session, count_failures, discover_tests


def sql_check(test: SqlTest) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=test.table,
        name=test.name,
        description=test.description,
        blocking=True,
        pool="duckdb",
        partitions_def=LISTING_DATES,
        metadata={"sql": dg.MetadataValue.md(f"```sql\n{test.sql}\n```")},
    )
    def _check(context: dg.AssetCheckExecutionContext, hotpapers: HotPapersResource) -> dg.AssetCheckResult:
        listing_date = date.fromisoformat(context.partition_key)
        with build_session(hotpapers.settings()) as con:
            count = count_failures(con, test, listing_date)
            preview = markdown_preview(con, f"({test.sql})", 5) if count else "none"
        return dg.AssetCheckResult(
            passed=count == 0,
            metadata={"failing_rows": count, "failures": dg.MetadataValue.md(preview)},
        )

    return _check


SQL_CHECKS = [sql_check(test) for test in discover_tests()]


@dg.asset_check(
    asset="raw_arxiv__papers",
    name="newest_listing_is_current",
    description="The newest listing arXiv has announced (per the calendar) has been ingested.",
    partitions_def=LISTING_DATES,
)
def newest_listing_is_current(hotpapers: HotPapersResource) -> dg.AssetCheckResult:
    settings = hotpapers.settings()
    expected = latest_listing_date(datetime.now(timezone.utc), settings.holidays)
    ingested = sorted(p.parent.name.removeprefix("listing_date=") for p in settings.raw_dir.glob("arxiv_papers/*/data.parquet"))
    return dg.AssetCheckResult(
        passed=partition_path(settings.raw_dir, "arxiv_papers", expected).exists(),
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"newest_ingested": ingested[-1] if ingested else "none", "expected": expected.isoformat()},
    )
