"""Intent matching: the trained model (:mod:`cyberhygiene.model`) plus a decision rule.

For each message:

1. normalize it (:mod:`cyberhygiene.normalize`, with the lexicon of the message's language) and
   correct words no pattern uses to the closest word several patterns use ("pasword" → "password");
2. the model gives a probability to every intent and to "out of scope";
3. decide (:func:`decide`): a message with no word the patterns use is not understood; otherwise
   decline when "out of scope" (its probability times ``oos_weight``) is the most likely class
   and at least ``oos_threshold`` likely; answer the best intent when its probability is at least ``threshold``
   and it leads the runner-up (the second intent, or "out of scope") by ``margin``; otherwise ask
   "Did you mean…?" with the three best guesses.

Scores are probabilities from 0 to 1 everywhere (``match --json`` included). The thresholds come
from :class:`cyberhygiene.config.MatchSettings` and are chosen by ``python bot.py tune``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .config import MatchSettings
from .knowledge import KnowledgeBase
from .model import OUT_OF_SCOPE, Model, Progress, ensure_model
from .normalize import Lexicon, normalize

__all__ = ["OUT_OF_SCOPE", "Match", "Matcher", "decide"]
# How many in-scope intents a Match carries (the answer, the two next topics, three guesses).
RANKED = 5  # intents kept in a Match's alternatives (guesses and next topics come from these)


@dataclass(frozen=True)
class Match:
    """The matcher's verdict on one message."""

    intent: str | None  # None: the bot falls back (or declines)
    score: float  # probability of the best in-scope intent, 0-1
    alternatives: list[tuple[str, float]] = field(default_factory=list)  # best first, in scope
    out_of_scope: bool = False
    oos_score: float = 0.0  # probability of "out of scope", 0-1


def decide(
    ranked: Sequence[tuple[str, float]],
    oos: float,
    s: MatchSettings,
    known: bool = True,
    words: int = 1_000,
) -> Match:
    """The decision rule on in-scope intents ``ranked`` best first and the out-of-scope probability.
    ``known``: whether any word of the message occurs in the training data; a message made only
    of words the model never saw ("asdkjh qwe") is neither answered nor declined: the bot says it
    did not understand. ``words``: the message's length after normalization; a message of at most
    ``short_words`` words ("security") needs at least ``short_threshold`` to be answered, because
    the model is overconfident about a lone word that one intent happens to use."""
    alternatives = [(iid, round(p, 4)) for iid, p in ranked[: max(s.max_suggestions, RANKED)]]
    if not ranked:
        return Match(None, 0.0, [], out_of_scope=False, oos_score=round(oos, 4))
    top_id, top = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    score, oos_score = round(top, 4), round(oos, 4)
    if not known:
        return Match(None, score, alternatives, oos_score=oos_score)
    oos *= s.oos_weight  # the tuned prior correction (see MatchSettings.oos_weight)
    if oos >= top and oos >= s.oos_threshold:
        return Match(None, score, alternatives, out_of_scope=True, oos_score=oos_score)
    # the runner-up may be "out of scope": an intent is answered only when it leads that too
    threshold = max(s.threshold, s.short_threshold) if words <= s.short_words else s.threshold
    if top > oos and top >= threshold and top - max(second, oos) >= s.margin:
        return Match(top_id, score, alternatives, oos_score=oos_score)
    return Match(None, score, alternatives, oos_score=oos_score)


class Matcher:
    """The trained model behind one call: ``match(text, lang)``."""

    def __init__(self, model: Model, settings: MatchSettings, lexicon: Lexicon) -> None:
        self.model = model
        self.settings = settings
        self.lexicon = lexicon

    @classmethod
    def for_knowledge(
        cls,
        kb: KnowledgeBase,
        settings: MatchSettings,
        lexicon: Lexicon,
        model_dir: Path,
        progress: Progress | None = None,
    ) -> Matcher:
        """A matcher over the stored model for ``kb`` (trained first when missing or stale)."""
        return cls(ensure_model(kb, lexicon, model_dir, progress), settings, lexicon)

    def prepare(self, text: str, lang: str) -> str:
        """Normalize ``text`` and correct out-of-vocabulary words."""
        return self.model.correct(normalize(text, lang, self.lexicon))

    def scores(self, text: str, lang: str) -> tuple[str, dict[str, float]]:
        """The prepared text and every class's probability (out of scope included); no
        probabilities for a message that has no words."""
        query = self.prepare(text, lang)
        if not query:
            return query, {}
        probs = self.model.probabilities(query)
        return query, {c: float(p) for c, p in zip(self.model.classes, probs, strict=True)}

    def analyze(self, text: str, lang: str) -> tuple[list[tuple[str, float]], float, bool]:
        """In-scope intents, most likely first; the probability of "out of scope"; and whether
        any word of the message is one the training data uses."""
        ranked, oos, known, _ = self._analyze(text, lang)
        return ranked, oos, known

    def _analyze(self, text: str, lang: str) -> tuple[list[tuple[str, float]], float, bool, int]:
        """:meth:`analyze` plus the normalized message's word count, from one normalization."""
        query, scores = self.scores(text, lang)
        oos = scores.pop(OUT_OF_SCOPE, 0.0)
        words = query.split()
        known = any(w in self.model.known_words for w in words)
        return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0])), oos, known, len(words)

    def ranked(self, text: str, lang: str) -> tuple[list[tuple[str, float]], float]:
        """In-scope intents, most likely first, and the probability of "out of scope"."""
        ranked, oos, _ = self.analyze(text, lang)
        return ranked, oos

    def match(self, text: str, lang: str) -> Match:
        """Score ``text`` and decide: an intent, a fallback with guesses, or out of scope."""
        ranked, oos, known, words = self._analyze(text, lang)  # one normalization per message
        return decide(ranked, oos, self.settings, known, words)

    def words(self, text: str, lang: str) -> int:
        """How many words the message has once normalized (what ``short_words`` counts)."""
        return len(self.prepare(text, lang).split())

    def suggestions(self, match: Match) -> list[str]:
        """Up to ``max_suggestions`` guesses worth offering for a fallback."""
        floor = self.settings.suggest_floor
        return [iid for iid, sc in match.alternatives if sc >= floor][: self.settings.max_suggestions]

    def next_topics(self, match: Match, text: str) -> list[str]:
        """For a long message that was answered: the next two topics worth offering as buttons."""
        if match.intent is None or len(text.split()) < self.settings.long_message_words:
            return []
        # No probability floor: the issue is "answer the clear first topic, offer the next two",
        # and a story's second topic is often unlikely for the model yet worth one tap.
        return [iid for iid, _ in match.alternatives[1:]]
