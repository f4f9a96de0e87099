"""Why two records were (or would be) linked: the evidence, in words and numbers.

The evidence is recomputed from the book on demand (the mirror holds both sides), so it always
matches what the link phase would decide today.  A name is weak evidence, so a name match
between two records whose emails are both known and different is never made automatically.  The
seed's own score (trimmed, lower-cased) decides links and is shown as it is; the folded score
(accents, punctuation, legal forms: ``loftterm/matching/_fold.py``) is shown beside it, because
it decides whether a create or import is held for review (``engine/plausible``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from loftterm.book import Book
from loftterm.connector import ConnectorInfo
from loftterm.engine import planner, plausible
from loftterm.engine.planner import COMMON_NAME_MIN, name_counts, penalised
from loftterm.matching import name_score, normalise, passes
from loftterm.models import Profile, RemoteContact


@dataclass
class Evidence:
    """The facts behind one pairing of a profile and a remote record."""

    profile_id: str
    connector: str
    remote_id: str
    remote_name: str
    email_equal: bool
    name_rule: str
    name_score: float
    threshold: float
    name_passes: bool
    phone_equal: bool
    address_equal: bool
    organization: str
    common_name: bool
    penalised: bool
    verdict: str
    linked_by: str = ""
    notes: list[str] = field(default_factory=list)
    folded_score: float = 0.0
    plausible: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Return the evidence for ``--json`` output."""
        return asdict(self)

    def lines(self) -> list[str]:
        """The evidence as short lines for a terminal."""
        yes = {True: "yes", False: "no"}
        return [
            f"{self.connector} {self.remote_id} {self.remote_name!r}: {self.verdict}",
            f"  email equal: {yes[self.email_equal]}",
            f"  name score ({self.name_rule}): {self.name_score:.0%} vs threshold {self.threshold:.0%}"
            f" -> {'passes' if self.name_passes else 'below'}",
            f"  phone equal: {yes[self.phone_equal]} · address equal: {yes[self.address_equal]}",
            f"  folded name score: {self.folded_score:.0%}"
            + (
                f" -> plausible duplicate ({', '.join(self.plausible)}): held for review, never "
                "created or imported beside it"
                if self.plausible
                else ""
            ),
            f"  common name: {yes[self.common_name]}"
            + (" (penalised: both emails known and different)" if self.penalised else ""),
            *[f"  {note}" for note in self.notes],
        ]


def digits(text: str) -> str:
    """Phone numbers compared by their digits only."""
    return re.sub(r"\D", "", text)


def evidence(
    book: Book,
    info: ConnectorInfo,
    settings: Mapping[str, Any],
    profile: Profile,
    remote: RemoteContact,
    counts: Counter[str] | None = None,
) -> Evidence:
    """Weigh one profile against one remote record."""
    rule = planner.name_rule(settings, info)
    limit = planner.threshold(settings)
    score = name_score(profile.name, remote.name, rule)  # type: ignore[arg-type]
    counts = counts if counts is not None else name_counts(book, info.name)
    common = counts[normalise(profile.name)] > COMMON_NAME_MIN
    email_equal = bool(profile.email) and normalise(profile.email) == normalise(remote.email)
    punished = not email_equal and penalised(profile.email, remote.email)
    passes_name = passes(score, limit)
    org = planner.paid_through_organization(book, profile)
    link = book.link_of(profile.id, info.name, remote.role)
    linked_by = link.method if link is not None and link.remote_id == remote.remote_id else ""
    if email_equal:
        verdict = "same email: links"
    elif passes_name and not punished:
        verdict = "name at or above the threshold: links"
    elif passes_name:
        verdict = "name matches but the emails differ: not linked (a `suggested` warning)"
    else:
        verdict = "not enough evidence: not linked"
    folded = plausible.pair_candidate(settings, info, profile, remote)
    notes = []
    if remote.status != "active":
        notes.append(f"the {info.title} record is {remote.status}: never linked automatically")
    if org is not None and info.kind == "ledger":
        notes.append(f"paid to {org.name}: this profile's {info.title} link must stay blank")
    return Evidence(
        profile.id,
        info.name,
        remote.remote_id,
        remote.name,
        email_equal,
        rule,
        float(score),
        float(limit),
        passes_name,
        bool(digits(profile.fields.phone))
        and digits(profile.fields.phone) == digits(remote.fields.phone),
        not profile.fields.billing.is_empty() and profile.fields.billing == remote.fields.billing,
        org.name if org else "",
        common,
        punished,
        verdict,
        linked_by,
        notes,
        float(folded.score) if folded else 0.0,
        list(folded.reasons) if folded else [],
    )
