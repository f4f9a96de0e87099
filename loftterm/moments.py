"""Reading the ISO-8601 times the book and the APIs write."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_utc(value: str) -> datetime | None:
    """Parse an ISO-8601 time (``Z`` allowed) into an aware UTC datetime; None when unreadable.

    A time without an offset is taken as UTC (the book writes UTC, and so do the ledgers).
    """
    text = value.strip()
    if not text:
        return None
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
