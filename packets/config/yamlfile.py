"""Load YAML safely and remember the line of every key.

Configs are written by hand, so every error must point at a line. PyYAML's safe
loader is used with three extra guards: anchors and aliases are refused (they allow
memory bombs and no config needs them), files must be UTF-8, and files over 1 MB are
refused before parsing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from packets.errors import ConfigError, Problem

MAX_BYTES = 1_000_000

# Key path (tuple of keys and list indexes) -> 1-based line number.
LineMap = dict[tuple[Any, ...], int]


class _LineLoader(yaml.SafeLoader):
    """A SafeLoader that refuses aliases and records where each node starts."""

    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _AliasFound(event.start_mark.line + 1)
        event = self.peek_event()
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise _AliasFound(event.start_mark.line + 1)
        return super().compose_node(parent, index)


class _AliasFound(Exception):
    def __init__(self, line: int):
        self.line = line


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
        raise ConfigError([Problem(name, None, "", f"cannot read the file ({exc.strerror}).")])
    if size > MAX_BYTES:
        raise ConfigError([Problem(name, None, "", f"file is {size:,} bytes; a config may be at most 1 MB. Split it or remove pasted data.")])
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError([Problem(name, line, "", "file is not UTF-8 text. Save it again as UTF-8 in your editor.")])
    loader = _LineLoader(text)
    try:
        node = loader.get_single_node()
    except _AliasFound as exc:
        raise ConfigError([Problem(name, exc.line, "", "YAML anchors and aliases (& and *) are not allowed. Write the value out in full.")])
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or "not valid YAML"
        raise ConfigError([Problem(name, line, "", f"YAML syntax error: {what}. Check indentation and quotes on this line.")])
    finally:
        loader.dispose()
    if node is None:
        return {}, {}
    lines: LineMap = {}
    _collect_lines(node, (), lines)
    return _construct(node), lines


def _construct(node: yaml.Node) -> Any:
    """Build Python values from an already composed node."""
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(node)
    finally:
        loader.dispose()
