"""Where a user is, as recognition cues (``places:`` in an ``intents/`` file).

```yaml
places:
  cues: [i live in, im in, vivo en, estoy en, aqui en]   # words right before a place
  fillers: [the, la, el]                                 # optional words between cue and place
  us: [texas, los angeles, estados unidos]
  mx: [cdmx, monterrey, guadalajara]
```

Everything is folded like user text (no accents, lower case), so "aquí en CDMX" matches.
"""

from __future__ import annotations

import re
from typing import Any

from ..normalize import fold
from .checks import Checker
from .model import COUNTRIES, Places


def check_places(c: Checker, value: Any, line: int, current: Places) -> Places:
    """Merge one file's ``places:`` block into ``current`` (several files may add places)."""
    block = c.mapping(value, line, "places")
    if block is None:
        return current
    c.keys(block, "places", ("cues",), ("fillers", *COUNTRIES))
    cues = c.string_list(block["cues"], block.line_of("cues"), "places.cues") if "cues" in block else None
    fillers: tuple[str, ...] = ()
    if "fillers" in block:
        fillers = c.string_list(block["fillers"], block.line_of("fillers"), "places.fillers") or ()
    names = {k: list(v) for k, v in current.names.items()}
    owner: dict[str, str] = {n: k for k, v in current.names.items() for n in v}
    for code in COUNTRIES:
        if code not in block:
            continue
        items = c.string_list(block[code], block.line_of(code), f"places.{code}") or ()
        for item in items:
            key = fold(item)
            if key in owner and owner[key] != code:
                c.error(block.line_of(code), f"places: {item!r} is listed for both {owner[key]} and {code}")
                continue
            owner[key] = code
            names.setdefault(code, []).append(key)
    return Places(
        current.cues + tuple(fold(x) for x in cues or ()),
        current.fillers + tuple(fold(x) for x in fillers),
        {k: tuple(v) for k, v in names.items()},
    )


def recognizer(places: Places) -> re.Pattern[str] | None:
    """A pattern over folded text whose named groups say the country (``us``/``mx``)."""
    if not places.cues or not places.names:
        return None

    def alt(items: tuple[str, ...]) -> str:
        return "|".join(re.escape(x) for x in sorted(set(items), key=len, reverse=True))

    fill = f"(?:(?:{alt(places.fillers)}) )?" if places.fillers else ""
    groups = "|".join(f"(?P<{code}>{alt(names)})" for code, names in places.names.items() if names)
    return re.compile(rf"(?<![a-z0-9])(?:{alt(places.cues)}) {fill}(?:{groups})(?![a-z0-9])")


def country_in(text: str, pattern: re.Pattern[str] | None) -> tuple[str | None, bool]:
    """The country a message says the user is in ("vivo en Monterrey" -> ``mx``), if any, and
    whether that is all the message says (then there is no question to answer)."""
    if pattern is None:
        return None, False
    folded = fold(text)
    found = pattern.search(folded)
    if found is None:
        return None, False
    code = next((code for code, value in found.groupdict().items() if value), None)
    return code, found.group(0) == folded
