"""Intent files (``intents/*.yaml``): intents, lexicon and out-of-scope examples."""

from __future__ import annotations

from pathlib import Path

from ..yamlsrc import LDict, LList, Problem
from .checks import display, kind, open_file, yaml_files
from .model import LANGS, Intent, KnowledgeBase
from .places import check_places


def load_intents(folder: Path, kb: KnowledgeBase, problems: list[Problem]) -> dict[str, tuple[str, int]]:
    where: dict[str, tuple[str, int]] = {}
    pattern_owner: dict[tuple[str, str], tuple[str, str, int]] = {}
    files = yaml_files(folder)
    if not files:
        problems.append(Problem(display(folder), 1, "no intent files (*.yaml) found"))
    for path in files:
        opened = open_file(path, problems)
        if opened is None:
            continue
        c, top = opened
        shown = c.path
        c.keys(top, "an intents file", (), ("intents", "lexicon", "out_of_scope", "places"))
        if "places" in top:
            kb.places = check_places(c, top["places"], top.line_of("places"), kb.places)
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
            c.error(top.line_of("intents"), f"intents must be a list, got {kind(items)}")
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
