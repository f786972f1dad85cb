"""YAML -> plain Python values that remember the line each key and item came from.

PyYAML silently keeps the last of two equal keys; here a duplicate key is a problem with
both lines. Only the safe subset of YAML is accepted (no tags that build objects).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


class LocatedDict(dict):  # type: ignore[type-arg]
    """A mapping whose ``line`` is where it starts and ``lines[key]`` where each key is."""

    line: int
    lines: dict[str, int]


class LocatedList(list):  # type: ignore[type-arg]
    line: int
    lines: list[int]


@dataclass(frozen=True)
class YamlProblem:
    line: int
    message: str
    hint: str | None = None


def line_of(value: Any, default: int = 1) -> int:
    return getattr(value, "line", default)


def key_line(mapping: Any, key: str, default: int = 1) -> int:
    lines = getattr(mapping, "lines", None)
    if isinstance(lines, dict) and key in lines:
        return int(lines[key])
    return line_of(mapping, default)


# Limits that no chain or fleet file comes near, and every YAML bomb does.
MAX_FILE_BYTES = 1 << 20  # 1 MiB
MAX_NODES = 100_000  # values after anchors and aliases are expanded ("billion laughs")
MAX_DEPTH = 64  # nesting (a recursive alias nests forever)


class _TooLarge(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class _Builder:
    def __init__(self) -> None:
        self.problems: list[YamlProblem] = []
        self._scalar_loader = yaml.SafeLoader("")
        self._nodes = 0
        self._depth = 0

    def build(self, node: yaml.Node) -> Any:
        line = node.start_mark.line + 1
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _TooLarge(line, f"more than {MAX_NODES} values once anchors and aliases are "
                            "expanded (a YAML bomb?)")
        if self._depth >= MAX_DEPTH:
            raise _TooLarge(line, f"nested more than {MAX_DEPTH} levels deep (a recursive alias?)")
        self._depth += 1
        try:
            return self._build(node, line)
        finally:
            self._depth -= 1

    def _build(self, node: yaml.Node, line: int) -> Any:
        if isinstance(node, yaml.MappingNode):
            self._scalar_loader.flatten_mapping(node)
            out = LocatedDict()
            out.line = line
            out.lines = {}
            for key_node, value_node in node.value:
                key = self.build(key_node)
                key_text = str(key)
                key_at = key_node.start_mark.line + 1
                if key_text in out:
                    self.problems.append(
                        YamlProblem(
                            key_at,
                            f"duplicate key '{key_text}' (first at line {out.lines[key_text]})",
                            "keep one of them",
                        )
                    )
                    out[key_text] = self.build(value_node)  # the last wins, as in PyYAML
                    continue
                out[key_text] = self.build(value_node)
                out.lines[key_text] = key_at
            return out
        if isinstance(node, yaml.SequenceNode):
            seq = LocatedList(self.build(item) for item in node.value)
            seq.line = line
            seq.lines = [item.start_mark.line + 1 for item in node.value]
            return seq
        try:
            return self._scalar_loader.construct_object(node, deep=True)
        except ValueError:  # e.g. a date-shaped scalar that is no date: keep the text
            return node.value


def load_yaml(path: Path) -> tuple[Any, list[YamlProblem]]:
    """Parse one file. Returns (value or None, problems). Bounded: at most MAX_FILE_BYTES of
    a regular file (never a FIFO or a device), MAX_NODES values, MAX_DEPTH levels."""
    from aspirectl.safefile import describe_unreadable, read_regular

    try:
        data, larger = read_regular(path, MAX_FILE_BYTES, follow=True)
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None, [YamlProblem(1, "file is not UTF-8 text", "save it as UTF-8")]
    except OSError as exc:
        return None, [YamlProblem(1, f"cannot read file: {describe_unreadable(exc)}", None)]
    if larger:
        return None, [YamlProblem(1, f"file larger than {MAX_FILE_BYTES // 1024} KiB: not read",
                                  "a chain or fleet file is a few KiB; split it or remove what "
                                  "does not belong")]
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        what = exc.problem or exc.context or "invalid YAML"
        return None, [YamlProblem(line, f"unreadable YAML: {what}", "fix the YAML syntax")]
    except yaml.YAMLError as exc:
        return None, [YamlProblem(1, f"unreadable YAML: {exc}", "fix the YAML syntax")]
    except RecursionError:
        return None, [YamlProblem(1, "unreadable YAML: nested too deep", "flatten the file")]
    if node is None:
        return None, [YamlProblem(1, "file is empty", "remove it or add a definition")]
    builder = _Builder()
    try:
        value = builder.build(node)
    except _TooLarge as exc:
        return None, [YamlProblem(exc.line, exc.message, "write the values out; no anchors needed")]
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else 1
        return None, [YamlProblem(line, f"unsupported YAML: {exc.problem}", "use plain values")]
    return value, builder.problems
