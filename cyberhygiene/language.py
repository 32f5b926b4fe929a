"""English/Spanish detection, learned from the intent patterns themselves.

A tiny naive-Bayes model over words and character trigrams is trained once, at start-up, on the
patterns of each language (and the out-of-scope examples). It generalizes to words it has not
seen through trigrams ("-cion", "ing "), and it reports how sure it is, so that a message that
carries no evidence ("ok", "?", "WhatsApp") can fall back to the user's stored preference.
"""

from __future__ import annotations

import logging
import math
import zipfile
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .model import decode_strings, encode_strings, prune, save_arrays
from .normalize import fold

logger = logging.getLogger(__name__)

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
        words: dict[str, Counter[str]] = {lang: Counter() for lang in samples}
        grams: dict[str, Counter[str]] = {lang: Counter() for lang in samples}
        for lang, texts in samples.items():
            for text in texts:
                for w in fold(text).split():
                    words[lang][w] += 1
                    grams[lang].update(_trigrams(w))
        langs = sorted(samples)
        vocabulary: set[str] = set().union(*words.values())
        word_vocab = len(vocabulary) + 1
        gram_vocab = len(set().union(*grams.values())) + 1
        # Log-probabilities precomputed once (add-0.5 smoothing): a word seen in training costs one
        # lookup per language; an unseen word adds up its trigrams' (unseen ones get the floor).
        word_logp: dict[str, dict[str, float]] = {}
        gram_logp: dict[str, dict[str, float]] = {}
        unseen_word: dict[str, float] = {}
        unseen_gram: dict[str, float] = {}
        for lang in langs:
            w_den = sum(words[lang].values()) + 0.5 * word_vocab
            g_den = sum(grams[lang].values()) + 0.5 * gram_vocab
            word_logp[lang] = {w: math.log((n + 0.5) / w_den) for w, n in words[lang].items()}
            gram_logp[lang] = {g: math.log((n + 0.5) / g_den) for g, n in grams[lang].items()}
            unseen_word[lang] = math.log(0.5 / w_den)
            unseen_gram[lang] = math.log(0.5 / g_den)
        self._set_tables(langs, trigram_weight, {}, gram_logp, unseen_word, unseen_gram)
        self._known_score = {
            lang: {
                w: word_logp[lang].get(w, unseen_word[lang]) + self._gram_part(lang, w) for w in vocabulary
            }
            for lang in langs
        }

    def _set_tables(
        self,
        langs: list[str],
        trigram_weight: float,
        known_score: dict[str, dict[str, float]],
        gram_logp: dict[str, dict[str, float]],
        unseen_word: dict[str, float],
        unseen_gram: dict[str, float],
    ) -> None:
        """Everything detection reads: each known word's score per language, each trigram's
        log-probability, and the floors for unseen words and trigrams."""
        self.langs = langs
        self.trigram_weight = trigram_weight
        self._known_score = known_score
        self._gram_logp = gram_logp
        self._unseen_word = unseen_word
        self._unseen_gram = unseen_gram

    @classmethod
    def from_tables(
        cls,
        langs: list[str],
        trigram_weight: float,
        known_score: dict[str, dict[str, float]],
        gram_logp: dict[str, dict[str, float]],
        unseen_word: dict[str, float],
        unseen_gram: dict[str, float],
    ) -> LanguageModel:
        """A model from stored tables (see :func:`load_language`), without training."""
        lm = cls.__new__(cls)
        lm._set_tables(langs, trigram_weight, known_score, gram_logp, unseen_word, unseen_gram)
        return lm

    def _gram_part(self, lang: str, word: str) -> float:
        gram_logp, unseen_gram = self._gram_logp[lang], self._unseen_gram[lang]
        return self.trigram_weight * sum(gram_logp.get(g, unseen_gram) for g in _trigrams(word))

    def _log_p(self, lang: str, words: list[str]) -> float:
        known = self._known_score[lang]
        score = 0.0
        for w in words:
            s = known.get(w)
            score += self._unseen_word[lang] + self._gram_part(lang, w) if s is None else s
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


# -- the stored tables ------------------------------------------------------------------------
# Building the tables folds every pattern (a quarter of a second at start-up), so they are kept in
# MODEL_DIR next to the intent model, under the same data hash (the same patterns, out-of-scope
# examples and lexicon train both), and rebuilt only when that hash changes.
LANGUAGE_PREFIX = "language"
LANGUAGE_FORMAT = 1


def language_path(model_dir: Path, digest: str) -> Path:
    return model_dir / f"{LANGUAGE_PREFIX}-{digest[:16]}.npz"


def save_language(lm: LanguageModel, model_dir: Path, digest: str) -> Path | None:
    """Write the tables atomically; a read-only directory only means building them next time."""
    arrays: dict[str, Any] = {
        "format": np.array(LANGUAGE_FORMAT),
        "digest": encode_strings([digest]),
        "langs": encode_strings(lm.langs),
        "trigram_weight": np.array(lm.trigram_weight),
    }
    for i, lang in enumerate(lm.langs):
        known = lm._known_score[lang]
        grams = lm._gram_logp[lang]
        arrays[f"words{i}"] = encode_strings(list(known))
        arrays[f"word_scores{i}"] = np.fromiter(known.values(), dtype=np.float64, count=len(known))
        arrays[f"grams{i}"] = encode_strings(list(grams))
        arrays[f"gram_scores{i}"] = np.fromiter(grams.values(), dtype=np.float64, count=len(grams))
        arrays[f"unseen{i}"] = np.array([lm._unseen_word[lang], lm._unseen_gram[lang]])
    path = language_path(model_dir, digest)
    try:
        save_arrays(path, arrays)
    except OSError as exc:
        logger.warning("could not save the language tables in %s: %s", model_dir, exc)
        return None
    prune(model_dir, LANGUAGE_PREFIX, path)
    return path


def load_language(model_dir: Path, digest: str) -> LanguageModel | None:
    """The stored tables for ``digest``, or None when missing, stale or unreadable."""
    path = language_path(model_dir, digest)
    if not path.is_file():
        return None
    try:
        with open(path, "rb") as fh, np.load(fh, allow_pickle=False) as npz:
            if int(npz["format"]) != LANGUAGE_FORMAT or decode_strings(npz["digest"]) != [digest]:
                return None
            langs = decode_strings(npz["langs"])
            known: dict[str, dict[str, float]] = {}
            grams: dict[str, dict[str, float]] = {}
            unseen_word: dict[str, float] = {}
            unseen_gram: dict[str, float] = {}
            for i, lang in enumerate(langs):
                known[lang] = dict(
                    zip(decode_strings(npz[f"words{i}"]), npz[f"word_scores{i}"].tolist(), strict=True)
                )
                grams[lang] = dict(
                    zip(decode_strings(npz[f"grams{i}"]), npz[f"gram_scores{i}"].tolist(), strict=True)
                )
                unseen_word[lang], unseen_gram[lang] = (float(v) for v in npz[f"unseen{i}"])
            lm = LanguageModel.from_tables(
                langs, float(npz["trigram_weight"]), known, grams, unseen_word, unseen_gram
            )
            return lm
    except (OSError, KeyError, ValueError, IndexError, EOFError, zipfile.BadZipFile) as exc:
        logger.warning("ignoring the language tables %s: %s", path, exc)
        return None


def language_for(samples: Mapping[str, Iterable[str]], model_dir: Path, digest: str) -> LanguageModel:
    """The language model for these samples: loaded when stored under ``digest``, else built and
    stored."""
    lm = load_language(model_dir, digest)
    if lm is None:
        lm = LanguageModel(samples)
        save_language(lm, model_dir, digest)
    return lm
