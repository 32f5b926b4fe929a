"""Loading and checking the data folders: yamlsrc, knowledge, validation and the ``validate`` CLI.

Every test builds a small, valid data tree in ``tmp_path`` (see :class:`Tree`), breaks it in one
way and checks that the problem is reported as ``path:line: message`` with the line where the
mistake is written. Line numbers are looked up in the written text (``tree.line(...)``), never
hard-coded, so a test cannot pass by accident if the file layout changes.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cyberhygiene import config, knowledge, markup, rendering, yamlsrc
from cyberhygiene.knowledge import REQUIRED_UI_KEYS, DataError, Intent, KnowledgeBase
from cyberhygiene.signals_data import COMPUTED, REPLIES
from cyberhygiene.signals_data import UI_KEYS as SIGNALS_UI_KEYS
from cyberhygiene.validation import near_duplicates
from cyberhygiene.yamlsrc import LDict, LList, Problem

ROOT = Path(__file__).resolve().parent.parent

INTENTS_MAIN = """\
intents:
  - id: alpha
    patterns:
      en:
        - how do i pick a strong password
        - is my dogs name a good password
      es:
        - como elijo una contraseña segura
    keywords:
      en: [password]
      es: [contraseña]
    related: [beta]
    quiz: q1
  - id: beta
    patterns:
      en:
        - my phone got stolen what now
      es:
        - me robaron el celular que hago
"""

LEXICON = """\
lexicon:
  en:
    pw: password
  es:
    cel: celular
"""

OUT_OF_SCOPE = """\
out_of_scope:
  en:
    - whats the weather tomorrow
  es:
    - va a llover mañana
"""

ANSWERS_MAIN = """\
answers:
  - id: alpha
    title: {en: "Passwords", es: "Contraseñas"}
    text:
      en: |
        **Use long passwords.**
        - Keep them in a password manager.
      es: |
        **Usa contraseñas largas.**
        - Guárdalas en un gestor de contraseñas.
    sources:
      - title: {en: "CISA: Use strong passwords", es: "CISA: Usa contraseñas seguras"}
        url: https://www.cisa.gov/secure-our-world/use-strong-passwords
        lang: en
  - id: beta
    title: {en: "Lost phone", es: "Celular perdido"}
    text:
      en: "Lock it remotely, then change your passwords."
      es: "Bloquéalo a distancia y cambia tus contraseñas."
    sources: []
"""

TOPICS = """\
groups:
  - id: main
    title: {en: "Main topics", es: "Temas principales"}
    intents: [alpha, beta]
"""

QUIZ_Q1 = """\
id: q1
title: {en: "Password quiz", es: "Quiz de contraseñas"}
description: {en: "Test yourself.", es: "Ponte a prueba."}
pass_mark: 0.5
questions:
  - question: {en: "How long should a password be?", es: "¿Qué tan larga debe ser una contraseña?"}
    options:
      en: ["8 characters", "16 characters or more"]
      es: ["8 caracteres", "16 caracteres o más"]
    answer: 1
    explanation: {en: "CISA says at least 16.", es: "CISA dice al menos 16."}
    source: https://www.cisa.gov/secure-our-world
"""


def signals_text() -> str:
    """A minimal valid content/scam_signals.yaml: one text signal plus the computed ones."""
    out = [
        "checked: 2026-11-28",
        "fuzzy_cutoff: 90",
        "link_tlds: [com]",
        "public_suffixes: [com.mx]",
        "shorteners: [bit.ly]",
        "brands:",
        '  - {id: acme, name: Acme, names: [acme], domains: [acme.com], source: "https://acme.com"}',
        "ask_phrases: {en: ['is this real'], es: ['es real']}",
        "signals:",
        "  - id: urgency",
        "    topics: [alpha]",
        "    patterns: {en: ['\\burgent\\b'], es: ['\\burgente\\b']}",
        '    says: {en: "Rush: {quote}", es: "Prisa: {quote}"}',
    ]
    for sid, names in COMPUTED.items():
        shown = " ".join(f"{{{n}}}" for n in sorted(names))
        out += [f"  - id: {sid}", "    topics: [beta]", f'    says: {{en: "EN {shown}", es: "ES {shown}"}}']
    out.append("replies:")
    for key, names in REPLIES.items():
        shown = " ".join(f"{{{n}}}" for n in sorted(names))
        out.append(f'  {key}: {{en: "English {key} {shown}", es: "Español {key} {shown}"}}')
    return "\n".join(out) + "\n"


def ui_text(replace: dict[str, str] | None = None, drop: tuple[str, ...] = ()) -> str:
    """content/ui.yaml with every required key; ``replace`` gives a key's raw YAML body."""
    replace = replace or {}
    out = ["# UI strings for the test tree", "ui:"]
    for key in (*REQUIRED_UI_KEYS, *SIGNALS_UI_KEYS):
        if key in drop:
            continue
        out.append(f"  {key}:")
        if key in replace:
            out.append(replace[key].rstrip("\n"))
        else:
            out.append(f'    en: "English {key}"')
            out.append(f'    es: "Español {key}"')
    return "\n".join(out) + "\n"


VALID_FILES = {
    "intents/main.yaml": INTENTS_MAIN,
    "intents/lexicon.yaml": LEXICON,
    "intents/out_of_scope.yaml": OUT_OF_SCOPE,
    "content/answers/main.yaml": ANSWERS_MAIN,
    "content/ui.yaml": ui_text(),
    "content/topics.yaml": TOPICS,
    "content/quizzes/q1.yaml": QUIZ_Q1,
    "content/scam_signals.yaml": signals_text(),
}


class Tree:
    """A data tree under ``root`` (the current directory, so paths display relative)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        for rel, text in VALID_FILES.items():
            self.write(rel, text)

    @property
    def intents(self) -> Path:
        return self.root / "intents"

    @property
    def content(self) -> Path:
        return self.root / "content"

    def write(self, rel: str, text: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def write_bytes(self, rel: str, data: bytes) -> None:
        (self.root / rel).write_bytes(data)

    def read(self, rel: str) -> str:
        return (self.root / rel).read_text(encoding="utf-8")

    def edit(self, rel: str, old: str, new: str) -> None:
        text = self.read(rel)
        assert text.count(old) == 1, f"{old!r} must occur exactly once in {rel}"
        self.write(rel, text.replace(old, new))

    def remove(self, rel: str) -> None:
        (self.root / rel).unlink()

    def line(self, rel: str, needle: str, nth: int = 1) -> int:
        """1-based line number of the ``nth`` line of ``rel`` that contains ``needle``."""
        hits = [n for n, text in enumerate(self.read(rel).splitlines(), start=1) if needle in text]
        assert len(hits) >= nth, f"{needle!r} not found {nth} time(s) in {rel}"
        return hits[nth - 1]

    def load(self) -> tuple[KnowledgeBase, list[Problem]]:
        return knowledge.load(self.intents, self.content)

    def problems(self) -> list[Problem]:
        return self.load()[1]


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Tree:
    monkeypatch.chdir(tmp_path)
    return Tree(tmp_path)


def _show(problems: list[Problem]) -> str:
    return "\n".join(str(p) for p in problems) or "(no problems)"


def expect(problems: list[Problem], path: str, line: int, message_start: str) -> Problem:
    """Assert one problem reads ``path:line: message_start…`` and return it."""
    prefix = f"{path}:{line}: {message_start}"
    hits = [p for p in problems if str(p).startswith(prefix)]
    assert hits, f"expected a problem starting with\n  {prefix}\ngot:\n{_show(problems)}"
    return hits[0]


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


# -- the valid tree ------------------------------------------------------------------------


def test_valid_tree_has_no_problems(tree: Tree) -> None:
    kb, problems = tree.load()
    assert problems == [], _show(problems)
    assert set(kb.intents) == {"alpha", "beta"}
    assert set(kb.answers) == {"alpha", "beta"}
    assert set(kb.quizzes) == {"q1"}
    assert set(kb.ui) == set(REQUIRED_UI_KEYS) | set(SIGNALS_UI_KEYS)
    assert [g.id for g in kb.topics] == ["main"]
    assert kb.lexicon == {"en": {"pw": "password"}, "es": {"cel": "celular"}}
    assert kb.out_of_scope["es"] == ("va a llover mañana",)
    alpha = kb.intents["alpha"]
    assert alpha.related == ("beta",)
    assert alpha.quiz == "q1"
    assert alpha.path == "intents/main.yaml"
    assert alpha.line == tree.line("intents/main.yaml", "- id: alpha")
    assert kb.answers["alpha"].sources[0].url.startswith("https://www.cisa.gov/")
    q = kb.quizzes["q1"].questions[0]
    assert q.answer == 1
    assert q.options["es"] == ("8 caracteres", "16 caracteres o más")
    assert kb.quizzes["q1"].pass_mark == 0.5


def test_problem_str_shape() -> None:
    assert str(Problem("a/b.yaml", 7, "boom")) == "a/b.yaml:7: boom"
    assert str(Problem("a/b.yaml", 7, "hmm", "warning")) == "a/b.yaml:7: warning: hmm"
    # sorting puts problems in file, then line order
    ps = [Problem("b", 1, "x"), Problem("a", 9, "y"), Problem("a", 2, "z")]
    assert [(p.path, p.line) for p in sorted(ps)] == [("a", 2), ("a", 9), ("b", 1)]


# -- yamlsrc: lines and hostile input -------------------------------------------------------


def test_load_text_records_lines_of_keys_and_items() -> None:
    text = "top:\n  a: 1\n  b:\n    - x\n    - y\n"
    data, problems = yamlsrc.load_text(text, "f.yaml")
    assert problems == []
    assert isinstance(data, LDict) and isinstance(data["top"], LDict)
    assert data.line_of("top") == 1
    assert data["top"].line_of("a") == 2
    assert data["top"].line_of("b") == 3
    seq = data["top"]["b"]
    assert isinstance(seq, LList) and seq == ["x", "y"]
    assert seq.item_lines == [4, 5]
    assert seq.line_of(99) == seq.line  # out of range falls back to the list's own line


def test_yaml_syntax_error_points_at_the_broken_line(tree: Tree) -> None:
    tree.edit("intents/main.yaml", "    quiz: q1\n", "    quiz: q1\n    oops: a: b\n")
    problems = tree.problems()
    expect(
        problems,
        "intents/main.yaml",
        tree.line("intents/main.yaml", "oops: a: b"),
        "YAML syntax error: ",
    )


def test_yaml_syntax_error_in_answers_file(tree: Tree) -> None:
    tree.edit("content/answers/main.yaml", "    sources: []\n", "    sources: [unclosed\n  - id: x\n")
    problems = tree.problems()
    assert any(
        p.path == "content/answers/main.yaml" and p.message.startswith("YAML syntax error") for p in problems
    ), _show(problems)


def test_duplicate_mapping_key(tree: Tree) -> None:
    tree.edit("intents/main.yaml", "    quiz: q1\n", "    quiz: q1\n    quiz: q1\n")
    problems = tree.problems()
    expect(
        problems,
        "intents/main.yaml",
        tree.line("intents/main.yaml", "quiz: q1", nth=2),
        "duplicate key 'quiz'",
    )


def test_alias_bomb_is_refused_quickly() -> None:
    # 10**7 leaves if expanded; the node budget stops the walk early.
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    prev = "a"
    for name in "bcdefg":
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
        prev = name
    started = time.perf_counter()
    data, problems = yamlsrc.load_text("\n".join(lines) + "\n", "bomb.yaml")
    elapsed = time.perf_counter() - started
    assert data is None
    assert len(problems) == 1
    assert problems[0].path == "bomb.yaml"
    assert "file refused" in problems[0].message
    assert str(yamlsrc.MAX_NODES) in problems[0].message
    assert elapsed < 5


def test_alias_bomb_through_load_file(tmp_path: Path) -> None:
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    prev = "a"
    for name in "bcdefgh":
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
        prev = name
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    data, problems = yamlsrc.load_file(path, "bomb.yaml")
    assert data is None
    assert [p.path for p in problems] == ["bomb.yaml"]
    assert "values (an alias bomb?)" in problems[0].message


def test_a_small_document_with_aliases_is_fine() -> None:
    data, problems = yamlsrc.load_text("a: &a [1, 2]\nb: *a\n", "f.yaml")
    assert problems == []
    assert data == {"a": [1, 2], "b": [1, 2]}


def test_recursive_alias_is_refused() -> None:
    data, problems = yamlsrc.load_text("a: &a [*a]\n", "rec.yaml")
    assert data is None
    assert len(problems) == 1 and "file refused" in problems[0].message


def test_deeply_nested_data_is_refused() -> None:
    depth = yamlsrc.MAX_DEPTH + 10
    data, problems = yamlsrc.load_text("[" * depth + "]" * depth, "deep.yaml")
    assert data is None
    assert len(problems) == 1
    assert problems[0].message == f"file refused: nested deeper than {yamlsrc.MAX_DEPTH} levels"


def test_nesting_at_the_limit_is_accepted() -> None:
    depth = yamlsrc.MAX_DEPTH  # the outermost list is depth 0
    data, problems = yamlsrc.load_text("[" * depth + "]" * depth, "ok.yaml")
    assert problems == []
    assert isinstance(data, list)


def test_very_deeply_nested_data_returns_a_problem_not_a_crash() -> None:
    depth = 5000
    try:
        data, problems = yamlsrc.load_text("[" * depth + "]" * depth, "deep.yaml")
    except RecursionError:
        crashed = True
    else:
        crashed = False
    assert not crashed, "load_text raised RecursionError"
    assert data is None
    assert len(problems) == 1


def test_unsafe_python_tag_is_refused_with_its_line() -> None:
    data, problems = yamlsrc.load_text("a: 1\nb: !!python/name:os.system ''\n", "evil.yaml")
    assert data is None
    assert len(problems) == 1
    assert problems[0].line == 2
    assert problems[0].message.startswith("YAML value error: could not determine a constructor")
    # on a collection the tag is ignored: the value stays plain data, nothing is constructed
    data, problems = yamlsrc.load_text("b: !!python/object/apply:os.getcwd [x]\n", "evil.yaml")
    assert problems == []
    assert data == {"b": ["x"]} and type(data["b"]) is LList


def test_impossible_date_is_reported_at_its_line() -> None:
    data, problems = yamlsrc.load_text("a: 1\nb: 2\nchecked: 2025-13-45\n", "d.yaml")
    assert data is None
    assert [p.line for p in problems] == [3]


def test_file_over_the_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"# " + b"x" * yamlsrc.MAX_FILE_BYTES + b"\n")
    data, problems = yamlsrc.load_file(path, "big.yaml")
    assert data is None
    assert [str(p) for p in problems] == [f"big.yaml:1: file is larger than {yamlsrc.MAX_FILE_BYTES:,} bytes"]
    # the same limit applies to text handed over directly
    data, problems = yamlsrc.load_text("a" * (yamlsrc.MAX_FILE_BYTES + 1), "t.yaml")
    assert data is None and "larger than" in problems[0].message


def test_non_utf8_file(tree: Tree) -> None:
    tree.write_bytes("content/answers/main.yaml", ANSWERS_MAIN.encode("latin-1"))
    problems = tree.problems()
    p = expect(problems, "content/answers/main.yaml", 1, "not UTF-8 text")
    # the byte offset of the first non-ASCII character is named
    offset = ANSWERS_MAIN.encode("latin-1").index("ñ".encode("latin-1"))
    assert f"at byte {offset}" in p.message


def test_empty_file(tree: Tree) -> None:
    tree.write("intents/out_of_scope.yaml", "")
    expect(tree.problems(), "intents/out_of_scope.yaml", 1, "file is empty")
    tree.write("intents/out_of_scope.yaml", "# only a comment\n")
    expect(tree.problems(), "intents/out_of_scope.yaml", 1, "file is empty")


def test_top_level_list_where_a_mapping_is_expected(tree: Tree) -> None:
    tree.write("content/answers/main.yaml", "- id: alpha\n- id: beta\n")
    problems = tree.problems()
    expect(problems, "content/answers/main.yaml", 1, "the file must be a mapping, got a list")


def test_top_level_scalar_quiz(tree: Tree) -> None:
    tree.write("content/quizzes/q1.yaml", "just text\n")
    expect(tree.problems(), "content/quizzes/q1.yaml", 1, "the quiz file must be a mapping, got text")


def test_number_where_a_list_is_expected(tree: Tree) -> None:
    tree.edit("intents/main.yaml", "    related: [beta]\n", "    related: 5\n")
    problems = tree.problems()
    expect(
        problems,
        "intents/main.yaml",
        tree.line("intents/main.yaml", "related: 5"),
        "alpha: related must be a list, got a number",
    )


def test_number_where_the_intents_list_is_expected(tree: Tree) -> None:
    tree.write("intents/other.yaml", "# other intents\nintents: 42\n")
    expect(tree.problems(), "intents/other.yaml", 2, "intents must be a list, got a number")


def test_list_where_patterns_mapping_is_expected(tree: Tree) -> None:
    tree.edit(
        "intents/main.yaml",
        "    patterns:\n      en:\n        - my phone",
        "    patterns: [a, b]\n    xpatterns:\n      en:\n        - my phone",
    )
    problems = tree.problems()
    expect(
        problems,
        "intents/main.yaml",
        tree.line("intents/main.yaml", "patterns: [a, b]"),
        "beta: patterns must be a mapping, got a list",
    )


# -- intents -------------------------------------------------------------------------------


def test_unknown_key_in_an_intent(tree: Tree) -> None:
    tree.edit("intents/main.yaml", "    quiz: q1\n", "    quiz: q1\n    colour: red\n")
    problems = tree.problems()
    line = tree.line("intents/main.yaml", "colour: red")
    assert [str(p) for p in problems] == [
        f"intents/main.yaml:{line}: unknown key 'colour' in an intent "
        "(allowed: id, keywords, patterns, quiz, related)"
    ]


def test_unknown_top_level_key(tree: Tree) -> None:
    tree.write("intents/out_of_scope.yaml", OUT_OF_SCOPE + "extra: 1\n")
    expect(tree.problems(), "intents/out_of_scope.yaml", 6, "unknown key 'extra' in an intents file")


def test_missing_language_in_patterns(tree: Tree) -> None:
    tree.edit("intents/main.yaml", "      es:\n        - me robaron el celular que hago\n", "")
    problems = tree.problems()
    p = next((p for p in problems if "beta: patterns is missing language 'es'" in p.message), None)
    assert p is not None, _show(problems)
    assert p.path == "intents/main.yaml"
    # the patterns mapping of beta starts at its "en:" line
    assert p.line == tree.line("intents/main.yaml", "- my phone got stolen what now") - 1


def test_unknown_language_in_patterns(tree: Tree) -> None:
    tree.edit(
        "intents/main.yaml",
        "        - me robaron el celular que hago\n",
        "        - me robaron el celular que hago\n      fr:\n        - on m'a vole mon telephone\n",
    )
    problems = tree.problems()
    expect(
        problems,
        "intents/main.yaml",
        tree.line("intents/main.yaml", "fr:"),
        "beta: patterns: unknown language 'fr'",
    )


def test_bad_intent_id(tree: Tree) -> None:
    tree.edit("intents/main.yaml", "- id: beta", "- id: Beta-2")
    problems = tree.problems()
    expect(
        problems,
        "intents/main.yaml",
        tree.line("intents/main.yaml", "id: Beta-2"),
        "intent id must be lowercase letters",
    )


def test_duplicate_intent_id_names_both_places(tree: Tree) -> None:
    tree.write(
        "intents/other.yaml",
        "intents:\n  - id: gamma\n    patterns: "
        "{en: [gamma question here], es: [pregunta gamma aqui]}\n"
        "  - id: alpha\n    patterns: {en: [another alpha question], es: [otra pregunta alfa]}\n",
    )
    tree.edit("content/answers/main.yaml", "  - id: beta\n", GAMMA_ANSWER + "  - id: beta\n")
    problems = tree.problems()
    first = tree.line("intents/main.yaml", "- id: alpha")
    second = tree.line("intents/other.yaml", "- id: alpha")
    assert [str(p) for p in errors(problems)] == [
        f"intents/other.yaml:{second}: duplicate intent id 'alpha' (also at intents/main.yaml:{first})"
    ]


def test_duplicate_intent_id_in_the_same_file(tree: Tree) -> None:
    tree.write(
        "intents/main.yaml",
        INTENTS_MAIN + "  - id: beta\n    patterns: {en: [x y z w], es: [x y z w v]}\n",
    )
    problems = tree.problems()
    first = tree.line("intents/main.yaml", "- id: beta")
    second = tree.line("intents/main.yaml", "- id: beta", nth=2)
    expect(
        problems,
        "intents/main.yaml",
        second,
        f"duplicate intent id 'beta' (also at intents/main.yaml:{first})",
    )


def test_same_pattern_under_two_intents(tree: Tree) -> None:
    # the same sentence modulo case and spacing
    tree.edit(
        "intents/main.yaml",
        "        - my phone got stolen what now\n",
        "        - my phone got stolen what now\n        - How do I  pick a STRONG password\n",
    )
    problems = tree.problems()
    line = tree.line("intents/main.yaml", "How do I  pick a STRONG password")
    alpha_line = tree.line("intents/main.yaml", "- how do i pick a strong password")
    assert [str(p) for p in problems] == [
        f"intents/main.yaml:{line}: beta: pattern 'How do I  pick a STRONG password' is also a "
        f"pattern of 'alpha' (intents/main.yaml:{alpha_line})"
    ]


def test_same_pattern_twice_in_one_intent_is_not_a_cross_intent_duplicate(tree: Tree) -> None:
    tree.edit(
        "intents/main.yaml",
        "        - is my dogs name a good password\n",
        "        - is my dogs name a good password\n        - is my dogs name a good password\n",
    )
    assert tree.problems() == []


def test_related_pointing_nowhere(tree: Tree) -> None:
    tree.edit("intents/main.yaml", "related: [beta]", "related: [beta, gamma]")
    problems = tree.problems()
    line = tree.line("intents/main.yaml", "- id: alpha")
    assert [str(p) for p in problems] == [
        f"intents/main.yaml:{line}: alpha: related intent 'gamma' does not exist"
    ]


def test_related_to_itself(tree: Tree) -> None:
    tree.edit("intents/main.yaml", "related: [beta]", "related: [alpha]")
    line = tree.line("intents/main.yaml", "- id: alpha")
    expect(tree.problems(), "intents/main.yaml", line, "alpha: an intent cannot be related to itself")


def test_quiz_pointing_nowhere(tree: Tree) -> None:
    tree.edit("intents/main.yaml", "quiz: q1", "quiz: nope")
    problems = tree.problems()
    line = tree.line("intents/main.yaml", "- id: alpha")
    assert [str(p) for p in problems] == [
        f"intents/main.yaml:{line}: alpha: quiz 'nope' does not exist in content/quizzes/"
    ]


GAMMA_ANSWER = """\
  - id: gamma
    title: {en: "Gamma", es: "Gama"}
    text: {en: "Gamma text.", es: "Texto gama."}
    sources: []
"""


def test_intent_without_answer(tree: Tree) -> None:
    tree.write(
        "intents/more.yaml",
        "intents:\n  - id: gamma\n    patterns: {en: [gamma question here], es: [pregunta gamma aqui]}\n",
    )
    problems = tree.problems()
    assert [str(p) for p in problems] == ["intents/more.yaml:2: gamma: no answer in content/answers/"]


def test_answer_without_intent(tree: Tree) -> None:
    tree.edit("content/answers/main.yaml", "  - id: beta\n", GAMMA_ANSWER + "  - id: beta\n")
    problems = tree.problems()
    line = tree.line("content/answers/main.yaml", "- id: gamma")
    assert [str(p) for p in problems] == [
        f"content/answers/main.yaml:{line}: answer 'gamma' belongs to no intent"
    ]


def test_topic_menu_names_a_missing_intent(tree: Tree) -> None:
    tree.edit("content/topics.yaml", "[alpha, beta]", "[alpha, beta, gamma]")
    line = tree.line("content/topics.yaml", "intents:")
    assert [str(p) for p in tree.problems()] == [
        f"content/topics.yaml:{line}: topic menu names intent 'gamma', which does not exist"
    ]


def test_topic_group_shareable_must_be_true_or_false(tree: Tree) -> None:
    tree.edit(
        "content/topics.yaml",
        "    intents: [alpha, beta]\n",
        "    intents: [alpha, beta]\n    shareable: nope\n",
    )
    line = tree.line("content/topics.yaml", "shareable:")
    assert [str(p) for p in tree.problems()] == [
        f"content/topics.yaml:{line}: group main: shareable must be true or false, got 'nope'"
    ]


def test_lexicon_problems(tree: Tree) -> None:
    tree.write("intents/lexicon.yaml", "lexicon:\n  en:\n    pw: [a, b]\n  fr:\n    mdp: mot de passe\n")
    problems = tree.problems()
    expect(problems, "intents/lexicon.yaml", 3, "lexicon.en.pw must be text")
    expect(problems, "intents/lexicon.yaml", 4, "lexicon: unknown language 'fr'")


def test_missing_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "intents").mkdir()
    (tmp_path / "content").mkdir()
    _, problems = knowledge.load(tmp_path / "intents", tmp_path / "content")
    messages = {(p.path, p.message) for p in problems}
    assert ("intents", "no intent files (*.yaml) found") in messages
    assert ("content/answers", "answers folder is missing") in messages
    assert ("content/ui.yaml", "UI strings file is missing") in messages
    assert ("content/topics.yaml", "topic menu file is missing") in messages
    _, problems = knowledge.load(tmp_path / "nope", tmp_path / "nada")
    assert {p.message for p in problems} == {
        "intents folder does not exist",
        "content folder does not exist",
    }


# -- answers -------------------------------------------------------------------------------


def test_unclosed_bold_in_a_block_answer_reports_its_line(tree: Tree) -> None:
    tree.edit(
        "content/answers/main.yaml",
        "- Keep them in a password manager.",
        "- Keep them in a **password manager.",
    )
    problems = tree.problems()
    line = tree.line("content/answers/main.yaml", "**password manager.")
    assert [str(p) for p in problems] == [
        f"content/answers/main.yaml:{line}: alpha: text (en): markup would not render: "
        "** (bold) opened but not closed on this line"
    ]


def test_non_https_link_in_a_block_answer(tree: Tree) -> None:
    tree.edit(
        "content/answers/main.yaml",
        "**Usa contraseñas largas.**",
        "**Usa contraseñas largas.** [CISA](http://www.cisa.gov)",
    )
    problems = tree.problems()
    line = tree.line("content/answers/main.yaml", "[CISA](http://www.cisa.gov)")
    expect(
        problems,
        "content/answers/main.yaml",
        line,
        "alpha: text (es): markup would not render: link address is not a well-formed https URL",
    )


def test_non_https_link_in_a_one_line_answer_reports_its_line(tree: Tree) -> None:
    tree.edit(
        "content/answers/main.yaml",
        '"Lock it remotely, then change your passwords."',
        '"Lock it remotely, see [help](http://example.com)."',
    )
    problems = tree.problems()
    line = tree.line("content/answers/main.yaml", "[help](http://example.com)")
    expect(problems, "content/answers/main.yaml", line, "beta: text (en): markup would not render")


def test_answer_text_too_long(tree: Tree) -> None:
    limit = config.ANSWER_MAX_CHARS
    long_text = "a " * (limit // 2) + "b"  # limit + 1 characters
    tree.edit(
        "content/answers/main.yaml",
        '"Lock it remotely, then change your passwords."',
        f'"{long_text}"',
    )
    problems = tree.problems()
    line = tree.line("content/answers/main.yaml", "- id: beta")
    assert [str(p) for p in problems] == [
        f"content/answers/main.yaml:{line}: beta: the en answer renders to {limit + 1} characters with "
        f"its sources; at most {limit} fit a phone (move detail to `more:`)"
    ]


def test_answer_text_at_the_limit_is_fine(tree: Tree) -> None:
    text = "a" * config.ANSWER_MAX_CHARS
    tree.edit("content/answers/main.yaml", '"Lock it remotely, then change your passwords."', f'"{text}"')
    assert tree.problems() == []


def test_phone_limit_is_configurable(tree: Tree) -> None:
    tree.edit(
        "content/answers/main.yaml", '"Lock it remotely, then change your passwords."', f'"{"a" * 300}"'
    )
    assert tree.problems() == []
    problems = knowledge.load(tree.intents, tree.content, max_chars=299)[1]
    line = tree.line("content/answers/main.yaml", "- id: beta")
    expect(problems, "content/answers/main.yaml", line, "beta: the en answer renders to 300 characters")


def test_answer_length_counts_the_sources(tree: Tree) -> None:
    limit = config.ANSWER_MAX_CHARS
    # alpha renders: text + "\n\n" + sources label + a bullet with the source title + nothing else
    kb, _ = tree.load()
    rendered = rendering.answer_markup(kb.answers["alpha"], "en", None, kb.text)
    size = markup.plain_length(rendered)
    assert "Use strong passwords" in rendered and size > markup.plain_length(kb.answers["alpha"].text["en"])
    pad = limit - size + 1 + len("in a password manager.")  # one character too many with the source
    tree.edit("content/answers/main.yaml", "- Keep them in a password manager.", "- Keep them " + "x" * pad)
    line = tree.line("content/answers/main.yaml", "- id: alpha")
    expect(
        tree.problems(), "content/answers/main.yaml", line, f"alpha: the en answer renders to {limit + 1} "
    )


def test_answer_length_is_measured_after_rendering(tree: Tree) -> None:
    # markup characters and link addresses do not count: "**"x2 and the link address
    limit = config.ANSWER_MAX_CHARS
    text = "**" + "a" * (limit - 2) + "** [ab](https://www.cisa.gov/" + "x" * 200 + ")"
    tree.edit("content/answers/main.yaml", '"Lock it remotely, then change your passwords."', f'"{text}"')
    # (limit - 2) + 1 (space) + 2 (label) = limit + 1 → too long; drop one letter → fine
    line = tree.line("content/answers/main.yaml", "- id: beta")
    expect(
        tree.problems(),
        "content/answers/main.yaml",
        line,
        f"beta: the en answer renders to {limit + 1} characters",
    )
    tree.edit("content/answers/main.yaml", "a" * (limit - 2), "a" * (limit - 3))
    assert tree.problems() == []


def test_long_title(tree: Tree) -> None:
    tree.edit(
        "content/answers/main.yaml",
        '{en: "Lost phone"',
        '{en: "' + "L" * (knowledge.TITLE_MAX + 1) + '"',
    )
    line = tree.line("content/answers/main.yaml", "L" * 41)
    expect(
        tree.problems(),
        "content/answers/main.yaml",
        line,
        f"beta: title (en) is {knowledge.TITLE_MAX + 1} characters",
    )


def test_missing_language_in_a_title(tree: Tree) -> None:
    tree.edit(
        "content/answers/main.yaml",
        '{en: "Lost phone", es: "Celular perdido"}',
        '{en: "Lost phone"}',
    )
    problems = tree.problems()
    line = tree.line("content/answers/main.yaml", '{en: "Lost phone"}')
    expect(problems, "content/answers/main.yaml", line, "beta: title is missing language 'es'")


def test_empty_text_in_one_language(tree: Tree) -> None:
    tree.edit("content/answers/main.yaml", '"Bloquéalo a distancia y cambia tus contraseñas."', '"  "')
    line = tree.line("content/answers/main.yaml", 'es: "  "')
    expect(tree.problems(), "content/answers/main.yaml", line, "beta: text (es) is empty")


def test_non_https_source_url(tree: Tree) -> None:
    tree.edit(
        "content/answers/main.yaml",
        "url: https://www.cisa.gov/secure-our-world/use-strong-passwords",
        "url: http://www.cisa.gov/secure-our-world/use-strong-passwords",
    )
    problems = tree.problems()
    line = tree.line("content/answers/main.yaml", "url: http://")
    assert [str(p) for p in problems] == [
        f"content/answers/main.yaml:{line}: alpha: source url must be a well-formed https:// "
        "address, "
        "got 'http://www.cisa.gov/secure-our-world/use-strong-passwords'"
    ]


@pytest.mark.parametrize(
    "url",
    ["https://localhost/x", "https://exa mple.com/", "ftp://www.cisa.gov/", "javascript:alert(1)"],
)
def test_malformed_source_urls(tree: Tree, url: str) -> None:
    tree.edit(
        "content/answers/main.yaml",
        "url: https://www.cisa.gov/secure-our-world/use-strong-passwords",
        f'url: "{url}"',
    )
    line = tree.line("content/answers/main.yaml", "url:")
    expect(
        tree.problems(),
        "content/answers/main.yaml",
        line,
        "alpha: source url must be a well-formed https:// address",
    )


@pytest.mark.parametrize(
    "contact",
    [
        "Call `7726` to report.",
        "Call 1-800-555-0199 now.",
        "Write to help@example.org today.",
        "Report it at ic3.gov right away.",
    ],
)
def test_contact_details_need_checked(tree: Tree, contact: str) -> None:
    tree.edit(
        "content/answers/main.yaml",
        '"Lock it remotely, then change your passwords."',
        f'"{contact}"',
    )
    problems = tree.problems()
    line = tree.line("content/answers/main.yaml", "- id: beta")
    assert [str(p) for p in problems] == [
        f"content/answers/main.yaml:{line}: beta: the text gives contact details (phone, e-mail or "
        "report site): add `checked: YYYY-MM-DD`"
    ]
    tree.edit(
        "content/answers/main.yaml",
        "    sources: []\n",
        "    sources: []\n    checked: 2025-01-31\n",
    )
    kb, problems = tree.load()
    assert problems == [], _show(problems)
    assert kb.answers["beta"].checked == "2025-01-31"


def test_checked_must_be_a_date(tree: Tree) -> None:
    tree.edit(
        "content/answers/main.yaml",
        "    sources: []\n",
        "    sources: []\n    checked: last week\n",
    )
    line = tree.line("content/answers/main.yaml", "checked: last week")
    expect(
        tree.problems(),
        "content/answers/main.yaml",
        line,
        "beta: checked must be a date YYYY-MM-DD, got 'last week'",
    )


def test_duplicate_answer(tree: Tree) -> None:
    tree.write(
        "content/answers/zzz.yaml",
        "answers:\n  - id: beta\n    title: {en: B, es: B}\n    text: {en: B, es: B}\n    sources: []\n",
    )
    first = tree.line("content/answers/main.yaml", "- id: beta")
    assert [str(p) for p in tree.problems()] == [
        f"content/answers/zzz.yaml:2: duplicate answer for 'beta' (also at content/answers/main.yaml:{first})"
    ]


# -- UI strings ----------------------------------------------------------------------------


def test_ui_placeholder_mismatch(tree: Tree) -> None:
    tree.write("content/ui.yaml", ui_text({"welcome": '    en: "Hi {name}!"\n    es: "¡Hola {nombre}!"'}))
    problems = tree.problems()
    line = tree.line("content/ui.yaml", "  welcome:")
    assert [str(p) for p in problems] == [
        f"content/ui.yaml:{line}: ui.welcome: placeholders differ between en ['name'] and es ['nombre']"
    ]


def test_ui_same_placeholders_are_fine(tree: Tree) -> None:
    tree.write(
        "content/ui.yaml",
        ui_text({"quiz_result": '    en: "{score} of {total}"\n    es: "{score} de {total}"'}),
    )
    kb, problems = tree.load()
    assert problems == []
    assert kb.text("quiz_result", "es", score=3, total=5) == "3 de 5"


def test_ui_malformed_placeholder(tree: Tree) -> None:
    tree.write("content/ui.yaml", ui_text({"welcome": '    en: "Hi {name"\n    es: "Hola {name}"'}))
    line = tree.line("content/ui.yaml", "  welcome:")
    expect(tree.problems(), "content/ui.yaml", line, "ui.welcome: placeholders differ")


def test_missing_ui_key(tree: Tree) -> None:
    tree.write("content/ui.yaml", ui_text(drop=("welcome", "quiz_result")))
    problems = tree.problems()
    # the ui mapping starts at its first key
    line = tree.line("content/ui.yaml", "  fallback:")
    assert [str(p) for p in problems] == [
        f"content/ui.yaml:{line}: ui is missing the string 'welcome'",
        f"content/ui.yaml:{line}: ui is missing the string 'quiz_result'",
    ]


def test_ui_missing_language(tree: Tree) -> None:
    tree.write("content/ui.yaml", ui_text({"fallback": '    en: "Sorry?"'}))
    line = tree.line("content/ui.yaml", 'en: "Sorry?"')
    expect(tree.problems(), "content/ui.yaml", line, "ui.fallback is missing language 'es'")


def test_ui_bad_markup_in_one_line_string(tree: Tree) -> None:
    tree.write("content/ui.yaml", ui_text({"welcome": '    en: "**Hi there"\n    es: "**Hola**"'}))
    line = tree.line("content/ui.yaml", "**Hi there")
    assert [str(p) for p in tree.problems()] == [
        f"content/ui.yaml:{line}: ui.welcome (en): markup would not render: ** (bold) opened but "
        "not closed on this line"
    ]


def test_ui_bad_markup_in_block_string_reports_its_line(tree: Tree) -> None:
    tree.write(
        "content/ui.yaml",
        ui_text({"welcome": '    en: |\n      Hello there.\n      This is __broken.\n    es: "Hola."'}),
    )
    line = tree.line("content/ui.yaml", "This is __broken.")
    expect(tree.problems(), "content/ui.yaml", line, "ui.welcome (en): markup would not render")


# -- quizzes -------------------------------------------------------------------------------

Q = "content/quizzes/q1.yaml"


def _quiz_problems(tree: Tree) -> list[Problem]:
    return [p for p in tree.problems() if p.path == Q]


def test_quiz_id_must_equal_file_name(tree: Tree) -> None:
    tree.edit(Q, "id: q1\n", "id: q2\n")
    problems = tree.problems()
    assert [str(p) for p in _quiz_problems(tree)] == [f"{Q}:1: quiz id 'q2' must equal the file name 'q1'"]
    # the quiz is then not loaded, so the intent that names it is reported too
    assert any(p.path == "intents/main.yaml" and "quiz 'q1' does not exist" in p.message for p in problems)


def test_quiz_options_misaligned(tree: Tree) -> None:
    tree.edit(
        Q,
        'en: ["8 characters", "16 characters or more"]',
        'en: ["8 characters", "16 characters or more", "12"]',
    )
    line = tree.line(Q, "options:")
    assert [str(p) for p in _quiz_problems(tree)] == [
        f"{Q}:{line}: questions[0].options do not line up across languages: {{'en': 3, 'es': 2}}"
    ]


@pytest.mark.parametrize("bad", ["2", "-1", "true", "'1'", "1.0"])
def test_quiz_answer_index_out_of_range(tree: Tree, bad: str) -> None:
    tree.edit(Q, "    answer: 1\n", f"    answer: {bad}\n")
    line = tree.line(Q, "answer:")
    problems = _quiz_problems(tree)
    assert len(problems) == 1, _show(problems)
    expect(problems, Q, line, "questions[0].answer must be the 0-based index of an option (0-1), got ")


def test_quiz_question_length_limit(tree: Tree) -> None:
    limit = knowledge.POLL_QUESTION_MAX
    tree.edit(Q, '{en: "How long should a password be?"', '{en: "' + "q" * limit + '"')
    assert _quiz_problems(tree) == []
    tree.edit(Q, "q" * limit, "q" * (limit + 1))
    line = tree.line(Q, "question:")
    assert [str(p) for p in _quiz_problems(tree)] == [
        f"{Q}:{line}: questions[0].question (en) is {limit + 1} characters; a quiz poll allows {limit}"
    ]


def test_quiz_option_length_limit(tree: Tree) -> None:
    limit = knowledge.POLL_OPTION_MAX
    tree.edit(Q, '"16 caracteres o más"', '"' + "o" * limit + '"')
    assert _quiz_problems(tree) == []
    tree.edit(Q, "o" * limit, "o" * (limit + 1))
    line = tree.line(Q, "options:")
    expect(_quiz_problems(tree), Q, line, "questions[0].options (es) 'ooo")
    assert f"is {limit + 1} characters; a quiz poll allows {limit}" in str(_quiz_problems(tree)[0])


def test_quiz_explanation_length_limit(tree: Tree) -> None:
    limit = knowledge.POLL_EXPLANATION_MAX
    tree.edit(Q, '{en: "CISA says at least 16."', '{en: "' + "e" * limit + '"')
    assert _quiz_problems(tree) == []
    tree.edit(Q, "e" * limit, "e" * (limit + 1))
    line = tree.line(Q, "explanation:")
    assert [str(p) for p in _quiz_problems(tree)] == [
        f"{Q}:{line}: questions[0].explanation (en) is {limit + 1} characters; a quiz poll allows {limit}"
    ]


def test_quiz_explanation_line_breaks(tree: Tree) -> None:
    tree.edit(Q, 'es: "CISA dice al menos 16."', 'es: "uno\\ndos\\ntres"')
    assert _quiz_problems(tree) == []  # two line breaks are allowed
    tree.edit(Q, 'es: "uno\\ndos\\ntres"', 'es: "uno\\ndos\\ntres\\ncuatro"')
    line = tree.line(Q, "explanation:")
    assert [str(p) for p in _quiz_problems(tree)] == [
        f"{Q}:{line}: questions[0].explanation (es) has more than "
        f"{knowledge.POLL_EXPLANATION_NEWLINES} line breaks"
    ]


@pytest.mark.parametrize("bad", ["0", "1.5", "-0.2", "high", "true", "null"])
def test_quiz_pass_mark_out_of_range(tree: Tree, bad: str) -> None:
    tree.edit(Q, "pass_mark: 0.5", f"pass_mark: {bad}")
    line = tree.line(Q, "pass_mark:")
    problems = _quiz_problems(tree)
    assert len(problems) == 1, _show(problems)
    expect(problems, Q, line, "pass_mark must be a fraction between 0 and 1, got ")


@pytest.mark.parametrize("good", ["1", "0.01", "1.0"])
def test_quiz_pass_mark_in_range(tree: Tree, good: str) -> None:
    tree.edit(Q, "pass_mark: 0.5", f"pass_mark: {good}")
    kb, problems = tree.load()
    assert problems == []
    assert kb.quizzes["q1"].pass_mark == float(good)


def test_quiz_option_counts_and_repeats(tree: Tree) -> None:
    tree.edit(Q, 'en: ["8 characters", "16 characters or more"]', 'en: ["8 characters"]')
    tree.edit(Q, 'es: ["8 caracteres", "16 caracteres o más"]', 'es: ["8 caracteres"]')
    tree.edit(Q, "answer: 1", "answer: 0")
    line = tree.line(Q, "options:")
    problems = _quiz_problems(tree)
    expect(problems, Q, line, "questions[0].options (en) needs 2-6 options, found 1")
    expect(problems, Q, line, "questions[0].options (es) needs 2-6 options, found 1")
    tree.edit(Q, 'en: ["8 characters"]', 'en: ["Yes", "yes"]')
    tree.edit(Q, 'es: ["8 caracteres"]', 'es: ["Sí", "No"]')
    expect(_quiz_problems(tree), Q, line, "questions[0].options (en) repeat an option")


def test_quiz_source_must_be_https(tree: Tree) -> None:
    tree.edit(
        Q,
        "source: https://www.cisa.gov/secure-our-world",
        "source: http://www.cisa.gov/secure-our-world",
    )
    line = tree.line(Q, "source:")
    expect(_quiz_problems(tree), Q, line, "questions[0].source must be a well-formed https:// address")


def test_quiz_without_questions(tree: Tree) -> None:
    text = QUIZ_Q1.split("questions:")[0] + "questions: []\n"
    tree.write(Q, text)
    line = tree.line(Q, "questions:")
    expect(_quiz_problems(tree), Q, line, "a quiz needs 1-20 questions, found 0")


def test_check_quiz_directly() -> None:
    data, problems = yamlsrc.load_text(QUIZ_Q1, "q1.yaml")
    assert problems == []
    found: list[Problem] = []
    quiz = knowledge.check_quiz(data, "q1.yaml", "q1", found)
    assert found == [] and quiz is not None and quiz.id == "q1"
    quiz = knowledge.check_quiz(data, "other.yaml", "other", found)
    assert quiz is None
    assert [str(p) for p in found] == ["other.yaml:1: quiz id 'q1' must equal the file name 'other'"]


# -- many problems at once -----------------------------------------------------------------


def test_all_problems_are_reported_at_once(tree: Tree) -> None:
    tree.edit("intents/main.yaml", "    quiz: q1\n", "    quiz: q1\n    colour: red\n")
    tree.edit(
        "content/answers/main.yaml",
        "url: https://www.cisa.gov/secure",
        "url: http://www.cisa.gov/secure",
    )
    tree.edit("content/answers/main.yaml", "- Keep them in a password manager.", "- Keep them __safe.")
    tree.write("content/ui.yaml", ui_text(drop=("fallback",)))
    tree.edit(Q, "pass_mark: 0.5", "pass_mark: 5")
    tree.edit("content/topics.yaml", "[alpha, beta]", "[alpha, beta, gamma]")
    tree.write("intents/broken.yaml", "intents: [\n")
    problems = tree.problems()
    got = {(p.path, p.line) for p in problems}
    assert ("intents/main.yaml", tree.line("intents/main.yaml", "colour: red")) in got
    assert (
        "content/answers/main.yaml",
        tree.line("content/answers/main.yaml", "url: http://"),
    ) in got
    assert ("content/answers/main.yaml", tree.line("content/answers/main.yaml", "__safe.")) in got
    assert ("content/ui.yaml", tree.line("content/ui.yaml", "  welcome:")) in got
    assert (Q, tree.line(Q, "pass_mark:")) in got
    assert ("content/topics.yaml", tree.line("content/topics.yaml", "intents:")) in got
    assert any(p.path == "intents/broken.yaml" and "YAML syntax error" in p.message for p in problems)
    assert len(errors(problems)) >= 8  # the 7 above + the intent whose quiz was not loaded


def test_load_or_raise_lists_every_problem(tree: Tree) -> None:
    tree.edit("intents/main.yaml", "related: [beta]", "related: [beta, gamma]")
    tree.edit(
        "content/answers/main.yaml",
        "url: https://www.cisa.gov/secure",
        "url: http://www.cisa.gov/secure",
    )
    tree.write("content/ui.yaml", ui_text(drop=("welcome",)))
    _, expected = tree.load()
    assert len(expected) == 3
    with pytest.raises(DataError) as info:
        knowledge.load_or_raise(tree.intents, tree.content)
    exc = info.value
    assert exc.problems == sorted(expected)
    assert "3 problem(s)" in str(exc)
    assert exc.report().splitlines() == [str(p) for p in sorted(expected)]


def test_load_or_raise_returns_the_kb_when_valid(tree: Tree) -> None:
    kb = knowledge.load_or_raise(tree.intents, tree.content)
    assert set(kb.intents) == {"alpha", "beta"}


# -- near duplicates -----------------------------------------------------------------------


def _kb_with(patterns: dict[str, list[str]]) -> KnowledgeBase:
    kb = KnowledgeBase()
    for n, (iid, pats) in enumerate(patterns.items(), start=1):
        kb.intents[iid] = Intent(iid, {"en": tuple(pats)}, {}, (), None, "intents/x.yaml", n * 10)
    return kb


def test_near_duplicates_warns_for_nearly_identical_patterns() -> None:
    kb = _kb_with(
        {
            "reset": ["how do i reset my password"],
            "reset2": ["How do I reset my passwords?"],
            "phone": ["my phone was stolen"],
        }
    )
    problems = near_duplicates(kb)
    assert len(problems) == 1, _show(problems)
    p = problems[0]
    assert p.severity == "warning"
    assert p.path == "intents/x.yaml" and p.line == 10
    assert "reset: pattern 'how do i reset my password'" in p.message
    assert "reset2's 'How do I reset my passwords?'" in p.message
    assert str(p).startswith("intents/x.yaml:10: warning: ")


def test_near_duplicates_applies_the_lexicon() -> None:
    kb = _kb_with({"a": ["pw leak"], "b": ["password leak"]})
    assert near_duplicates(kb) == []  # far apart as written...
    kb.lexicon = {"en": {"pw": "password"}}  # ...identical once the lexicon is applied
    problems = near_duplicates(kb)
    assert len(problems) == 1 and "similarity 100" in problems[0].message


def test_near_duplicates_silent_for_distinct_patterns_and_same_intent() -> None:
    kb = _kb_with(
        {
            "reset": ["how do i reset my password", "how do i reset my passwords"],
            "phone": ["my phone was stolen yesterday"],
            "wifi": ["is public wifi safe to use"],
        }
    )
    assert near_duplicates(kb) == []


def test_near_duplicates_threshold_cannot_lower_the_cutoff() -> None:
    kb = _kb_with({"a": ["what is phishing"], "b": ["what is a firewall"]})
    assert near_duplicates(kb, threshold=10) == []


# -- the validate command ------------------------------------------------------------------


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MATCH_", "LANG_MIN", "LANG_PINNED"))}
    for key in ("DATABASE_URL", "LOG_LEVEL", "TELEGRAM_BOT_TOKEN", "TELEGRAM_BOT_API_URL"):
        env.pop(key, None)
    return env


def _validate(intents: Path, content: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            str(ROOT / "bot.py"),
            "--intents",
            str(intents),
            "--content",
            str(content),
            "validate",
        ],
        cwd=cwd,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_validate_broken_tree(tree: Tree) -> None:
    tree.edit("intents/main.yaml", "related: [beta]", "related: [beta, gamma]")
    tree.write("content/ui.yaml", ui_text(drop=("welcome",)))
    result = _validate(Path("intents"), Path("content"), tree.root)
    assert result.returncode == 1, result.stderr
    out = result.stdout.splitlines()
    alpha_line = tree.line("intents/main.yaml", "- id: alpha")
    ui_line = tree.line("content/ui.yaml", "  fallback:")
    assert out == [
        f"content/ui.yaml:{ui_line}: ui is missing the string 'welcome'",
        f"intents/main.yaml:{alpha_line}: alpha: related intent 'gamma' does not exist",
        "2 error(s), 0 warning(s)",
    ]


def test_cli_validate_valid_tree(tree: Tree) -> None:
    result = _validate(tree.intents, tree.content, tree.root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        result.stdout.strip().splitlines()[-1].startswith("ok: 2 intents, 5 patterns, 2 answers, 1 quizzes")
    )


def test_cli_validate_real_data() -> None:
    result = _validate(ROOT / "intents", ROOT / "content", ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("ok: ")
    assert re.fullmatch(
        r"ok: \d+ intents, \d+ patterns, \d+ answers, \d+ quizzes, \d+ UI strings, \d+ "
        r"warning\(s\)",
        last,
    )
    # any lines before the summary are warnings, never errors
    for line in result.stdout.strip().splitlines()[:-1]:
        assert ": warning: " in line, line


# -- per-country parts, per-language sources, "More", glossary, places ------------------------

COUNTRY_BLOCK = """\
    country:
      us:
        en: "Report it at ic3.gov."
        es: "Denuncia en ic3.gov."
      mx:
        en: "Call 088."
        es: "Llama al 088."
    checked: 2026-11-28
"""


def _with_country(tree: Tree, block: str = COUNTRY_BLOCK) -> None:
    tree.edit("content/answers/main.yaml", "    sources: []\n", "    sources: []\n" + block)


def test_country_parts_load_and_render(tree: Tree) -> None:
    _with_country(tree)
    kb, problems = tree.load()
    assert problems == []
    assert kb.answers["beta"].country["mx"]["es"] == "Llama al 088."
    both = rendering.answer_markup(kb.answers["beta"], "es", None, kb.text)
    assert both.index("Llama al 088.") < both.index("Denuncia en ic3.gov.")  # es, unknown: Mexico first
    us = rendering.answer_markup(kb.answers["beta"], "es", "us", kb.text)
    assert "Denuncia en ic3.gov." in us and "088" not in us


def test_country_block_needs_both_countries_and_languages(tree: Tree) -> None:
    _with_country(
        tree, COUNTRY_BLOCK.replace('        es: "Llama al 088."\n', "").replace("      us:", "      ca:")
    )
    problems = tree.problems()
    rel = "content/answers/main.yaml"
    expect(problems, rel, tree.line(rel, "      ca:"), "beta: country: unknown country 'ca' (use us and mx)")
    expect(problems, rel, tree.line(rel, "    country:"), "beta: country is missing 'us'")
    expect(problems, rel, tree.line(rel, 'en: "Call 088."'), "beta: country.mx is missing language 'es'")


def test_country_parts_with_contacts_need_checked(tree: Tree) -> None:
    _with_country(tree, COUNTRY_BLOCK.replace("    checked: 2026-11-28\n", ""))
    rel = "content/answers/main.yaml"
    expect(tree.problems(), rel, tree.line(rel, "- id: beta"), "beta: the text gives contact details")


def test_country_part_markup_is_checked_at_its_line(tree: Tree) -> None:
    _with_country(tree, COUNTRY_BLOCK.replace('"Call 088."', '"Call **088."'))
    rel = "content/answers/main.yaml"
    expect(
        tree.problems(), rel, tree.line(rel, "Call **088."), "beta: country.mx (en): markup would not render"
    )


def test_more_part_loads_and_needs_both_languages(tree: Tree) -> None:
    tree.edit(
        "content/answers/main.yaml", "    sources: []\n", '    sources: []\n    more:\n      en: "Details."\n'
    )
    rel = "content/answers/main.yaml"
    # a mapping's problems point at its first line
    expect(tree.problems(), rel, tree.line(rel, 'en: "Details."'), "beta: more is missing language 'es'")
    tree.edit(rel, '      en: "Details."\n', '      en: "Details."\n      es: "Detalles."\n')
    kb, problems = tree.load()
    assert problems == [] and kb.answers["beta"].more == {"en": "Details.", "es": "Detalles."}


def test_more_part_has_the_phone_limit_too(tree: Tree) -> None:
    long = "a" * (config.ANSWER_MAX_CHARS + 1)
    tree.edit(
        "content/answers/main.yaml",
        "    sources: []\n",
        f'    sources: []\n    more:\n      en: "{long}"\n      es: "corto"\n',
    )
    rel = "content/answers/main.yaml"
    expect(
        tree.problems(),
        rel,
        tree.line(rel, "- id: beta"),
        f"beta: more (en) renders to {len(long)} characters",
    )


def test_source_with_one_address_must_say_its_language(tree: Tree) -> None:
    rel = "content/answers/main.yaml"
    tree.edit(rel, "        lang: en\n", "")
    expect(tree.problems(), rel, tree.line(rel, '- title: {en: "CISA'), "alpha: source https://www.cisa.gov/")
    tree.edit(
        rel,
        "secure-our-world/use-strong-passwords\n",
        "secure-our-world/use-strong-passwords\n        lang: fr\n",
    )
    expect(tree.problems(), rel, tree.line(rel, "lang: fr"), "alpha: source lang must be en or es, got 'fr'")


def test_source_with_an_address_per_language(tree: Tree) -> None:
    rel = "content/answers/main.yaml"
    tree.edit(
        rel,
        "        url: https://www.cisa.gov/secure-our-world/use-strong-passwords\n        lang: en\n",
        '        url: {en: "https://www.ftc.gov/a", es: "https://www.ftc.gov/es/b"}\n',
    )
    kb, problems = tree.load()
    assert problems == []
    source = kb.answers["alpha"].sources[0]
    assert source.urls == {"en": "https://www.ftc.gov/a", "es": "https://www.ftc.gov/es/b"}
    assert (
        "(" not in rendering.answer_markup(kb.answers["alpha"], "es", None, kb.text).split("ftc.gov/es/b)")[1]
    )
    tree.edit(rel, '"https://www.ftc.gov/es/b"}', '"http://www.ftc.gov/es/b"}\n        lang: es')
    problems = tree.problems()
    line = tree.line(rel, "http://www.ftc.gov/es/b")
    expect(
        problems,
        rel,
        line,
        "alpha: source url must be a well-formed https:// address, got 'http://www.ftc.gov/es/b' (es)",
    )
    expect(problems, rel, line + 1, "alpha: a source with one address per language takes no `lang:`")


def test_page_language_note_is_rendered(tree: Tree) -> None:
    kb, _ = tree.load()
    es = rendering.answer_markup(kb.answers["alpha"], "es", None, kb.text)
    assert es.rstrip().endswith(markup.escape("Español page_lang_en"))  # the tree's UI string
    en = rendering.answer_markup(kb.answers["alpha"], "en", None, kb.text)
    assert "page_lang" not in en


def test_source_title_must_not_name_the_page_language(tree: Tree) -> None:
    rel = "content/answers/main.yaml"
    tree.edit(rel, 'es: "CISA: Usa contraseñas seguras"}', 'es: "CISA: Usa contraseñas seguras (en inglés)"}')
    expect(
        tree.problems(),
        rel,
        tree.line(rel, "(en inglés)"),
        "alpha: source title (es) names the page's language",
    )


def test_source_country_needs_country_parts(tree: Tree) -> None:
    rel = "content/answers/main.yaml"
    tree.edit(rel, "        lang: en\n", "        lang: en\n        country: mx\n")
    expect(tree.problems(), rel, tree.line(rel, "country: mx"), "alpha: a source with `country:` needs")
    tree.edit(rel, "        country: mx\n", "        country: ca\n")
    expect(
        tree.problems(),
        rel,
        tree.line(rel, "country: ca"),
        "alpha: source country must be us or mx, got 'ca'",
    )


GLOSSARY = """\
glossary:
  es:
    - use: verificación en dos pasos
      avoid: [doble factor]
    - use: administrador de contraseñas
      avoid: [gestor de contraseñas]
"""


def test_glossary_reports_each_variant_where_it_is_used(tree: Tree) -> None:
    tree.write("content/glossary.yaml", GLOSSARY)
    problems = tree.problems()
    rel = "content/answers/main.yaml"
    expect(
        problems,
        rel,
        tree.line(rel, "- id: alpha"),
        "alpha: text (es) says 'gestor de contraseñas'; the glossary's term is 'administrador de contraseñas' "
        "(content/glossary.yaml:5)",
    )
    assert len(problems) == 1
    tree.edit(rel, "gestor de contraseñas", "administrador de contraseñas")
    assert tree.problems() == []


def test_glossary_checks_quizzes_and_ui_without_accents_or_case(tree: Tree) -> None:
    tree.write("content/glossary.yaml", GLOSSARY)
    tree.edit("content/answers/main.yaml", "gestor de contraseñas", "administrador de contraseñas")
    tree.edit("content/quizzes/q1.yaml", 'es: "CISA dice al menos 16."', 'es: "Usa DOBLE FÁCTOR."')
    tree.write("content/ui.yaml", ui_text({"welcome": '    en: "Hi"\n    es: "Activa el doble factor"'}))
    problems = tree.problems()
    expect(
        problems,
        "content/quizzes/q1.yaml",
        tree.line("content/quizzes/q1.yaml", "- question:"),
        "quiz q1: questions[0].explanation (es) says 'doble factor'",
    )
    expect(
        problems,
        "content/ui.yaml",
        tree.line("content/ui.yaml", "  welcome:"),
        "ui.welcome (es) says 'doble factor'",
    )


def test_glossary_file_errors(tree: Tree) -> None:
    tree.write(
        "content/glossary.yaml",
        "glossary:\n  fr:\n    - use: x\n      avoid: [y]\n  es:\n    - use: enlace\n      avoid: []\n"
        "    - use: celular\n      avoid: [celular]\n    - avoid: [móvil]\n",
    )
    problems = tree.problems()
    rel = "content/glossary.yaml"
    expect(problems, rel, 2, "glossary: unknown language 'fr' (use en and es)")
    expect(problems, rel, 7, "glossary.es[0].avoid is empty")
    expect(problems, rel, 9, "glossary.es[1]: variant 'celular' is part of the term 'celular' itself")
    expect(problems, rel, 10, "a glossary term is missing 'use'")


def test_places_are_checked(tree: Tree) -> None:
    tree.write(
        "intents/places.yaml",
        "places:\n  cues: [vivo en]\n  us: [texas, el paso]\n  mx: [monterrey, El Paso]\n  ca: [toronto]\n",
    )
    problems = tree.problems()
    rel = "intents/places.yaml"
    expect(problems, rel, 4, "places: 'El Paso' is listed for both us and mx")
    expect(problems, rel, 5, "unknown key 'ca' in places")
    tree.write("intents/places.yaml", "places:\n  cues: [vivo en]\n  us: [texas]\n  mx: [Monterrey]\n")
    kb, problems = tree.load()
    assert problems == [] and kb.places.names == {"us": ("texas",), "mx": ("monterrey",)}  # folded


def test_the_documented_answer_format_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The answer example in docs/data-formats.md is valid and shows every answer feature."""
    from cyberhygiene.data.answers import load_answers

    doc = (ROOT / "docs" / "data-formats.md").read_text("utf-8")
    section = doc.split("## `content/answers/*.yaml`", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "answers").mkdir()
    (tmp_path / "answers" / "example.yaml").write_text(example, encoding="utf-8")
    kb, problems = KnowledgeBase(), []
    load_answers(tmp_path / "answers", kb, problems)
    assert problems == []
    (answer,) = kb.answers.values()
    assert answer.country and answer.more and answer.checked
    assert {s.page_langs["es"] for s in answer.sources} == {"en", "es"}
    assert any(s.country == "us" for s in answer.sources)
