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
        return lines[key]
    return line_of(mapping, default)


class _Builder:
    def __init__(self) -> None:
        self.problems: list[YamlProblem] = []
        self._scalar_loader = yaml.SafeLoader("")

    def build(self, node: yaml.Node) -> Any:
        line = node.start_mark.line + 1
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
    """Parse one file. Returns (value or None, problems)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None, [YamlProblem(1, "file is not UTF-8 text", "save it as UTF-8")]
    except OSError as exc:
        return None, [YamlProblem(1, f"cannot read file: {exc.strerror or exc}", None)]
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        what = exc.problem or exc.context or "invalid YAML"
        return None, [YamlProblem(line, f"unreadable YAML: {what}", "fix the YAML syntax")]
    except yaml.YAMLError as exc:
        return None, [YamlProblem(1, f"unreadable YAML: {exc}", "fix the YAML syntax")]
    if node is None:
        return None, [YamlProblem(1, "file is empty", "remove it or add a definition")]
    builder = _Builder()
    try:
        value = builder.build(node)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else 1
        return None, [YamlProblem(line, f"unsupported YAML: {exc.problem}", "use plain values")]
    return value, builder.problems
