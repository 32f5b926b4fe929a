"""The glossary (``content/glossary.yaml``): one term for one thing, per language.

Each entry names the term to use and the variants not to use. :func:`check_terms` reports every
answer, quiz and UI string that uses a variant, at its ``path:line``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ..normalize import fold
from ..yamlsrc import LList, Problem
from .checks import open_file
from .model import LANGS, KnowledgeBase, Term


def load_glossary(path: Path, kb: KnowledgeBase, problems: list[Problem]) -> None:
    """The file is optional: without it no term is checked."""
    if not path.is_file():
        return
    opened = open_file(path, problems)
    if opened is None:
        return
    c, top = opened
    shown = c.path
    if not c.keys(top, "the glossary file", ("glossary",)):
        return
    table = c.mapping(top["glossary"], top.line_of("glossary"), "glossary")
    if table is None:
        return
    for lang in table:
        if lang not in LANGS:
            c.error(table.line_of(lang), f"glossary: unknown language {lang!r} (use en and es)")
            continue
        entries = table[lang]
        if not isinstance(entries, LList):
            c.error(table.line_of(lang), f"glossary.{lang} must be a list of terms")
            continue
        seen: dict[str, int] = {}
        for i, raw in enumerate(entries):
            what = f"glossary.{lang}[{i}]"
            d = c.mapping(raw, entries.line_of(i), what)
            if d is None or not c.keys(d, "a glossary term", ("use", "avoid")):
                continue
            use = c.string(d["use"], d.line_of("use"), f"{what}.use")
            avoid = c.string_list(d["avoid"], d.line_of("avoid"), f"{what}.avoid")
            if use is None or avoid is None:
                continue
            if not avoid:
                c.error(d.line_of("avoid"), f"{what}.avoid is empty")
                continue
            for variant in avoid:
                key = fold(variant)
                if key == fold(use) or _pattern(variant).search(f" {fold(use)} "):
                    c.error(
                        d.line_of("avoid"),
                        f"{what}: variant {variant!r} is part of the term {use!r} itself",
                    )
                elif key in seen:
                    c.error(
                        d.line_of("avoid"),
                        f"{what}: variant {variant!r} is already listed (line {seen[key]})",
                    )
                else:
                    seen[key] = d.line_of("avoid")
            kb.glossary.append(Term(lang, use, avoid, shown, d.line))


_PLACEHOLDER = re.compile(r"\{\w*\}")


def _pattern(variant: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![a-z0-9]){re.escape(fold(variant))}(?![a-z0-9])")


def _texts(kb: KnowledgeBase, lang: str) -> Iterator[tuple[str, int, str, str]]:
    """Every user-facing text in ``lang``: (path, line, what, text)."""
    for a in kb.answers.values():
        yield a.path, a.line, f"{a.id}: title", a.title[lang]
        yield a.path, a.line, f"{a.id}: text", a.text[lang]
        for code, part in a.country.items():
            yield a.path, a.line, f"{a.id}: country.{code}", part[lang]
        if a.more:
            yield a.path, a.line, f"{a.id}: more", a.more[lang]
        for s in a.sources:
            yield a.path, a.line, f"{a.id}: source title", s.title[lang]
    for q in kb.quizzes.values():
        yield q.path, q.line, f"quiz {q.id}: title", q.title[lang]
        yield q.path, q.line, f"quiz {q.id}: description", q.description[lang]
        for n, item in enumerate(q.questions):
            for what, text in (
                ("question", item.question[lang]),
                ("explanation", item.explanation[lang]),
                ("options", " | ".join(item.options[lang])),
            ):
                yield q.path, item.line, f"quiz {q.id}: questions[{n}].{what}", text
    for key, loc in kb.ui.items():
        path, line = kb.ui_where.get(key, ("content/ui.yaml", 1))
        yield path, line, f"ui.{key}", _PLACEHOLDER.sub(" ", loc[lang])  # {link} is not a word


def check_terms(kb: KnowledgeBase) -> list[Problem]:
    """A problem for every text that uses a variant the glossary says not to use."""
    problems: list[Problem] = []
    folded_texts: dict[str, list[tuple[str, int, str, str]]] = {}  # each text folded once per language
    for term in kb.glossary:
        if term.lang not in folded_texts:
            folded_texts[term.lang] = [(p, n, w, fold(t)) for p, n, w, t in _texts(kb, term.lang)]
        patterns = [(v, _pattern(v)) for v in term.avoid]
        for path, line, what, folded in folded_texts[term.lang]:
            for variant, pattern in patterns:
                if pattern.search(folded):
                    problems.append(
                        Problem(
                            path,
                            line,
                            f"{what} ({term.lang}) says {variant!r}; the glossary's term is {term.use!r} "
                            f"({term.path}:{term.line})",
                        )
                    )
    return problems
