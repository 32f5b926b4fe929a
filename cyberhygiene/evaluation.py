"""Scoring the matcher on a labelled set, like ``rasa test nlu``, lighter.

The engine's decisions are reproduced for a brand-new user: the language comes from
:meth:`Engine.detect` (what the message says, else English), and the intent is what the matcher
answers (None when the bot would fall back or decline).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .engine import Engine
from .knowledge import LANGS
from .messages import Incoming
from .store import UserPrefs
from .yamlsrc import LList, Problem, load_file


@dataclass(frozen=True)
class Case:
    text: str
    intent: str | None
    lang: str
    line: int = 0


@dataclass(frozen=True)
class Prediction:
    case: Case
    intent: str | None
    lang: str
    score: float
    alternatives: list[tuple[str, float]]


@dataclass
class Report:
    predictions: list[Prediction]
    in_scope_accuracy: float = 0.0
    out_of_scope_rejection: float = 0.0
    language_accuracy: float = 0.0
    by_language: dict[str, dict[str, float]] = field(default_factory=dict)
    per_intent: dict[str, dict[str, float]] = field(default_factory=dict)
    confusions: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def misses(self) -> list[Prediction]:
        return [p for p in self.predictions if p.intent != p.case.intent or p.lang != p.case.lang]

    def as_dict(self) -> dict[str, Any]:
        return {
            "cases": len(self.predictions),
            "in_scope_accuracy": round(self.in_scope_accuracy, 4),
            "out_of_scope_rejection": round(self.out_of_scope_rejection, 4),
            "language_accuracy": round(self.language_accuracy, 4),
            "by_language": self.by_language,
            "per_intent": self.per_intent,
            "confusions": [{"expected": e, "predicted": p, "count": n} for e, p, n in self.confusions],
            "misses": [
                {
                    "text": m.case.text,
                    "expected": m.case.intent,
                    "predicted": m.intent,
                    "expected_lang": m.case.lang,
                    "lang": m.lang,
                    "score": m.score,
                }
                for m in self.misses
            ],
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
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
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


def predict(engine: Engine, text: str) -> Prediction:
    """What the engine would decide for a brand-new user (same language rules as a chat)."""
    lang, _ = engine.detect(text, NEW_USER, UserPrefs(None, False))
    match = engine.matcher.match(text, lang)
    return Prediction(Case(text, None, lang), match.intent, lang, match.score, match.alternatives)


def evaluate(engine: Engine, cases: list[Case]) -> Report:
    predictions = []
    for case in cases:
        p = predict(engine, case.text)
        predictions.append(Prediction(case, p.intent, p.lang, p.score, p.alternatives))
    report = Report(predictions)

    def rates(preds: list[Prediction]) -> dict[str, float]:
        ins = [p for p in preds if p.case.intent is not None]
        oos = [p for p in preds if p.case.intent is None]
        return {
            "cases": float(len(preds)),
            "in_scope_accuracy": sum(p.intent == p.case.intent for p in ins) / len(ins) if ins else 0.0,
            "out_of_scope_rejection": sum(p.intent is None for p in oos) / len(oos) if oos else 0.0,
            "language_accuracy": sum(p.lang == p.case.lang for p in preds) / len(preds) if preds else 0.0,
        }

    overall = rates(predictions)
    report.in_scope_accuracy = overall["in_scope_accuracy"]
    report.out_of_scope_rejection = overall["out_of_scope_rejection"]
    report.language_accuracy = overall["language_accuracy"]
    report.by_language = {
        lang: {k: round(v, 4) for k, v in rates([p for p in predictions if p.case.lang == lang]).items()}
        for lang in LANGS
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


def format_report(report: Report) -> str:
    lines = [
        f"cases:                  {len(report.predictions)}",
        f"in-scope accuracy:      {report.in_scope_accuracy:.1%}",
        f"out-of-scope rejection: {report.out_of_scope_rejection:.1%}",
        f"language accuracy:      {report.language_accuracy:.1%}",
        "",
        "by language:",
    ]
    for lang, r in report.by_language.items():
        lines.append(
            f"  {lang}: {int(r['cases'])} cases, in-scope {r['in_scope_accuracy']:.1%}, "
            f"out-of-scope rejection {r['out_of_scope_rejection']:.1%}, language {r['language_accuracy']:.1%}"
        )
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
            f"  {miss.case.intent or '(out of scope)'} → {miss.intent or '(fallback)'} ({miss.score:.0f}){lang}: {miss.case.text}"
        )
    return "\n".join(lines)
