"""Checks that need the matcher's view of the data (run by ``validate``, not at start-up)."""

from __future__ import annotations

from rapidfuzz import fuzz, process

from .knowledge import KnowledgeBase
from .normalize import Lexicon, normalize
from .yamlsrc import Problem

# Two patterns of different intents this similar (rapidfuzz ratio, 0-100) after normalization
# are near-duplicates: the matcher cannot tell which intent the user meant.
NEAR_DUPLICATE_RATIO = 90.0
# ... unless a word that only one of them has is a different word, not a spelling of the other's:
# "what is smishing" / "what is vishing" are similar strings but name different things.
SAME_WORD_RATIO = 85.0


def _only_spelling_differs(a: str, b: str) -> bool:
    """True when every word one pattern has and the other lacks is a variant of one it has."""
    wa, wb = set(a.split()), set(b.split())
    only_a, only_b = wa - wb, wb - wa
    if not only_a and not only_b:
        return True
    if not only_a or not only_b:
        return False  # one pattern adds words to the other: the added words may carry the meaning
    return all(
        max(fuzz.ratio(x, y) for y in other) >= SAME_WORD_RATIO
        for words, other in ((only_a, only_b), (only_b, only_a))
        for x in words
    )


def near_duplicates(kb: KnowledgeBase, threshold: float = NEAR_DUPLICATE_RATIO) -> list[Problem]:
    """Warn about patterns of different intents that normalize to nearly the same text."""
    cutoff = max(threshold, NEAR_DUPLICATE_RATIO)
    lexicon = Lexicon(kb.lexicon)
    entries: list[tuple[str, str, str, str, int]] = []  # (text, intent, raw, path, line)
    for intent in kb.intents.values():
        for lang, pats in intent.patterns.items():
            for pat in pats:
                text = normalize(pat, lang, lexicon)
                if len(text) >= 4:
                    entries.append((text, intent.id, pat, intent.path, intent.line))
    texts = [e[0] for e in entries]
    problems: list[Problem] = []
    seen: set[tuple[int, int]] = set()
    for i, (text, iid, raw, path, line) in enumerate(entries):
        for _, score, j in process.extract(text, texts, scorer=fuzz.ratio, score_cutoff=cutoff, limit=None):
            other = entries[j]
            if other[1] == iid or (j, i) in seen or not _only_spelling_differs(text, other[0]):
                continue
            seen.add((i, j))
            problems.append(
                Problem(
                    path,
                    line,
                    f"{iid}: pattern {raw!r} is nearly the same as {other[1]}'s {other[2]!r} "
                    f"(similarity {score:.0f}); the matcher cannot tell them apart",
                    "warning",
                )
            )
    return problems
