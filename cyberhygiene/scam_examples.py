"""Labelled example messages (``content/scam_examples/*.yaml``) and the scam model trained on them.

Each file is a list of ``{text, scam, lang, kind}``: a message as people forward it, whether it is a
scam, its language and where it came from (sms, whatsapp, email, social). They were written as
blind evaluation sets for the message checker (see each file's header) and, once read, became its
tuning data; here they also train a small text model, the checker's last sign ("it reads like the
scam messages I know"), for the scams no written sign describes yet.

The model is the intent model's recipe (:mod:`cyberhygiene.model`: TF-IDF word and character
n-grams, logistic regression, numpy-only prediction) with two classes, ``scam`` and ``legit``,
over the checker's own normalization of each message. It is a build product like the intent
model: stored in ``MODEL_DIR`` under a hash of the examples, retrained when they change.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .model import MODEL_FORMAT, Model, Sample, load_current, save_model, train_samples
from .yamlsrc import LDict, LList, Problem, load_file

logger = logging.getLogger(__name__)

EXAMPLES_DIR = "scam_examples"
KINDS = frozenset({"sms", "whatsapp", "email", "social"})
SCAM, LEGIT = "scam", "legit"
MODEL_PREFIX = "scam-model"


@dataclass(frozen=True)
class Example:
    text: str
    scam: bool
    lang: str
    kind: str
    path: str
    line: int


def load_examples(folder: Path, display: str | None = None) -> tuple[list[Example], list[Problem]]:
    """Every example in ``folder/*.yaml``, checked; problems as ``path:line: message``."""
    examples: list[Example] = []
    problems: list[Problem] = []
    if not folder.is_dir():
        return examples, problems
    # Independent authors sometimes write the very same message ("Your Google verification code
    # is 482913…"): kept once; the same text labelled both ways is an error.
    seen: dict[str, tuple[str, int, bool]] = {}
    for path in sorted(folder.glob("*.yaml")):
        shown = f"{display or folder.as_posix()}/{path.name}"
        data, found = load_file(path, shown)
        problems.extend(found)
        if data is None:
            continue
        if not isinstance(data, LList):
            problems.append(Problem(shown, 1, "the file must be a list of {text, scam, lang, kind}"))
            continue
        for i, item in enumerate(data):
            line = data.line_of(i)
            example = _example(item, shown, line, problems)
            if example is None:
                continue
            if example.text in seen:
                first, first_line, label = seen[example.text]
                if label != example.scam:
                    problems.append(
                        Problem(
                            shown, line, f"the same message is labelled the other way at {first}:{first_line}"
                        )
                    )
                continue
            seen[example.text] = (shown, line, example.scam)
            examples.append(example)
    return examples, problems


def _example(item: object, shown: str, line: int, problems: list[Problem]) -> Example | None:
    if not isinstance(item, LDict):
        problems.append(Problem(shown, line, "each item must be {text, scam, lang, kind}"))
        return None
    before = len(problems)
    extra = sorted(set(item) - {"text", "scam", "lang", "kind"})
    if extra:
        problems.append(
            Problem(shown, line, f"unknown keys: {', '.join(extra)} (allowed: text, scam, lang, kind)")
        )
    text, scam, lang, kind = item.get("text"), item.get("scam"), item.get("lang"), item.get("kind")
    if not isinstance(text, str) or not text.strip():
        problems.append(Problem(shown, line, "text must be the message, as text"))
    if not isinstance(scam, bool):
        problems.append(Problem(shown, line, f"scam must be true or false, got {scam!r}"))
    if lang not in ("en", "es"):
        problems.append(Problem(shown, line, f"lang must be en or es, got {lang!r}"))
    if kind not in KINDS:
        problems.append(Problem(shown, line, f"kind must be one of {', '.join(sorted(KINDS))}, got {kind!r}"))
    if len(problems) > before:
        return None
    assert (
        isinstance(text, str) and isinstance(scam, bool) and isinstance(lang, str) and isinstance(kind, str)
    )
    return Example(text, scam, lang, kind, shown, line)


class ExamplesError(Exception):
    """The examples folder holds errors; ``problems`` lists every one of them."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems

    def report(self) -> str:
        return "\n".join(str(p) for p in self.problems)


def examples_hash(folder: Path, normalizer_version: str) -> str:
    """SHA-256 of what training reads: the example files' bytes, the checker's normalization and
    the recipe. Reading bytes, not YAML, keeps start-up fast when the stored model is current."""
    digest = hashlib.sha256(json.dumps([MODEL_FORMAT, normalizer_version]).encode("utf-8"))
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        digest.update(path.name.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def samples(examples: list[Example], fold: Callable[[str], str]) -> list[Sample]:
    """Training samples: each message as the checker normalizes it, labelled scam or legit."""
    out: list[Sample] = []
    for e in examples:
        text = fold(e.text)
        if text:
            out.append(Sample(text, SCAM if e.scam else LEGIT, e.lang, e.text))
    return out


def ensure_scam_model(
    folder: Path, fold: Callable[[str], str], normalizer_version: str, model_dir: Path
) -> Model | None:
    """The scam model for the examples in ``folder``: loaded from ``model_dir``, else read,
    checked (:class:`ExamplesError`), trained (about a second) and saved. None when there are
    no examples of both kinds."""
    if not folder.is_dir():
        return None
    digest = examples_hash(folder, normalizer_version)
    model = load_current(model_dir, digest, MODEL_PREFIX)
    if model is not None:
        return model
    examples, problems = load_examples(folder)
    if problems:
        raise ExamplesError(problems)
    if not any(e.scam for e in examples) or all(e.scam for e in examples):
        return None
    logger.warning("the scam model is missing or stale: training it now (about a second)")
    model = train_samples(samples(examples, fold), digest)
    save_model(model, model_dir, MODEL_PREFIX)
    return model
