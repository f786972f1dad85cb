"""Schema checks of YAML mappings that report problems with their file and line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from aspirectl.catalog.problems import Problem
from aspirectl.catalog.yamlsource import key_line, line_of
from aspirectl.errors import did_you_mean

# The schema of a section: key -> (expected type(s), required). Unknown keys are problems.
Schema = dict[str, tuple[type | tuple[type, ...], bool]]

TYPE_NAMES = {dict: "a mapping", list: "a list", str: "a string", bool: "true or false", int: "a number",
              float: "a number", date: "a date"}


def _type_name(expected: type | tuple[type, ...]) -> str:
    kinds = expected if isinstance(expected, tuple) else (expected,)
    return " or ".join(dict.fromkeys(TYPE_NAMES.get(k, k.__name__) for k in kinds))


def _choices(enum: type) -> list[str]:
    return [m.value for m in enum]  # type: ignore[attr-defined]


@dataclass
class FileContext:
    name: str
    problems: list[Problem]

    def add(self, line: int, message: str, hint: str | None = None) -> None:
        self.problems.append(Problem(self.name, line, message, hint))

    def check(self, value: Any, schema: Schema, where: str) -> bool:
        """Unknown keys, missing keys and wrong types of one mapping. True if usable."""
        if not isinstance(value, dict):
            self.add(line_of(value), f"{where} must be a mapping, got {type(value).__name__}")
            return False
        ok = True
        for key in value:
            if key not in schema:
                hint = did_you_mean(key, schema) or f"allowed: {', '.join(schema)}"
                self.add(key_line(value, key), f"unknown key '{key}' in {where}", hint)
                ok = False
        for key, (expected, required) in schema.items():
            if key not in value:
                if required:
                    self.add(line_of(value), f"{where} is missing '{key}'", f"add '{key}:'")
                    ok = False
                continue
            item = value[key]
            if not isinstance(item, expected):
                got = "nothing" if item is None else type(item).__name__
                self.add(
                    key_line(value, key),
                    f"'{key}' in {where} must be {_type_name(expected)}, got {got}",
                )
                ok = False
        return ok

    def enum(self, value: str, enum: type, line: int, what: str) -> Any:
        try:
            return enum(value)
        except ValueError:
            hint = did_you_mean(value, _choices(enum)) or f"one of: {', '.join(_choices(enum))}"
            self.add(line, f"unknown {what} '{value}'", hint)
            return None


