"""Listing-date partitions that follow arXiv's calendar: weekdays, minus the configured holidays,
and the one partition mapping wider than "the same listing date".

``end_offset=1``: listing D is announced the evening before D, so its partition exists from then on.
"""

import warnings
from datetime import date, datetime

import dagster as dg

from pipelines.config import load_settings

FIRST_LISTING_DATE = "2020-01-01"


def listing_partitions(holidays: frozenset[date] = frozenset()) -> dg.TimeWindowPartitionsDefinition:
    return dg.TimeWindowPartitionsDefinition(
        cron_schedule="0 0 * * 1-5",
        fmt="%Y-%m-%d",
        start=FIRST_LISTING_DATE,
        end_offset=1,
        exclusions=[datetime(d.year, d.month, d.day) for d in sorted(holidays)] or None,
    )


LISTING_DATES = listing_partitions(load_settings().holidays)


ENGAGEMENT_FETCH_DAYS = 7
"""A paper's engagement reads the engagement fetches of its listing date and the 7 days after (the SQL's
``listing_date between D and D + 7``): a fetch holds posts made from its own announcement on, for up to
X_WINDOW_DAYS (at most 7) days, so later fetches see the rest of D's window, with newer snapshots."""


def engagement_fetches() -> dg.TimeWindowPartitionMapping:
    """Partition D reads fetch partitions D … D+5: the 7 days after a weekday hold 5 more weekdays
    (with a holiday in them, one more date than needed; never fewer)."""
    with warnings.catch_warnings():  # allow_nonexistent_upstream_partitions is beta in 1.13: used knowingly
        warnings.simplefilter("ignore", dg.BetaWarning)
        return dg.TimeWindowPartitionMapping(start_offset=0, end_offset=5, allow_nonexistent_upstream_partitions=True)
