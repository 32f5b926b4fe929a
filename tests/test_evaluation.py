"""The matcher on evaluation sets written independently of the patterns."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from cyberhygiene.engine import Engine
from cyberhygiene.evaluation import Case, evaluate, load_cases
from cyberhygiene.knowledge import KnowledgeBase
from cyberhygiene.normalize import normalize

DATA = Path(__file__).resolve().parent / "data"
ISSUE_2_INTENTS = {
    "greeting",
    "goodbye",
    "thanks",
    "help",
    "about_bot",
    "bot_privacy",
    "passwords",
    "mfa",
    "phishing",
    "report_us",
    "report_mx",
    "us_mx_working_group",
}


@pytest.fixture(scope="module")
def eval_cases() -> list[Case]:
    cases, problems = load_cases(DATA / "eval.yaml")
    assert not problems
    return cases


def _pattern_forms(kb: KnowledgeBase, engine: Engine) -> set[str]:
    forms = set()
    for intent in kb.intents.values():
        for lang, pats in intent.patterns.items():
            forms.update(normalize(p, lang, engine.lexicon) for p in pats)
    for lang, pats in kb.out_of_scope.items():
        forms.update(normalize(p, lang, engine.lexicon) for p in pats)
    return forms


@pytest.mark.parametrize("name", ["eval.yaml", "holdout.yaml"])
def test_evaluation_sets_do_not_copy_patterns(kb: KnowledgeBase, shared_engine: Engine, name: str) -> None:
    cases, _ = load_cases(DATA / name)
    forms = _pattern_forms(kb, shared_engine)
    copied = [c.text for c in cases if normalize(c.text, c.lang, shared_engine.lexicon) in forms]
    assert not copied, f"{name} cases equal to a pattern after normalization: {copied}"


def test_scripted_conversations_do_not_copy_patterns(kb: KnowledgeBase, shared_engine: Engine) -> None:
    forms = _pattern_forms(kb, shared_engine)
    scripts = yaml.safe_load((DATA / "conversations.yaml").read_text("utf-8"))
    turns = [t for s in scripts for t in s["turns"]]
    copied = [t["say"] for t in turns if normalize(t["say"], t["lang"], shared_engine.lexicon) in forms]
    assert not copied


def test_eval_set_shape(kb: KnowledgeBase, eval_cases: list[Case]) -> None:
    in_scope = [c for c in eval_cases if c.intent]
    oos = [c for c in eval_cases if c.intent is None]
    assert len(in_scope) >= 400 and len(oos) >= 60
    assert {c.intent for c in in_scope} == set(kb.intents), "every intent is evaluated"
    langs = Counter(c.lang for c in eval_cases)
    assert abs(langs["en"] - langs["es"]) <= len(eval_cases) * 0.05, langs
    assert all(c.intent in kb.intents for c in in_scope)


def test_eval_thresholds_all_intents(shared_engine: Engine, eval_cases: list[Case]) -> None:
    report = evaluate(shared_engine, eval_cases)
    misses = "\n".join(f"{m.case.intent} → {m.intent}: {m.case.text}" for m in report.misses[:40])
    assert report.in_scope_accuracy >= 0.92, misses
    assert report.out_of_scope_rejection >= 0.90, misses
    assert report.language_accuracy >= 0.98, misses


def test_eval_thresholds_first_twelve_intents(shared_engine: Engine, eval_cases: list[Case]) -> None:
    subset = [c for c in eval_cases if c.intent is None or c.intent in ISSUE_2_INTENTS]
    report = evaluate(shared_engine, subset)
    assert report.in_scope_accuracy >= 0.90
    assert report.out_of_scope_rejection >= 0.90
    assert report.language_accuracy >= 0.97


def test_holdout_generalizes(shared_engine: Engine) -> None:
    """A second independent set must score close to the first (not tuned on either)."""
    cases, _ = load_cases(DATA / "holdout.yaml")
    report = evaluate(shared_engine, cases)
    assert report.in_scope_accuracy >= 0.88
    assert report.out_of_scope_rejection >= 0.85
    assert report.language_accuracy >= 0.98
