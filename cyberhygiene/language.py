"""English/Spanish detection, learned from the intent patterns themselves.

A tiny naive-Bayes model over words and character trigrams is trained once, at start-up, on the
patterns of each language (and the out-of-scope examples). It generalizes to words it has not
seen through trigrams ("-cion", "ing "), and it reports how sure it is, so that a message that
carries no evidence ("ok", "?", "WhatsApp") can fall back to the user's stored preference.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .normalize import fold

# Letters and marks that only Spanish uses; checked on the raw text, before accents are folded.
_SPANISH_MARKS = set("ñ¿¡áéíóúü")


@dataclass(frozen=True)
class Detection:
    lang: str
    confidence: float  # log-odds in favour of ``lang``; 0 means no evidence either way


def _trigrams(word: str) -> list[str]:
    padded = f" {word} "
    return [padded[i : i + 3] for i in range(len(padded) - 2)]


class LanguageModel:
    """Naive Bayes over words (weight 1) and character trigrams (weight ``trigram_weight``)."""

    def __init__(self, samples: Mapping[str, Iterable[str]], trigram_weight: float = 0.15) -> None:
        self.langs = sorted(samples)
        self.trigram_weight = trigram_weight
        words: dict[str, Counter[str]] = {lang: Counter() for lang in samples}
        grams: dict[str, Counter[str]] = {lang: Counter() for lang in samples}
        for lang, texts in samples.items():
            for text in texts:
                for w in fold(text).split():
                    words[lang][w] += 1
                    grams[lang].update(_trigrams(w))
        vocabulary: set[str] = set().union(*words.values())
        word_vocab = len(vocabulary) + 1
        gram_vocab = len(set().union(*grams.values())) + 1
        # Log-probabilities precomputed once (add-0.5 smoothing): a word seen in training costs one
        # lookup per language; an unseen word adds up its trigrams' (unseen ones get the floor).
        self._word_logp: dict[str, dict[str, float]] = {}
        self._gram_logp: dict[str, dict[str, float]] = {}
        self._unseen_word: dict[str, float] = {}
        self._unseen_gram: dict[str, float] = {}
        for lang in self.langs:
            w_den = sum(words[lang].values()) + 0.5 * word_vocab
            g_den = sum(grams[lang].values()) + 0.5 * gram_vocab
            self._word_logp[lang] = {w: math.log((n + 0.5) / w_den) for w, n in words[lang].items()}
            self._gram_logp[lang] = {g: math.log((n + 0.5) / g_den) for g, n in grams[lang].items()}
            self._unseen_word[lang] = math.log(0.5 / w_den)
            self._unseen_gram[lang] = math.log(0.5 / g_den)
        self._known_score = {lang: {w: self._word_score(lang, w) for w in vocabulary} for lang in self.langs}

    def _word_score(self, lang: str, word: str) -> float:
        gram_logp, unseen_gram = self._gram_logp[lang], self._unseen_gram[lang]
        g_score = sum(gram_logp.get(g, unseen_gram) for g in _trigrams(word))
        return self._word_logp[lang].get(word, self._unseen_word[lang]) + self.trigram_weight * g_score

    def _log_p(self, lang: str, words: list[str]) -> float:
        known = self._known_score[lang]
        score = 0.0
        for w in words:
            s = known.get(w)
            score += self._word_score(lang, w) if s is None else s
        return score

    def detect(self, text: str) -> Detection:
        """Most likely language of ``text`` and the log-odds margin behind it."""
        if len(self.langs) < 2:
            return Detection(self.langs[0] if self.langs else "en", 0.0)
        words = fold(text).split()
        scores = {lang: self._log_p(lang, words) for lang in self.langs}
        if "es" in scores and any(ch in _SPANISH_MARKS for ch in text.casefold()):
            scores["es"] += 2.0
        ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
        (best, s1), (_, s2) = ranked[0], ranked[1]
        return Detection(best, s1 - s2)
