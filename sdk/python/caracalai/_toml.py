"""A small TOML reader for runtime profiles on Python 3.10, which has no ``tomllib``.

It reads the subset ``caracal setup`` writes and people write by hand: comments, bare and quoted
keys (dotted too), basic and literal strings, integers, floats, booleans, arrays (over several
lines, trailing comma allowed), inline tables, ``[table]`` and ``[[array of tables]]`` headers.
Multi-line strings and dates are refused with a clear message. On Python 3.11+ the SDK uses
``tomllib``; this module is then only exercised by the tests. Pure functions, thread-safe.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["TOMLDecodeError", "loads"]


class TOMLDecodeError(ValueError):
    """The text is not TOML this reader understands; the message gives line and column."""


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_NUMBER = re.compile(r"[+-]?[0-9][0-9_]*(\.[0-9_]+)?([eE][+-]?[0-9]+)?")
_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}


def loads(text: str) -> dict[str, Any]:
    """Parses TOML text into plain dicts, lists and scalars (like ``tomllib.loads``)."""
    return _Parser(text).document()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text.replace("\r\n", "\n")
        self.pos = 0
        self.root: dict[str, Any] = {}
        # tables created by a header or by dotted keys; a second [header] for them is an error
        self.defined: set[int] = set()

    # -- document structure ------------------------------------------------------------------

    def document(self) -> dict[str, Any]:
        current = self.root
        while True:
            self.skip_blank_lines()
            if self.pos >= len(self.text):
                return self.root
            if self.text.startswith("[[", self.pos):
                self.pos += 2
                path = self.key_path()
                self.expect("]]")
                current = self.array_table(path)
            elif self.peek() == "[":
                self.pos += 1
                path = self.key_path()
                self.expect("]")
                current = self.table(path)
            else:
                path = self.key_path()
                self.skip_spaces()
                self.expect("=")
                self.skip_spaces()
                value = self.value()
                self.assign(current, path, value)
            self.end_of_line()

    def table(self, path: list[str]) -> dict[str, Any]:
        node = self.walk(self.root, path[:-1])
        last = path[-1]
        existing = node.get(last)
        if existing is None:
            node[last] = existing = {}
        elif not isinstance(existing, dict) or id(existing) in self.defined:
            self.fail(f"table `{'.'.join(path)}` is defined twice")
        self.defined.add(id(existing))
        return existing

    def array_table(self, path: list[str]) -> dict[str, Any]:
        node = self.walk(self.root, path[:-1])
        last = path[-1]
        existing = node.setdefault(last, [])
        if not isinstance(existing, list):
            self.fail(f"`{'.'.join(path)}` is not an array of tables")
        entry: dict[str, Any] = {}
        existing.append(entry)
        return entry

    def walk(self, node: dict[str, Any], path: list[str]) -> dict[str, Any]:
        for part in path:
            child = node.setdefault(part, {})
            if isinstance(child, list) and child and isinstance(child[-1], dict):
                child = child[-1]
            if not isinstance(child, dict):
                self.fail(f"key `{part}` is not a table")
            node = child
        return node

    def assign(self, table: dict[str, Any], path: list[str], value: Any) -> None:
        node = self.walk(table, path[:-1])
        if path[-1] in node:
            self.fail(f"key `{'.'.join(path)}` is defined twice")
        node[path[-1]] = value

    # -- keys and values ---------------------------------------------------------------------

    def key_path(self) -> list[str]:
        parts = []
        while True:
            self.skip_spaces()
            char = self.peek()
            if char == '"':
                parts.append(self.basic_string())
            elif char == "'":
                parts.append(self.literal_string())
            else:
                match = _BARE_KEY.match(self.text, self.pos)
                if not match:
                    self.fail("expected a key")
                parts.append(match.group())
                self.pos = match.end()
            self.skip_spaces()
            if self.peek() != ".":
                return parts
            self.pos += 1

    def value(self) -> Any:
        char = self.peek()
        if self.text.startswith('"""', self.pos) or self.text.startswith("'''", self.pos):
            self.fail("multi-line strings are not supported in runtime profiles")
        if char == '"':
            return self.basic_string()
        if char == "'":
            return self.literal_string()
        if char == "[":
            return self.array()
        if char == "{":
            return self.inline_table()
        for word, result in (("true", True), ("false", False)):
            if self.text.startswith(word, self.pos):
                self.pos += len(word)
                return result
        match = _NUMBER.match(self.text, self.pos)
        if match:
            after = self.text[match.end(): match.end() + 1]
            if after in ("-", ":"):
                self.fail("dates and times are not supported in runtime profiles")
            self.pos = match.end()
            literal = match.group().replace("_", "")
            return float(literal) if match.group(1) or match.group(2) else int(literal)
        self.fail("expected a value (string, number, boolean, array or inline table)")
        raise AssertionError  # unreachable

    def basic_string(self) -> str:
        self.pos += 1
        out = []
        while True:
            if self.pos >= len(self.text) or self.text[self.pos] == "\n":
                self.fail("unterminated string")
            char = self.text[self.pos]
            self.pos += 1
            if char == '"':
                return "".join(out)
            if char != "\\":
                out.append(char)
                continue
            escape = self.text[self.pos: self.pos + 1]
            self.pos += 1
            if escape in _ESCAPES:
                out.append(_ESCAPES[escape])
            elif escape in ("u", "U"):
                width = 4 if escape == "u" else 8
                digits = self.text[self.pos: self.pos + width]
                if len(digits) != width or not all(c in "0123456789abcdefABCDEF" for c in digits):
                    self.fail(f"invalid \\{escape} escape")
                out.append(chr(int(digits, 16)))
                self.pos += width
            else:
                self.fail(f"invalid escape `\\{escape}`")

    def literal_string(self) -> str:
        end = self.text.find("'", self.pos + 1)
        newline = self.text.find("\n", self.pos + 1)
        if end < 0 or (0 <= newline < end):
            self.fail("unterminated string")
        value = self.text[self.pos + 1: end]
        self.pos = end + 1
        return value

    def array(self) -> list[Any]:
        self.pos += 1
        items: list[Any] = []
        while True:
            self.skip_blank_lines()
            if self.peek() == "]":
                self.pos += 1
                return items
            items.append(self.value())
            self.skip_blank_lines()
            if self.peek() == ",":
                self.pos += 1
            elif self.peek() != "]":
                self.fail("expected `,` or `]` in array")

    def inline_table(self) -> dict[str, Any]:
        self.pos += 1
        table: dict[str, Any] = {}
        self.skip_spaces()
        if self.peek() == "}":
            self.pos += 1
            return table
        while True:
            path = self.key_path()
            self.expect("=")
            self.skip_spaces()
            self.assign(table, path, self.value())
            self.skip_spaces()
            if self.peek() == "}":
                self.pos += 1
                return table
            self.expect(",")

    # -- whitespace and errors ---------------------------------------------------------------

    def peek(self) -> str:
        return self.text[self.pos: self.pos + 1]

    def skip_spaces(self) -> None:
        while self.peek() in (" ", "\t") and self.pos < len(self.text):
            self.pos += 1

    def skip_comment(self) -> None:
        if self.peek() == "#":
            newline = self.text.find("\n", self.pos)
            self.pos = len(self.text) if newline < 0 else newline

    def skip_blank_lines(self) -> None:
        while self.pos < len(self.text):
            self.skip_spaces()
            self.skip_comment()
            if self.peek() == "\n":
                self.pos += 1
            else:
                return

    def end_of_line(self) -> None:
        self.skip_spaces()
        self.skip_comment()
        if self.pos < len(self.text) and self.peek() != "\n":
            self.fail("expected the end of the line")

    def expect(self, token: str) -> None:
        self.skip_spaces()
        if not self.text.startswith(token, self.pos):
            self.fail(f"expected `{token}`")
        self.pos += len(token)

    def fail(self, message: str) -> None:
        line = self.text.count("\n", 0, self.pos) + 1
        column = self.pos - (self.text.rfind("\n", 0, self.pos) + 1) + 1
        raise TOMLDecodeError(f"{message} (at line {line}, column {column})")
