"""What the digest of listing date D reads, according to the asset graph Dagster sees (its partition
mappings), checked against arXiv's calendar worked out by hand: Fri 2025-11-21 → the next seven days
hold Mon 24 … Fri 28; Thanksgiving (Thu 27) as a holiday in one case. (Past dates: Dagster drops
partition keys that do not exist yet at the real clock's time.)

Dagster uses these mappings for staleness in the UI and to order asset backfills, so they must say
what the SQL reads: the listing of D, and the engagement fetches of D and the 7 days after.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timezone

import dagster as dg
import pytest

from pipelines.partitions import engagement_fetches, listing_partitions

LATER = datetime(2026, 1, 15, tzinfo=timezone.utc)  # every partition used here exists by then
D = "2025-11-21"


@pytest.fixture(scope="module")
def graph():
    from pipelines.definitions import defs

    return defs.resolve_asset_graph()


def upstream_partitions(graph, key: dg.AssetKey, partition: str) -> dict[dg.AssetKey, set[str | None]]:
    """Every ancestor of ``key`` and the partitions of it that ``partition`` of ``key`` reads, by
    following each edge's partition mapping (None for an unpartitioned ancestor)."""
    reads: dict[dg.AssetKey, set[str | None]] = defaultdict(set)
    frontier = [(key, partition)]
    seen = set()
    while frontier:
        child, child_partition = frontier.pop()
        if (child, child_partition) in seen:
            continue
        seen.add((child, child_partition))
        child_def = graph.get(child).partitions_def
        for parent in graph.get(child).parent_keys:
            parent_def = graph.get(parent).partitions_def
            if parent_def is None or child_partition is None:
                parents = {None} if parent_def is None else set(parent_def.get_partition_keys(current_time=LATER))
            else:
                mapping = graph.get_partition_mapping(child, parent)
                result = mapping.get_upstream_mapped_partitions_result_for_partitions(
                    child_def.empty_subset().with_partition_keys([child_partition]), child_def, parent_def, current_time=LATER
                )
                parents = set(result.partitions_subset.get_partition_keys())
            for parent_partition in parents:
                reads[parent].add(parent_partition)
                frontier.append((parent, parent_partition))
    return reads


def test_the_digest_of_d_reads_the_listing_of_d_and_the_fetches_of_its_week(graph) -> None:
    reads = upstream_partitions(graph, dg.AssetKey("hot_papers_post"), D)
    # the listing: D's, nothing else
    assert reads[dg.AssetKey("raw_arxiv__papers")] == {D}
    assert reads[dg.AssetKey("stg_arxiv__papers")] == {D}
    # engagement: the X fetches of D and of the listing dates in the 7 days after it
    fetches = {"2025-11-21", "2025-11-24", "2025-11-25", "2025-11-26", "2025-11-27", "2025-11-28"}
    assert reads[dg.AssetKey("raw_x__tweets")] == fetches
    assert reads[dg.AssetKey("stg_x__tweets")] == fetches
    # the other engagement sources come through the same window
    for source in ("stg_hf__daily_papers", "stg_hn__stories", "stg_bluesky__posts"):
        if graph.has(dg.AssetKey(source)):
            assert reads[dg.AssetKey(source)] == fetches, source
    # and every model between them and the post is read for D only
    for key in ("int_tweets_linked_to_papers", "paper_engagement", "digest_daily", "digest_tweets"):
        assert reads[dg.AssetKey(key)] == {D}, key


def test_the_window_covers_every_fetch_that_can_hold_d_engagement(graph) -> None:
    """A fetch for listing E holds posts from E's announcement on; D's window is at most 7 days from
    D's announcement, so fetches announced before it ends can hold D's posts: Fri 21 … Thu 27 (Fri 28's
    is announced exactly 7 days after D's, when the window has ended)."""
    can_hold = {"2025-11-21", "2025-11-24", "2025-11-25", "2025-11-26", "2025-11-27"}
    mapping = graph.get_partition_mapping(dg.AssetKey("int_tweets_linked_to_papers"), dg.AssetKey("stg_x__tweets"))
    listing = graph.get(dg.AssetKey("stg_x__tweets")).partitions_def
    read = mapping.get_upstream_mapped_partitions_result_for_partitions(
        listing.empty_subset().with_partition_keys([D]), listing, listing, current_time=LATER
    )
    assert can_hold <= set(read.partitions_subset.get_partition_keys())


def test_a_holiday_is_stepped_over() -> None:
    """With Thanksgiving (Thu 27) excluded the window still reaches Fri 28 (D + 7), and one date past it."""
    holidays = listing_partitions(frozenset({date(2025, 11, 27)}))
    read = engagement_fetches().get_upstream_mapped_partitions_result_for_partitions(
        holidays.empty_subset().with_partition_keys([D]), holidays, holidays, current_time=LATER
    )
    assert sorted(read.partitions_subset.get_partition_keys()) == [
        "2025-11-21", "2025-11-24", "2025-11-25", "2025-11-26", "2025-11-28", "2025-12-01",
    ]


def test_a_fetch_refreshes_the_engagement_of_the_week_before_it(graph) -> None:
    """The fetch of Mon 2025-11-24 feeds the engagement of every listing date whose window reads it,
    Mon 17 … Mon 24: what the UI marks stale after a refresh of that date."""
    mapping = graph.get_partition_mapping(dg.AssetKey("int_tweets_linked_to_papers"), dg.AssetKey("stg_x__tweets"))
    listing = graph.get(dg.AssetKey("stg_x__tweets")).partitions_def
    downstream = mapping.get_downstream_partitions_for_partitions(
        listing.empty_subset().with_partition_keys(["2025-11-24"]), listing, listing, current_time=LATER
    )
    assert sorted(downstream.get_partition_keys()) == [
        "2025-11-17", "2025-11-18", "2025-11-19", "2025-11-20", "2025-11-21", "2025-11-24",
    ]


def test_the_newest_partition_appears_at_the_announcement(graph) -> None:
    """Listing Tue 2026-11-24 is announced Mon 20:00 EST (Tue 01:00 UTC): a partition from then on."""
    listing = graph.get(dg.AssetKey("raw_arxiv__papers")).partitions_def
    before = listing.get_partition_keys(current_time=datetime(2026, 11, 23, 18, tzinfo=timezone.utc))
    after = listing.get_partition_keys(current_time=datetime(2026, 11, 24, 1, 30, tzinfo=timezone.utc))
    assert before[-3:] == ["2026-11-19", "2026-11-20", "2026-11-23"]
    assert after[-2:] == ["2026-11-23", "2026-11-24"]
