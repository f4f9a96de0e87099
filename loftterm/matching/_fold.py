"""Folding: the normalisation used to find *plausible* duplicates (never to link on its own).

The help article's score compares names trimmed and lower-cased; that score alone decides an
automatic link.  Folding goes further and is used only to decide what a person must look at
before loftterm writes a new record (``loftterm/engine/plausible.py``):

* Unicode NFKC (full-width letters, ligatures and compatibility forms become plain ones), then
  case folding (``ß`` -> ``ss``);
* accents dropped (``José Álvarez`` -> ``jose alvarez``), and the few Latin letters without a
  decomposition mapped by hand (``ø`` -> ``o``, ``æ`` -> ``ae``, ``ł`` -> ``l``, ...);
* ``&`` and ``+`` read as ``and``;
* apostrophes and full stops dropped (``O'Leary`` = ``OLeary``, ``J.R.`` = ``JR``), any other
  punctuation is a space (``Smith-Jones`` = ``Smith Jones``), runs of spaces become one;
* legal-form words written out are abbreviated (``Limited`` -> ``ltd``, ``Incorporated`` ->
  ``inc``, ``Corporation`` -> ``corp``, ``Company`` -> ``co``, ``Proprietary`` -> ``pty``).

:func:`fold_core` also drops trailing legal forms (``Harbour Realty Pty Ltd`` -> ``harbour
realty``): two names equal without them are plausibly one organization.  Initials are *not*
expanded: ``J Smith`` and ``John Smith`` are different strings (the name score still sees them).
"""

from __future__ import annotations

import functools
import unicodedata

_UNDECOMPOSED = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "\u0131": "i", "ħ": "h"}
)
_DROPPED = frozenset("'`.\u2019\u2018\u00b4")  # apostrophes (straight, curly), acute, stop
_AND = frozenset("&+")
LEGAL_FORMS = {
    "limited": "ltd",
    "ltd": "ltd",
    "incorporated": "inc",
    "inc": "inc",
    "corporation": "corp",
    "corp": "corp",
    "company": "co",
    "co": "co",
    "proprietary": "pty",
    "pty": "pty",
    "llc": "llc",
    "llp": "llp",
    "plc": "plc",
    "gmbh": "gmbh",
}
"""Legal-form words and their folded spelling."""
_TRAILING = frozenset(LEGAL_FORMS.values())


#: Folded names kept between runs: the candidate indexes fold every name of the book each
#: sync, and names rarely change (about 25 MB at 100k contacts; bounded).
FOLD_CACHE_SIZE = 1 << 18


@functools.lru_cache(maxsize=FOLD_CACHE_SIZE)
def fold(text: str) -> str:
    """Return ``text`` folded for duplicate detection (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_UNDECOMPOSED)
    out: list[str] = []
    for ch in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(ch) or ch in _DROPPED:
            continue
        if ch in _AND:
            out.append(" and ")
        elif ch.isalnum():
            out.append(ch)
        else:
            out.append(" ")
    words = [LEGAL_FORMS.get(word, word) for word in "".join(out).split()]
    return " ".join(words)


@functools.lru_cache(maxsize=FOLD_CACHE_SIZE)
def fold_core(text: str) -> str:
    """Return the folded name without trailing legal forms (``"abc pty ltd"`` -> ``"abc"``).

    A name made only of legal forms keeps them (``"Ltd"`` stays ``"ltd"``).
    """
    words = fold(text).split()
    end = len(words)
    while end > 1 and words[end - 1] in _TRAILING:
        end -= 1
    return " ".join(words[:end])


MIN_PHONE_DIGITS = 6
"""Phones shorter than this (in digits) are never compared: too likely to collide."""


def phone_key(phone: str) -> str:
    """Return a phone's digits, or '' when too short to compare."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return digits if len(digits) >= MIN_PHONE_DIGITS else ""
