"""The trained intent model: features, training, storage and numpy-only prediction.

Design (issue 9): a multinomial logistic regression over TF-IDF features (word 1-2-grams plus
``char_wb`` 2-5-grams, sublinear tf, each block L2-normalized) of the *normalized* patterns
(:mod:`cyberhygiene.normalize` + the lexicon), with the out-of-scope examples as one more class
and one joint model for both languages.

* Training needs scikit-learn and happens only in :func:`train` (``python bot.py train``, or at
  start-up when the stored model is missing or stale); nothing trains per message.
* Prediction needs numpy alone: the vocabularies, idf weights, coefficients and intercepts are
  stored in an ``.npz`` file (no pickle) together with a hash of the data they came from
  (:func:`data_hash`), so a model trained on other data is never used.
* The feature extraction below is the *same* Python function at training time (handed to
  scikit-learn's ``TfidfVectorizer`` as its analyzer) and at run time, so both always agree.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import tempfile
import time
import warnings
import zipfile
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from .knowledge import KnowledgeBase
from .normalize import Lexicon, normalize

logger = logging.getLogger(__name__)

OUT_OF_SCOPE = "__out_of_scope__"
# Bump when the features, the training recipe or the file layout change: older files then
# count as stale and are retrained.
MODEL_FORMAT = 2
WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (2, 5)
# Inverse regularization strength of the logistic regression (C=3, 10 and 30 scored within a point
# of each other on the evaluation sets; 10 was best on eval.yaml).
C = 10.0
MAX_ITER = 1000
# Solver: on the current patterns and on the larger sets being written (7,600 examples, 48
# classes) "sag" fits in a third of newton-cg's time and a fifth of lbfgs's (whose own bookkeeping
# over 2-3 million coefficients is the slow part), with the same predictions on both evaluation
# sets. Its random order is fixed (RANDOM_STATE), so training is deterministic.
SOLVER = "sag"
TOL = 1e-3
RANDOM_STATE = 0
# Spelling correction of words the patterns never use: only words of at least this many letters
# are corrected, only towards words used by at least CORRECTION_MIN_PATTERNS patterns (a typo
# written once in one pattern must not become a correction target), and only when rapidfuzz's
# ratio is at least CORRECTION_CUTOFF.
MIN_CORRECTABLE = 5
CORRECTION_MIN_PATTERNS = 2
CORRECTION_CUTOFF = 85.0

Progress = Callable[[str], None]
FloatArray = npt.NDArray[np.float64]
# Features and coefficients are float32: "sag" fits twice as fast on float32 features, and the
# stored model and its memory are half the size; prediction adds them up in float64.
CoefArray = npt.NDArray[np.float32]


# -- features ---------------------------------------------------------------------------------
def word_ngrams(text: str) -> list[str]:
    """Word unigrams and bigrams of an already normalized text."""
    words = text.split()
    grams = list(words)
    grams.extend(f"{a} {b}" for a, b in pairwise(words))
    return grams


def char_ngrams(text: str) -> list[str]:
    """Character 2-5-grams inside space-padded words (scikit-learn's ``char_wb``)."""
    lo, hi = CHAR_NGRAMS
    grams: list[str] = []
    for word in text.split():
        padded = f" {word} "
        size = len(padded)
        for n in range(lo, hi + 1):
            if n > size:
                break
            grams.extend(padded[i : i + n] for i in range(size - n + 1))
    return grams


ANALYZERS: tuple[Callable[[str], list[str]], ...] = (word_ngrams, char_ngrams)
WORD_BLOCK, CHAR_BLOCK = 0, 1  # positions of the two analyzers' blocks in a model


# -- training data and its hash ---------------------------------------------------------------
@dataclass(frozen=True)
class Sample:
    text: str  # normalized
    label: str  # an intent id or OUT_OF_SCOPE
    lang: str
    raw: str = ""  # as written in intents/
    keyword: bool = False  # a keyword cue rather than a pattern (never held out in cross-validation)


def training_samples(kb: KnowledgeBase, lexicon: Lexicon) -> list[Sample]:
    """Every pattern, keyword and out-of-scope example, normalized, without exact repeats."""
    seen: set[tuple[str, str]] = set()
    out: list[Sample] = []

    def add(text: str, label: str, lang: str, keyword: bool = False) -> None:
        norm = normalize(text, lang, lexicon)
        if norm and (norm, label) not in seen:
            seen.add((norm, label))
            out.append(Sample(norm, label, lang, text, keyword))

    for intent in kb.intents.values():
        for lang, patterns in intent.patterns.items():
            for p in patterns:
                add(p, intent.id, lang)
        for lang, cues in intent.keywords.items():
            for kw in cues:
                add(kw, intent.id, lang, keyword=True)
    for lang, examples in kb.out_of_scope.items():
        for p in examples:
            add(p, OUT_OF_SCOPE, lang)
    return out


def data_hash(kb: KnowledgeBase) -> str:
    """SHA-256 of everything training reads (patterns, keywords, out of scope, lexicon) and of
    the model format and training parameters. Comments and layout of the YAML do not count."""
    payload = {
        "format": MODEL_FORMAT,
        "params": {
            "word": WORD_NGRAMS,
            "char": CHAR_NGRAMS,
            "C": C,
            "max_iter": MAX_ITER,
            "solver": SOLVER,
            "tol": TOL,
            "seed": RANDOM_STATE,
        },
        "correction": [MIN_CORRECTABLE, CORRECTION_MIN_PATTERNS, CORRECTION_CUTOFF],
        "intents": {
            iid: {"patterns": i.patterns, "keywords": i.keywords} for iid, i in sorted(kb.intents.items())
        },
        "out_of_scope": kb.out_of_scope,
        "lexicon": kb.lexicon,
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=list).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


# -- the model --------------------------------------------------------------------------------
class _Block:
    """One TF-IDF feature block: vocabulary, idf weights and where its columns start."""

    def __init__(self, terms: Sequence[str], idf: FloatArray, offset: int) -> None:
        self.local = {t: i for i, t in enumerate(terms)}  # term → column within the block
        self.terms = list(terms)
        self.idf = idf
        self.offset = offset


class Model:
    """A trained model: ``probabilities(normalized_text)`` with numpy only."""

    def __init__(
        self,
        classes: Sequence[str],
        blocks: Sequence[tuple[Sequence[str], FloatArray]],
        coef: CoefArray,  # (n_features, n_classes)
        intercept: FloatArray,  # (n_classes,)
        correction_words: Sequence[str],
        known_words: Iterable[str],
        data_hash: str,
    ) -> None:
        self.classes = list(classes)
        self.data_hash = data_hash
        self.blocks: list[_Block] = []
        offset = 0
        for terms, idf in blocks:
            self.blocks.append(_Block(terms, idf, offset))
            offset += len(terms)
        self.coef = coef
        self.intercept = intercept
        # Correction targets sorted by length, so a word is only compared with words of a
        # length that could reach the cutoff.
        self.correction_words = sorted(correction_words, key=lambda w: (len(w), w))
        self._lengths = [len(w) for w in self.correction_words]
        self.known_words = frozenset(known_words)
        self.correct_word = lru_cache(maxsize=16384)(self._correct_word)
        self.word_char_columns = lru_cache(maxsize=16384)(self._word_char_columns)

    @property
    def n_features(self) -> int:
        return int(self.coef.shape[0])

    # -- spelling ---------------------------------------------------------------------------
    def _correct_word(self, word: str) -> str:
        if word in self.known_words or len(word) < MIN_CORRECTABLE or word.isdigit():
            return word
        # ratio = 2·matches / (len_a + len_b) >= cutoff needs the lengths within this factor
        f = CORRECTION_CUTOFF / (200.0 - CORRECTION_CUTOFF)
        n = len(word)
        lo = bisect_left(self._lengths, math.ceil(n * f))
        hi = bisect_right(self._lengths, math.floor(n / f))
        if lo >= hi:
            return word
        best = process.extractOne(
            word, self.correction_words[lo:hi], scorer=fuzz.ratio, score_cutoff=CORRECTION_CUTOFF
        )
        return best[0] if best else word

    def correct(self, text: str) -> str:
        """Replace words no pattern uses by the closest word several patterns use."""
        return " ".join(self.correct_word(w) for w in text.split())

    # -- prediction -------------------------------------------------------------------------
    def _word_char_columns(self, word: str) -> tuple[int, ...]:
        """Columns (within the character block) of ``word``'s character n-grams, repeats kept.

        ``char_wb`` grams never cross a word boundary, so a text's character grams are the sum
        of its words' grams: computing them once per distinct word (cached) is what keeps long
        messages cheap."""
        get = self.blocks[CHAR_BLOCK].local.get
        found = (get(g) for g in char_ngrams(word))
        return tuple(c for c in found if c is not None)

    def clear_caches(self) -> None:
        """Forget cached spelling corrections and per-word features (benchmarks start cold)."""
        self.correct_word.cache_clear()
        self.word_char_columns.cache_clear()

    def features(self, text: str) -> tuple[npt.NDArray[np.intp], FloatArray]:
        """Column indices and TF-IDF values of ``text`` (normalized and corrected)."""
        words = text.split()
        char_counts: Counter[int] = Counter()
        for word in words:
            char_counts.update(self.word_char_columns(word))
        word_get = self.blocks[WORD_BLOCK].local.get
        word_counts: Counter[int] = Counter()
        for gram in word_ngrams(text):
            col = word_get(gram)
            if col is not None:
                word_counts[col] += 1
        cols: list[npt.NDArray[np.intp]] = []
        vals: list[FloatArray] = []
        for block, counts in ((self.blocks[WORD_BLOCK], word_counts), (self.blocks[CHAR_BLOCK], char_counts)):
            if not counts:
                continue
            idx = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            w = (1.0 + np.log(tf)) * block.idf[idx]
            w /= math.sqrt(float(w @ w))
            cols.append(idx + block.offset)
            vals.append(w)
        if not cols:
            return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.float64)
        return np.concatenate(cols), np.concatenate(vals)

    def probabilities(self, text: str) -> FloatArray:
        """Class probabilities (aligned with :attr:`classes`) of a normalized, corrected text."""
        return self.scored(text)[0]

    def scored(self, text: str) -> tuple[FloatArray, npt.NDArray[np.intp], FloatArray]:
        """Class probabilities, and the feature columns and TF-IDF values they came from (what
        the message checker needs to quote the words that weighed most)."""
        cols, vals = self.features(text)
        logits = self.intercept + vals @ self.coef[cols] if len(cols) else self.intercept.copy()
        logits = logits - logits.max()
        p = np.exp(logits)
        result: FloatArray = p / p.sum()
        return result, cols, vals

    # -- storage ----------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        """Write the model atomically (a temporary file renamed into place)."""
        arrays: dict[str, Any] = {
            "format": np.array(MODEL_FORMAT),
            "data_hash": encode_strings([self.data_hash]),
            "classes": encode_strings(self.classes),
            "coef": self.coef,
            "intercept": self.intercept,
            "correction_words": encode_strings(self.correction_words),
            "known_words": encode_strings(sorted(self.known_words)),
        }
        for i, block in enumerate(self.blocks):
            arrays[f"terms{i}"] = encode_strings(block.terms)
            arrays[f"idf{i}"] = block.idf
        save_arrays(path, arrays)

    @classmethod
    def load(cls, path: Path) -> Model:
        """Read a model file; :class:`ModelFileError` when it is not one of ours."""
        try:
            with open(path, "rb") as fh, np.load(fh, allow_pickle=False) as npz:
                if int(npz["format"]) != MODEL_FORMAT:
                    raise ModelFileError(
                        f"{path}: model format {int(npz['format'])}, expected {MODEL_FORMAT}"
                    )
                blocks = []
                for i in range(len(ANALYZERS)):
                    blocks.append((decode_strings(npz[f"terms{i}"]), npz[f"idf{i}"].astype(np.float64)))
                return cls(
                    classes=decode_strings(npz["classes"]),
                    blocks=blocks,
                    coef=np.ascontiguousarray(npz["coef"], dtype=np.float32),
                    intercept=npz["intercept"].astype(np.float64),
                    correction_words=decode_strings(npz["correction_words"]),
                    known_words=decode_strings(npz["known_words"]),
                    data_hash=decode_strings(npz["data_hash"])[0],
                )
        except ModelFileError:
            raise
        except (OSError, KeyError, ValueError, IndexError, EOFError, zipfile.BadZipFile) as exc:
            raise ModelFileError(f"{path}: not a readable model file ({exc})") from exc


class ModelFileError(Exception):
    """A model file that cannot be used (damaged, another format)."""


def encode_strings(strings: Sequence[str]) -> npt.NDArray[np.uint8]:
    """Strings as one UTF-8 byte array, newline-separated (no pickle, fast to load)."""
    return np.frombuffer("\n".join(strings).encode("utf-8"), dtype=np.uint8)


def decode_strings(array: npt.NDArray[np.uint8]) -> list[str]:
    text = array.tobytes().decode("utf-8")
    return text.split("\n") if text else []


def save_arrays(path: Path, arrays: dict[str, Any]) -> None:
    """Write an ``.npz`` atomically: a temporary file in the same directory, renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".npz", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# -- training ---------------------------------------------------------------------------------
def _vectorizers() -> list[Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return [
        TfidfVectorizer(analyzer=a, sublinear_tf=True, lowercase=False, dtype=np.float32) for a in ANALYZERS
    ]


def fit_sklearn(samples: Sequence[Sample]) -> tuple[list[Any], Any]:
    """The scikit-learn vectorizers and classifier, fitted (for training and for tests)."""
    from scipy.sparse import hstack
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    texts = [s.text for s in samples]
    labels = [s.label for s in samples]
    vectorizers = _vectorizers()
    x = hstack([v.fit_transform(texts) for v in vectorizers]).tocsr()
    clf = LogisticRegression(C=C, max_iter=MAX_ITER, solver=SOLVER, tol=TOL, random_state=RANDOM_STATE)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        clf.fit(x, labels)
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        logger.warning("training: the solver stopped after %d iterations before converging", MAX_ITER)
    return vectorizers, clf


def correction_vocabulary(samples: Sequence[Sample]) -> tuple[list[str], set[str]]:
    """Words at least CORRECTION_MIN_PATTERNS samples use (targets), and every known word."""
    df: Counter[str] = Counter()
    for s in samples:
        df.update(set(s.text.split()))
    targets = sorted(w for w, n in df.items() if n >= CORRECTION_MIN_PATTERNS and not w.isdigit())
    return targets, set(df)


def train_samples(samples: Sequence[Sample], digest: str, progress: Progress | None = None) -> Model:
    """Fit a model on ``samples`` (needs scikit-learn)."""
    say = progress or (lambda _msg: None)
    labels = sorted({s.label for s in samples})
    if len(labels) < 2:
        raise ValueError("training needs at least two classes (intents or out-of-scope examples)")
    start = time.perf_counter()
    say(f"training: {len(samples)} examples, {len(labels)} classes; fitting (this takes a few seconds)…")
    vectorizers, clf = fit_sklearn(samples)
    blocks = [(list(v.get_feature_names_out()), v.idf_.astype(np.float64)) for v in vectorizers]
    coef = np.ascontiguousarray(clf.coef_.T, dtype=np.float32)
    intercept = clf.intercept_.astype(np.float64)
    if coef.shape[1] == 1:  # two classes: scikit-learn keeps one column; make it a softmax pair
        coef = np.ascontiguousarray(np.hstack([-coef / 2, coef / 2]))
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    targets, known = correction_vocabulary(samples)
    model = Model(list(clf.classes_), blocks, coef, intercept, targets, known, digest)
    say(f"training: {model.n_features} features, fitted in {time.perf_counter() - start:.1f} s")
    return model


def train(kb: KnowledgeBase, lexicon: Lexicon, progress: Progress | None = None) -> Model:
    """Train a model on the knowledge base's patterns (needs scikit-learn)."""
    return train_samples(training_samples(kb, lexicon), data_hash(kb), progress)


# -- the cached model file --------------------------------------------------------------------
def model_path(model_dir: Path, digest: str, prefix: str = "model") -> Path:
    """Where a model for data ``digest`` is kept; ``prefix`` tells the intent model ("model")
    from the message checker's ("scam-model", :mod:`cyberhygiene.scam_examples`)."""
    return model_dir / f"{prefix}-{digest[:16]}.npz"


# Models already loaded in this process, by file and data hash: the tests and a long-running bot
# build many engines over the same data and should read the file once.
_LOADED: dict[tuple[str, str], Model] = {}
KEEP_MODELS = 3  # older model files in the directory are deleted after a new one is saved


def clear_cache() -> None:
    """Forget the models loaded in this process (the next engine reads its file again)."""
    _LOADED.clear()


def load_current(model_dir: Path, digest: str, prefix: str = "model") -> Model | None:
    """The stored model for data ``digest``, or None when missing, stale or unreadable."""
    path = model_path(model_dir, digest, prefix)
    key = (str(path.resolve()), digest)
    if key in _LOADED:
        return _LOADED[key]
    if not path.is_file():
        return None
    try:
        model = Model.load(path)
    except ModelFileError as exc:
        logger.warning("ignoring the model file: %s", exc)
        return None
    if model.data_hash != digest:
        return None
    _LOADED[key] = model
    return model


def ensure_model(
    kb: KnowledgeBase, lexicon: Lexicon, model_dir: Path, progress: Progress | None = None
) -> Model:
    """The current model for ``kb``: loaded from ``model_dir``, or trained (and saved) when the
    stored one is missing or was trained on other data. Training logs a one-line WARNING."""
    digest = data_hash(kb)
    model = load_current(model_dir, digest)
    if model is not None:
        return model
    others = sorted(model_dir.glob("model-*.npz")) if model_dir.is_dir() else []
    reason = "is stale (the intents changed since it was trained)" if others else "is missing"
    logger.warning(
        "the intent model %s: training it now (a few seconds; `python bot.py train` does this ahead)",
        reason,
    )
    say = progress or (lambda msg: logger.warning("%s", msg))
    model = train(kb, lexicon, say)
    save_model(model, model_dir)
    say(f"training: saved {model_path(model_dir, digest)}")
    return model


def save_model(model: Model, model_dir: Path, prefix: str = "model") -> Path:
    """Save ``model`` in ``model_dir`` under its data hash and prune old model files."""
    path = model_path(model_dir, model.data_hash, prefix)
    try:
        model.save(path)
    except OSError as exc:  # a read-only checkout still runs, it just trains again next time
        logger.warning("could not save the %s file in %s: %s", prefix, model_dir, exc)
        return path
    _LOADED[(str(path.resolve()), model.data_hash)] = model
    prune(model_dir, prefix, path)
    return path


def prune(model_dir: Path, prefix: str, current: Path, keep: int = KEEP_MODELS) -> None:
    """Delete the older ``prefix-*.npz`` files in ``model_dir``: ``keep`` stay, ``current`` among them."""
    old = sorted(model_dir.glob(f"{prefix}-*.npz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in [p for p in old if p != current][keep - 1 :]:
        stale.unlink(missing_ok=True)
