"""The matcher on evaluation sets written independently of the patterns."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from cyberhygiene.engine import Engine
from cyberhygiene.evaluation import Case, Report, evaluate, load_cases
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


STORIES = DATA / "stories.yaml"


@pytest.mark.parametrize("name", ["eval.yaml", "holdout.yaml", "stories.yaml"])
def test_evaluation_sets_do_not_copy_patterns(kb: KnowledgeBase, shared_engine: Engine, name: str) -> None:
    if name == "stories.yaml" and not STORIES.exists():
        pytest.skip("tests/data/stories.yaml is not written yet")
    cases, problems = load_cases(DATA / name)
    assert cases and not problems
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


# The targets of issue 9 (the assertions are the issue's; thresholds come from `tune` on eval.yaml).


def _misses(report: Report) -> str:
    return "\n".join(f"{m.case.intent} → {m.intent}: {m.case.text}" for m in report.misses[:40])


def test_eval_targets(shared_engine: Engine, eval_cases: list[Case]) -> None:
    report = evaluate(shared_engine, eval_cases)
    assert report.in_scope_accuracy >= 0.96, _misses(report)
    assert report.out_of_scope_rejection >= 0.92, _misses(report)
    assert report.language_accuracy >= 0.99, _misses(report)


def test_holdout_targets(shared_engine: Engine) -> None:
    """A second independent set, not tuned on, must reach the same targets."""
    cases, _ = load_cases(DATA / "holdout.yaml")
    report = evaluate(shared_engine, cases)
    assert report.in_scope_accuracy >= 0.96, _misses(report)
    assert report.out_of_scope_rejection >= 0.92, _misses(report)
    assert report.language_accuracy >= 0.99, _misses(report)


@pytest.mark.parametrize("name", ["eval.yaml", "holdout.yaml"])
def test_no_regression_below_the_old_matcher(shared_engine: Engine, name: str) -> None:
    """The trained model never does worse than the hand-weighted matcher it replaced did (in-scope:
    eval 93.2%, holdout 98.4%; out-of-scope rejection on holdout 90.9%), and top-3 holds.

    Not compared: out-of-scope rejection on eval.yaml. The old matcher's 97.5% there was measured
    on the 580-case version of the set, before it gained the new intents and their look-alikes;
    `tune` now trades rejection (held at the issue's 92% floor) for in-scope accuracy on it, a
    choice the README states. Holdout and stories.yaml check rejection independently."""
    cases, _ = load_cases(DATA / name)
    report = evaluate(shared_engine, cases)
    old = {"eval.yaml": (0.932, 0.92), "holdout.yaml": (0.984, 0.909)}[name]
    assert report.in_scope_accuracy >= old[0], _misses(report)
    assert report.out_of_scope_rejection >= old[1], _misses(report)
    assert report.top3_accuracy >= 0.99, _misses(report)
    assert report.language_accuracy >= 0.99, _misses(report)


def test_eval_thresholds_first_twelve_intents(shared_engine: Engine, eval_cases: list[Case]) -> None:
    subset = [c for c in eval_cases if c.intent is None or c.intent in ISSUE_2_INTENTS]
    report = evaluate(shared_engine, subset)
    assert report.in_scope_accuracy >= 0.90
    assert report.out_of_scope_rejection >= 0.90
    assert report.language_accuracy >= 0.97


@pytest.mark.skipif(not STORIES.exists(), reason="tests/data/stories.yaml is not written yet")
def test_stories_targets(shared_engine: Engine) -> None:
    """Long messages modelled on real public posts (issue 9): top-1 is answered with the right
    topic; top-3 is the right topic among the three offered."""
    cases, problems = load_cases(STORIES)
    assert not problems
    report = evaluate(shared_engine, cases)
    assert report.in_scope_accuracy >= 0.85, _misses(report)
    assert report.top3_accuracy >= 0.97, _misses(report)
    assert report.out_of_scope_rejection >= 0.85, _misses(report)


def test_report_cuts_by_language_and_length(shared_engine: Engine) -> None:
    cases = [
        Case("how do I make a strong password", "passwords", "en"),
        Case("como activo la verificacion en dos pasos", "mfa", "es"),
        Case(
            "my grandma got a call from a man who said he was from her bank and asked her to read him "
            "the code that just came by text message, she did it and now she is worried, what should "
            "we do first and who do we call",
            "vishing",
            "en",
        ),
        Case("what is the capital of france", None, "en"),
    ]
    report = evaluate(shared_engine, cases)
    assert [p.bucket for p in report.predictions] == ["<=8 words", "<=8 words", ">30 words", "<=8 words"]
    assert report.by_length["<=8 words"]["cases"] == 3 and report.by_length["9-30 words"]["cases"] == 0
    assert report.by_language["es"]["cases"] == 1 and report.by_language["en"]["out_of_scope_cases"] == 1
    for p in report.predictions:
        assert len(p.top3) == 3 and 0.0 <= p.score <= 1.0
        assert p.alternatives == sorted(p.alternatives, key=lambda a: -a[1])
    assert report.top3_accuracy >= report.in_scope_accuracy
    as_json = report.as_dict()
    assert {"top3_accuracy", "by_length", "by_language"} <= set(as_json)
