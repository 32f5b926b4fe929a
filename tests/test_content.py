"""Every catalog intent has patterns and answers in both languages, true to the house rules."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from cyberhygiene import config, markup, rendering
from cyberhygiene.engine import Engine
from cyberhygiene.knowledge import CONTACT_RE, LANGS, URL_RE, Answer, KnowledgeBase
from tests.fakes.bot_api import html_error, utf16_len

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "docs" / "intent-catalog.md"
FACTS = ROOT / "docs" / "facts.md"


def catalog_ids() -> list[str]:
    return [i for i in re.findall(r"^\| ([a-z0-9_]+) \|", CATALOG.read_text("utf-8"), re.M) if i != "id"]


def test_catalog_is_complete(kb: KnowledgeBase) -> None:
    ids = catalog_ids()
    assert len(ids) == 47
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
            for country in rendering.variants(kb.answers[iid]):
                reply = shared_engine.answer(iid, lang, country)
                html = reply.html()
                assert html_error(html) is None, (iid, lang, html_error(html))
                # the phone limit, sources and checked date included, for every country view
                assert markup.plain_length(reply.text) <= config.ANSWER_MAX_CHARS, (iid, lang, country)
                assert utf16_len(reply.plain()) < 4096
                assert 2 <= len(reply.choices) <= 7 or iid in {"goodbye", "thanks", "greeting"}, (
                    iid,
                    len(reply.choices),
                )


def test_sources_are_official_https(kb: KnowledgeBase) -> None:
    for answer in kb.answers.values():
        if answer.id in {"greeting", "goodbye", "thanks", "help", "bot_privacy", "quiz", "about_bot"}:
            continue
        assert 1 <= len(answer.sources) <= 3, answer.id
        for source in answer.sources:
            for url in source.urls.values():
                assert URL_RE.match(url), url
                host = url.split("/")[2]
                assert host.endswith((".gov", ".gob.mx", ".org", ".mil")), (answer.id, host)


def test_related_and_quiz_ids_exist(kb: KnowledgeBase) -> None:
    for intent in kb.intents.values():
        assert all(r in kb.intents for r in intent.related)
        assert intent.quiz is None or intent.quiz in kb.quizzes


def test_contact_details_carry_a_date(kb: KnowledgeBase) -> None:
    phone = re.compile(r"\b\d{2,3}[ -]\d{3,4}[ -]\d{4}\b|\b(?:088|089|911)\b")
    for answer in kb.answers.values():
        if any(phone.search(t) for t in _bodies(answer)):
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


def _bodies(answer: Answer) -> list[str]:
    """Every text an answer can show: common text, per-country parts, the "More" part."""
    out = list(answer.text.values())
    out += [t for part in answer.country.values() for t in part.values()]
    out += list(answer.more.values()) if answer.more else []
    return out


def _all_texts(kb: KnowledgeBase) -> list[str]:
    """Everything a user can read: answers (titles, sources too), quizzes and UI strings."""
    texts: list[str] = []
    for a in kb.answers.values():
        texts += _bodies(a) + list(a.title.values())
        texts += [t for s in a.sources for t in s.title.values()]
    for quiz in kb.quizzes.values():
        texts += list(quiz.title.values()) + list(quiz.description.values())
        for q in quiz.questions:
            texts += list(q.question.values()) + list(q.explanation.values())
            texts += [o for opts in q.options.values() for o in opts]
    texts += [t for entry in kb.ui.values() for t in entry.values()]
    return texts


# The seed's unconfirmed figures ([U] in docs/facts.md §5) and their variants, in both languages.
UNCONFIRMED_FIGURES = (
    "7.7 billion",
    "$7.7",
    "7.7 mil millones",
    "7,700 millones",
    "7 700 millones",
    "86.8",
    "tenth",
    "10th",
    "décimo",
    "decimo",
    "10.º",
    "6 trillion",
    "6 billones",
    "March 2020",
    "marzo de 2020",
)


def test_guard_against_the_seeds_unconfirmed_figures(kb: KnowledgeBase) -> None:
    texts = _all_texts(kb)
    assert len(texts) > 1000  # answers, quizzes and UI strings are really all in
    for text in texts:
        folded = text.casefold()
        for figure in UNCONFIRMED_FIGURES:
            assert figure.casefold() not in folded, (figure, text[:100])


def test_guard_catches_a_planted_figure(kb: KnowledgeBase) -> None:
    """The guard reads quiz options and UI strings, not just answers."""
    quiz = next(iter(kb.quizzes.values()))
    planted = dataclasses.replace(
        quiz.questions[0], options={**quiz.questions[0].options, "es": ("México, décimo lugar", "otro")}
    )
    kb2 = dataclasses.replace(kb, quizzes={quiz.id: dataclasses.replace(quiz, questions=(planted,))})
    with pytest.raises(AssertionError):
        test_guard_against_the_seeds_unconfirmed_figures(kb2)
    kb3 = dataclasses.replace(kb, ui={**kb.ui, "welcome": {"en": "It cost $7.7 billion", "es": "x"}})
    with pytest.raises(AssertionError):
        test_guard_against_the_seeds_unconfirmed_figures(kb3)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


PHONE = re.compile(
    r"(?<![\w.])\(?\d[\d() -]{5,}\d(?![\w])|`\d{3,}`|\b(?:911|088|089)\b|\b1?-?\d{3}-[A-Z]{3,}-?[A-Z0-9]*\b"
)
EMAIL = re.compile(r"[\w.-]+@[\w-]+(?:\.[\w-]+)+")
LINK = re.compile(r"\]\((https://[^)\s]+)\)")


def _facts() -> str:
    return FACTS.read_text("utf-8")


def test_every_contact_detail_is_in_the_fact_sheet(kb: KnowledgeBase) -> None:
    """Phone numbers, e-mails and reporting addresses in content/ all appear in docs/facts.md."""
    facts = _facts()
    facts_folded = facts.casefold()
    fact_numbers = {_digits(m.group(0)) for m in PHONE.finditer(facts)}
    fact_numbers |= {w for m in re.finditer(r"[\w-]+", facts) for w in [m.group(0)] if "-" in w}
    seen = {"phone": 0, "email": 0, "link": 0}
    for text in _all_texts(kb):
        for m in PHONE.finditer(text):
            number = m.group(0).strip("`")
            seen["phone"] += 1
            digits = _digits(number)
            if digits and len(digits) >= 3 and not re.search("[A-Z]{3}", number):
                assert any(digits in n for n in fact_numbers) or digits in _digits(facts), number
            else:  # a vanity number: 833-FRAUD-11, 1-877-FTC-HELP
                assert number.casefold() in facts_folded, number
        for m in EMAIL.finditer(text):
            seen["email"] += 1
            assert m.group(0).casefold() in facts_folded, m.group(0)
        for m in LINK.finditer(text):
            seen["link"] += 1
            address = re.sub(r"^https://(www\.)?", "", m.group(1)).rstrip("/").casefold()
            assert address in facts_folded, address
    assert seen["phone"] > 30 and seen["email"] >= 2 and seen["link"] > 20, seen


def test_contact_check_catches_an_invented_number(kb: KnowledgeBase) -> None:
    fake = dataclasses.replace(
        kb.answers["report_mx"], text={"en": "Call `55 1234 5678`.", "es": "Llama al `55 1234 5678`."}
    )
    with pytest.raises(AssertionError):
        test_every_contact_detail_is_in_the_fact_sheet(
            dataclasses.replace(kb, answers={**kb.answers, "report_mx": fake})
        )


# [U] items of docs/facts.md (what the sheet says must not be stated) and how they would read.
UNCONFIRMED_ITEMS: tuple[tuple[str, str], ...] = (
    ("ift.org.mx", r"ift\.org\.mx"),
    ("VPN advice", r"FTC[^.]{0,60}VPN|VPN[^.]{0,60}FTC"),
    ("Federal cybersecurity law", r"no (?:general |federal )?cybersecurity law|no tiene (?:una )?ley"),
    ("Its current official name", r"Guardia Cibern[eé]tica|Divisi[oó]n Cient[ií]fica|CENADEM"),
    ("don't cite a CISA Spanish address", r"cisa\.gov/es\b"),
    ("don't quote amounts", r"\$50\b|\$500\b|50 d[oó]lares"),
    ("Current hours", r"FTC[^.]{0,80}(?:a\.m\.|p\.m\.)"),
    (
        "No later Working Group dialogues",
        r"(?:second|third|segundo|tercer) di[aá]logo|(?:2023|2024|2025) (?:cyber )?dialogue",
    ),
    ("Whether the deadline was extended", r"(?:deadline|plazo)[^.]{0,40}(?:extended|ampli|pr[oó]rroga)"),
)


def test_no_answer_cites_an_unconfirmed_item(kb: KnowledgeBase) -> None:
    facts_u = [line for line in _facts().splitlines() if "[U]" in line]
    texts = _all_texts(kb) + [u for a in kb.answers.values() for s in a.sources for u in s.urls.values()]
    for marker, pattern in UNCONFIRMED_ITEMS:
        assert any(marker in line for line in facts_u), f"{marker!r} is no longer a [U] item"
        for text in texts:
            assert not re.search(pattern, text, re.I), (marker, text[:100])


def test_spanish_answers_say_when_a_source_is_in_english(kb: KnowledgeBase, shared_engine: Engine) -> None:
    notes = {lang: kb.text(f"page_lang_{other}", lang) for lang, other in (("en", "es"), ("es", "en"))}
    for answer in kb.answers.values():
        for lang in LANGS:
            shown = shared_engine.answer_markup(answer, lang)
            for source in answer.sources:
                if source.country is not None:
                    continue
                line = next(
                    x for x in shown.splitlines() if x.startswith("- [") and f"]({source.urls[lang]})" in x
                )
                assert (source.page_langs[lang] != lang) == line.endswith(markup.escape(notes[lang])), line


def test_quiz_bank(kb: KnowledgeBase) -> None:
    assert len(kb.quizzes) >= 10
    for quiz in kb.quizzes.values():
        assert 5 <= len(quiz.questions) <= 8, quiz.id
        for q in quiz.questions:
            assert len(q.options["en"]) == len(q.options["es"])
            assert q.source.startswith("https://")


CHECKED_NOTE = re.compile(r"[Cc]hecked [A-Z][a-z]{2}\. \d{4}|[Vv]erificado [a-z]{3}\. \d{4}")


def test_quiz_explanations_with_contacts_say_when_they_were_checked(kb: KnowledgeBase) -> None:
    dated = 0
    for quiz in kb.quizzes.values():
        for q in quiz.questions:
            for lang in LANGS:
                text = q.explanation[lang]
                if CONTACT_RE.search(text):
                    assert CHECKED_NOTE.search(text), (quiz.id, lang, text)
                    dated += 1
    assert dated >= 20  # the check really looked at contact-bearing explanations


def test_every_country_view_names_a_source(kb: KnowledgeBase) -> None:
    """A source marked for one country must not leave the other country's view without any."""
    for answer in kb.answers.values():
        if not answer.sources:
            continue
        for lang in LANGS:
            for country in rendering.variants(answer):
                shown = rendering.shown_countries(answer, lang, country)
                visible = [s for s in answer.sources if s.country is None or s.country in shown]
                assert visible, (answer.id, lang, country)
