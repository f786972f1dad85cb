"""Errors that reach the user: one line, what went wrong and what to do next."""

from __future__ import annotations

from collections.abc import Iterable

from aspirectl.status import ErrorKind


class AspirectlError(Exception):
    """Base class: ``str(err)`` is the one line shown to the user (already redacted)."""

    kind: ErrorKind = ErrorKind.FAILED

    def __init__(self, message: str, *, hint: str | None = None, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.detail = detail  # shown with --verbose only

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UsageError(AspirectlError):
    kind = ErrorKind.USAGE


class ConfigError(AspirectlError):
    kind = ErrorKind.CONFIG


class OperationFailed(AspirectlError):
    kind = ErrorKind.FAILED


class BusyError(AspirectlError):
    kind = ErrorKind.BUSY


class DeadlineError(AspirectlError):
    kind = ErrorKind.DEADLINE


def suggestions(name: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """Close matches first, then names sharing the prefix before the last separator."""
    import difflib

    pool = sorted(set(candidates))
    close = difflib.get_close_matches(name, pool, n=n, cutoff=0.6)
    stem = name.rstrip("0123456789.-")
    prefixed = [c for c in pool if stem and c.startswith(stem) and c not in close]
    prefixed.sort(key=lambda c: (-difflib.SequenceMatcher(None, name, c).ratio(), c))
    return (close + prefixed)[:n]


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    found = suggestions(name, candidates)
    if not found:
        return None
    return "did you mean " + " or ".join(found) + "?"


class UnknownName(UsageError):
    def __init__(self, what: str, name: str, candidates: Iterable[str]) -> None:
        pool = list(candidates)
        hint = did_you_mean(name, pool) or f"known: {', '.join(sorted(pool)) or 'none'}"
        super().__init__(f"unknown {what} '{name}'", hint=hint)
        self.name = name
