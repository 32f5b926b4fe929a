"""The matcher on its own: normalization-insensitivity, typos, thresholds from config, decisions."""

from __future__ import annotations

import dataclasses

import pytest

from cyberhygiene.config import MatchSettings
from cyberhygiene.engine import Engine
from cyberhygiene.matcher import OUT_OF_SCOPE, Matcher, decide


def make(engine: Engine, **overrides: float) -> Matcher:
    """The session's trained model behind other decision thresholds."""
    settings = dataclasses.replace(MatchSettings(), **overrides)
    return Matcher(engine.matcher.model, settings, engine.lexicon)


def test_accents_case_punctuation_and_repeats_do_not_matter(shared_engine: Engine) -> None:
    m = make(shared_engine)
    plain = m.scores("como hago una contrasena segura", "es")[1]
    fancy = m.scores("¿¿CÓMO hago una CONTRASEÑA seguraaaa??!!", "es")[1]
    assert plain == fancy
    assert m.match("¿¿CÓMO hago una CONTRASEÑA seguraaaa??!!", "es").intent == "passwords"


def test_typos_and_slang_are_understood(shared_engine: Engine) -> None:
    m = make(shared_engine)
    assert m.prepare("pasword", "en") == "password"
    assert m.match("me jakearon el feis", "es").intent == "hacked_account"
    assert m.match("whats the best pasword manger", "en").intent == "password_manager"


def test_thresholds_come_from_settings(shared_engine: Engine) -> None:
    strict = make(shared_engine, threshold=1.0, margin=1.0)
    match = strict.match("how do I make a strong password", "en")
    assert match.intent is None and match.alternatives[0][0] == "passwords"
    assert make(shared_engine).match("how do I make a strong password", "en").intent == "passwords"
    # "security" alone is too vague for the default settings, but a zero threshold answers it
    assert make(shared_engine).match("security", "en").intent is None
    assert (
        make(shared_engine, threshold=0.0, margin=0.0).match("security", "en").intent is None
    )  # short floor
    zero = make(shared_engine, threshold=0.0, margin=0.0, short_threshold=0.0)
    assert zero.match("security", "en").intent is not None


def test_close_runner_up_means_a_question_back_with_three_guesses(shared_engine: Engine) -> None:
    m = make(shared_engine, margin=1.0, suggest_floor=0.0)  # nothing ever leads by 1.0
    match = m.match("what is phishing", "en")
    assert match.intent is None and not match.out_of_scope
    assert len(m.suggestions(match)) == MatchSettings().max_suggestions == 3
    assert m.suggestions(match)[0] == "phishing"


def test_out_of_scope_examples_decline(shared_engine: Engine) -> None:
    m = make(shared_engine)
    match = m.match("cual es la receta del pozole", "es")
    assert match.intent is None and match.out_of_scope
    assert match.oos_score > match.score
    assert all(iid != OUT_OF_SCOPE for iid, _ in match.alternatives)
    # a higher bar for declining turns the same message into "Did you mean…?"
    unsure = make(shared_engine, oos_threshold=1.0).match("cual es la receta del pozole", "es")
    assert unsure.intent is None and not unsure.out_of_scope


def test_scores_are_probabilities_over_every_intent(shared_engine: Engine) -> None:
    _, scores = make(shared_engine).scores("someone stole my phone on the bus", "en")
    assert set(scores) == set(shared_engine.kb.intents) | {OUT_OF_SCOPE}
    assert all(0.0 <= s <= 1.0 for s in scores.values())
    assert sum(scores.values()) == pytest.approx(1.0)


def test_empty_or_punctuation_only_message(shared_engine: Engine) -> None:
    match = make(shared_engine).match("?!…", "en")
    assert match.intent is None and match.score == 0.0


@pytest.mark.parametrize(
    ("ranked", "oos", "expected"),
    [
        ([("a", 0.7), ("b", 0.2)], 0.1, ("a", False)),  # clear first: answer
        ([("a", 0.3), ("b", 0.2)], 0.1, (None, False)),  # below threshold: ask back
        ([("a", 0.45), ("b", 0.44)], 0.11, (None, False)),  # margin not met: ask back
        ([("a", 0.2), ("b", 0.1)], 0.7, (None, True)),  # out of scope most likely: decline
        ([("a", 0.4), ("b", 0.1)], 0.5, (None, False)),  # ... but under its threshold: ask back
    ],
)
def test_decision_rule(
    ranked: list[tuple[str, float]], oos: float, expected: tuple[str | None, bool]
) -> None:
    settings = MatchSettings(threshold=0.4, margin=0.05, oos_threshold=0.6, oos_weight=1.0)
    match = decide(ranked, oos, settings)
    assert (match.intent, match.out_of_scope) == expected
    assert match.score == ranked[0][1] and match.oos_score == oos


def test_out_of_scope_weight_and_short_message_floor() -> None:
    ranked = [("a", 0.45), ("b", 0.1)]
    s = MatchSettings(threshold=0.4, margin=0.05, oos_threshold=0.1, oos_weight=1.0, short_threshold=0.5)
    assert decide(ranked, 0.5, s).out_of_scope  # 0.5 >= 0.45: declined
    weighted = dataclasses.replace(s, oos_weight=0.6)  # 0.3 < 0.45, and 0.45 - 0.3 >= margin
    assert decide(ranked, 0.5, weighted).intent == "a"
    assert decide(ranked, 0.1, s, words=2).intent is None  # 0.45 < the short floor of 0.5
    assert decide(ranked, 0.1, s, words=3).intent == "a"
    assert decide(ranked, 0.1, dataclasses.replace(s, short_words=0), words=1).intent == "a"


def test_long_message_offers_next_two_topics(shared_engine: Engine) -> None:
    m = make(shared_engine, suggest_floor=0.0)
    short = "someone stole my phone"
    long = "someone stole my phone on the bus this morning and it has my bank app and my email on it"
    assert m.next_topics(m.match(short, "en"), short) == []
    match = m.match(long, "en")
    assert match.intent == "lost_device"
    assert m.next_topics(match, long) == [iid for iid, _ in match.alternatives[1:]]
    assert len(m.next_topics(match, long)) >= 2


def test_words_the_model_never_saw_are_not_understood_rather_than_declined(shared_engine: Engine) -> None:
    m = make(shared_engine)
    for text in ("asdkjh qwe zzz", "xqzv wqrt"):
        ranked, oos, known = m.analyze(text, "es")
        assert not known
        match = m.match(text, "es")
        assert match.intent is None and not match.out_of_scope
    # the same probabilities with a known word in them would be decided normally
    ranked, oos, known = m.analyze("cual es la receta del pozole", "es")
    assert known and decide(ranked, oos, MatchSettings(), known).out_of_scope
    assert not decide(ranked, oos, MatchSettings(), known=False).out_of_scope
