"""Tests for arXiv's mailing-date calendar: hand-computed reference windows plus properties."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.calendar import (
    NEW_YORK,
    NotAListingDate,
    announcement_time,
    cutoff,
    is_listing_date,
    latest_listing_date,
    listing_date_for,
    listing_dates_between,
    next_listing_date,
    parse_holidays,
    previous_listing_date,
    submission_window,
)

UTC = timezone.utc


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def ny(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK)


# --- reference windows (hand-computed) -------------------------------------------------------


def test_friday_window_is_wednesday_to_thursday_14h_edt() -> None:
    assert submission_window(date(2021, 6, 4)) == (utc(2021, 6, 2, 18), utc(2021, 6, 3, 18))


def test_monday_window_is_thursday_to_friday() -> None:
    assert submission_window(date(2021, 6, 7)) == (utc(2021, 6, 3, 18), utc(2021, 6, 4, 18))


def test_tuesday_window_spans_the_weekend() -> None:
    assert submission_window(date(2021, 6, 8)) == (utc(2021, 6, 4, 18), utc(2021, 6, 7, 18))


def test_wednesday_and_thursday_windows() -> None:
    assert submission_window(date(2021, 6, 9)) == (utc(2021, 6, 7, 18), utc(2021, 6, 8, 18))
    assert submission_window(date(2021, 6, 10)) == (utc(2021, 6, 8, 18), utc(2021, 6, 9, 18))


def test_windows_are_returned_in_utc() -> None:
    start, end = submission_window(date(2021, 6, 4))
    assert start.utcoffset() == timedelta(0) and end.utcoffset() == timedelta(0)
    assert cutoff(date(2021, 6, 4)).utcoffset() == timedelta(0)


def test_cutoff_is_end_of_window() -> None:
    assert cutoff(date(2021, 6, 4)) == utc(2021, 6, 3, 18)
    assert cutoff(date(2021, 6, 7)) == utc(2021, 6, 4, 18)


# --- DST ------------------------------------------------------------------------------------


def test_spring_forward_2021_03_14() -> None:
    # Cutoffs before Sun 2021-03-14 are 14:00 EST (19:00Z), after it 14:00 EDT (18:00Z).
    assert submission_window(date(2021, 3, 15)) == (utc(2021, 3, 11, 19), utc(2021, 3, 12, 19))
    tuesday = submission_window(date(2021, 3, 16))
    assert tuesday == (utc(2021, 3, 12, 19), utc(2021, 3, 15, 18))
    assert tuesday[1] - tuesday[0] == timedelta(hours=71)
    assert submission_window(date(2021, 3, 17)) == (utc(2021, 3, 15, 18), utc(2021, 3, 16, 18))


def test_fall_back_2021_11_07() -> None:
    # Cutoffs before Sun 2021-11-07 are 14:00 EDT (18:00Z), after it 14:00 EST (19:00Z).
    assert submission_window(date(2021, 11, 8)) == (utc(2021, 11, 4, 18), utc(2021, 11, 5, 18))
    tuesday = submission_window(date(2021, 11, 9))
    assert tuesday == (utc(2021, 11, 5, 18), utc(2021, 11, 8, 19))
    assert tuesday[1] - tuesday[0] == timedelta(hours=73)
    assert submission_window(date(2021, 11, 10)) == (utc(2021, 11, 8, 19), utc(2021, 11, 9, 19))


def test_cutoffs_are_wall_clock_14h_new_york_across_dst() -> None:
    for listing in (date(2021, 3, 12), date(2021, 3, 16), date(2021, 11, 5), date(2021, 11, 9)):
        local = cutoff(listing).astimezone(NEW_YORK)
        assert (local.hour, local.minute) == (14, 0)


# --- holidays -------------------------------------------------------------------------------

JULY_4TH_OBSERVED = frozenset({date(2021, 7, 5)})  # a Monday
CHRISTMAS_2020 = frozenset({date(2020, 12, 25)})  # a Friday


def test_monday_holiday_merges_into_tuesday() -> None:
    # Tue's window starts at the cutoff of the previous listing date (Fri 07-02): Thu 14:00 EDT.
    assert submission_window(date(2021, 7, 6), JULY_4TH_OBSERVED) == (
        utc(2021, 7, 1, 18),
        utc(2021, 7, 5, 18),
    )
    assert listing_date_for(ny(2021, 7, 2, 9), JULY_4TH_OBSERVED) == date(2021, 7, 6)
    assert listing_date_for(ny(2021, 7, 2, 9)) == date(2021, 7, 5)


def test_friday_holiday_merges_into_monday() -> None:
    # Mon 12-28 window: cutoff(Thu 12-24) = Wed 12-23 14:00 EST → cutoff(Mon) = Fri 12-25 14:00 EST.
    assert submission_window(date(2020, 12, 28), CHRISTMAS_2020) == (
        utc(2020, 12, 23, 19),
        utc(2020, 12, 25, 19),
    )
    assert submission_window(date(2020, 12, 24), CHRISTMAS_2020) == (
        utc(2020, 12, 22, 19),
        utc(2020, 12, 23, 19),
    )


def test_consecutive_holidays_merge_several_windows() -> None:
    holidays = frozenset({date(2020, 12, 24), date(2020, 12, 25)})
    # Thu+Fri off: Mon 12-28 runs from cutoff(Wed 12-23) = Tue 14:00 EST to Fri 14:00 EST.
    assert previous_listing_date(date(2020, 12, 28), holidays) == date(2020, 12, 23)
    assert submission_window(date(2020, 12, 28), holidays) == (
        utc(2020, 12, 22, 19),
        utc(2020, 12, 25, 19),
    )


def test_holiday_is_not_a_listing_date() -> None:
    assert not is_listing_date(date(2021, 7, 5), JULY_4TH_OBSERVED)
    assert is_listing_date(date(2021, 7, 5))
    with pytest.raises(NotAListingDate, match="2021-07-05 .*holiday.*no listing"):
        submission_window(date(2021, 7, 5), JULY_4TH_OBSERVED)
    with pytest.raises(NotAListingDate):
        cutoff(date(2021, 7, 5), JULY_4TH_OBSERVED)


# --- listing dates --------------------------------------------------------------------------


def test_weekends_are_not_listing_dates() -> None:
    assert not is_listing_date(date(2021, 6, 5))
    assert not is_listing_date(date(2021, 6, 6))
    assert all(is_listing_date(date(2021, 6, d)) for d in range(7, 12))


def test_weekend_window_raises_one_clear_line() -> None:
    with pytest.raises(NotAListingDate) as info:
        submission_window(date(2021, 6, 5))
    assert str(info.value) == "2021-06-05 is a Saturday: arXiv has no listing that day"
    assert isinstance(info.value, ValueError)
    with pytest.raises(NotAListingDate, match="2021-06-06 is a Sunday"):
        cutoff(date(2021, 6, 6))


def test_previous_and_next_listing_date_are_strict() -> None:
    assert previous_listing_date(date(2021, 6, 7)) == date(2021, 6, 4)
    assert previous_listing_date(date(2021, 6, 6)) == date(2021, 6, 4)
    assert previous_listing_date(date(2021, 6, 9)) == date(2021, 6, 8)
    assert next_listing_date(date(2021, 6, 4)) == date(2021, 6, 7)
    assert next_listing_date(date(2021, 6, 5)) == date(2021, 6, 7)
    assert next_listing_date(date(2021, 7, 2), JULY_4TH_OBSERVED) == date(2021, 7, 6)
    assert previous_listing_date(date(2021, 7, 6), JULY_4TH_OBSERVED) == date(2021, 7, 2)


def test_listing_dates_between_is_inclusive() -> None:
    assert listing_dates_between(date(2021, 6, 4), date(2021, 6, 8)) == [
        date(2021, 6, 4),
        date(2021, 6, 7),
        date(2021, 6, 8),
    ]
    assert listing_dates_between(date(2021, 7, 3), date(2021, 7, 6), JULY_4TH_OBSERVED) == [
        date(2021, 7, 6)
    ]
    assert listing_dates_between(date(2021, 6, 5), date(2021, 6, 6)) == []
    assert listing_dates_between(date(2021, 6, 8), date(2021, 6, 4)) == []


def test_datetime_is_not_accepted_as_a_date() -> None:
    with pytest.raises(TypeError):
        is_listing_date(datetime(2021, 6, 4, tzinfo=UTC))


# --- listing_date_for -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("submitted_at", "listing"),
    [
        (utc(2021, 6, 2, 18), date(2021, 6, 4)),  # window start is inclusive
        (utc(2021, 6, 3, 17, 59, 59), date(2021, 6, 4)),
        (utc(2021, 6, 3, 18), date(2021, 6, 7)),  # window end is exclusive
        (ny(2021, 6, 4, 13, 59), date(2021, 6, 7)),
        (ny(2021, 6, 4, 14, 0), date(2021, 6, 8)),
        (ny(2021, 6, 5, 12), date(2021, 6, 8)),  # Saturday
        (ny(2021, 6, 6, 23, 59), date(2021, 6, 8)),  # Sunday
        (ny(2021, 6, 7, 0, 0), date(2021, 6, 8)),  # Monday morning
        (ny(2021, 6, 7, 14, 0), date(2021, 6, 9)),
        (utc(2021, 3, 15, 18, 30), date(2021, 3, 17)),  # 14:30 EDT, the day after spring forward
        (utc(2021, 3, 12, 18, 30), date(2021, 3, 15)),  # 13:30 EST
        (utc(2021, 11, 8, 18, 30), date(2021, 11, 9)),  # 13:30 EST, the day after fall back
        (datetime(2021, 6, 4, 2, 59, tzinfo=timezone(timedelta(hours=9))), date(2021, 6, 4)),  # Tokyo
        (datetime(2021, 6, 4, 3, 0, tzinfo=timezone(timedelta(hours=9))), date(2021, 6, 7)),
    ],
)
def test_listing_date_for_reference_instants(submitted_at: datetime, listing: date) -> None:
    assert listing_date_for(submitted_at) == listing


def test_listing_date_for_rejects_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        listing_date_for(datetime(2021, 6, 4, 12))


# --- announcements --------------------------------------------------------------------------


def test_monday_listing_is_announced_sunday_20h_new_york() -> None:
    assert announcement_time(date(2021, 6, 7)) == utc(2021, 6, 7, 0)  # Sun 20:00 EDT
    assert announcement_time(date(2021, 3, 15)) == utc(2021, 3, 15, 0)  # Sun 20:00 EDT (post-switch)
    assert announcement_time(date(2021, 11, 8)) == utc(2021, 11, 8, 1)  # Sun 20:00 EST
    local = announcement_time(date(2021, 6, 7)).astimezone(NEW_YORK)
    assert (local.date(), local.hour) == (date(2021, 6, 6), 20)


def test_friday_listing_is_announced_thursday_evening() -> None:
    assert announcement_time(date(2021, 6, 4)) == utc(2021, 6, 4, 0)


def test_announcement_of_weekend_raises() -> None:
    with pytest.raises(NotAListingDate):
        announcement_time(date(2021, 6, 5))


@pytest.mark.parametrize(
    ("now", "holidays", "latest"),
    [
        (ny(2021, 6, 3, 19, 59), frozenset(), date(2021, 6, 3)),
        (ny(2021, 6, 3, 20, 0), frozenset(), date(2021, 6, 4)),  # at the announcement
        (ny(2021, 6, 4, 10), frozenset(), date(2021, 6, 4)),
        (ny(2021, 6, 5, 12), frozenset(), date(2021, 6, 4)),
        (ny(2021, 6, 6, 19, 59), frozenset(), date(2021, 6, 4)),
        (ny(2021, 6, 6, 20, 0), frozenset(), date(2021, 6, 7)),
        (ny(2021, 7, 4, 21), JULY_4TH_OBSERVED, date(2021, 7, 2)),
        (ny(2021, 7, 5, 20), JULY_4TH_OBSERVED, date(2021, 7, 6)),
        (utc(2021, 6, 7, 0), frozenset(), date(2021, 6, 7)),
    ],
)
def test_latest_listing_date(now: datetime, holidays: frozenset[date], latest: date) -> None:
    assert latest_listing_date(now, holidays) == latest


def test_latest_listing_date_rejects_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        latest_listing_date(datetime(2021, 6, 4, 12))


# --- parse_holidays -------------------------------------------------------------------------


def test_parse_holidays_accepts_commas_and_whitespace() -> None:
    assert parse_holidays(" 2021-07-05, 2021-12-24\n2021-12-31,,2021-07-05 ") == frozenset(
        {date(2021, 7, 5), date(2021, 12, 24), date(2021, 12, 31)}
    )
    assert parse_holidays("") == frozenset()
    assert parse_holidays("  ,\t") == frozenset()


@pytest.mark.parametrize("bad", ["2021-13-01", "2021-02-30", "20210705", "2021-7-5", "tomorrow"])
def test_parse_holidays_names_the_bad_token(bad: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_holidays(f"2021-07-05, {bad}")
    message = str(info.value)
    assert repr(bad) in message and "\n" not in message


# --- properties -----------------------------------------------------------------------------

MIN_INSTANT = datetime(1995, 1, 1)
MAX_INSTANT = datetime(2045, 12, 31)

instants = st.datetimes(
    min_value=MIN_INSTANT,
    max_value=MAX_INSTANT,
    timezones=st.sampled_from([UTC, NEW_YORK, timezone(timedelta(hours=9))]),
)


@st.composite
def instant_with_nearby_holidays(draw: st.DrawFn) -> tuple[datetime, frozenset[date]]:
    """An instant plus holidays within a fortnight of it, so they actually matter."""
    moment = draw(instants)
    offsets = draw(st.frozensets(st.integers(-14, 14), max_size=6))
    base = moment.astimezone(NEW_YORK).date()
    return moment, frozenset(base + timedelta(days=o) for o in offsets)


@st.composite
def listing_date_with_holidays(draw: st.DrawFn) -> tuple[date, frozenset[date]]:
    """A listing date plus holidays near it (the date itself is never one of them)."""
    moment, holidays = draw(instant_with_nearby_holidays())
    return listing_date_for(moment, holidays), holidays


@settings(max_examples=300, deadline=None)
@given(instant_with_nearby_holidays())
def test_every_instant_falls_in_exactly_its_listing_window(case: tuple[datetime, frozenset[date]]) -> None:
    moment, holidays = case
    listing = listing_date_for(moment, holidays)
    assert is_listing_date(listing, holidays)
    assert listing.weekday() < 5 and listing not in holidays
    start, end = submission_window(listing, holidays)
    assert start <= moment < end
    # ... and in no neighbouring window.
    before = previous_listing_date(listing, holidays)
    after = next_listing_date(listing, holidays)
    assert not submission_window(before, holidays)[0] <= moment < submission_window(before, holidays)[1]
    assert not submission_window(after, holidays)[0] <= moment < submission_window(after, holidays)[1]
    # The listing is announced after the paper was submitted.
    assert announcement_time(listing) > moment


@settings(max_examples=300, deadline=None)
@given(instant_with_nearby_holidays(), st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=10)))
def test_listing_date_for_is_monotonic(case: tuple[datetime, frozenset[date]], step: timedelta) -> None:
    moment, holidays = case
    later = moment.astimezone(UTC) + step  # UTC arithmetic: wall-clock arithmetic can go back at DST
    assert listing_date_for(moment, holidays) <= listing_date_for(later, holidays)


@settings(max_examples=300, deadline=None)
@given(listing_date_with_holidays())
def test_consecutive_windows_tile_time(case: tuple[date, frozenset[date]]) -> None:
    listing, holidays = case
    start, end = submission_window(listing, holidays)
    following = next_listing_date(listing, holidays)
    assert start < end
    assert submission_window(following, holidays)[0] == end
    assert submission_window(previous_listing_date(listing, holidays), holidays)[1] == start
    assert listing_date_for(start, holidays) == listing
    assert listing_date_for(end - timedelta(microseconds=1), holidays) == listing
    assert listing_date_for(end, holidays) == following


@settings(max_examples=300, deadline=None)
@given(instant_with_nearby_holidays())
def test_latest_listing_date_is_newest_announced(case: tuple[datetime, frozenset[date]]) -> None:
    now, holidays = case
    latest = latest_listing_date(now, holidays)
    assert is_listing_date(latest, holidays)
    assert announcement_time(latest) <= now < announcement_time(next_listing_date(latest, holidays))


@settings(max_examples=100, deadline=None)
@given(st.dates(min_value=date(1995, 1, 1), max_value=date(2045, 1, 1)), st.integers(0, 40))
def test_listing_dates_between_matches_next_listing_date(start: date, span: int) -> None:
    end = start + timedelta(days=span)
    expected = []
    day = start if is_listing_date(start) else next_listing_date(start)
    while day <= end:
        expected.append(day)
        day = next_listing_date(day)
    assert listing_dates_between(start, end) == expected


@settings(max_examples=100, deadline=None)
@given(st.frozensets(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)), max_size=8))
def test_parse_holidays_round_trips(holidays: frozenset[date]) -> None:
    assert parse_holidays(", ".join(d.isoformat() for d in holidays)) == holidays
    assert parse_holidays("\n".join(d.isoformat() for d in holidays)) == holidays
