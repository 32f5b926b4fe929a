"""The checker's prefilter: the word beginnings a pattern needs, and that skipping loses nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from cyberhygiene.checker import ScamChecker
from cyberhygiene.prefilter import text_keys, word_keys
from cyberhygiene.signals_data import load_signals

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("source", "keys"),
    [
        (r"\b(ab|cd) x", {"ab", "cd"}),
        (r"\b(envia|enviame|manda) (el )?codigo", {"envi", "mand"}),
        (r"\b(your )?(resume|cv) was", {"your", "resu", "cv"}),
        (r"\bact (now|fast)", {"act"}),
        (r"\bsorry,? wrong", {"sorr"}),
        (r"\b(?<!\bla )(ma|mama)(?! de) x", {"ma"}),
        (r"\bdeposit\w* (a|en)", {"depo"}),
        (r"\bgrabad[oa]s? con", {"grab"}),
    ],
)
def test_word_keys(source: str, keys: set[str]) -> None:
    assert word_keys(re.compile(source)) == frozenset(keys)


@pytest.mark.parametrize(
    "source",
    [
        r"(ab|cd) x",  # no word boundary first: a match may start inside a word
        r"\b\d+ x",  # a digit class
        r"\b\w+ (apk|exe)",  # any word
        r"\b(ab)|cd",  # an alternative without the boundary
        r"\b(hi )?( x)",  # may start with a space
        r"\b(ab)?",  # may be empty
    ],
)
def test_word_keys_unknown_means_always_run(source: str) -> None:
    assert word_keys(re.compile(source)) is None


def test_ignorecase_patterns_always_run() -> None:
    assert word_keys(re.compile(r"\bab", re.IGNORECASE)) is None


def test_text_keys() -> None:
    assert text_keys("envia el") == {"e", "en", "env", "envi", "el"}


def _texts() -> list[str]:
    texts: list[str] = []
    paths = [
        *(ROOT / "content" / "scam_examples").glob("*.yaml"),
        *(ROOT / "tests" / "data").glob("scam_*.yaml"),
    ]
    for path in sorted(paths):
        texts += [case["text"] for case in yaml.safe_load(path.read_text("utf-8"))]
    return texts


def test_skipping_changes_no_match_on_the_evaluation_sets(checker: ScamChecker) -> None:
    """Every pattern that matches a message has a key among the message's words (or no keys)."""
    patterns = [p for s in checker.data.signals.values() for p in s.patterns]
    keys = {p.pattern: word_keys(p) for p in patterns}
    assert sum(k is not None for k in keys.values()) >= 0.9 * len(patterns)  # it does skip
    matched = 0
    for text in _texts():
        norm = checker._normalized(text)
        for pattern in patterns:
            if pattern.search(norm.folded):
                matched += 1
                need = keys[pattern.pattern]
                assert need is None or not need.isdisjoint(norm.keys), (pattern.pattern, text)
    assert matched > 1000


_WORDS = sorted(
    {w for w in re.findall(r"[a-z]{2,}", (ROOT / "content" / "scam_signals.yaml").read_text("utf-8"))}
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(_WORDS) | st.from_regex(r"[0-9]{1,5}", fullmatch=True), min_size=1, max_size=14)
)
def test_skipping_changes_no_match_on_random_messages(words: list[str]) -> None:
    if not _KEYS:
        data, _ = load_signals(ROOT / "content" / "scam_signals.yaml")
        assert data is not None
        _KEYS.update({p: word_keys(p) for s in data.signals.values() for p in s.patterns})
    folded = " ".join(words)
    have = text_keys(folded)
    for pattern, need in _KEYS.items():
        if pattern.search(folded):
            assert need is None or not need.isdisjoint(have), (pattern.pattern, folded)


_KEYS: dict[re.Pattern[str], frozenset[str] | None] = {}


def test_findings_are_the_same_with_and_without_skipping(
    checker: ScamChecker, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = _texts()[:400]
    with_skip = [[(f.signal, f.quote) for f in checker.findings(t)] for t in texts]
    # every pattern without keys: the checker tries them all
    monkeypatch.setattr("cyberhygiene.checker.word_keys", lambda pattern: None)
    without = [[(f.signal, f.quote) for f in checker.findings(t)] for t in texts]
    assert with_skip == without
    assert sum(bool(f) for f in with_skip) > 200
