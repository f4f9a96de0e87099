"""Normalisation, trigrams, exact name scores and thresholds.

Every score is a :class:`~fractions.Fraction` and every threshold comparison is exact, so a
pair scoring exactly 60% passes a 0.60 threshold (the rule is inclusive) and is never lost to
binary floating point.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Literal

NameRule = Literal["jaccard", "overlap", "containment"]
"""How two names are scored.

``jaccard`` (default)
    common unique trigrams / union of unique trigrams (``example`` vs ``samples`` = 3/7).
``overlap``
    common unique trigrams / the larger unique-trigram count (``example`` vs ``samples`` = 3/5,
    the figure in the product's help article).
``containment``
    the older Xero/QuickBooks rule: when one normalised name is a substring of the other the
    score is ``len(shorter) / len(longer)``, otherwise 0.
"""

NAME_RULES: tuple[NameRule, ...] = ("jaccard", "overlap", "containment")
DEFAULT_THRESHOLD = Fraction(3, 5)
"""60%, inclusive."""


def check_rule(rule: str) -> NameRule:
    """Return ``rule`` as a :data:`NameRule`, or raise ``ValueError`` naming the valid rules."""
    for known in NAME_RULES:
        if rule == known:
            return known
    raise ValueError(f"unknown name rule {rule!r}; choose one of {', '.join(NAME_RULES)}")


def normalise(text: str) -> str:
    """Return ``text`` trimmed, lower-cased, with inner runs of whitespace collapsed to one space.

    The help article only asks for trimming and lower-casing; collapsing inner whitespace as
    well means ``"Tom  Smith"`` and ``"Tom Smith"`` (and ``"TOM@X.COM "`` and ``"tom@x.com"``)
    are the same value.  Any Unicode whitespace counts (tabs, no-break spaces, newlines).
    """
    return " ".join(text.split()).lower()


def gram_set(norm: str) -> frozenset[str]:
    """Return the trigrams of an already normalised string (see :func:`trigrams`)."""
    if len(norm) < 3:
        return frozenset((norm,)) if norm else frozenset()
    return frozenset(map("".join, zip(norm, norm[1:], norm[2:], strict=False)))


def trigrams(text: str) -> frozenset[str]:
    """Return the unique trigrams of ``normalise(text)``.

    A trigram is any three consecutive characters, spaces included: ``"example"`` gives
    ``exa xam amp mpl ple``.  A normalised string shorter than three characters is its own
    only gram; the empty string has none.
    """
    return gram_set(normalise(text))


def name_score(a: str, b: str, rule: NameRule = "jaccard") -> Fraction:
    """Return the exact similarity of two names under ``rule`` (0 when either name is empty)."""
    rule = check_rule(rule)
    na, nb = normalise(a), normalise(b)
    if not na or not nb:
        return Fraction(0)
    if rule == "containment":
        short, long_ = (na, nb) if len(na) <= len(nb) else (nb, na)
        return Fraction(len(short), len(long_)) if short in long_ else Fraction(0)
    ga, gb = gram_set(na), gram_set(nb)
    common = len(ga & gb)
    if rule == "jaccard":
        return Fraction(common, len(ga) + len(gb) - common)
    return Fraction(common, max(len(ga), len(gb)))


def passes(score: Fraction, threshold: Fraction) -> bool:
    """Return whether ``score`` reaches ``threshold`` (inclusive, exact)."""
    return score >= threshold


def parse_threshold(value: Fraction | Decimal | float | int | str) -> Fraction:
    """Return a name threshold as an exact fraction in ``(0, 1]``.

    Floats go through their shortest decimal form (``0.6`` -> 3/5, not the binary
    approximation); strings may be decimals (``"0.60"``) or percentages (``"60%"``).  A bare
    number above 1 (``60``) is refused rather than guessed at, as are 0, negatives, NaN and
    infinities, with a ``ValueError`` that says what to write instead.
    """
    if isinstance(value, bool):
        raise ValueError(f"threshold must be a number, not {value!r}")
    if isinstance(value, Fraction):
        result = value
    elif isinstance(value, int):
        result = Fraction(value)
    elif isinstance(value, float | Decimal | str):
        text = str(value).strip()
        percent = text.endswith("%")
        try:
            number = Decimal(text[:-1].strip() if percent else text)
        except InvalidOperation:
            raise ValueError(f"threshold {value!r} is not a number") from None
        if not number.is_finite():
            raise ValueError(f"threshold {value!r} is not a finite number")
        result = Fraction(number) / 100 if percent else Fraction(number)
    else:
        raise ValueError(f"threshold must be a number, not {type(value).__name__}")
    if not 0 < result <= 1:
        hint = f"; did you mean {float(result / 100):g} or '{value}%'?" if 1 < result <= 100 else ""
        raise ValueError(f"threshold {value!r} must lie in (0, 1]{hint}")
    return result
