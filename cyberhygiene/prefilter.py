"""Which word beginnings a regular expression needs before it can match.

The message checker tries some 400 patterns on every checked message, and almost none of them can
match a given message. Most patterns start with a word boundary and a list of words
(``\\b(envia|manda|pasa)…``): unless one of the message's words begins like one of those, the
pattern can't match, and a set lookup says so far faster than the regular expression engine.

:func:`word_keys` reads a compiled pattern's parse tree and returns the first (up to) four letters
of every word a match can start with, or ``None`` when it can't tell (an optional first word, a
character class, a lookbehind-free pattern without a leading ``\\b``…): such patterns always run.
:func:`text_keys` gives the same four-letter beginnings for a message. A pattern can match only
if the two sets meet; ``tests/test_checker.py`` checks that skipping changes no finding.

The parse tree comes from :mod:`re`'s own parser (``re._parser``, Python 3.11+). If it is missing
or its shape changes, every pattern simply runs, as before.
"""

from __future__ import annotations

import importlib
import re
from functools import cache
from typing import Any

KEY_LENGTH = 4
MAX_PREFIXES = 512

try:
    _P: Any = importlib.import_module("re._parser")
except ImportError:  # pragma: no cover - other Pythons: no skipping
    _P = None

_WORD = re.compile(r"\w+")


def text_keys(folded: str) -> frozenset[str]:
    """The first 1 to ``KEY_LENGTH`` characters of every word of ``folded``."""
    keys: set[str] = set()
    for word in _WORD.findall(folded):
        for n in range(1, min(len(word), KEY_LENGTH) + 1):
            keys.add(word[:n])
    return frozenset(keys)


@cache
def word_keys(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Beginnings of the words a match must start with, or None if any text may match.

    Cached per pattern for the whole process: every checker (one per engine) shares the work,
    done on a pattern's first use (some 60 ms for all of them), not at start-up."""
    if _P is None or pattern.flags & re.IGNORECASE:
        return None
    try:
        tree = _P.parse(pattern.pattern, pattern.flags)
        return _keys(list(tree))
    except Exception:  # an unexpected tree only means "always run"
        return None


def _keys(items: list[Any]) -> frozenset[str] | None:
    # the match must begin at a word boundary, before anything that consumes text
    i = 0
    boundary = False
    while i < len(items):
        op, av = items[i]
        if op is _P.AT and av is _P.AT_BOUNDARY:
            boundary = True
        elif op not in (_P.ASSERT, _P.ASSERT_NOT):
            break
        i += 1
    if not boundary:
        return None
    prefixes, _complete = _sequence(items[i:])
    if prefixes is None:
        return None
    keys: set[str] = set()
    for prefix in prefixes:
        first = _WORD.match(prefix)  # the match's first word begins with these characters
        if first is None:
            return None
        keys.add(first.group()[:KEY_LENGTH])
    # "ma" already covers "mama": a word that begins "mama" begins "ma"
    return frozenset(k for k in keys if not any(k != o and k.startswith(o) for o in keys))


def _sequence(items: list[Any], start: frozenset[str] = frozenset({""})) -> tuple[set[str] | None, bool]:
    """Literal prefixes every match of ``items`` starts with, and whether they cover all of it."""
    out = set(start)

    def partial() -> tuple[set[str] | None, bool]:
        return (out if out != {""} else None), False

    for i, (op, av) in enumerate(items):
        if op in (_P.ASSERT, _P.ASSERT_NOT) or (op is _P.AT and av is _P.AT_BOUNDARY):
            continue  # zero width
        if op is _P.LITERAL:
            out = {p + chr(av) for p in out}
            if _settled(out):
                return out, False
            continue
        if op in (_P.MAX_REPEAT, _P.MIN_REPEAT) and av[0] == 0 and av[1] == 1:
            # "(your )?resume": both ways on, with and without the optional part
            rest = list(items[i + 1 :])
            with_it, done_with = _sequence(list(av[2]) + rest, frozenset(out))
            without, done_without = _sequence(rest, frozenset(out))
            if with_it is None or without is None or len(with_it | without) > MAX_PREFIXES:
                return partial()
            return with_it | without, done_with and done_without
        choice, complete = _element(op, av)
        if choice is None:
            return partial()
        joined = {p + c for p in out for c in choice}
        if len(joined) > MAX_PREFIXES:
            return partial()
        out = joined
        if not complete or _settled(out):
            return out, False
    return out, True


def _settled(prefixes: set[str]) -> bool:
    """True once every prefix holds a whole first word: the rest can't change the keys."""
    for prefix in prefixes:
        first = _WORD.match(prefix)
        if first is None or first.end() == len(prefix):
            return False
    return True


def _element(op: Any, av: Any) -> tuple[set[str] | None, bool]:
    if op is _P.SUBPATTERN:
        return _sequence(list(av[-1]))
    if op is _P.BRANCH:
        union: set[str] = set()
        complete = True
        for branch in av[1]:
            choice, done = _sequence(list(branch))
            if choice is None:
                return None, False
            union |= choice
            complete = complete and done
        return union, complete
    if op is _P.IN:
        chars: set[str] = set()
        for kind, value in av:
            if kind is not _P.LITERAL:
                return None, False
            chars.add(chr(value))
        return chars, True
    if op in (_P.MAX_REPEAT, _P.MIN_REPEAT):
        low, high, body = av
        if low == 0:
            return {""}, False
        choice, done = _sequence(list(body))
        return choice, done and low == high == 1
    return None, False
