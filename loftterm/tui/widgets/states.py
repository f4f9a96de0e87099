"""How link states, remote statuses and run results look: always a word, plus a colour.

Colour is never the only signal (NO_COLOR terminals and colour-blind users see the word).
The colours are theme variables so the palette follows the Textual theme.
"""

from __future__ import annotations

from textual.markup import escape

from loftterm.models import LinkState

STATE_COLOURS: dict[str, str] = {
    LinkState.LINKED: "$success",
    LinkState.BLANK: "$warning",
    LinkState.MISSING: "$error",
    LinkState.ARCHIVED: "$secondary",
    LinkState.DUPLICATE: "$warning",
    LinkState.DISABLED: "$text-muted",
    LinkState.MISPLACED: "$error",
}

STATUS_COLOURS: dict[str, str] = {
    "active": "$success",
    "archived": "$secondary",
    "inactive": "$text-muted",
    "ok": "$success",
    "failed": "$error",
    "error": "$error",
    "deferred": "$warning",
    "skipped": "$text-muted",
    "open": "$warning",
}

STATE_HELP: dict[str, str] = {
    LinkState.LINKED: "linked to a remote contact",
    LinkState.BLANK: "no remote contact: search and pick one to relink",
    LinkState.MISSING: "the linked remote contact is gone: Unlink to clear it, then relink",
    LinkState.ARCHIVED: "the linked remote contact is archived",
    LinkState.DUPLICATE: "several remote contacts could be this profile",
    LinkState.DISABLED: "sync turned off for this profile (balances still update if linked)",
    LinkState.MISPLACED: "paid to an organization: this profile's own link must be blank",
}


def state_markup(state: str, *, width: int = 0, bold: bool = True) -> str:
    """Return Textual markup showing a link state as its word in its colour."""
    colour = STATE_COLOURS.get(state, "$text")
    word = str(state).ljust(width)
    weight = "bold " if bold else ""
    return f"[{weight}{colour}]{escape(word)}[/]"


def status_markup(status: str) -> str:
    """Return markup for a remote status or a run result ("active", "archived", "failed"...)."""
    if not status:
        return "[$text-muted]-[/]"
    colour = STATUS_COLOURS.get(status, "$text")
    return f"[{colour}]{escape(status)}[/]"


def short_time(stamp: str) -> str:
    """Return an ISO timestamp as ``YYYY-MM-DD HH:MM`` (no clock: the stored value, trimmed)."""
    if not stamp:
        return "never"
    return stamp.replace("T", " ")[:16]


def counts_text(counts: dict[str, int]) -> str:
    """Return the non-zero counts of a run as ``"created remote 2, linked 3"``."""
    return ", ".join(f"{key.replace('_', ' ')} {value:,}" for key, value in counts.items()
                     if value and key != "api_calls")


def count_word(n: int, word: str) -> str:
    """Return ``"1 profile"`` / ``"2 profiles"``."""
    return f"{n} {word}{'' if n == 1 else 's'}"
