"""Loading and checking everything under ``intents/`` and ``content/``.

:func:`load` reads all data files (each kind by its own module in :mod:`cyberhygiene.data`),
checks their cross-references, and returns a :class:`KnowledgeBase` together with every
:class:`Problem` found (all of them, not just the first). Callers decide what to do with problems:
``validate`` prints them, start-up refuses to run.

The names other modules use (``KnowledgeBase``, ``LANGS``, ``Answer``, ``DataError``, ``Problem``…)
stay importable from here.
"""

from __future__ import annotations

from pathlib import Path

from . import markup, rendering
from .config import ANSWER_MAX_CHARS
from .data.answers import load_answers
from .data.checks import (
    CONTACT_RE,
    DATE_RE,
    ID_RE,
    POLL_EXPLANATION_MAX,
    POLL_EXPLANATION_NEWLINES,
    POLL_OPTION_MAX,
    POLL_QUESTION_MAX,
    QUIZ_MAX_QUESTIONS,
    QUIZ_MIN_QUESTIONS,
    TITLE_MAX,
    URL_RE,
    display,
)
from .data.glossary import check_terms, load_glossary
from .data.intents import load_intents
from .data.model import (
    COUNTRIES,
    LANGS,
    Answer,
    DataError,
    Intent,
    KnowledgeBase,
    Localized,
    Question,
    Quiz,
    Source,
    TopicGroup,
)
from .data.quizzes import check_quiz, load_quizzes
from .data.topics import load_topics
from .data.ui import REQUIRED_UI_KEYS, load_ui
from .rendering import RENDER_UI_KEYS, variants
from .yamlsrc import Problem

__all__ = [
    "ANSWER_MAX_CHARS",
    "CONTACT_RE",
    "COUNTRIES",
    "DATE_RE",
    "ID_RE",
    "LANGS",
    "POLL_EXPLANATION_MAX",
    "POLL_EXPLANATION_NEWLINES",
    "POLL_OPTION_MAX",
    "POLL_QUESTION_MAX",
    "QUIZ_MAX_QUESTIONS",
    "QUIZ_MIN_QUESTIONS",
    "REQUIRED_UI_KEYS",
    "TITLE_MAX",
    "URL_RE",
    "Answer",
    "DataError",
    "Intent",
    "KnowledgeBase",
    "Localized",
    "Problem",
    "Question",
    "Quiz",
    "Source",
    "TopicGroup",
    "check_quiz",
    "load",
    "load_or_raise",
]


def _cross_check(kb: KnowledgeBase, topic_refs: list[tuple[str, int, str]], problems: list[Problem]) -> None:
    for intent in kb.intents.values():
        for rid in intent.related:
            if rid not in kb.intents:
                problems.append(
                    Problem(intent.path, intent.line, f"{intent.id}: related intent {rid!r} does not exist")
                )
            elif rid == intent.id:
                problems.append(
                    Problem(intent.path, intent.line, f"{intent.id}: an intent cannot be related to itself")
                )
        if intent.quiz is not None and intent.quiz not in kb.quizzes:
            problems.append(
                Problem(
                    intent.path,
                    intent.line,
                    f"{intent.id}: quiz {intent.quiz!r} does not exist in content/quizzes/",
                )
            )
        if intent.id not in kb.answers:
            problems.append(Problem(intent.path, intent.line, f"{intent.id}: no answer in content/answers/"))
    for answer in kb.answers.values():
        if answer.id not in kb.intents:
            problems.append(Problem(answer.path, answer.line, f"answer {answer.id!r} belongs to no intent"))
    for iid, line, shown in topic_refs:
        if iid not in kb.intents:
            problems.append(Problem(shown, line, f"topic menu names intent {iid!r}, which does not exist"))


def _check_phone_length(kb: KnowledgeBase, max_chars: int, problems: list[Problem]) -> None:
    """Every view of every answer (each language, each country), sources included, fits a phone."""
    if any(key not in kb.ui for key in RENDER_UI_KEYS):
        return  # the UI file's own problems are reported already

    def text(key: str, lang: str, **values: object) -> str:
        return kb.text(key, lang, **values)

    for answer in kb.answers.values():
        for lang in LANGS:
            for country in variants(answer):
                try:
                    size = markup.plain_length(rendering.answer_markup(answer, lang, country, text))
                except (markup.MarkupError, KeyError, IndexError, ValueError):
                    continue  # reported by the markup or UI checks
                if size > max_chars:
                    view = f", {country.upper()} view" if country else ""
                    problems.append(
                        Problem(
                            answer.path,
                            answer.line,
                            f"{answer.id}: the {lang} answer{view} renders to {size} characters with its "
                            f"sources; at most {max_chars} fit a phone (move detail to `more:`)",
                        )
                    )
            if answer.more:
                size = markup.plain_length(answer.more[lang])
                if size > max_chars:
                    problems.append(
                        Problem(
                            answer.path,
                            answer.line,
                            f"{answer.id}: more ({lang}) renders to {size} characters; at most {max_chars}",
                        )
                    )


def load(
    intents_dir: Path, content_dir: Path, *, max_chars: int = ANSWER_MAX_CHARS
) -> tuple[KnowledgeBase, list[Problem]]:
    """Load and check every data file; return the knowledge base and all problems found.

    ``max_chars`` is the phone limit every rendered answer must keep (config ``ANSWER_MAX_CHARS``).
    """
    kb = KnowledgeBase()
    problems: list[Problem] = []
    if not intents_dir.is_dir():
        problems.append(Problem(display(intents_dir), 1, "intents folder does not exist"))
    else:
        load_intents(intents_dir, kb, problems)
    if not content_dir.is_dir():
        problems.append(Problem(display(content_dir), 1, "content folder does not exist"))
    else:
        load_answers(content_dir / "answers", kb, problems)
        load_ui(content_dir / "ui.yaml", kb, problems)
        refs = load_topics(content_dir / "topics.yaml", kb, problems)
        load_quizzes(content_dir / "quizzes", kb, problems)
        kb.quizzes.adapted_title = kb.ui.get("quiz_adapted_title", {})
        load_glossary(content_dir / "glossary.yaml", kb, problems)
        if intents_dir.is_dir():
            _cross_check(kb, refs, problems)
        _check_phone_length(kb, max_chars, problems)
        problems.extend(check_terms(kb))
    return kb, problems


def load_or_raise(
    intents_dir: Path, content_dir: Path, *, max_chars: int = ANSWER_MAX_CHARS
) -> KnowledgeBase:
    """Load for start-up: any error (not warning) raises :class:`DataError`."""
    kb, problems = load(intents_dir, content_dir, max_chars=max_chars)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise DataError(sorted(errors))
    return kb
