"""Automatic linking of local profiles to remote ledger contacts (Xero, QuickBooks Online).

Pure standard library, no UI and no connector imports.  The rules come from the product's
help articles:

* names and emails are compared after :func:`normalise` (trim, lower-case, collapse inner
  whitespace);
* equal non-empty emails link before any name rule; archived holders of the email are reported;
* otherwise a name score at or above the threshold (default 60%, inclusive, compared exactly)
  links, under one of three rules (:data:`NameRule`): ``jaccard`` (default), ``overlap`` (the
  article's worked example) or ``containment`` (the older substring rule);
* ambiguity never links: ties are reported for a person to resolve.

:func:`match_records` runs a whole pass; :class:`NameIndex` is the reusable index behind it,
also used by the relink search box.  Neither compares all pairs: an inverted trigram index with
size, prefix and position filters finds the few candidates, which are then scored exactly (see
``loftterm/matching/_index.py``).  The results equal an all-pairs reference (tested).
"""

from ._fold import MIN_PHONE_DIGITS, fold, fold_core, phone_key
from ._index import NameIndex, best_of
from ._match import PassMemo, match_records
from ._records import ArchivedHolder, Match, MatchMethod, MatchRecord, MatchResult, Outbid, Tie
from ._text import (
    DEFAULT_THRESHOLD,
    NAME_RULES,
    NameRule,
    name_score,
    normalise,
    parse_threshold,
    passes,
    trigrams,
)

__all__ = [
    "DEFAULT_THRESHOLD",
    "MIN_PHONE_DIGITS",
    "NAME_RULES",
    "ArchivedHolder",
    "Match",
    "MatchMethod",
    "MatchRecord",
    "MatchResult",
    "NameIndex",
    "NameRule",
    "Outbid",
    "PassMemo",
    "Tie",
    "best_of",
    "fold",
    "fold_core",
    "match_records",
    "name_score",
    "normalise",
    "parse_threshold",
    "passes",
    "phone_key",
    "trigrams",
]
