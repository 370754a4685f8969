"""arXiv's mailing-date calendar.

arXiv lists new submissions on weekdays ("listing dates"). A submission lands in
the listing whose cutoff (14:00 New York wall-clock time on the weekday before
the listing date) is the first one after it; listings that fall on a configured
holiday are skipped, so their submissions roll into the next listing date.

Everything here is pure: datetimes come in tz-aware and go out in UTC, so the
rest of the pipeline never has to reason about New York time or DST.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

__all__ = [
    "NEW_YORK",
    "CUTOFF_TIME",
    "ANNOUNCEMENT_TIME",
    "NotAListingDate",
    "is_listing_date",
    "previous_listing_date",
    "next_listing_date",
    "cutoff",
    "submission_window",
    "listing_date_for",
    "announcement_time",
    "latest_listing_date",
    "listing_dates_between",
    "parse_holidays",
]

NEW_YORK = ZoneInfo("America/New_York")
CUTOFF_TIME = time(14, 0)
"""Wall-clock submission cutoff in New York (never falls in a DST gap/overlap)."""
ANNOUNCEMENT_TIME = time(20, 0)
"""Wall-clock announcement time in New York, on the calendar day before the listing."""

_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_ONE_DAY = timedelta(days=1)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_SEPARATORS = re.compile(r"[\s,]+")


class NotAListingDate(ValueError):
    """Raised when a date that has no arXiv listing is used as one."""


def _check_date(day: date) -> None:
    """Reject datetimes: they are `date` subclasses and would silently compare unequal to holidays."""
    if isinstance(day, datetime):
        raise TypeError(f"expected a date, got a datetime ({day.isoformat()}); pass .date() explicitly")


def _check_aware(moment: datetime, name: str) -> None:
    """Reject naive datetimes: an instant without a zone cannot be placed on arXiv's clock."""
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        raise ValueError(f"{name} must be timezone-aware, got naive datetime {moment.isoformat()}")


def _is_weekday(day: date) -> bool:
    """Monday to Friday: the only days arXiv could list or cut off."""
    return day.weekday() < 5


def _previous_weekday(day: date) -> date:
    """The weekday strictly before `day`, ignoring holidays (cutoffs happen even on holidays)."""
    day -= _ONE_DAY
    while not _is_weekday(day):
        day -= _ONE_DAY
    return day


def _next_weekday(day: date) -> date:
    """The weekday strictly after `day`, ignoring holidays."""
    day += _ONE_DAY
    while not _is_weekday(day):
        day += _ONE_DAY
    return day


def _new_york_instant(day: date, wall_clock: time) -> datetime:
    """A New York wall-clock time on `day`, as a UTC instant (DST handled by zoneinfo)."""
    return datetime.combine(day, wall_clock, tzinfo=NEW_YORK).astimezone(timezone.utc)


def _require_listing_date(day: date, holidays: Collection[date]) -> None:
    """Fail with one readable line when `day` has no listing."""
    _check_date(day)
    weekday = _WEEKDAY_NAMES[day.weekday()]
    if not _is_weekday(day):
        raise NotAListingDate(f"{day.isoformat()} is a {weekday}: arXiv has no listing that day")
    if day in holidays:
        raise NotAListingDate(
            f"{day.isoformat()} ({weekday}) is a configured holiday: arXiv has no listing that day"
        )


def is_listing_date(day: date, holidays: Collection[date] = ()) -> bool:
    """True when arXiv publishes a listing on `day` (a weekday that is not a holiday)."""
    _check_date(day)
    return _is_weekday(day) and day not in holidays


def previous_listing_date(day: date, holidays: Collection[date] = ()) -> date:
    """The listing date strictly before `day`."""
    _check_date(day)
    day -= _ONE_DAY
    while not is_listing_date(day, holidays):
        day -= _ONE_DAY
    return day


def next_listing_date(day: date, holidays: Collection[date] = ()) -> date:
    """The listing date strictly after `day`."""
    _check_date(day)
    day += _ONE_DAY
    while not is_listing_date(day, holidays):
        day += _ONE_DAY
    return day


def cutoff(listing_date: date, holidays: Collection[date] = ()) -> datetime:
    """End (exclusive) of the submissions listed on `listing_date`: 14:00 New York, previous weekday."""
    _require_listing_date(listing_date, holidays)
    return _new_york_instant(_previous_weekday(listing_date), CUTOFF_TIME)


def submission_window(listing_date: date, holidays: Collection[date] = ()) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the submissions listed on `listing_date`.

    The start is the previous listing date's cutoff, so a holiday's window is
    merged into the next listing and consecutive windows tile time exactly.
    """
    end = cutoff(listing_date, holidays)
    start = cutoff(previous_listing_date(listing_date, holidays), holidays)
    return start, end


def listing_date_for(submitted_at: datetime, holidays: Collection[date] = ()) -> date:
    """The listing date on which a submission made at `submitted_at` appears."""
    _check_aware(submitted_at, "submitted_at")
    local = submitted_at.astimezone(NEW_YORK)
    # First weekday whose 14:00 cutoff is still ahead of the submission.
    cutoff_day = local.date()
    if not _is_weekday(cutoff_day) or local.time() >= CUTOFF_TIME:
        cutoff_day = _next_weekday(cutoff_day)
    # The weekday after it is the first listing with that cutoff; holidays push it later.
    candidate = _next_weekday(cutoff_day)
    if is_listing_date(candidate, holidays):
        return candidate
    return next_listing_date(candidate, holidays)


def announcement_time(listing_date: date) -> datetime:
    """When `listing_date` is announced: 20:00 New York on the calendar day before it.

    Holidays are not known here, so only weekends are rejected.
    """
    _require_listing_date(listing_date, ())
    return _new_york_instant(listing_date - _ONE_DAY, ANNOUNCEMENT_TIME)


def latest_listing_date(now: datetime, holidays: Collection[date] = ()) -> date:
    """The newest listing date already announced at `now` (announcement at or before `now`)."""
    _check_aware(now, "now")
    local = now.astimezone(NEW_YORK)
    # The listing announced this evening is tomorrow's; before 20:00 it is today's at best.
    newest_possible = local.date() + _ONE_DAY if local.time() >= ANNOUNCEMENT_TIME else local.date()
    if is_listing_date(newest_possible, holidays):
        return newest_possible
    return previous_listing_date(newest_possible, holidays)


def listing_dates_between(start: date, end: date, holidays: Collection[date] = ()) -> list[date]:
    """All listing dates in [start, end], oldest first (empty when start > end)."""
    _check_date(start)
    _check_date(end)
    days = (start + timedelta(days=offset) for offset in range((end - start).days + 1))
    return [day for day in days if is_listing_date(day, holidays)]


def parse_holidays(text: str) -> frozenset[date]:
    """Parse comma/whitespace separated ISO dates, e.g. the HOTPAPERS_HOLIDAYS env var.

    Strict YYYY-MM-DD only, so a typo fails loudly instead of shifting a window.
    """
    holidays: set[date] = set()
    for token in _SEPARATORS.split(text.strip()):
        if not token:
            continue
        holidays.add(_parse_holiday(token))
    return frozenset(holidays)


def _parse_holiday(token: str) -> date:
    """One holiday token → date, with an error that names the token."""
    if _ISO_DATE.fullmatch(token):
        try:
            return date.fromisoformat(token)
        except ValueError:
            pass
    raise ValueError(f"invalid holiday date {token!r}: expected an ISO date like 2021-12-24")
