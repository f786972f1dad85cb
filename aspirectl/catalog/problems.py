from __future__ import annotations

from dataclasses import dataclass

from aspirectl.errors import ConfigError


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        tail = f" ({self.hint})" if self.hint else ""
        return f"{self.file}:{self.line}: {self.message}{tail}"

    def to_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "message": self.message, "hint": self.hint}


class CatalogInvalid(ConfigError):
    """The chain files have problems; every one of them is in ``problems``."""

    def __init__(self, directory: str, problems: list[Problem], what: str = "chain files",
                 see: str | None = None) -> None:
        # The hint names the directory: 'chains validate' alone would validate the default one.
        see = see or f"run 'aspirectl --chains {directory} chains validate'"
        self.directory = directory
        self.problems = sorted(problems)
        n = len(self.problems)
        first = str(self.problems[0]) if self.problems else ""
        more = f" (+{n - 1} more; {see})" if n > 1 else ""
        super().__init__(f"invalid {what}: {first}{more}")
