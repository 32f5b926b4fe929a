"""Quiz files (``content/quizzes/*.yaml``), checked against Telegram's quiz-poll limits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..yamlsrc import LList, Problem, load_file
from .checks import (
    POLL_EXPLANATION_MAX,
    POLL_EXPLANATION_NEWLINES,
    POLL_OPTION_MAX,
    POLL_QUESTION_MAX,
    QUIZ_MAX_QUESTIONS,
    QUIZ_MIN_QUESTIONS,
    TITLE_MAX,
    URL_RE,
    Checker,
    display,
    yaml_files,
)
from .model import LANGS, KnowledgeBase, Question, Quiz


def load_quizzes(folder: Path, kb: KnowledgeBase, problems: list[Problem]) -> None:
    if not folder.is_dir():
        return
    for path in yaml_files(folder):
        shown = display(path)
        data, found = load_file(path, shown)
        problems.extend(found)
        if data is None:
            continue
        quiz = check_quiz(data, shown, path.stem, problems)
        if quiz is not None:
            kb.quizzes[quiz.id] = quiz


def check_quiz(data: Any, shown: str, stem: str, problems: list[Problem]) -> Quiz | None:
    """Check one quiz file's content, including Telegram's quiz-poll limits."""
    c = Checker(shown, problems)
    top = c.mapping(data, 1, "the quiz file")
    if top is None:
        return None
    before = len(problems)
    c.keys(top, "a quiz", ("id", "title", "description", "pass_mark", "questions"))
    qid = c.ident(top.get("id"), top.line_of("id"), "quiz id")
    if qid is not None and qid != stem:
        c.error(top.line_of("id"), f"quiz id {qid!r} must equal the file name {stem!r}")
    title = c.localized(top.get("title"), top.line_of("title"), "title")
    if title:
        for lang, t in title.items():
            if len(t) > TITLE_MAX:
                c.error(top.line_of("title"), f"title ({lang}) is {len(t)} characters, at most {TITLE_MAX}")
    description = c.localized(top.get("description"), top.line_of("description"), "description")
    pass_mark = top.get("pass_mark")
    if isinstance(pass_mark, bool) or not isinstance(pass_mark, int | float) or not 0 < pass_mark <= 1:
        c.error(top.line_of("pass_mark"), f"pass_mark must be a fraction between 0 and 1, got {pass_mark!r}")
        pass_mark = None
    questions: list[Question] = []
    seq = top.get("questions")
    if not isinstance(seq, LList):
        c.error(top.line_of("questions"), "questions must be a list")
        seq = LList()
    elif not QUIZ_MIN_QUESTIONS <= len(seq) <= QUIZ_MAX_QUESTIONS:
        c.error(
            top.line_of("questions"),
            f"a quiz needs {QUIZ_MIN_QUESTIONS}-{QUIZ_MAX_QUESTIONS} questions, found {len(seq)}",
        )
    for i, raw in enumerate(seq):
        what = f"questions[{i}]"
        d = c.mapping(raw, seq.line_of(i), what)
        if d is None or not c.keys(
            d, "a question", ("question", "options", "answer", "explanation", "source")
        ):
            continue
        q = c.localized(d["question"], d.line_of("question"), f"{what}.question")
        if q:
            for lang, t in q.items():
                if len(t) > POLL_QUESTION_MAX:
                    c.error(
                        d.line_of("question"),
                        f"{what}.question ({lang}) is {len(t)} characters; a quiz poll allows {POLL_QUESTION_MAX}",
                    )
        opts = c.per_lang_lists(d["options"], d.line_of("options"), f"{what}.options", required=True)
        if len(opts) == len(LANGS):
            counts = {lang: len(v) for lang, v in opts.items()}
            if len(set(counts.values())) != 1:
                c.error(d.line_of("options"), f"{what}.options do not line up across languages: {counts}")
            for lang, values in opts.items():
                if not 2 <= len(values) <= 6:
                    c.error(
                        d.line_of("options"),
                        f"{what}.options ({lang}) needs 2-6 options, found {len(values)}",
                    )
                for v in values:
                    if len(v) > POLL_OPTION_MAX:
                        c.error(
                            d.line_of("options"),
                            f"{what}.options ({lang}) {v[:30]!r}… is {len(v)} characters; a quiz poll allows {POLL_OPTION_MAX}",
                        )
                if len({v.casefold() for v in values}) != len(values):
                    c.error(d.line_of("options"), f"{what}.options ({lang}) repeat an option")
        answer = d["answer"]
        n_opts = min((len(v) for v in opts.values()), default=0)
        if isinstance(answer, bool) or not isinstance(answer, int) or not 0 <= answer < max(n_opts, 1):
            c.error(
                d.line_of("answer"),
                f"{what}.answer must be the 0-based index of an option (0-{n_opts - 1}), got {answer!r}",
            )
            answer = None
        expl = c.localized(d["explanation"], d.line_of("explanation"), f"{what}.explanation")
        if expl:
            for lang, t in expl.items():
                if len(t) > POLL_EXPLANATION_MAX:
                    c.error(
                        d.line_of("explanation"),
                        f"{what}.explanation ({lang}) is {len(t)} characters; a quiz poll allows {POLL_EXPLANATION_MAX}",
                    )
                if t.count("\n") > POLL_EXPLANATION_NEWLINES:
                    c.error(
                        d.line_of("explanation"),
                        f"{what}.explanation ({lang}) has more than {POLL_EXPLANATION_NEWLINES} line breaks",
                    )
        source = d["source"]
        if not isinstance(source, str) or not URL_RE.match(source):
            c.error(
                d.line_of("source"), f"{what}.source must be a well-formed https:// address, got {source!r}"
            )
        if q and len(opts) == len(LANGS) and answer is not None and expl and isinstance(source, str):
            questions.append(Question(q, opts, answer, expl, source, d.line))
    if len(problems) > before or qid is None or not title or not description or pass_mark is None:
        return None
    return Quiz(qid, title, description, float(pass_mark), tuple(questions), shown, top.line_of("id"))
