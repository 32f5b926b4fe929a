"""Intent matching: rapidfuzz over a prebuilt index, aggregated per intent, then a decision.

The index is built once, at start-up. For each message:

1. normalize it (see :mod:`cyberhygiene.normalize`) and correct words the patterns never use to
   the closest word they do use ("pasword" → "password"), with rapidfuzz;
2. score every pattern with two complementary measures and blend them:
   * rapidfuzz ``WRatio`` (character-level similarity, robust to typos and word order), and
   * an IDF-weighted word-overlap cosine (which words matter: "contraseña" outweighs "como");
3. keep each intent's best pattern score, add a bonus when one of its ``keywords`` appears;
4. decide: answer when the best intent clears ``threshold`` and leads the runner-up by
   ``margin``; decline when the closest examples are out-of-scope ones; otherwise fall back and
   offer the best guesses.

All thresholds come from :class:`cyberhygiene.config.MatchSettings`.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process

from .config import MatchSettings
from .knowledge import KnowledgeBase
from .normalize import Lexicon, normalize

OUT_OF_SCOPE = "__out_of_scope__"
# How the four similarity measures are blended (they sum to 1, so scores stay 0-100):
WEIGHTS = {
    "fuzzy": 0.17,  # best rapidfuzz WRatio against one pattern (typos, word order)
    "pattern_words": 0.13,  # best IDF-weighted word cosine against one pattern
    "intent_words": 0.35,  # IDF-weighted word cosine against all of the intent's patterns
    "intent_grams": 0.35,  # character 3-4-gram cosine against all of the intent's patterns
}
KEYWORD_BONUS = 5.0
# Words shorter than this are never "corrected" (too many near neighbours).
MIN_CORRECTABLE = 5
CORRECTION_CUTOFF = 90.0
# Weight of a word no pattern uses, relative to the rarest known word.
UNKNOWN_WORD_WEIGHT = 0.6
GRAM_SIZES = (3, 4)
# Intents whose patterns get the (costly) per-pattern fuzzy comparison.
CANDIDATES = 10


def char_grams(text: str) -> Counter[str]:
    """Character 3- and 4-grams inside each word ("cifrados" and "cifrado" share most)."""
    grams: Counter[str] = Counter()
    for word in text.split():
        padded = f" {word} "
        for n in GRAM_SIZES:
            grams.update(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


def _centroids(
    docs: dict[str, Counter[str]], idf: dict[str, float]
) -> dict[str, tuple[dict[str, float], float]]:
    out = {}
    for iid, counts in docs.items():
        vec = {k: (1.0 + math.log(n)) * idf[k] for k, n in counts.items()}
        out[iid] = (vec, math.sqrt(sum(v * v for v in vec.values())) or 1.0)
    return out


def _idf(docs: dict[str, Counter[str]]) -> dict[str, float]:
    df: Counter[str] = Counter()
    for counts in docs.values():
        df.update(counts.keys())
    n = max(len(docs), 1)
    return {k: math.log((n + 1) / (c + 0.5)) for k, c in df.items()}


@dataclass(frozen=True)
class Match:
    """The matcher's verdict on one message."""

    intent: str | None  # None: the bot falls back (or declines)
    score: float
    alternatives: list[tuple[str, float]] = field(default_factory=list)  # best first, in scope
    out_of_scope: bool = False


@dataclass(frozen=True)
class _Entry:
    intent: str
    lang: str
    text: str
    weights: dict[str, float]
    norm: float


class Matcher:
    """A prebuilt index over every pattern of every intent, in both languages."""

    def __init__(self, kb: KnowledgeBase, settings: MatchSettings, lexicon: Lexicon) -> None:
        self.settings = settings
        self.lexicon = lexicon
        raw: list[tuple[str, str, str]] = []
        for intent in kb.intents.values():
            for lang, patterns in intent.patterns.items():
                raw.extend((intent.id, lang, normalize(p, lang, lexicon)) for p in patterns)
        for lang, examples in kb.out_of_scope.items():
            raw.extend((OUT_OF_SCOPE, lang, normalize(p, lang, lexicon)) for p in examples)
        raw = [r for r in raw if r[2]]

        # IDF over intents (each intent's patterns form one document), so that words used by
        # many intents ("how", "my", "como") weigh little and distinctive ones weigh a lot.
        word_docs: dict[str, Counter[str]] = defaultdict(Counter)
        gram_docs: dict[str, Counter[str]] = defaultdict(Counter)
        lang_word_docs: dict[str, Counter[str]] = defaultdict(Counter)
        lang_gram_docs: dict[str, Counter[str]] = defaultdict(Counter)
        for iid, lang, text in raw:
            words = set(text.split())
            grams = char_grams(text)
            word_docs[iid].update(words)
            gram_docs[iid].update(grams)
            lang_word_docs[f"{iid}|{lang}"].update(words)
            lang_gram_docs[f"{iid}|{lang}"].update(grams)
        self.idf = _idf(word_docs)
        self.gram_idf = _idf(gram_docs)
        top = max(self.idf.values(), default=1.0)
        self._unknown_idf = UNKNOWN_WORD_WEIGHT * top
        self._unknown_gram_idf = UNKNOWN_WORD_WEIGHT * max(self.gram_idf.values(), default=1.0)
        # One profile per intent *and language*: an intent's English and Spanish words mixed in
        # one profile would dilute each other.
        self._word_centroids = _centroids(lang_word_docs, self.idf)
        self._gram_centroids = _centroids(lang_gram_docs, self.gram_idf)
        self.vocabulary: list[str] = sorted(self.idf)
        self._vocab_set = set(self.vocabulary)

        self.entries: list[_Entry] = []
        for iid, lang, text in raw:
            weights = {w: self.idf[w] for w in set(text.split())}
            norm = math.sqrt(sum(v * v for v in weights.values())) or 1.0
            self.entries.append(_Entry(iid, lang, text, weights, norm))
        self._texts = [e.text for e in self.entries]
        self._rows_of: dict[str, list[int]] = defaultdict(list)
        for i, e in enumerate(self.entries):
            self._rows_of[e.intent].append(i)
        self._intent_ids = sorted(self._rows_of)
        self._postings: dict[str, list[int]] = defaultdict(list)
        for i, e in enumerate(self.entries):
            for w in e.weights:
                self._postings[w].append(i)

        self.keywords: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        for intent in kb.intents.values():
            for lang, cues in intent.keywords.items():
                for kw in cues:
                    phrase = tuple(normalize(kw, lang, lexicon).split())
                    if phrase:
                        self.keywords[intent.id].append(phrase)
        self._correct = lru_cache(maxsize=8192)(self._correct_word)

    def _correct_word(self, word: str) -> str:
        if word in self._vocab_set or len(word) < MIN_CORRECTABLE or word.isdigit():
            return word
        best = process.extractOne(word, self.vocabulary, scorer=fuzz.ratio, score_cutoff=CORRECTION_CUTOFF)
        return best[0] if best else word

    def prepare(self, text: str, lang: str) -> str:
        """Normalize ``text`` and correct out-of-vocabulary words."""
        words = normalize(text, lang, self.lexicon).split()
        return " ".join(self._correct(w) for w in words)

    @staticmethod
    def _cosine(
        query: dict[str, float], q_norm: float, centroids: dict[str, tuple[dict[str, float], float]]
    ) -> dict[str, float]:
        """Cosine with each intent's profiles; an intent keeps its best language."""
        out: dict[str, float] = {}
        for key, (vec, norm) in centroids.items():
            iid = key.partition("|")[0]
            dot = sum(w * vec.get(k, 0.0) for k, w in query.items())
            out[iid] = max(out.get(iid, 0.0), 100.0 * dot / (q_norm * norm))
        return out

    def scores(self, text: str, lang: str) -> tuple[str, dict[str, float]]:
        """The prepared text and every intent's score (0-100), out-of-scope included."""
        query = self.prepare(text, lang)
        if not query:
            return query, {}
        q_words = set(query.split())
        q_weights = {w: self.idf.get(w, self._unknown_idf) for w in q_words}
        q_norm = math.sqrt(sum(v * v for v in q_weights.values())) or 1.0
        grams = char_grams(query)
        g_weights = {
            g: (1.0 + math.log(n)) * self.gram_idf.get(g, self._unknown_gram_idf) for g, n in grams.items()
        }
        g_norm = math.sqrt(sum(v * v for v in g_weights.values())) or 1.0

        intent_words = self._cosine(q_weights, q_norm, self._word_centroids)
        intent_grams = self._cosine(g_weights, g_norm, self._gram_centroids)
        # The per-pattern measures are the costly part: compute them only for the intents the
        # cheap whole-intent similarities put in front (plus the out-of-scope examples).
        ranked = sorted(
            self._intent_ids, key=lambda i: -(intent_words.get(i, 0.0) + intent_grams.get(i, 0.0))
        )
        candidates = set(ranked[:CANDIDATES]) | {OUT_OF_SCOPE}
        rows = [i for iid in candidates for i in self._rows_of.get(iid, ())]
        texts = [self._texts[i] for i in rows]

        overlap: dict[int, float] = defaultdict(float)
        for w in q_words:
            for i in self._postings.get(w, ()):
                overlap[i] += q_weights[w] * self.entries[i].weights[w]

        fuzzy: dict[str, float] = dict.fromkeys(self._intent_ids, 0.0)
        pattern_words: dict[str, float] = dict.fromkeys(self._intent_ids, 0.0)
        for _, fz, j in process.extract(query, texts, scorer=fuzz.WRatio, limit=None):
            i = rows[j]
            entry = self.entries[i]
            fuzzy[entry.intent] = max(fuzzy[entry.intent], fz)
        for i, dot in overlap.items():
            entry = self.entries[i]
            cos = 100.0 * dot / (q_norm * entry.norm)
            pattern_words[entry.intent] = max(pattern_words[entry.intent], cos)

        padded = f" {query} "
        best: dict[str, float] = {}
        for iid in fuzzy:
            score = (
                WEIGHTS["fuzzy"] * fuzzy[iid]
                + WEIGHTS["pattern_words"] * pattern_words[iid]
                + WEIGHTS["intent_words"] * intent_words.get(iid, 0.0)
                + WEIGHTS["intent_grams"] * intent_grams.get(iid, 0.0)
            )
            if any(f" {' '.join(p)} " in padded for p in self.keywords.get(iid, ())):
                score += KEYWORD_BONUS
            best[iid] = min(100.0, score)
        return query, best

    def match(self, text: str, lang: str) -> Match:
        """Score ``text`` and decide: an intent, a fallback with guesses, or out of scope."""
        _, scores = self.scores(text, lang)
        oos = scores.pop(OUT_OF_SCOPE, 0.0)
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        s = self.settings
        alternatives = [(iid, round(sc, 1)) for iid, sc in ranked[: max(s.max_suggestions, 3)]]
        if not ranked:
            return Match(None, 0.0, [], out_of_scope=False)
        top_id, top = ranked[0]
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        if oos >= top and oos >= s.suggest_floor:
            return Match(None, round(top, 1), alternatives, out_of_scope=True)
        if top >= s.threshold and top - second >= s.margin:
            return Match(top_id, round(top, 1), alternatives)
        return Match(None, round(top, 1), alternatives)

    def suggestions(self, match: Match) -> list[str]:
        """Up to ``max_suggestions`` guesses worth offering for a fallback."""
        floor = self.settings.suggest_floor
        return [iid for iid, sc in match.alternatives if sc >= floor][: self.settings.max_suggestions]
