"""The matcher on its own: normalization-insensitivity, typos, thresholds from config, decisions."""

from __future__ import annotations

import dataclasses

from cyberhygiene.config import MatchSettings
from cyberhygiene.knowledge import KnowledgeBase
from cyberhygiene.matcher import OUT_OF_SCOPE, Matcher
from cyberhygiene.normalize import Lexicon


def make(kb: KnowledgeBase, **overrides: float) -> Matcher:
    return Matcher(kb, dataclasses.replace(MatchSettings(), **overrides), Lexicon(kb.lexicon))


def test_accents_case_punctuation_and_repeats_do_not_matter(kb: KnowledgeBase) -> None:
    m = make(kb)
    plain = m.scores("como hago una contrasena segura", "es")[1]
    fancy = m.scores("¿¿CÓMO hago una CONTRASEÑA seguraaaa??!!", "es")[1]
    assert plain == fancy
    assert m.match("¿¿CÓMO hago una CONTRASEÑA seguraaaa??!!", "es").intent == "passwords"


def test_typos_and_slang_are_understood(kb: KnowledgeBase) -> None:
    m = make(kb)
    assert m.prepare("pasword", "en") == "password"
    assert m.match("me jakearon el feis", "es").intent == "hacked_account"
    assert m.match("whats the best pasword manger", "en").intent == "password_manager"


def test_thresholds_come_from_settings(kb: KnowledgeBase) -> None:
    strict = make(kb, threshold=101.0)
    match = strict.match("how do I make a strong password", "en")
    assert match.intent is None and match.alternatives[0][0] == "passwords"
    # "security" alone is too vague for the default settings, but a zero threshold answers it
    assert make(kb).match("security", "en").intent is None
    assert make(kb, threshold=0.0, margin=0.0).match("security", "en").intent is not None


def test_close_runner_up_means_a_question_back(kb: KnowledgeBase) -> None:
    m = make(kb, margin=100.0)  # nothing ever leads by 100 points
    match = m.match("what is phishing", "en")
    assert match.intent is None
    assert 1 <= len(m.suggestions(match)) <= MatchSettings().max_suggestions
    assert m.suggestions(match)[0] == "phishing"


def test_out_of_scope_examples_decline(kb: KnowledgeBase) -> None:
    m = make(kb)
    match = m.match("cual es la receta del pozole", "es")
    assert match.intent is None and match.out_of_scope
    assert all(iid != OUT_OF_SCOPE for iid, _ in match.alternatives)


def test_scores_are_bounded_and_every_intent_scored(kb: KnowledgeBase) -> None:
    _, scores = make(kb).scores("someone stole my phone on the bus", "en")
    assert set(kb.intents) <= set(scores)
    assert all(0.0 <= s <= 100.0 for s in scores.values())


def test_empty_or_punctuation_only_message(kb: KnowledgeBase) -> None:
    match = make(kb).match("?!…", "en")
    assert match.intent is None and match.score == 0.0
