"""The freshness check: not partitioned, evaluated against the clock by its own job and schedule.

Expected listing dates worked out by hand (listing D is announced at 20:00 New York the day before;
the check allows an hour for the run): Wed 2026-11-18 21:30 EST → Thursday's listing is due.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from assets.checks import listing_freshness
from pipelines.calendar import latest_listing_date
from pipelines.config import Settings
from pipelines.rawstore import write_partition
from pipelines.sources.arxiv_listing import PAPERS_SCHEMA

NEW_YORK = ZoneInfo("America/New_York")


def data_dir_with(tmp_path: Path, *listings: str) -> Path:
    data_dir = tmp_path / "data"
    for day in listings:
        write_partition(data_dir / "raw", "arxiv_papers", date.fromisoformat(day), PAPERS_SCHEMA.empty_table())
    return data_dir


def evaluate(data_dir: Path, now: str, holidays: frozenset[date] = frozenset()) -> dg.AssetCheckResult:
    at = datetime.fromisoformat(now).replace(tzinfo=NEW_YORK)
    return listing_freshness(Settings(data_dir=data_dir, holidays=holidays), at)


@pytest.mark.parametrize(
    ("listings", "now", "passed", "expected", "behind"),
    [
        # Wed 21:30: Thursday's listing was announced at 20:00 and is in.
        (["2026-11-18", "2026-11-19"], "2026-11-18T21:30", True, "2026-11-19", 0),
        # ... and missing: one listing behind.
        (["2026-11-17", "2026-11-18"], "2026-11-18T21:30", False, "2026-11-19", 1),
        # Wed 20:30: announced half an hour ago, the run still has time: Wednesday's is what is due.
        (["2026-11-18"], "2026-11-18T20:30", True, "2026-11-18", 0),
        # Sat noon: Friday's listing is the newest there is.
        (["2026-11-20"], "2026-11-21T12:00", True, "2026-11-20", 0),
        # Mon 09:00, data stopped on Wednesday: Thu, Fri, Mon missing.
        (["2026-11-18"], "2026-11-23T09:00", False, "2026-11-23", 3),
    ],
)
def test_freshness_against_the_calendar(tmp_path, listings, now, passed, expected, behind) -> None:
    result = evaluate(data_dir_with(tmp_path, *listings), now)
    assert result.passed is passed
    assert result.metadata["expected"].value == expected
    assert result.metadata["newest_ingested"].value == listings[-1]
    assert result.metadata["listing_dates_behind"].value == behind


def test_a_holiday_is_not_due(tmp_path) -> None:
    """Thanksgiving Thu 2026-11-26 has no listing: on Thursday evening Wednesday's is still current."""
    data_dir = data_dir_with(tmp_path, "2026-11-25")
    assert not evaluate(data_dir, "2026-11-26T12:00").passed  # without the holiday, Thursday's is due
    assert evaluate(data_dir, "2026-11-26T12:00", frozenset({date(2026, 11, 26)})).passed


def test_no_listing_at_all_fails(tmp_path) -> None:
    result = evaluate(tmp_path / "empty", "2026-11-18T21:30")
    assert result.passed is False
    assert result.metadata["newest_ingested"].value == "none"


@pytest.mark.parametrize("current", [True, False])
def test_the_freshness_job_evaluates_the_check_now(tmp_path, monkeypatch: pytest.MonkeyPatch, current: bool) -> None:
    """Through Dagster: the `listing_freshness` job alone, unpartitioned, on a data dir whose newest
    listing is the newest announced one (current) or the 2021 sample's (stale)."""
    newest = latest_listing_date(datetime.now(timezone.utc)) if current else date(2021, 6, 4)
    data_dir = data_dir_with(tmp_path, "2021-06-03", newest.isoformat())
    monkeypatch.setenv("HOTPAPERS_DATA_DIR", str(data_dir))
    monkeypatch.delenv("HOTPAPERS_HOLIDAYS", raising=False)
    from pipelines.definitions import defs

    with dg.DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def("listing_freshness").execute_in_process(instance=instance)
    assert result.success  # a failed freshness check is a finding, not a failed run
    [evaluation] = result.get_asset_check_evaluations()
    assert evaluation.check_name == "newest_listing_is_current"
    assert evaluation.asset_key == dg.AssetKey("raw_arxiv__papers")
    assert evaluation.passed is current
    assert evaluation.metadata["newest_ingested"].value == newest.isoformat()
    assert result.dagster_run.tags.get("dagster/partition") is None
    materialized = [e for e in result.all_events if e.event_type_value == "ASSET_MATERIALIZATION"]
    assert materialized == []  # the check reads the data; it builds nothing
