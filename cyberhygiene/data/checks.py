"""Shared checking helpers: a :class:`Checker` collecting ``path:line`` problems, and limits."""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .. import markup
from ..yamlsrc import LDict, LList, Problem, load_file
from .model import LANGS, Localized

ID_RE = re.compile(r"^[a-z0-9_]+$")
URL_RE = re.compile(r"^https://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(?::\d+)?(?:[/?#][^\s<>\"]*)?$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
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


class Checker:
    """Collects problems while walking one file."""

    def __init__(self, path: str, problems: list[Problem]) -> None:
        self.path = path
        self.problems = problems

    def error(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def flag(self, d: LDict, key: str, default: bool, what: str) -> bool:
        """``d[key]`` when it is true or false (``default`` when absent); else an error."""
        value = d.get(key, default)
        if isinstance(value, bool):
            return value
        self.error(d.line_of(key), f"{what}: {key} must be true or false, got {value!r}")
        return default

    def mapping(self, value: Any, line: int, what: str) -> LDict | None:
        if isinstance(value, LDict):
            return value
        self.error(line, f"{what} must be a mapping, got {kind(value)}")
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
            self.error(line, f"{what} must be text, got {kind(value)}")
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
            self.error(line, f"{what} must be a list, got {kind(value)}")
            return None
        out: list[str] = []
        for i, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, str | int | float):
                self.error(value.line_of(i), f"{what}[{i}] must be text, got {kind(item)}")
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


def kind(value: Any) -> str:
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


def open_file(path: Path, problems: list[Problem]) -> tuple[Checker, LDict] | None:
    """Parse one data file: its checker and its top-level mapping (None when it is not one;
    every problem found on the way is added to ``problems``)."""
    shown = display(path)
    data, found = load_file(path, shown)
    problems.extend(found)
    if data is None:
        return None
    c = Checker(shown, problems)
    top = c.mapping(data, 1, "the file")
    return None if top is None else (c, top)


def yaml_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.yaml") if p.is_file()) + sorted(
        p for p in folder.glob("*.yml") if p.is_file()
    )


def display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def check_markup(c: Checker, text: str, first_line: int, what: str) -> None:
    """``first_line`` is where the text itself starts in the file."""
    try:
        markup.check(text)
    except markup.MarkupError as exc:
        c.error(first_line + exc.line_no - 1, f"{what}: markup would not render: {exc.message}")


def placeholders(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}
    except ValueError:
        return {"<malformed>"}
