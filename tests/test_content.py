"""Every catalog intent has patterns and answers in both languages, true to the house rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cyberhygiene import markup
from cyberhygiene.engine import Engine
from cyberhygiene.knowledge import LANGS, URL_RE, KnowledgeBase
from tests.fakes.bot_api import html_error, utf16_len

CATALOG = Path(__file__).resolve().parent.parent.parent / "shared" / "intent-catalog.md"


def catalog_ids() -> list[str]:
    if not CATALOG.exists():  # pragma: no cover - CI always has ../shared beside the checkout
        pytest.skip("../shared/intent-catalog.md is not beside the checkout")
    return [i for i in re.findall(r"^\| ([a-z0-9_]+) \|", CATALOG.read_text("utf-8"), re.M) if i != "id"]


def test_catalog_is_complete(kb: KnowledgeBase) -> None:
    ids = catalog_ids()
    assert len(ids) == 41
    for iid in ids:
        assert iid in kb.intents, iid
        intent = kb.intents[iid]
        for lang in LANGS:
            assert len(intent.patterns[lang]) >= 20, (iid, lang, len(intent.patterns[lang]))
            assert kb.answers[iid].text[lang].strip()
            assert kb.answers[iid].title[lang].strip()


def test_answers_render_within_limits(kb: KnowledgeBase, shared_engine: Engine) -> None:
    for iid in kb.intents:
        for lang in LANGS:
            reply = shared_engine.answer(iid, lang)
            html = reply.html()
            assert html_error(html) is None, (iid, lang, html_error(html))
            assert markup.plain_length(kb.answers[iid].text[lang]) < 1000, (iid, lang)
            assert utf16_len(reply.plain()) < 4096
            assert 2 <= len(reply.choices) <= 6 or iid in {"goodbye", "thanks", "greeting"}, (
                iid,
                len(reply.choices),
            )


def test_sources_are_official_https(kb: KnowledgeBase) -> None:
    for answer in kb.answers.values():
        if answer.id in {"greeting", "goodbye", "thanks", "help", "bot_privacy", "quiz", "about_bot"}:
            continue
        assert 1 <= len(answer.sources) <= 3, answer.id
        for source in answer.sources:
            assert URL_RE.match(source.url), source.url
            host = source.url.split("/")[2]
            assert host.endswith((".gov", ".gob.mx", ".org", ".mil")), (answer.id, host)


def test_related_and_quiz_ids_exist(kb: KnowledgeBase) -> None:
    for intent in kb.intents.values():
        assert all(r in kb.intents for r in intent.related)
        assert intent.quiz is None or intent.quiz in kb.quizzes


def test_contact_details_carry_a_date(kb: KnowledgeBase) -> None:
    phone = re.compile(r"\b\d{2,3}[ -]\d{3,4}[ -]\d{4}\b|\b(?:088|089|911)\b")
    for answer in kb.answers.values():
        if any(phone.search(t) for t in answer.text.values()):
            assert answer.checked, answer.id


SPAIN_ONLY = re.compile(
    r"\b(m[oó]vil|ordenador|vosotros|vuestr[oa]s?|coger|vale\b|os\s+(?:recomendamos|pedimos))", re.I
)


def test_spanish_is_mexican_and_informal(kb: KnowledgeBase) -> None:
    texts = [a.text["es"] for a in kb.answers.values()] + [v["es"] for v in kb.ui.values()]
    texts += [
        q.question["es"] + " " + q.explanation["es"] for quiz in kb.quizzes.values() for q in quiz.questions
    ]
    for text in texts:
        assert not SPAIN_ONLY.search(text), text[:80]
        assert not re.search(r"\busted(es)?\b", text, re.I), text[:80]


def test_no_unconfirmed_facts(kb: KnowledgeBase) -> None:
    """Facts the fact sheet marks unconfirmed ([U]) never appear."""
    everything = " ".join(t for a in kb.answers.values() for t in a.text.values())
    everything += " ".join(
        q.explanation[lang] + q.question[lang]
        for quiz in kb.quizzes.values()
        for q in quiz.questions
        for lang in LANGS
    )
    for unconfirmed in ("7.7 billion", "7,700 millones", "86.8", "March 2020", "marzo de 2020"):
        assert unconfirmed not in everything


def test_quiz_bank(kb: KnowledgeBase) -> None:
    assert len(kb.quizzes) >= 10
    for quiz in kb.quizzes.values():
        assert 5 <= len(quiz.questions) <= 8, quiz.id
        for q in quiz.questions:
            assert len(q.options["en"]) == len(q.options["es"])
            assert q.source.startswith("https://")
