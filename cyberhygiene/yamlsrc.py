"""Safe YAML loading that remembers where every value came from.

Data files are a public interface edited by hand, so a mistake must be reported as
``path:line: message``. :func:`load_file` returns plain Python values whose mappings and lists are
:class:`LDict` / :class:`LList`, carrying the 1-based line of each key and item. It never raises on
bad input: it returns a :class:`Problem` instead. Hostile files are bounded: a size limit, and a
node budget that stops "billion laughs" alias expansion before it eats the machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_FILE_BYTES = 2_000_000
MAX_NODES = 200_000
MAX_DEPTH = 50


@dataclass(frozen=True, order=True)
class Problem:
    """One finding of validation, printed as ``path:line: message``."""

    path: str
    line: int
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        tag = "" if self.severity == "error" else f"{self.severity}: "
        return f"{self.path}:{self.line}: {tag}{self.message}"


class LDict(dict[str, Any]):
    """A mapping from YAML with the line of the mapping and of each key.

    ``text_lines`` gives, for text values, the line where the text itself starts (the line after
    the key for ``|`` and ``>`` block scalars), so errors inside a text point at the right line.
    """

    line: int = 1
    key_lines: dict[str, int]
    text_lines: dict[str, int]

    def text_line_of(self, key: str) -> int:
        return self.text_lines.get(key, self.line_of(key))

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LList(list[Any]):
    """A sequence from YAML with the line of the sequence and of each item."""

    line: int = 1
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


# libyaml's parser when PyYAML was built with it (the wheels are): it parses the data folders
# about five times faster than the pure-Python one, which is most of the bot's start-up time.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Budget(Exception):
    pass


class _Converter:
    def __init__(self) -> None:
        self.nodes = 0
        self._scalars = SafeConstructor()

    def convert(self, node: Node, depth: int = 0) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _Budget(f"more than {MAX_NODES} values (an alias bomb?)")
        if depth > MAX_DEPTH:
            raise _Budget(f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, MappingNode):
            result = LDict()
            result.line = node.start_mark.line + 1
            result.key_lines = {}
            result.text_lines = {}
            for key_node, value_node in node.value:
                key = self.convert(key_node, depth + 1)
                if not isinstance(key, str | int | float | bool) and key is not None:
                    raise yaml.YAMLError(
                        f"line {key_node.start_mark.line + 1}: a mapping key must be a plain value"
                    )
                key = str(key)
                if key in result:
                    raise _Duplicate(key, key_node.start_mark.line + 1)
                result[key] = self.convert(value_node, depth + 1)
                result.key_lines[key] = key_node.start_mark.line + 1
                if isinstance(value_node, ScalarNode):
                    block = value_node.style in ("|", ">")
                    result.text_lines[key] = value_node.start_mark.line + 1 + (1 if block else 0)
            return result
        if isinstance(node, SequenceNode):
            items = LList()
            items.line = node.start_mark.line + 1
            items.item_lines = []
            for item in node.value:
                items.append(self.convert(item, depth + 1))
                items.item_lines.append(item.start_mark.line + 1)
            return items
        if isinstance(node, ScalarNode):
            try:
                return self._scalars.construct_object(node, deep=True)
            except (ValueError, OverflowError) as exc:  # e.g. an impossible date: 2025-13-45
                raise _BadValue(node.start_mark.line + 1, str(exc)) from None
        raise yaml.YAMLError(f"unsupported YAML node {node.tag}")  # pragma: no cover


class _BadValue(Exception):
    def __init__(self, line: int, detail: str) -> None:
        super().__init__(detail)
        self.line = line
        self.detail = detail


class _Duplicate(Exception):
    def __init__(self, key: str, line: int) -> None:
        super().__init__(key)
        self.key = key
        self.line = line


def load_text(text: str, path: str) -> tuple[Any, list[Problem]]:
    """Parse YAML text; return ``(value, problems)``. ``value`` is None when it cannot be read."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        return None, [Problem(path, 1, f"file is larger than {MAX_FILE_BYTES:,} bytes")]
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except RecursionError:
        return None, [
            Problem(path, 1, f"file refused: nested deeper than the parser can follow (limit {MAX_DEPTH})")
        ]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = exc.problem or exc.context or "invalid YAML"
        return None, [Problem(path, line, f"YAML syntax error: {what}")]
    except yaml.YAMLError as exc:
        return None, [Problem(path, 1, f"YAML error: {exc}")]
    if node is None:
        return None, [Problem(path, 1, "file is empty")]
    converter = _Converter()
    try:
        return converter.convert(node), []
    except _BadValue as bad:
        return None, [Problem(path, bad.line, f"invalid value: {bad.detail}")]
    except _Duplicate as dup:
        return None, [Problem(path, dup.line, f"duplicate key {dup.key!r}")]
    except _Budget as exc:
        return None, [Problem(path, 1, f"file refused: {exc}")]
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else 1
        return None, [Problem(path, line, f"YAML value error: {exc.problem}")]
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        return None, [Problem(path, 1, f"YAML error: {exc}")]


def load_file(path: Path, display: str | None = None) -> tuple[Any, list[Problem]]:
    """Read and parse one YAML file (see :func:`load_text`)."""
    shown = display or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, [Problem(shown, 1, f"file is larger than {MAX_FILE_BYTES:,} bytes")]
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [Problem(shown, 1, f"not UTF-8 text ({exc.reason} at byte {exc.start})")]
    except OSError as exc:
        return None, [Problem(shown, 1, f"cannot read file: {exc.strerror}")]
    return load_text(text, shown)
