"""Scoring the matcher on a labelled set, like ``rasa test nlu``, lighter.

The engine's decisions are reproduced for a brand-new user: the language comes from
:meth:`Engine.detect` (what the message says, else English), and the intent is what the matcher
answers (None when the bot would fall back or decline). Every :class:`Prediction` keeps the
model's three most likely intents and its confidence, so reports can be cut any way
(:func:`summarize` computes the figures: overall, per language, per length, per intent).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .engine import Engine
from .knowledge import LANGS
from .matcher import Matcher
from .messages import Incoming
from .store import UserPrefs
from .yamlsrc import LList, Problem, load_file


@dataclass(frozen=True)
class Case:
    text: str
    intent: str | None
    lang: str
    line: int = 0


# Length buckets of the report, by number of words: (label, fewest, most).
LENGTH_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("<=8 words", 0, 8),
    ("9-30 words", 9, 30),
    (">30 words", 31, None),
)


def length_bucket(text: str) -> str:
    n = len(text.split())
    for label, lo, hi in LENGTH_BUCKETS:
        if n >= lo and (hi is None or n <= hi):
            return label
    return LENGTH_BUCKETS[-1][0]  # pragma: no cover - the last bucket is open-ended


@dataclass(frozen=True)
class Prediction:
    """What the bot decided for one case, with the model's ranking behind it."""

    case: Case
    intent: str | None  # the intent answered; None when the bot asked back or declined
    lang: str
    score: float  # probability of the best in-scope intent (0-1)
    alternatives: list[tuple[str, float]]  # in-scope intents, most likely first (at least 3)
    out_of_scope: bool = False  # declined as out of scope (rather than "Did you mean…?")
    oos_score: float = 0.0  # probability of "out of scope"

    @property
    def top3(self) -> list[str]:
        return [iid for iid, _ in self.alternatives[:3]]

    @property
    def correct(self) -> bool:
        """Answered with the right intent (in scope), or not answered at all (out of scope)."""
        return self.intent == self.case.intent

    @property
    def in_top3(self) -> bool:
        return self.case.intent in self.top3

    @property
    def bucket(self) -> str:
        return length_bucket(self.case.text)

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.case.text,
            "expected": self.case.intent,
            "predicted": self.intent,
            "expected_lang": self.case.lang,
            "lang": self.lang,
            "score": self.score,
            "out_of_scope": self.out_of_scope,
            "oos_score": self.oos_score,
            "top3": [{"intent": i, "score": sc} for i, sc in self.alternatives[:3]],
            "line": self.case.line,
        }


def rates(preds: list[Prediction]) -> dict[str, float]:
    """top-1 (= in-scope accuracy: answered with the right intent), top-3 (the right intent among
    the three most likely), out-of-scope rejection (not answered) and language accuracy."""
    ins = [p for p in preds if p.case.intent is not None]
    oos = [p for p in preds if p.case.intent is None]
    return {
        "cases": float(len(preds)),
        "in_scope_cases": float(len(ins)),
        "out_of_scope_cases": float(len(oos)),
        "in_scope_accuracy": sum(p.correct for p in ins) / len(ins) if ins else 0.0,
        "top3_accuracy": sum(p.in_top3 for p in ins) / len(ins) if ins else 0.0,
        "out_of_scope_rejection": sum(p.intent is None for p in oos) / len(oos) if oos else 0.0,
        "language_accuracy": sum(p.lang == p.case.lang for p in preds) / len(preds) if preds else 0.0,
    }


@dataclass
class Report:
    predictions: list[Prediction]
    in_scope_accuracy: float = 0.0
    top3_accuracy: float = 0.0
    out_of_scope_rejection: float = 0.0
    language_accuracy: float = 0.0
    by_language: dict[str, dict[str, float]] = field(default_factory=dict)
    by_length: dict[str, dict[str, float]] = field(default_factory=dict)
    per_intent: dict[str, dict[str, float]] = field(default_factory=dict)
    confusions: list[tuple[str, str, int]] = field(default_factory=list)
    title: str = ""

    @property
    def misses(self) -> list[Prediction]:
        return [p for p in self.predictions if p.intent != p.case.intent or p.lang != p.case.lang]

    def as_dict(self) -> dict[str, Any]:
        return {
            "cases": len(self.predictions),
            "in_scope_accuracy": round(self.in_scope_accuracy, 4),
            "top3_accuracy": round(self.top3_accuracy, 4),
            "out_of_scope_rejection": round(self.out_of_scope_rejection, 4),
            "language_accuracy": round(self.language_accuracy, 4),
            "by_language": self.by_language,
            "by_length": self.by_length,
            "per_intent": self.per_intent,
            "confusions": [{"expected": e, "predicted": p, "count": n} for e, p, n in self.confusions],
            "misses": [m.as_dict() for m in self.misses],
        }


# What `unmatched --export` writes where a person must still fill in the intent.
UNLABELLED = "TODO"


def load_cases(path: Path) -> tuple[list[Case], list[Problem]]:
    """Read an evaluation file: a YAML list of ``{text, intent (id or null), lang}``."""
    data, problems = load_file(path)
    cases: list[Case] = []
    if data is None:
        return cases, problems
    if not isinstance(data, LList):
        return cases, [Problem(str(path), 1, "an evaluation file must be a list of {text, intent, lang}")]
    for i, item in enumerate(data):
        line = data.line_of(i)
        if not isinstance(item, dict) or not isinstance(item.get("text"), str) or "intent" not in item:
            problems.append(Problem(str(path), line, "each case needs text, intent and lang"))
            continue
        lang = item.get("lang")
        if lang not in LANGS:
            problems.append(Problem(str(path), line, f"lang must be en or es, got {lang!r}"))
            continue
        intent = item.get("intent")
        if intent == UNLABELLED:
            problems.append(
                Problem(
                    str(path), line, f"case not labelled yet: replace {UNLABELLED} with an intent id or null"
                )
            )
            continue
        if intent is not None and not isinstance(intent, str):
            problems.append(Problem(str(path), line, f"intent must be an id or null, got {intent!r}"))
            continue
        cases.append(Case(item["text"], intent, lang, line))
    return cases, problems


NEW_USER = Incoming(user_id="evaluate")  # no stored preference, no Telegram language


def predict(
    engine: Engine, text: str, matcher: Matcher | None = None, case: Case | None = None
) -> Prediction:
    """What the engine would decide for a brand-new user (same language rules as a chat).
    ``matcher`` replaces the engine's own (cross-validation trains one per fold)."""
    lang, _ = engine.detect(text, NEW_USER, UserPrefs(None, False))
    match = (matcher or engine.matcher).match(text, lang)
    return Prediction(
        case or Case(text, None, lang),
        match.intent,
        lang,
        match.score,
        match.alternatives,
        match.out_of_scope,
        match.oos_score,
    )


def evaluate(engine: Engine, cases: list[Case], matcher: Matcher | None = None) -> Report:
    return summarize([predict(engine, c.text, matcher, c) for c in cases])


def summarize(predictions: list[Prediction], title: str = "") -> Report:
    """Every figure of the report from the per-case predictions."""
    report = Report(predictions, title=title)

    def rounded(preds: list[Prediction]) -> dict[str, float]:
        return {k: round(v, 4) for k, v in rates(preds).items()}

    overall = rates(predictions)
    report.in_scope_accuracy = overall["in_scope_accuracy"]
    report.top3_accuracy = overall["top3_accuracy"]
    report.out_of_scope_rejection = overall["out_of_scope_rejection"]
    report.language_accuracy = overall["language_accuracy"]
    report.by_language = {lang: rounded([p for p in predictions if p.case.lang == lang]) for lang in LANGS}
    report.by_length = {
        label: rounded([p for p in predictions if p.bucket == label]) for label, _, _ in LENGTH_BUCKETS
    }
    labels = sorted(
        {p.case.intent for p in predictions if p.case.intent} | {p.intent for p in predictions if p.intent}
    )
    for label in labels:
        tp = sum(1 for p in predictions if p.intent == label and p.case.intent == label)
        fp = sum(1 for p in predictions if p.intent == label and p.case.intent != label)
        fn = sum(1 for p in predictions if p.intent != label and p.case.intent == label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        report.per_intent[label] = {
            "precision": round(precision, 3),
            "recall": round(recall, 3),
            "f1": round(f1, 3),
            "support": tp + fn,
        }
    pairs: Counter[tuple[str, str]] = Counter(
        (p.case.intent or "(out of scope)", p.intent or "(fallback)")
        for p in predictions
        if p.intent != p.case.intent
    )
    report.confusions = [(e, pr, n) for (e, pr), n in pairs.most_common(10)]
    return report


def _rate_line(name: str, r: dict[str, float]) -> str:
    oos = (
        f"out-of-scope rejection {r['out_of_scope_rejection']:6.1%} of {int(r['out_of_scope_cases'])}"
        if r["out_of_scope_cases"]
        else "no out-of-scope cases"
    )
    ins = (
        f"top-1 {r['in_scope_accuracy']:6.1%}, top-3 {r['top3_accuracy']:6.1%} of {int(r['in_scope_cases']):>3}"
        if r["in_scope_cases"]
        else "no in-scope cases"
    )
    return f"  {name:<11} {int(r['cases']):>4} cases: {ins}; {oos}; language {r['language_accuracy']:.1%}"


def format_report(report: Report) -> str:
    lines = [report.title] if report.title else []
    lines += [
        f"cases:                  {len(report.predictions)}",
        f"in-scope accuracy:      {report.in_scope_accuracy:.1%}   (top-1: answered with the right topic)",
        f"top-3:                  {report.top3_accuracy:.1%}   (the right topic among the 3 most likely)",
        f"out-of-scope rejection: {report.out_of_scope_rejection:.1%}",
        f"language accuracy:      {report.language_accuracy:.1%}",
        "",
        "by language:",
    ]
    lines += [_rate_line(lang, r) for lang, r in report.by_language.items()]
    lines += ["", "by length:"]
    lines += [_rate_line(label, r) for label, r in report.by_length.items() if r["cases"]]
    lines += ["", f"{'intent':<26} {'prec':>6} {'recall':>6} {'f1':>6} {'n':>4}"]
    for label, m in report.per_intent.items():
        lines.append(
            f"{label:<26} {m['precision']:>6.2f} {m['recall']:>6.2f} {m['f1']:>6.2f} {int(m['support']):>4}"
        )
    if report.confusions:
        lines += ["", "most confused (expected → predicted):"]
        lines += [f"  {n:>3}  {e} → {p}" for e, p, n in report.confusions]
    misses = report.misses
    lines += ["", f"misses ({len(misses)}):"]
    for miss in misses:
        lang = "" if miss.lang == miss.case.lang else f" [lang {miss.lang}, expected {miss.case.lang}]"
        lines.append(
            f"  {miss.case.intent or '(out of scope)'} → {miss.intent or '(fallback)'} ({miss.score:.2f}){lang}: {miss.case.text}"
        )
    return "\n".join(lines)
