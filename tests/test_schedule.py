"""The daily schedule's run requests for chosen ticks, evaluated like the daemon does
(`build_schedule_context` + the schedule function), and when its ticks fall.

Expected dates are worked out by hand from arXiv's rule (listing D is announced at 20:00 New York on
the day before D; weekdays only; holidays skipped), on the 2026 calendar: Mon 2026-11-16, Thu
2026-11-26 is Thanksgiving, DST starts Sun 2026-03-08 and ends Sun 2026-11-01.
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
from dagster._utils.schedules import cron_string_iterator  # what the scheduler daemon iterates

from pipelines.partitions import listing_partitions
from pipelines.rawstore import write_partition
from pipelines.schedules import daily_hot_papers, freshness_schedule
from pipelines.sources.arxiv_listing import PAPERS_SCHEMA

NEW_YORK = ZoneInfo("America/New_York")
LISTING = dg.AssetKey("raw_arxiv__papers")


def ny(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=NEW_YORK)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    for name in ("HOTPAPERS_HOLIDAYS", "HOTPAPERS_REFRESH_LISTINGS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOTPAPERS_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    from pipelines.definitions import defs

    return defs


def evaluate(tick: datetime) -> list[dg.RunRequest] | dg.SkipReason:
    with dg.build_schedule_context(scheduled_execution_time=tick) as context:
        return daily_hot_papers(context)


def plan(requests: list[dg.RunRequest]) -> list[tuple[str, str]]:
    return [(r.partition_key, r.tags["hotpapers/kind"]) for r in requests]


CASES = {
    # Wed 20:30 EST: Thursday's listing was announced at 20:00; refresh Wed, Tue, Mon.
    "weekday": ("2026-11-18T20:30", [("2026-11-19", "listing"), ("2026-11-18", "refresh"), ("2026-11-17", "refresh"), ("2026-11-16", "refresh")]),
    # Sun 20:30: Monday's listing; the refreshes reach back over the weekend to Fri, Thu, Wed.
    "sunday, monday's listing": ("2026-11-15T20:30", [("2026-11-16", "listing"), ("2026-11-13", "refresh"), ("2026-11-12", "refresh"), ("2026-11-11", "refresh")]),
    # Mon 20:30: Tuesday's listing; refresh Mon, then Fri and Thu of the week before.
    "monday": ("2026-11-16T20:30", [("2026-11-17", "listing"), ("2026-11-16", "refresh"), ("2026-11-13", "refresh"), ("2026-11-12", "refresh")]),
    # Sat 20:30 (not a tick of the cron, but if evaluated): nothing new on a weekend, refreshes only.
    "saturday": ("2026-11-21T20:30", [("2026-11-20", "refresh"), ("2026-11-19", "refresh"), ("2026-11-18", "refresh")]),
    # DST starts Sun 2026-03-08: 20:30 EDT = 00:30 UTC, after the 20:00 EDT (00:00 UTC) announcement.
    "dst starts": ("2026-03-08T20:30", [("2026-03-09", "listing"), ("2026-03-06", "refresh"), ("2026-03-05", "refresh"), ("2026-03-04", "refresh")]),
    # The Thursday before: still EST, 20:30 EST = 01:30 UTC.
    "before dst starts": ("2026-03-05T20:30", [("2026-03-06", "listing"), ("2026-03-05", "refresh"), ("2026-03-04", "refresh"), ("2026-03-03", "refresh")]),
    # DST ends Sun 2026-11-01: 20:30 EST = 01:30 UTC Monday.
    "dst ends": ("2026-11-01T20:30", [("2026-11-02", "listing"), ("2026-10-30", "refresh"), ("2026-10-29", "refresh"), ("2026-10-28", "refresh")]),
}


@pytest.mark.parametrize("case", CASES)
def test_run_requests_for_a_tick(case: str, defs: dg.Definitions, tmp_path) -> None:
    tick, expected = CASES[case]
    for partition, kind in expected:  # the listings a refresh refreshes were ingested earlier
        if kind == "refresh":
            write_partition(tmp_path / "data" / "raw", "arxiv_papers", datetime.fromisoformat(partition).date(), PAPERS_SCHEMA.empty_table())
    requests = evaluate(ny(tick))
    assert plan(requests) == expected

    graph = defs.resolve_asset_graph()
    # every executable asset but the site, which its own schedule renders once a tick
    all_keys = {k for k in graph.get_all_asset_keys() if graph.get(k).is_executable} - {dg.AssetKey("hot_papers_site")}
    job = defs.resolve_job_def("hot_papers_daily")
    available = set(listing_partitions().get_partition_keys(current_time=ny(tick)))
    for request in requests:
        kind = request.tags["hotpapers/kind"]
        selection = set(request.asset_selection)
        # the new listing is fetched; a refresh keeps the ingested listing and fetches engagement only
        assert selection == (all_keys if kind == "listing" else all_keys - {LISTING}), kind
        assert request.partition_key in available, f"{request.partition_key} is not a partition yet at {tick}"
        job.get_subset(asset_selection=selection)  # launchable as a subset of the daily job
    assert len({r.run_key for r in requests}) == len(requests)


def test_the_same_tick_in_utc_gives_the_same_requests() -> None:
    """The daemon may hand the tick over in any zone: 2026-03-09 00:30 UTC is 20:30 EDT on the 8th."""
    utc = evaluate(datetime(2026, 3, 9, 0, 30, tzinfo=timezone.utc))
    assert plan(utc) == CASES["dst starts"][1]


def test_holidays_are_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTPAPERS_HOLIDAYS", "2026-11-26")
    # Wed 20:30: Thursday is Thanksgiving, so nothing was announced tonight: refreshes only.
    assert plan(evaluate(ny("2026-11-25T20:30"))) == [
        ("2026-11-25", "refresh"),
        ("2026-11-24", "refresh"),
        ("2026-11-23", "refresh"),
    ]
    # Thu 20:30: Friday's listing; the refreshes step over the holiday.
    assert plan(evaluate(ny("2026-11-26T20:30"))) == [
        ("2026-11-27", "listing"),
        ("2026-11-25", "refresh"),
        ("2026-11-24", "refresh"),
        ("2026-11-23", "refresh"),
    ]
    keys = listing_partitions(frozenset({datetime(2026, 11, 26).date()})).get_partition_keys(current_time=ny("2026-11-26T20:30"))
    assert "2026-11-26" not in keys and "2026-11-27" in keys and "2026-11-25" in keys


def test_refresh_count_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTPAPERS_REFRESH_LISTINGS", "1")
    assert plan(evaluate(ny("2026-11-18T20:30"))) == [("2026-11-19", "listing"), ("2026-11-18", "refresh")]
    monkeypatch.setenv("HOTPAPERS_REFRESH_LISTINGS", "0")
    assert plan(evaluate(ny("2026-11-18T20:30"))) == [("2026-11-19", "listing")]
    skipped = evaluate(ny("2026-11-21T20:30"))
    assert isinstance(skipped, dg.SkipReason)


def test_a_refresh_of_a_listing_never_ingested_fetches_it(tmp_path, monkeypatch: pytest.MonkeyPatch, defs) -> None:
    """After the daemon was down, a refresh of a date whose listing was never fetched fetches it too
    (otherwise its digest would be empty)."""
    data_dir = tmp_path / "data"
    monkeypatch.setenv("HOTPAPERS_DATA_DIR", str(data_dir))
    for day in ("2026-11-17", "2026-11-18"):
        write_partition(data_dir / "raw", "arxiv_papers", datetime.fromisoformat(day).date(), PAPERS_SCHEMA.empty_table())
    requests = {r.partition_key: set(r.asset_selection) for r in evaluate(ny("2026-11-18T20:30"))}
    assert LISTING in requests["2026-11-19"]  # the new listing
    assert LISTING not in requests["2026-11-18"] and LISTING not in requests["2026-11-17"]  # ingested: kept
    assert LISTING in requests["2026-11-16"]  # never ingested


def ticks(cron: str, timezone_name: str, start: datetime, count: int) -> list[datetime]:
    iterator = cron_string_iterator(start.timestamp(), cron, timezone_name)
    return [next(iterator) for _ in range(count)]


def test_daily_ticks_are_2030_new_york_sunday_to_thursday_across_dst() -> None:
    """20:30 New York wall-clock, before and after both DST switches; none on Friday or Saturday."""
    assert daily_hot_papers.execution_timezone == "America/New_York"
    march = ticks(daily_hot_papers.cron_schedule, "America/New_York", ny("2026-03-05T00:00"), 6)
    assert [t.astimezone(timezone.utc).strftime("%a %Y-%m-%d %H:%M") for t in march] == [
        "Fri 2026-03-06 01:30",  # Thu 20:30 EST
        "Mon 2026-03-09 00:30",  # Sun 20:30 EDT (DST started that morning)
        "Tue 2026-03-10 00:30",
        "Wed 2026-03-11 00:30",
        "Thu 2026-03-12 00:30",
        "Fri 2026-03-13 00:30",  # Thu 20:30 EDT
    ]
    november = ticks(daily_hot_papers.cron_schedule, "America/New_York", ny("2026-10-29T00:00"), 3)
    assert [t.astimezone(timezone.utc).strftime("%a %Y-%m-%d %H:%M") for t in november] == [
        "Fri 2026-10-30 00:30",  # Thu 20:30 EDT
        "Mon 2026-11-02 01:30",  # Sun 20:30 EST (DST ended that morning)
        "Tue 2026-11-03 01:30",
    ]


def test_freshness_is_its_own_daily_schedule_and_not_in_the_daily_job(defs: dg.Definitions) -> None:
    freshness = dg.AssetCheckKey(LISTING, "newest_listing_is_current")
    daily = defs.resolve_job_def("hot_papers_daily")
    daily_checks = set(daily.asset_layer.asset_graph.asset_check_keys)
    assert freshness not in daily_checks
    assert dg.AssetCheckKey(dg.AssetKey("digest_daily"), "unique_rank") in daily_checks
    own = defs.resolve_job_def(freshness_schedule.job_name)
    assert set(own.asset_layer.asset_graph.asset_check_keys) == {freshness}
    assert own.partitions_def is None
    days = ticks(freshness_schedule.cron_schedule, freshness_schedule.execution_timezone, ny("2026-11-20T00:00"), 3)
    assert [t.astimezone(NEW_YORK).strftime("%a %H:%M") for t in days] == ["Fri 22:30", "Sat 22:30", "Sun 22:30"]


def test_the_site_is_rendered_once_a_tick_by_its_own_schedule(defs: dg.Definitions) -> None:
    from pipelines.schedules import site_schedule

    site_key = dg.AssetKey("hot_papers_site")
    own = defs.resolve_job_def(site_schedule.job_name)
    assert set(own.asset_layer.asset_graph.executable_asset_keys) == {site_key}
    assert site_key not in defs.resolve_job_def("hot_papers_daily").asset_layer.asset_graph.executable_asset_keys
    # 22:00 New York, after the 20:30 daily tick, on the same days; Nov 1 2026 is the DST switch
    days = ticks(site_schedule.cron_schedule, site_schedule.execution_timezone, ny("2026-10-30T00:00"), 6)
    assert [t.astimezone(NEW_YORK).strftime("%a %d %H:%M") for t in days] == [
        "Sun 01 22:00", "Mon 02 22:00", "Tue 03 22:00", "Wed 04 22:00", "Thu 05 22:00", "Sun 08 22:00"
    ]
