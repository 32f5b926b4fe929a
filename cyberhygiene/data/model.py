"""The data model: what the loaders build from ``intents/`` and ``content/``. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..yamlsrc import Problem

LANGS: tuple[str, ...] = ("en", "es")
# Countries an answer can differ by. A user's country is one of these or unknown (None).
COUNTRIES: tuple[str, ...] = ("us", "mx")


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
    """An official source. ``urls`` maps the reader's language to the address shown to that
    reader; ``page_langs`` says which language the page at that address is in, so the renderer
    can tell a reader "(in Spanish)" / "(en inglés)"."""

    title: Localized
    urls: Localized
    page_langs: Localized
    country: str | None = None  # shown only with that country's part of the answer

    @property
    def url(self) -> str:
        """The English reader's address (every source has one)."""
        return self.urls["en"]


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
    # Per-country parts (country -> language -> markup): the channels that differ by country.
    country: dict[str, Localized] = field(default_factory=dict)
    # Detail behind a "More" button.
    more: Localized | None = None


@dataclass(frozen=True)
class Question:
    question: Localized
    options: dict[str, tuple[str, ...]]
    answer: int
    explanation: Localized
    source: str
    line: int = 0


@dataclass(frozen=True)
class Quiz:
    id: str
    title: Localized
    description: Localized
    pass_mark: float
    questions: tuple[Question, ...]
    path: str = ""
    line: int = 0


# A trainer's adapted quiz is named by its quiz's id, this separator and a hex mask of the questions
# kept (bit i: question i+1): "basics-5b" is basics without questions 3 and 6. Deep links allow "-",
# quiz ids don't use it, and the name alone rebuilds the quiz: nothing is stored for it.
ADAPTED_SEP = "-"


def adapted_id(base: str, mask: int) -> str:
    return f"{base}{ADAPTED_SEP}{mask:x}"


class Quizzes(dict[str, Quiz]):
    """The quizzes by id. Also answers for adapted ids (see :data:`ADAPTED_SEP`), which are never
    listed: iterating gives the quizzes in ``content/quizzes/`` only."""

    def __init__(self) -> None:
        super().__init__()
        # "{title} ({n} of {total} questions)" per language (the UI string quiz_adapted_title).
        self.adapted_title: Localized = {}

    def split(self, quiz_id: str) -> tuple[Quiz, int] | None:
        """An adapted id's quiz and question mask; None unless the id is canonical and valid
        (a known quiz, some but not all of its questions, the mask written in short hex)."""
        base, sep, mask_text = quiz_id.partition(ADAPTED_SEP)
        quiz = super().get(base)
        if not sep or quiz is None or not mask_text or len(mask_text) > 8:
            return None
        try:
            mask = int(mask_text, 16)
        except ValueError:
            return None
        if f"{mask:x}" != mask_text or not 0 < mask < (1 << len(quiz.questions)) - 1:
            return None
        return quiz, mask

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and (super().__contains__(key) or self.split(key) is not None)

    def __getitem__(self, key: str) -> Quiz:
        if super().__contains__(key):
            return super().__getitem__(key)
        found = self.split(key)
        if found is None:
            raise KeyError(key)
        quiz, mask = found
        kept = tuple(q for i, q in enumerate(quiz.questions) if mask >> i & 1)
        total = len(quiz.questions)
        title = {
            lang: (self.adapted_title.get(lang) or "{title}").format(title=text, n=len(kept), total=total)
            for lang, text in quiz.title.items()
        }
        return Quiz(key, title, quiz.description, quiz.pass_mark, kept, quiz.path, quiz.line)

    def get(self, key: str, default: Quiz | None = None) -> Quiz | None:  # type: ignore[override]
        if key not in self:
            return default
        return self[key]


@dataclass(frozen=True)
class TopicGroup:
    id: str
    title: Localized
    intents: tuple[str, ...]
    shareable: bool = True  # offered in inline mode and with a "send to a friend" button


@dataclass(frozen=True)
class Term:
    """A glossary entry: in ``lang`` say ``use``, never any of ``avoid``."""

    lang: str
    use: str
    avoid: tuple[str, ...]
    path: str
    line: int


@dataclass(frozen=True)
class Places:
    """Cues that tell where a user is ("vivo en" + "Monterrey"), folded like user text."""

    cues: tuple[str, ...] = ()
    fillers: tuple[str, ...] = ()
    names: dict[str, tuple[str, ...]] = field(default_factory=dict)  # country -> place names


@dataclass
class KnowledgeBase:
    """Everything the bot knows: intents, answers, UI strings, topics, quizzes, lexicon."""

    intents: dict[str, Intent] = field(default_factory=dict)
    answers: dict[str, Answer] = field(default_factory=dict)
    ui: dict[str, Localized] = field(default_factory=dict)
    ui_where: dict[str, tuple[str, int]] = field(default_factory=dict)  # key -> (path, line)
    topics: list[TopicGroup] = field(default_factory=list)
    quizzes: Quizzes = field(default_factory=Quizzes)
    lexicon: dict[str, dict[str, str]] = field(default_factory=dict)
    out_of_scope: dict[str, tuple[str, ...]] = field(default_factory=dict)
    glossary: list[Term] = field(default_factory=list)
    places: Places = field(default_factory=Places)

    def text(self, key: str, lang: str, **values: object) -> str:
        """A UI string in ``lang`` with ``{placeholders}`` filled (values must be markup-safe)."""
        entry = self.ui[key]
        template = entry.get(lang) or entry["en"]
        return template.format(**values) if values else template
