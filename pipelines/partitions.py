"""Listing-date partitions: one per weekday, like arXiv's mailings (holidays are refused at run time).

``end_offset=1``: listing D is announced the evening before D, so its partition exists from then on.
"""

import dagster as dg

LISTING_DATES = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 0 * * 1-5",
    fmt="%Y-%m-%d",
    start="2020-01-01",
    end_offset=1,
)
