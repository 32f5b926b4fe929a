"""The data model: what the loaders build from ``intents/`` and ``content/``. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..yamlsrc import Problem

LANGS: tuple[str, ...] = ("en", "es")


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
