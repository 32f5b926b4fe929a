"""Text normalization, applied the same way to patterns and to what users type.

rapidfuzz 3 applies no processor by default, so every string is normalized here once: casefold,
accents and ``¿¡`` removed, punctuation dropped, letters repeated three or more times squeezed
("holaaa" → "hola"), whitespace collapsed, and finally the lexicon of spelling variants and slang
("cel" → "celular") applied word by word (longest phrase first).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

# Anything that is not a letter or a digit separates words. Keeping the definition Unicode-aware
# means emoji, zero-width and control characters, and right-to-left marks all vanish.
_NON_WORD = re.compile(r"[^\w]+|_+")
_REPEATS = re.compile(r"(\D)\1{2,}")
# Invisible characters that may sit *inside* a word (zero-width space/joiners, soft hyphen, BOM):
# removed, not turned into a word break.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
MAX_PHRASE_WORDS = 4


def fold(text: str) -> str:
    """Casefold, strip accents and punctuation, squeeze repeats, collapse whitespace."""
    text = unicodedata.normalize("NFKD", text.translate(_INVISIBLE).casefold())
    # casefold again: NFKD turns "fancy font" letters (𝐇𝐎𝐋𝐀) into plain capitals
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = _NON_WORD.sub(" ", text)
    text = _REPEATS.sub(r"\1", text)
    return " ".join(text.split())


class Lexicon:
    """Per-language replacements of words or short phrases, applied after :func:`fold`."""

    def __init__(self, entries: Mapping[str, Mapping[str, str]] | None = None) -> None:
        self._by_lang: dict[str, dict[tuple[str, ...], list[str]]] = {}
        for lang, mapping in (entries or {}).items():
            table: dict[tuple[str, ...], list[str]] = {}
            for key, value in mapping.items():
                words = tuple(fold(str(key)).split())
                if words and len(words) <= MAX_PHRASE_WORDS:
                    table[words] = fold(str(value)).split()
            self._by_lang[lang] = table

    @property
    def languages(self) -> list[str]:
        return sorted(self._by_lang)

    def apply(self, words: list[str], lang: str) -> list[str]:
        """Replace known variants in ``words`` using ``lang``'s table only.

        Tables are not mixed: the Spanish table maps "password" to "contraseña", which would
        turn an English "password manager" into nonsense.
        """
        table = self._by_lang.get(lang)
        if not table:
            return words
        out: list[str] = []
        i = 0
        while i < len(words):
            for size in range(min(MAX_PHRASE_WORDS, len(words) - i), 0, -1):
                replacement = table.get(tuple(words[i : i + size]))
                if replacement is not None:
                    out.extend(replacement)
                    i += size
                    break
            else:
                out.append(words[i])
                i += 1
        return out


def normalize(text: str, lang: str, lexicon: Lexicon | None = None) -> str:
    """The full pipeline: :func:`fold`, then the lexicon for ``lang``."""
    words = fold(text).split()
    if lexicon is not None:
        words = lexicon.apply(words, lang)
    return " ".join(words)
