"""Loading and checking everything under ``intents/`` and ``content/``.

:func:`load` reads all data files, checks their shape and cross-references, and returns a
:class:`KnowledgeBase` together with every :class:`Problem` found (all of them, not just the
first). Callers decide what to do with problems: ``validate`` prints them, start-up refuses to run.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import markup
from .yamlsrc import LDict, LList, Problem, load_file

LANGS: tuple[str, ...] = ("en", "es")
ID_RE = re.compile(r"^[a-z0-9_]+$")
URL_RE = re.compile(r"^https://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(?::\d+)?(?:[/?#][^\s<>\"]*)?$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ANSWER_SOFT_MAX = 1000  # "readable on a phone": the answer text itself, before sources
TITLE_MAX = 40
# Telegram quiz-poll limits (Bot API sendPoll).
POLL_QUESTION_MAX = 300
POLL_OPTION_MAX = 100
POLL_EXPLANATION_MAX = 200
POLL_EXPLANATION_NEWLINES = 2
QUIZ_MIN_QUESTIONS = 1
QUIZ_MAX_QUESTIONS = 20
# Contact details in an answer: a phone number (7+ digits, or a number written as `code`), an
# e-mail address, or a report site. Such answers must say when they were checked.
CONTACT_RE = re.compile(
    r"(?<![\d.])\d(?:[ -]?\d){6,}(?![\d])|`\d{3,}`|\b(?:911|088|089)\b|[\w.-]+@[\w-]+\.[a-z]{2,}"
    r"|\b(?:ic3\.gov|reportfraud\.ftc\.gov|reportefraude\.ftc\.gov|cisa\.gov/report|report\.cybertip\.org)",
    re.I,
)

# Keys of content/ui.yaml the engine uses. The sentences themselves live in content/, never here.
REQUIRED_UI_KEYS: tuple[str, ...] = (
    "welcome",
    "fallback",
    "did_you_mean",
    "out_of_scope",
    "menu_button",
    "topics_intro",
    "topic_group_intro",
    "sources_label",
    "checked_label",
    "language_prompt",
    "language_switched",
    "language_name",
    "forget_confirm",
    "forget_yes",
    "forget_no",
    "forget_done",
    "forget_cancelled",
    "cancelled",
    "cancel_nothing",
    "stale_button",
    "unknown_command",
    "empty_message",
    "take_quiz_button",
    "quiz_list_intro",
    "quiz_question",
    "quiz_correct",
    "quiz_wrong",
    "quiz_next_button",
    "quiz_your_answer_right",
    "quiz_your_answer_wrong",
    "quiz_result",
    "quiz_passed",
    "quiz_failed",
    "quiz_missed_header",
    "quiz_missed_item",
    "quiz_all_right",
    "quiz_retry_button",
    "quiz_other_button",
    "quiz_share",
    "quiz_share_button",
    "quiz_group_button",
    "quiz_resume",
    "quiz_no_quiz",
    "quiz_not_found",
    "quiz_in_progress_hint",
    "group_quiz_started",
    "group_quiz_already",
    "group_quiz_none",
    "group_quiz_stopped",
    "group_quiz_leaderboard",
    "group_quiz_leader_row",
    "group_quiz_no_answers",
    "group_only_in_group",
    "quiz_not_yours",
    "group_language_admins_only",
    "group_language_set",
    "group_language_prompt",
    "group_welcome",
    "group_quiz_stop_not_allowed",
    "session_pick_quiz",
    "session_did_you_mean",
    "session_quiz_unknown",
    "session_heading",
    "session_created",
    "session_results_button",
    "session_export_button",
    "session_close_button",
    "session_share_button",
    "session_list_row",
    "session_list_more",
    "session_list_empty",
    "session_none_open",
    "session_pick_label",
    "session_pick_results",
    "session_pick_export",
    "session_pick_close",
    "session_join_usage",
    "session_pin_unknown",
    "session_pin_throttled",
    "session_result_shared",
    "session_result_retake",
    "session_unknown",
    "session_closed",
    "session_close_done",
    "session_status_open",
    "session_status_closed",
    "session_already_closed",
    "session_intro",
    "session_start_button",
    "session_results",
    "session_results_question",
    "session_results_empty",
    "session_results_person",
    "session_results_unfinished",
    "session_results_more",
    "session_export_caption",
    "session_chart_caption",
    "session_qr_caption",
    "session_private_only",
    "open_private_chat_button",
    "export_header_name",
    "export_header_username",
    "export_header_started",
    "export_header_finished",
    "session_results_questions_header",
    "session_results_option",
    "session_results_option_right",
    "session_export_csv_caption",
    "session_chart_label",
    "session_chart_subtitle",
    "session_chart_axis",
    "export_header_correct",
    "export_header_total",
    "export_header_percent",
    "export_header_number",
    "export_header_question_text",
    "export_header_option",
    "export_header_right_answer",
    "export_header_right_share",
    "export_sheet_results",
    "export_sheet_questions",
    "export_sheet_summary",
    "export_summary_what",
    "export_summary_value",
    "export_summary_session",
    "export_summary_quiz",
    "export_summary_status",
    "export_summary_created",
    "export_summary_participants",
    "export_summary_completed",
    "export_summary_average",
    "export_summary_pass_rate",
    "export_summary_retakes",
    "export_header_retakes",
    "export_header_question",
    "flood_notice",
    "error_sorry",
    "non_text",
    "command_start",
    "command_help",
    "command_topics",
    "command_quiz",
    "command_language",
    "command_idioma",
    "command_privacy",
    "command_forget",
    "command_cancel",
    "command_newsession",
    "command_sessions",
    "command_join",
    "command_results",
    "command_export",
    "command_close",
    "command_stopquiz",
    "bot_description",
    "bot_short_description",
    "inline_open_topic",
    "inline_open_bot",
)


class DataError(Exception):
    """The data folders hold errors; ``problems`` lists every one of them."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the data files")
        self.problems = problems

    def report(self) -> str:
        return "\n".join(str(p) for p in self.problems)


Localized = dict[str, str]


@dataclass(frozen=True)
class Source:
    title: Localized
    url: str


@dataclass(frozen=True)
class Intent:
    id: str
    patterns: dict[str, tuple[str, ...]]
    keywords: dict[str, tuple[str, ...]]
    related: tuple[str, ...]
    quiz: str | None
    path: str
    line: int


@dataclass(frozen=True)
class Answer:
    id: str
    title: Localized
    text: Localized
    sources: tuple[Source, ...]
    checked: str | None
    path: str
    line: int


@dataclass(frozen=True)
class Question:
    question: Localized
    options: dict[str, tuple[str, ...]]
    answer: int
    explanation: Localized
    source: str


@dataclass(frozen=True)
class Quiz:
    id: str
    title: Localized
    description: Localized
    pass_mark: float
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class TopicGroup:
    id: str
    title: Localized
    intents: tuple[str, ...]


@dataclass
class KnowledgeBase:
    """Everything the bot knows: intents, answers, UI strings, topics, quizzes, lexicon."""

    intents: dict[str, Intent] = field(default_factory=dict)
    answers: dict[str, Answer] = field(default_factory=dict)
    ui: dict[str, Localized] = field(default_factory=dict)
    topics: list[TopicGroup] = field(default_factory=list)
    quizzes: dict[str, Quiz] = field(default_factory=dict)
    lexicon: dict[str, dict[str, str]] = field(default_factory=dict)
    out_of_scope: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def text(self, key: str, lang: str, **values: object) -> str:
        """A UI string in ``lang`` with ``{placeholders}`` filled (values must be markup-safe)."""
        entry = self.ui[key]
        template = entry.get(lang) or entry["en"]
        return template.format(**values) if values else template


class _Checker:
    """Collects problems while walking one file."""

    def __init__(self, path: str, problems: list[Problem]) -> None:
        self.path = path
        self.problems = problems

    def error(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def mapping(self, value: Any, line: int, what: str) -> LDict | None:
        if isinstance(value, LDict):
            return value
        self.error(line, f"{what} must be a mapping, got {_kind(value)}")
        return None

    def keys(self, d: LDict, what: str, required: Iterable[str], optional: Iterable[str] = ()) -> bool:
        required = tuple(required)
        allowed = set(required) | set(optional)
        ok = True
        for key in d:
            if key not in allowed:
                self.error(
                    d.line_of(key), f"unknown key {key!r} in {what} (allowed: {', '.join(sorted(allowed))})"
                )
        for key in required:
            if key not in d:
                self.error(d.line, f"{what} is missing {key!r}")
                ok = False
        return ok

    def string(self, value: Any, line: int, what: str, *, allow_empty: bool = False) -> str | None:
        if isinstance(value, str) and (allow_empty or value.strip()):
            return value
        if isinstance(value, str):
            self.error(line, f"{what} is empty")
        else:
            self.error(line, f"{what} must be text, got {_kind(value)}")
        return None

    def localized(self, value: Any, line: int, what: str) -> Localized | None:
        d = self.mapping(value, line, what)
        if d is None:
            return None
        result: Localized = {}
        for key in d:
            if key not in LANGS:
                self.error(d.line_of(key), f"{what}: unknown language {key!r} (use en and es)")
        for lang in LANGS:
            if lang not in d:
                self.error(d.line, f"{what} is missing language {lang!r}")
                continue
            text = self.string(d[lang], d.line_of(lang), f"{what} ({lang})")
            if text is not None:
                result[lang] = text
        return result if len(result) == len(LANGS) else None

    def string_list(self, value: Any, line: int, what: str) -> tuple[str, ...] | None:
        if not isinstance(value, LList):
            self.error(line, f"{what} must be a list, got {_kind(value)}")
            return None
        out: list[str] = []
        for i, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, str | int | float):
                self.error(value.line_of(i), f"{what}[{i}] must be text, got {_kind(item)}")
            elif not str(item).strip():
                self.error(value.line_of(i), f"{what}[{i}] is empty")
            else:
                out.append(str(item))
        return tuple(out)

    def per_lang_lists(
        self, value: Any, line: int, what: str, *, required: bool
    ) -> dict[str, tuple[str, ...]]:
        d = self.mapping(value, line, what)
        if d is None:
            return {}
        result: dict[str, tuple[str, ...]] = {}
        for key in d:
            if key not in LANGS:
                self.error(d.line_of(key), f"{what}: unknown language {key!r} (use en and es)")
        for lang in LANGS:
            if lang not in d:
                if required:
                    self.error(d.line, f"{what} is missing language {lang!r}")
                continue
            items = self.string_list(d[lang], d.line_of(lang), f"{what}.{lang}")
            if items is not None:
                if required and not items:
                    self.error(d.line_of(lang), f"{what}.{lang} is empty")
                result[lang] = items
        return result

    def ident(self, value: Any, line: int, what: str) -> str | None:
        if isinstance(value, str) and ID_RE.match(value):
            return value
        self.error(line, f"{what} must be lowercase letters, digits and _ , got {value!r}")
        return None


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "text"
    if isinstance(value, int | float):
        return "a number"
    return type(value).__name__


def _yaml_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.yaml") if p.is_file()) + sorted(
        p for p in folder.glob("*.yml") if p.is_file()
    )


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _check_markup(c: _Checker, text: str, first_line: int, what: str) -> None:
    """``first_line`` is where the text itself starts in the file."""
    try:
        markup.check(text)
    except markup.MarkupError as exc:
        c.error(first_line + exc.line_no - 1, f"{what}: markup would not render: {exc.message}")


def _placeholders(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}
    except ValueError:
        return {"<malformed>"}


def _load_intents(folder: Path, kb: KnowledgeBase, problems: list[Problem]) -> dict[str, tuple[str, int]]:
    where: dict[str, tuple[str, int]] = {}
    pattern_owner: dict[tuple[str, str], tuple[str, str, int]] = {}
    files = _yaml_files(folder)
    if not files:
        problems.append(Problem(_display(folder), 1, "no intent files (*.yaml) found"))
    for path in files:
        shown = _display(path)
        data, found = load_file(path, shown)
        problems.extend(found)
        if data is None:
            continue
        c = _Checker(shown, problems)
        top = c.mapping(data, 1, "the file")
        if top is None:
            continue
        c.keys(top, "an intents file", (), ("intents", "lexicon", "out_of_scope"))
        if "lexicon" in top:
            lex = c.mapping(top["lexicon"], top.line_of("lexicon"), "lexicon")
            if lex is not None:
                for lang in lex:
                    if lang not in LANGS:
                        c.error(lex.line_of(lang), f"lexicon: unknown language {lang!r}")
                        continue
                    table = c.mapping(lex[lang], lex.line_of(lang), f"lexicon.{lang}")
                    if table is None:
                        continue
                    for key, value in table.items():
                        if isinstance(value, bool) or not isinstance(value, str | int | float):
                            c.error(table.line_of(key), f"lexicon.{lang}.{key} must be text")
                        else:
                            kb.lexicon.setdefault(lang, {})[key] = str(value)
        if "out_of_scope" in top:
            oos = c.per_lang_lists(
                top["out_of_scope"], top.line_of("out_of_scope"), "out_of_scope", required=True
            )
            for lang, items in oos.items():
                kb.out_of_scope[lang] = kb.out_of_scope.get(lang, ()) + items
        if "intents" not in top:
            continue
        items = top["intents"]
        if not isinstance(items, LList):
            c.error(top.line_of("intents"), f"intents must be a list, got {_kind(items)}")
            continue
        for i, raw in enumerate(items):
            d = c.mapping(raw, items.line_of(i), f"intents[{i}]")
            if d is None:
                continue
            c.keys(d, "an intent", ("id", "patterns"), ("keywords", "related", "quiz"))
            iid = c.ident(d.get("id"), d.line_of("id"), "intent id") if "id" in d else None
            if iid is None:
                continue
            if iid in where:
                other = where[iid]
                c.error(d.line_of("id"), f"duplicate intent id {iid!r} (also at {other[0]}:{other[1]})")
                continue
            where[iid] = (shown, d.line_of("id"))
            patterns = (
                c.per_lang_lists(d.get("patterns"), d.line_of("patterns"), f"{iid}: patterns", required=True)
                if "patterns" in d
                else {}
            )
            pat_map = d.get("patterns")
            for lang, pats in patterns.items():
                seq = pat_map[lang] if isinstance(pat_map, LDict) else None
                for j, pat in enumerate(pats):
                    pkey = (lang, " ".join(pat.casefold().split()))
                    line = seq.line_of(j) if isinstance(seq, LList) else d.line
                    owner = pattern_owner.get(pkey)
                    if owner is not None and owner[0] != iid:
                        c.error(
                            line,
                            f"{iid}: pattern {pat!r} is also a pattern of {owner[0]!r} ({owner[1]}:{owner[2]})",
                        )
                    elif owner is None:
                        pattern_owner[pkey] = (iid, shown, line)
            keywords = (
                c.per_lang_lists(d["keywords"], d.line_of("keywords"), f"{iid}: keywords", required=False)
                if "keywords" in d
                else {}
            )
            related: tuple[str, ...] = ()
            if "related" in d:
                related = c.string_list(d["related"], d.line_of("related"), f"{iid}: related") or ()
            quiz = None
            if "quiz" in d and d["quiz"] is not None:
                quiz = c.ident(d["quiz"], d.line_of("quiz"), f"{iid}: quiz")
            kb.intents[iid] = Intent(iid, patterns, keywords, related, quiz, shown, d.line_of("id"))
    return where


def _load_answers(folder: Path, kb: KnowledgeBase, problems: list[Problem]) -> None:
    if not folder.is_dir():
        problems.append(Problem(_display(folder), 1, "answers folder is missing"))
        return
    for path in _yaml_files(folder):
        shown = _display(path)
        data, found = load_file(path, shown)
        problems.extend(found)
        if data is None:
            continue
        c = _Checker(shown, problems)
        top = c.mapping(data, 1, "the file")
        if top is None or not c.keys(top, "an answers file", ("answers",)):
            continue
        items = top["answers"]
        if not isinstance(items, LList):
            c.error(top.line_of("answers"), f"answers must be a list, got {_kind(items)}")
            continue
        for i, raw in enumerate(items):
            d = c.mapping(raw, items.line_of(i), f"answers[{i}]")
            if d is None:
                continue
            c.keys(d, "an answer", ("id", "title", "text", "sources"), ("checked",))
            aid = c.ident(d.get("id"), d.line_of("id"), "answer id") if "id" in d else None
            if aid is None:
                continue
            if aid in kb.answers:
                other = kb.answers[aid]
                c.error(d.line_of("id"), f"duplicate answer for {aid!r} (also at {other.path}:{other.line})")
                continue
            title = c.localized(d.get("title"), d.line_of("title"), f"{aid}: title") if "title" in d else None
            if title:
                for lang, t in title.items():
                    if len(t) > TITLE_MAX:
                        c.error(
                            d.line_of("title"),
                            f"{aid}: title ({lang}) is {len(t)} characters, at most {TITLE_MAX} fit on a button",
                        )
            text = c.localized(d.get("text"), d.line_of("text"), f"{aid}: text") if "text" in d else None
            if text:
                tmap = d["text"]
                for lang, body in text.items():
                    line = tmap.line_of(lang) if isinstance(tmap, LDict) else d.line
                    start = tmap.text_line_of(lang) if isinstance(tmap, LDict) else line
                    _check_markup(c, body, start, f"{aid}: text ({lang})")
                    try:
                        size = markup.plain_length(body)
                    except markup.MarkupError:
                        continue
                    if size > ANSWER_SOFT_MAX:
                        c.error(
                            line,
                            f"{aid}: text ({lang}) renders to {size} characters; keep answers under {ANSWER_SOFT_MAX} to read on a phone",
                        )
            sources: list[Source] = []
            if "sources" in d:
                seq = d["sources"]
                if not isinstance(seq, LList):
                    c.error(d.line_of("sources"), f"{aid}: sources must be a list")
                else:
                    for j, s in enumerate(seq):
                        sd = c.mapping(s, seq.line_of(j), f"{aid}: sources[{j}]")
                        if sd is None or not c.keys(sd, "a source", ("title", "url")):
                            continue
                        stitle = c.localized(sd["title"], sd.line_of("title"), f"{aid}: source title")
                        url = sd["url"]
                        if not isinstance(url, str) or not URL_RE.match(url):
                            c.error(
                                sd.line_of("url"),
                                f"{aid}: source url must be a well-formed https:// address, got {url!r}",
                            )
                        elif stitle:
                            sources.append(Source(stitle, url))
            checked = d.get("checked")
            if checked is not None:
                checked = str(checked)
                if not DATE_RE.match(checked):
                    c.error(
                        d.line_of("checked"), f"{aid}: checked must be a date YYYY-MM-DD, got {checked!r}"
                    )
            if text and checked is None and any(CONTACT_RE.search(t) for t in text.values()):
                c.error(
                    d.line,
                    f"{aid}: the text gives contact details (phone, e-mail or report site): add `checked: YYYY-MM-DD`",
                )
            if title and text:
                kb.answers[aid] = Answer(aid, title, text, tuple(sources), checked, shown, d.line_of("id"))


def _load_ui(path: Path, kb: KnowledgeBase, problems: list[Problem]) -> None:
    shown = _display(path)
    if not path.is_file():
        problems.append(Problem(shown, 1, "UI strings file is missing"))
        return
    data, found = load_file(path, shown)
    problems.extend(found)
    if data is None:
        return
    c = _Checker(shown, problems)
    top = c.mapping(data, 1, "the file")
    if top is None or not c.keys(top, "the UI file", ("ui",)):
        return
    ui = c.mapping(top["ui"], top.line_of("ui"), "ui")
    if ui is None:
        return
    for key in ui:
        loc = c.localized(ui[key], ui.line_of(key), f"ui.{key}")
        if loc is None:
            continue
        entry = ui[key]
        for lang, text in loc.items():
            start = entry.text_line_of(lang) if isinstance(entry, LDict) else ui.line_of(key)
            _check_markup(c, text, start, f"ui.{key} ({lang})")
        ph = {lang: _placeholders(t) for lang, t in loc.items()}
        if ph["en"] != ph["es"]:
            c.error(
                ui.line_of(key),
                f"ui.{key}: placeholders differ between en {sorted(ph['en'])} and es {sorted(ph['es'])}",
            )
        kb.ui[key] = loc
    for key in REQUIRED_UI_KEYS:
        if key not in ui:
            c.error(ui.line, f"ui is missing the string {key!r}")


def _load_topics(path: Path, kb: KnowledgeBase, problems: list[Problem]) -> list[tuple[str, int, str]]:
    shown = _display(path)
    refs: list[tuple[str, int, str]] = []
    if not path.is_file():
        problems.append(Problem(shown, 1, "topic menu file is missing"))
        return refs
    data, found = load_file(path, shown)
    problems.extend(found)
    if data is None:
        return refs
    c = _Checker(shown, problems)
    top = c.mapping(data, 1, "the file")
    if top is None or not c.keys(top, "the topics file", ("groups",)):
        return refs
    groups = top["groups"]
    if not isinstance(groups, LList):
        c.error(top.line_of("groups"), "groups must be a list")
        return refs
    seen: set[str] = set()
    for i, raw in enumerate(groups):
        d = c.mapping(raw, groups.line_of(i), f"groups[{i}]")
        if d is None or not c.keys(d, "a topic group", ("id", "title", "intents")):
            continue
        gid = c.ident(d["id"], d.line_of("id"), "group id")
        title = c.localized(d["title"], d.line_of("title"), f"group {gid} title")
        ids = c.string_list(d["intents"], d.line_of("intents"), f"group {gid} intents")
        if gid in seen:
            c.error(d.line_of("id"), f"duplicate group id {gid!r}")
            continue
        if gid and title and ids is not None:
            seen.add(gid)
            kb.topics.append(TopicGroup(gid, title, ids))
            refs.extend((iid, d.line_of("intents"), shown) for iid in ids)
    return refs


def _load_quizzes(folder: Path, kb: KnowledgeBase, problems: list[Problem]) -> None:
    if not folder.is_dir():
        return
    for path in _yaml_files(folder):
        shown = _display(path)
        data, found = load_file(path, shown)
        problems.extend(found)
        if data is None:
            continue
        quiz = check_quiz(data, shown, path.stem, problems)
        if quiz is not None:
            kb.quizzes[quiz.id] = quiz


def check_quiz(data: Any, shown: str, stem: str, problems: list[Problem]) -> Quiz | None:
    """Check one quiz file's content, including Telegram's quiz-poll limits."""
    c = _Checker(shown, problems)
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
            questions.append(Question(q, opts, answer, expl, source))
    if len(problems) > before or qid is None or not title or not description or pass_mark is None:
        return None
    return Quiz(qid, title, description, float(pass_mark), tuple(questions))


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


def load(intents_dir: Path, content_dir: Path) -> tuple[KnowledgeBase, list[Problem]]:
    """Load and check every data file; return the knowledge base and all problems found."""
    kb = KnowledgeBase()
    problems: list[Problem] = []
    if not intents_dir.is_dir():
        problems.append(Problem(_display(intents_dir), 1, "intents folder does not exist"))
    else:
        _load_intents(intents_dir, kb, problems)
    if not content_dir.is_dir():
        problems.append(Problem(_display(content_dir), 1, "content folder does not exist"))
    else:
        _load_answers(content_dir / "answers", kb, problems)
        _load_ui(content_dir / "ui.yaml", kb, problems)
        refs = _load_topics(content_dir / "topics.yaml", kb, problems)
        _load_quizzes(content_dir / "quizzes", kb, problems)
        if intents_dir.is_dir():
            _cross_check(kb, refs, problems)
    return kb, problems


def load_or_raise(intents_dir: Path, content_dir: Path) -> KnowledgeBase:
    """Load for start-up: any error (not warning) raises :class:`DataError`."""
    kb, problems = load(intents_dir, content_dir)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise DataError(sorted(errors))
    return kb
