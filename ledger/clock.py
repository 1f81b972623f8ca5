"""The one clock: injected, aware, and read in Beijing time (R2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Protocol

from ledger.errors import InvalidInput

BEIJING = timezone(timedelta(hours=8), "Beijing")


class Clock(Protocol):
    """Anything that tells the current time as an aware datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The machine's clock, in Beijing time."""

    def now(self) -> datetime:
        return datetime.now(UTC).astimezone(BEIJING)


class FixedClock:
    """A clock that stands still until moved; for demos, replays and tests."""

    def __init__(self, start: datetime) -> None:
        self._now = to_beijing(start)

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        """Move to ``moment``; a clock never runs backwards."""
        moment = to_beijing(moment)
        if moment < self._now:
            raise InvalidInput(f"clock cannot go back from {self._now} to {moment}")
        self._now = moment

    def advance(self, delta: timedelta) -> None:
        self.set(self._now + delta)


def to_beijing(moment: datetime) -> datetime:
    """Convert an aware datetime to Beijing time; naive datetimes are refused."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(f"time {moment.isoformat()} has no time zone")
    return moment.astimezone(BEIJING)


def parse_time(text: str) -> datetime:
    """Parse an ISO 8601 time with an offset, into Beijing time."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"not an ISO 8601 time: {text!r}") from exc
    return to_beijing(moment)


def format_time(moment: datetime) -> str:
    """ISO 8601 in Beijing time, to the second: the form stored in signed data."""
    return to_beijing(moment).isoformat(timespec="seconds")
