"""Cells safe to open in a spreadsheet: the one helper every export uses (CSV now, xlsx later).

A spreadsheet takes a cell as a formula when it starts with ``=``, ``+``, ``-`` or ``@`` (or
``|`` for DDE), and it is lenient about what comes before: leading spaces, a no-break space, a
full-width ``＝`` that it folds to ``=``. A CSV opened with ``;`` or ``|`` as the separator also
splits ``a;=1+1`` into two cells. So a cell is escaped when, after Unicode NFKC normalization,
any piece of it (split at ``;``, ``,``, ``|``, tabs and line breaks), with spaces and invisible
characters trimmed, starts with one of those characters. Escaping prefixes an apostrophe (to the
cell and to each such piece), which spreadsheets show as text and do not evaluate.
"""

from __future__ import annotations

import re
import unicodedata

FORMULA_START = frozenset("=+-@|")
_PIECES = re.compile(r"[;,|\t\r\n]")
# Trimmed before looking at the first character: whitespace and characters that render as
# nothing (zero-width space/joiners, word joiner, BOM, soft hyphen).
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"


def is_formula_like(value: str) -> bool:
    """True when some spreadsheet could evaluate ``value`` (or a piece of it) as a formula."""
    text = unicodedata.normalize("NFKC", value)
    if text[:1] in {"\t", "\r", "\n", ";", "|"}:
        return True
    for piece in _PIECES.split(text):
        trimmed = piece.strip().strip(_INVISIBLE).strip()
        if trimmed[:1] in FORMULA_START:
            return True
    return False


def safe_cell(value: str) -> str:
    """``value`` ready for a spreadsheet cell: prefixed with ``'`` when it looks like a formula,
    and every inner piece that starts like one (``a;=1+1``, ``x\t=1``) gets its own ``'``, so
    no separator a spreadsheet might split on exposes a formula."""
    if not value or not is_formula_like(value):
        return value
    out = ["'"]
    at_piece_start = True
    for ch in value:
        norm = unicodedata.normalize("NFKC", ch)
        if at_piece_start:
            if not norm.strip() or ch in _INVISIBLE:
                out.append(ch)
                continue
            if norm[:1] in FORMULA_START and len(out) > 1:
                out.append("'")
            at_piece_start = False
        out.append(ch)
        if _PIECES.match(norm):
            at_piece_start = True
    return "".join(out)
