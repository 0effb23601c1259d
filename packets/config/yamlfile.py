"""Load YAML safely and remember the line of every key.

Configs are written by hand, so every error must point at a line. PyYAML's safe
loader is used with guards that turn every surprise into a message with a line:

- anchors and aliases are refused (they allow memory bombs and no config needs them);
- explicit tags (``!!python/object/apply``, ``!foo``) are refused: a config is plain
  text, numbers and lists;
- a key given twice is an error naming both lines (YAML would keep the second silently);
- nesting depth and the number of values are bounded while composing, before the
  recursive composer can run out of stack;
- files must be UTF-8 without control characters or text-direction controls, anywhere
  (comments included), and at most 1 MB, checked before parsing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from packets.errors import ConfigError, Problem
from packets.textsafety import excerpt, unsafe_character, unsafe_problem

MAX_BYTES = 1_000_000
DEEP = "values are nested more than {} levels deep. Check the indentation and the [ ] and {{ }} brackets."
MAX_DEPTH = 20  # a clinic config nests 4 deep; the composer recurses once per level
MAX_NODES = 20_000  # every key, value and list item; the examples use a few hundred

# Key path (tuple of keys and list indexes) -> 1-based line number.
LineMap = dict[tuple[Any, ...], int]


class _Refused(Exception):
    """Something the loader will not build; carries the line and the message."""

    def __init__(self, line: int, message: str):
        self.line = line
        self.message = message


try:  # libyaml's scanner and parser, in C: about 10x faster on a content file (33 -> 3 ms)
    from yaml._yaml import CParser

    _READERS: tuple[type, ...] = (CParser,)
except ImportError:  # PyYAML built without libyaml: the same events from pure Python
    _READERS = (Reader, Scanner, Parser)


class _LineLoader(Composer, *_READERS, SafeConstructor, Resolver):  # type: ignore[misc]
    """A safe loader that refuses aliases, tags, duplicate keys and runaway nesting.

    Scanning and parsing are libyaml's when PyYAML has it. Composing stays PyYAML's
    Python composer (first in the method order), so the guards below see every event
    before a node is built, and deep nesting is refused before it can recurse far.
    """

    def __init__(self, stream: str):
        if _READERS[0] is not Reader:
            CParser.__init__(self, stream)
        else:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused(line, "YAML anchors and aliases (& and *) are not allowed. Write the value out in full.")
        tag = getattr(event, "tag", None)
        if tag not in (None, "!"):
            raise _Refused(line, f"YAML tag {excerpt(tag)} is not allowed. A config holds plain text, numbers and lists; "
                                 "remove the tag (put text in quotes).")
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _Refused(line, f"the file holds more than {MAX_NODES:,} values. A clinic config needs a few hundred; "
                                 "remove pasted data.")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(line, DEEP.format(MAX_DEPTH))
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def compose_mapping_node(self, anchor):
        node = super().compose_mapping_node(anchor)
        seen: dict[str, int] = {}
        for key_node, _ in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Refused(line, "a key must be plain text, not a list or mapping.")
            if key_node.value in seen:
                raise _Refused(line, f"key {excerpt(key_node.value)} is given twice, on lines {seen[key_node.value]} "
                                     f"and {line}. Keep one of them.")
            seen[key_node.value] = line
        return node


def _collect_lines(node: yaml.Node, path: tuple[Any, ...], lines: LineMap) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            _collect_lines(value_node, path + (key,), lines)
            # A key's line is where the key is written, not where its value starts.
            lines[path + (key,)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _collect_lines(item, path + (i,), lines)


def load_yaml(path: Path) -> tuple[Any, LineMap]:
    """Return the parsed document and a map from key paths to line numbers."""
    name = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ConfigError([Problem(name, None, "", f"cannot read the file ({exc.strerror}).")]) from None
    if size > MAX_BYTES:
        raise ConfigError([Problem(name, None, "", f"file is {size:,} bytes; a config may be at most 1 MB. "
                                   "Split it or remove pasted data.")])
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError([Problem(name, line, "", "file is not UTF-8 text. Save it again as UTF-8 in your editor.")]) from None
    _check_characters(name, text)
    loader = _LineLoader(text)
    try:
        node = loader.get_single_node()
    except _Refused as exc:
        raise ConfigError([Problem(name, exc.line, "", exc.message)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = mark.line + 1 if mark else None
        if "nesting depth" in (exc.problem or ""):  # PyYAML 6.0.4+ stops deep brackets itself: say it in our words
            raise ConfigError([Problem(name, at, "", DEEP.format(MAX_DEPTH))]) from None
        what = excerpt(exc.problem or "not valid YAML", 120, quote=False)
        raise ConfigError([Problem(name, at, "", f"YAML syntax error: {what}. Check indentation and quotes on this line.")]) from None
    except (yaml.YAMLError, RecursionError) as exc:  # e.g. a ReaderError; the checks above should catch these first
        raise ConfigError([Problem(name, None, "", f"not readable as YAML ({type(exc).__name__}). "
                                   "Check the file in a text editor.")]) from None
    finally:
        loader.dispose()
    if node is None:
        return {}, {}
    lines: LineMap = {}
    _collect_lines(node, (), lines)
    data = _construct(name, node)
    problems = list(_unsafe_values(name, data, (), lines))
    if problems:
        raise ConfigError(problems)
    return data, lines


def _check_characters(name: str, text: str) -> None:
    """Control and text-direction characters anywhere in the file, with line and column."""
    for number, line in enumerate(text.split("\n"), start=1):
        found = unsafe_character(line, allow_layout=True)
        if found:
            column, what = found
            raise ConfigError([Problem(name, number, "", f"column {column} holds {what}. It prints invisibly or "
                                                         "reorders the text; delete it (retype the line).")])


def _unsafe_values(name: str, data: Any, path: tuple[Any, ...], lines: LineMap):
    """Controls written as escapes ("\\u202e", "\\e") only exist after parsing: check values too."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _unsafe_values(name, key, path, lines)
            yield from _unsafe_values(name, value, path + (key,), lines)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _unsafe_values(name, value, path + (index,), lines)
    elif isinstance(data, str) and (problem := unsafe_problem(data, allow_layout=True)):
        yield Problem(name, lines.get(path), ".".join(map(str, path)), problem)


def _construct(name: str, node: yaml.Node) -> Any:
    """Build Python values from an already composed (and checked) node."""
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(node)
    except (yaml.YAMLError, ValueError, OverflowError) as exc:  # e.g. a date like 2026-13-45
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError([Problem(name, mark.line + 1 if mark else None, "",
                                   "a value could not be read (a date that does not exist?). Put it in quotes or fix it.")]) from None
    finally:
        loader.dispose()
