"""Listing-date partitions that follow arXiv's calendar: weekdays, minus the configured holidays.

``end_offset=1``: listing D is announced the evening before D, so its partition exists from then on.
"""

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
