"""Loading and checking ``content/scam_signals.yaml``, the message checker's data.

:func:`load_signals` reads the file with :mod:`cyberhygiene.yamlsrc`'s line-tracking loader and
reports every mistake as a :class:`Problem` (``path:line: message``), all at once, the way
:mod:`cyberhygiene.knowledge` does for the other data files. :func:`cross_check` checks what the
file refers to outside itself (topic ids, UI strings). The format is documented in
docs/data-formats.md.
"""

from __future__ import annotations

import datetime
import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import markup
from .data.checks import Checker
from .knowledge import LANGS, URL_RE, KnowledgeBase
from .scam_examples import EXAMPLES_DIR, load_examples
from .yamlsrc import LDict, LList, Problem, load_file

SIGNALS_FILE = "scam_signals.yaml"
ID_RE = re.compile(r"^[a-z0-9_]+$")
DOMAIN_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$")
MIN_PHRASE = 8  # shorter fuzzy phrases would match by accident

Localized = dict[str, str]

# Signals the checker computes in code rather than with patterns, with the placeholders their
# sentences may use. Every other signal is a text signal: patterns, and ``{quote}`` in its lines.
COMPUTED: dict[str, frozenset[str]] = {
    "impersonation": frozenset({"quote", "name"}),
    "link_brand": frozenset({"link", "domain", "official", "name"}),
    "link_not_official": frozenset({"link", "domain", "official", "name"}),
    "link_lookalike": frozenset({"link", "domain", "official"}),
    "link_confusable": frozenset({"link", "domain"}),
    "link_shortener": frozenset({"link"}),
    "link_ip": frozenset({"link"}),
    "link_http": frozenset({"link"}),
    "link_userinfo": frozenset({"link", "domain"}),
    "link_subdomains": frozenset({"link", "domain"}),
    "link_fake_ending": frozenset({"link", "domain"}),
    "link_invite": frozenset({"link"}),
    "reads_like_scam": frozenset({"quote"}),  # the scam model (scam_examples.py), quoting its top words
    "link_free_mail": frozenset({"link", "domain", "official", "name"}),
}
TEXT_PLACEHOLDERS = frozenset({"quote"})
# The sentences around the signs, with the placeholders each may use.
REPLIES: dict[str, frozenset[str]] = {
    "found": frozenset(),
    "what_to_do": frozenset(),
    "report_us": frozenset(),
    "report_mx": frozenset(),
    "none_found": frozenset(),
    "offline": frozenset(),
    "usage": frozenset(),
    "more": frozenset({"count"}),
}
# UI strings (content/ui.yaml) the checker's commands need: the command menu's descriptions.
UI_KEYS: tuple[str, ...] = ("command_check", "command_revisar")


@dataclass(frozen=True)
class Brand:
    id: str
    name: str
    names: tuple[str, ...]  # how messages name it (normalized form)
    domain_words: tuple[str, ...]  # words that name it inside a web address
    domains: tuple[str, ...]  # official domains
    source: str


@dataclass(frozen=True)
class Signal:
    id: str
    says: Localized
    topics: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...] = ()
    phrases: tuple[str, ...] = ()
    weak: bool = False  # reported only next to another sign
    line: int = 1
    # not shown when one of these signals is found too (it would say the same thing again)
    covered_by: tuple[str, ...] = ()


@dataclass
class ScamData:
    """Everything in the signals file, checked."""

    path: str = SIGNALS_FILE
    checked: str = ""
    fuzzy_cutoff: float = 90.0
    # The scam model's probability from which a message "reads like a scam" (see the file).
    model_threshold: float = 0.8
    link_tlds: frozenset[str] = frozenset()
    public_suffixes: frozenset[str] = frozenset()
    shorteners: frozenset[str] = frozenset()
    free_mail: frozenset[str] = frozenset()
    free_mail_roles: frozenset[str] = frozenset()
    brands: tuple[Brand, ...] = ()
    signals: dict[str, Signal] = field(default_factory=dict)
    ask_phrases: dict[str, tuple[re.Pattern[str], ...]] = field(default_factory=dict)
    replies: dict[str, Localized] = field(default_factory=dict)
    # content/scam_examples/: labelled messages the scam model learns from (None: no model)
    examples_dir: Path | None = None

    def reply(self, key: str, lang: str, **values: object) -> str:
        template = self.replies[key].get(lang) or self.replies[key]["en"]
        return template.format(**values) if values else template


class SignalsError(Exception):
    """The signals file holds errors; ``problems`` lists every one of them."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in {SIGNALS_FILE}")
        self.problems = problems

    def report(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class _File(Checker):
    """Collects problems while walking the file: the data files' shared checker, plus the
    signals file's own shapes (texts with their lines, sentences with placeholders)."""

    def text(self, value: Any, line: int, what: str) -> str | None:
        if isinstance(value, str) and value.strip():
            return value
        self.error(line, f"{what} must be non-empty text, got {_kind(value)}")
        return None

    def texts(self, value: Any, line: int, what: str) -> list[tuple[str, int]]:
        """A list of texts, each with its line."""
        if not isinstance(value, LList):
            self.error(line, f"{what} must be a list, got {_kind(value)}")
            return []
        out: list[tuple[str, int]] = []
        for i, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, str | int | float) or not str(item).strip():
                self.error(value.line_of(i), f"{what}[{i}] must be non-empty text, got {_kind(item)}")
            else:
                out.append((str(item), value.line_of(i)))
        return out

    def per_lang(
        self, value: Any, line: int, what: str, *, all_langs: bool
    ) -> dict[str, list[tuple[str, int]]]:
        d = self.mapping(value, line, what)
        if d is None:
            return {}
        out: dict[str, list[tuple[str, int]]] = {}
        for key in d:
            if key not in LANGS:
                self.error(d.line_of(key), f"{what}: unknown language {key!r} (use en and es)")
        for lang in LANGS:
            if lang in d:
                out[lang] = self.texts(d[lang], d.line_of(lang), f"{what}.{lang}")
            elif all_langs:
                self.error(d.line, f"{what} is missing language {lang!r}")
        return out

    def sentence(self, value: Any, line: int, what: str, allowed: frozenset[str]) -> Localized | None:
        """Both languages, same placeholders (all from ``allowed``), markup that renders."""
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
            text = self.text(d[lang], d.line_of(lang), f"{what} ({lang})")
            if text is None:
                continue
            names = _placeholders(text)
            if not names <= allowed:
                extra = sorted(names - allowed)
                self.error(
                    d.line_of(lang),
                    f"{what} ({lang}): unknown placeholder(s) {extra} (allowed: {sorted(allowed) or 'none'})",
                )
                continue
            try:
                markup.check(text.format(**{n: "x" for n in names}))
            except markup.MarkupError as exc:
                self.error(d.text_line_of(lang), f"{what} ({lang}): markup would not render: {exc.message}")
                continue
            result[lang] = text
        if len(result) == len(LANGS) and _placeholders(result["en"]) != _placeholders(result["es"]):
            self.error(
                d.line,
                f"{what}: placeholders differ between en {sorted(_placeholders(result['en']))} "
                f"and es {sorted(_placeholders(result['es']))}",
            )
            return None
        return result if len(result) == len(LANGS) else None

    def regex(self, source: str, line: int, what: str) -> re.Pattern[str] | None:
        try:
            pattern = re.compile(source)
        except re.error as exc:
            self.error(line, f"{what}: not a valid regular expression: {exc}")
            return None
        if pattern.search("") is not None:
            self.error(line, f"{what}: matches an empty message, so it would match everything")
            return None
        if source != source.lower():
            self.error(line, f"{what}: write patterns in lower case (messages are lower-cased first)")
            return None
        return pattern

    def domains(self, value: Any, line: int, what: str) -> tuple[str, ...]:
        out = []
        for text, item_line in self.texts(value, line, what):
            if DOMAIN_RE.match(text):
                out.append(text)
            else:
                self.error(item_line, f"{what}: {text!r} is not a domain (lower case, like usps.com)")
        return tuple(out)


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
        return "text" if value.strip() else "empty text"
    if isinstance(value, int | float):
        return "a number"
    return type(value).__name__


def _placeholders(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return {"<malformed>"}


def _load_brands(f: _File, value: Any, line: int) -> tuple[Brand, ...]:
    if not isinstance(value, LList):
        f.error(line, f"brands must be a list, got {_kind(value)}")
        return ()
    brands: list[Brand] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(value):
        d = f.mapping(item, value.line_of(i), f"brands[{i}]")
        if d is None or not f.keys(
            d, f"brands[{i}]", ("id", "name", "names", "domains", "source"), ("domain_words",)
        ):
            continue
        bid = d["id"]
        if not isinstance(bid, str) or not ID_RE.match(bid):
            f.error(d.line_of("id"), f"brands[{i}]: id must be lowercase letters, digits and _, got {bid!r}")
            continue
        if bid in seen:
            f.error(d.line_of("id"), f"brand {bid!r} is defined twice (first at line {seen[bid]})")
            continue
        seen[bid] = d.line_of("id")
        name = f.text(d["name"], d.line_of("name"), f"brand {bid}: name")
        names = [t for t, _ in f.texts(d["names"], d.line_of("names"), f"brand {bid}: names")]
        for text in names:
            if text != " ".join(re.sub(r"[^\w]+", " ", text.lower()).split()):
                f.error(d.line_of("names"), f"brand {bid}: name {text!r} must be written normalized")
        words = tuple(
            t for t, _ in f.texts(d.get("domain_words", LList()), d.line_of("domain_words"), f"brand {bid}")
        )
        domains = f.domains(d["domains"], d.line_of("domains"), f"brand {bid}: domains")
        if not domains:
            f.error(d.line_of("domains"), f"brand {bid}: needs at least one official domain")
        source = f.text(d["source"], d.line_of("source"), f"brand {bid}: source")
        if source is not None and not URL_RE.match(source):
            f.error(d.line_of("source"), f"brand {bid}: source must be an https:// address, got {source!r}")
            continue
        if name and names and domains and source:
            brands.append(Brand(bid, name, tuple(names), words, domains, source))
    return tuple(brands)


def _load_signal(f: _File, d: LDict, what: str) -> Signal | None:
    sid = d.get("id")
    if not isinstance(sid, str) or not ID_RE.match(sid):
        f.error(d.line_of("id"), f"{what}: id must be lowercase letters, digits and _, got {sid!r}")
        return None
    computed = sid in COMPUTED
    optional = ("weak", "covered_by") if computed else ("weak", "phrases", "covered_by")
    required = ("id", "topics", "says") if computed else ("id", "topics", "says", "patterns")
    if not f.keys(d, f"signal {sid}", required, optional):
        return None
    weak = f.flag(d, "weak", False, f"signal {sid}")
    covered_by: tuple[str, ...] = ()
    if "covered_by" in d:
        covered_by = tuple(
            t for t, _ in f.texts(d["covered_by"], d.line_of("covered_by"), f"signal {sid}: covered_by")
        )
    topics = tuple(t for t, _ in f.texts(d["topics"], d.line_of("topics"), f"signal {sid}: topics"))
    allowed = COMPUTED.get(sid, TEXT_PLACEHOLDERS)
    says = f.sentence(d["says"], d.line_of("says"), f"signal {sid}: says", allowed)
    if says is not None:
        must = "link" if sid.startswith("link_") else "quote"
        if must not in _placeholders(says["en"]):
            f.error(d.line_of("says"), f"signal {sid}: says must quote the message with {{{must}}}")
            says = None
    patterns: list[re.Pattern[str]] = []
    phrases: list[str] = []
    if not computed:
        by_lang = f.per_lang(d["patterns"], d.line_of("patterns"), f"signal {sid}: patterns", all_langs=False)
        for lang, items in by_lang.items():
            for source, line in items:
                compiled = f.regex(source, line, f"signal {sid}: pattern ({lang})")
                if compiled is not None:
                    patterns.append(compiled)
        if not any(by_lang.values()):
            f.error(d.line_of("patterns"), f"signal {sid}: needs at least one pattern")
        if "phrases" in d:
            by_lang = f.per_lang(
                d["phrases"], d.line_of("phrases"), f"signal {sid}: phrases", all_langs=False
            )
            for lang, items in by_lang.items():
                for text, line in items:
                    if len(text) < MIN_PHRASE:
                        f.error(
                            line,
                            f"signal {sid}: phrase {text!r} ({lang}) is shorter than {MIN_PHRASE} characters",
                        )
                    else:
                        phrases.append(text)
    if says is None:
        return None
    return Signal(sid, says, topics, tuple(patterns), tuple(phrases), weak, d.line_of("id"), covered_by)


def _load_signals(f: _File, value: Any, line: int) -> dict[str, Signal]:
    if not isinstance(value, LList):
        f.error(line, f"signals must be a list, got {_kind(value)}")
        return {}
    signals: dict[str, Signal] = {}
    written: set[str] = set()  # ids present, even if their entry has errors (reported already)
    for i, item in enumerate(value):
        d = f.mapping(item, value.line_of(i), f"signals[{i}]")
        if d is None:
            continue
        if isinstance(d.get("id"), str):
            written.add(d["id"])
        signal = _load_signal(f, d, f"signals[{i}]")
        if signal is None:
            continue
        if signal.id in signals:
            f.error(
                signal.line,
                f"signal {signal.id!r} is defined twice (first at line {signals[signal.id].line})",
            )
            continue
        signals[signal.id] = signal
    for sid in COMPUTED:
        if sid not in written:
            f.error(value.line, f"signals: missing the {sid!r} signal (the checker computes it)")
    for signal in signals.values():
        for other in signal.covered_by:
            if other not in written or other == signal.id:
                f.error(signal.line, f"signal {signal.id}: covered_by {other!r} is not another signal")
    return signals


def parse(data: Any, shown: str) -> tuple[ScamData | None, list[Problem]]:
    """Check already-parsed YAML; return the data (None on any error) and every problem."""
    problems: list[Problem] = []
    f = _File(shown, problems)
    top = f.mapping(data, 1, "the file")
    if top is None:
        return None, problems
    top_keys = (
        "checked",
        "fuzzy_cutoff",
        "link_tlds",
        "public_suffixes",
        "shorteners",
        "brands",
        "signals",
    )
    optional = ("free_mail", "free_mail_roles", "model_threshold")
    f.keys(top, "the signals file", (*top_keys, "ask_phrases", "replies"), optional)
    result = ScamData(path=shown)
    checked = top.get("checked")
    if isinstance(checked, datetime.date):
        result.checked = checked.isoformat()
    elif "checked" in top:
        f.error(top.line_of("checked"), f"checked must be a date YYYY-MM-DD, got {_kind(checked)}")
    cutoff = top.get("fuzzy_cutoff")
    if isinstance(cutoff, int | float) and not isinstance(cutoff, bool) and 50 <= cutoff <= 100:
        result.fuzzy_cutoff = float(cutoff)
    elif "fuzzy_cutoff" in top:
        f.error(top.line_of("fuzzy_cutoff"), f"fuzzy_cutoff must be a number from 50 to 100, got {cutoff!r}")
    threshold = top.get("model_threshold")
    if isinstance(threshold, int | float) and not isinstance(threshold, bool) and 0.5 <= threshold < 1:
        result.model_threshold = float(threshold)
    elif "model_threshold" in top:
        f.error(
            top.line_of("model_threshold"),
            f"model_threshold must be a probability from 0.5 to below 1, got {threshold!r}",
        )
    if "link_tlds" in top:
        tlds = [t for t, _ in f.texts(top["link_tlds"], top.line_of("link_tlds"), "link_tlds")]
        for tld in tlds:
            if not re.match(r"^[a-z]{2,24}$", tld):
                f.error(top.line_of("link_tlds"), f"link_tlds: {tld!r} is not a domain ending (letters only)")
        result.link_tlds = frozenset(tlds)
    if "public_suffixes" in top:
        result.public_suffixes = frozenset(
            f.domains(top["public_suffixes"], top.line_of("public_suffixes"), "public_suffixes")
        )
    if "shorteners" in top:
        result.shorteners = frozenset(f.domains(top["shorteners"], top.line_of("shorteners"), "shorteners"))
    if "free_mail" in top:
        result.free_mail = frozenset(f.domains(top["free_mail"], top.line_of("free_mail"), "free_mail"))
    if "free_mail_roles" in top:
        roles = [
            t for t, _ in f.texts(top["free_mail_roles"], top.line_of("free_mail_roles"), "free_mail_roles")
        ]
        for role in roles:
            if not re.match(r"^[a-z0-9]+$", role):
                f.error(
                    top.line_of("free_mail_roles"),
                    f"free_mail_roles: {role!r} must be one word in lower case",
                )
        result.free_mail_roles = frozenset(roles)
    if "brands" in top:
        result.brands = _load_brands(f, top["brands"], top.line_of("brands"))
    if "signals" in top:
        result.signals = _load_signals(f, top["signals"], top.line_of("signals"))
    if "ask_phrases" in top:
        for lang, items in f.per_lang(
            top["ask_phrases"], top.line_of("ask_phrases"), "ask_phrases", all_langs=True
        ).items():
            compiled = [f.regex(s, line, f"ask_phrases ({lang})") for s, line in items]
            result.ask_phrases[lang] = tuple(p for p in compiled if p is not None)
    if "replies" in top:
        replies = f.mapping(top["replies"], top.line_of("replies"), "replies")
        if replies is not None:
            for key in replies:
                if key not in REPLIES:
                    f.error(
                        replies.line_of(key),
                        f"replies: unknown sentence {key!r} (allowed: {', '.join(REPLIES)})",
                    )
                    continue
                loc = f.sentence(replies[key], replies.line_of(key), f"replies.{key}", REPLIES[key])
                if loc is not None:
                    result.replies[key] = loc
            for key in REPLIES:
                if key not in replies:
                    f.error(replies.line, f"replies is missing the sentence {key!r}")
    if problems:
        return None, problems
    return result, problems


def load_signals(path: Path, display: str | None = None) -> tuple[ScamData | None, list[Problem]]:
    """Load and check the signals file; return the data (None on any error) and every problem."""
    shown = display or _display(path)
    if not path.is_file():
        return None, [Problem(shown, 1, "scam signals file is missing")]
    data, problems = load_file(path, shown)
    if data is None:
        return None, problems
    return parse(data, shown)


def cross_check(data: ScamData, kb: KnowledgeBase) -> list[Problem]:
    """What the signals file names elsewhere: topic ids (intents) and the UI strings it needs."""
    problems: list[Problem] = []
    for signal in data.signals.values():
        for topic in signal.topics:
            if topic not in kb.intents:
                problems.append(
                    Problem(data.path, signal.line, f"signal {signal.id}: topic {topic!r} is not an intent")
                )
    for key in UI_KEYS:
        if key not in kb.ui:
            problems.append(Problem(data.path, 1, f"content/ui.yaml is missing the string {key!r}"))
    return problems


def load_for(kb: KnowledgeBase, content_dir: Path) -> tuple[ScamData | None, list[Problem]]:
    """Load ``content_dir/scam_signals.yaml``, cross-checked against ``kb``, and check the
    examples in ``content_dir/scam_examples/`` (``validate`` reads them all)."""
    data, problems = load_with_examples(content_dir)
    folder = content_dir / EXAMPLES_DIR
    _examples, found = load_examples(folder, _display(folder))
    problems = problems + found
    if data is not None:
        problems = problems + cross_check(data, kb)
    return (None if found else data), problems


def load_with_examples(content_dir: Path) -> tuple[ScamData | None, list[Problem]]:
    """The signals file, pointing at ``content_dir/scam_examples/`` for the scam model (read
    only when the model has to be trained: see :func:`scam_examples.ensure_scam_model`)."""
    data, problems = load_signals(content_dir / SIGNALS_FILE)
    if data is not None and (content_dir / EXAMPLES_DIR).is_dir():
        data.examples_dir = content_dir / EXAMPLES_DIR
    return data, problems


def load_or_raise(kb: KnowledgeBase, content_dir: Path) -> ScamData:
    """Load for start-up: any error raises :class:`SignalsError`. The examples are read and
    checked only when the scam model must be trained again (their bytes changed), which keeps
    start-up fast; ``validate`` always reads them."""
    data, problems = load_with_examples(content_dir)
    if data is not None:
        problems = problems + cross_check(data, kb)
    if problems or data is None:
        raise SignalsError(sorted(problems))
    return data


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
