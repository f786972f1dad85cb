"""What a command needs, injected through ``ctx.obj`` (tests build their own)."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

import typer

from aspirectl.errors import UsageError
from aspirectl.settings import Settings

if TYPE_CHECKING:
    from aspirectl.catalog.model import Catalog
    from aspirectl.render.table import Style
    from aspirectl.secrets.store import Resolver


@dataclass
class AppContext:
    settings: Settings
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    _catalog: Catalog | None = None
    _resolver: Resolver | None = None

    def catalog(self) -> Catalog:
        if self._catalog is None:
            from aspirectl.catalog.loader import load_catalog

            self._catalog = load_catalog(self.settings.chains_dir)
        return self._catalog

    def resolver(self) -> Resolver:
        if self._resolver is None:
            from aspirectl.secrets.store import default_resolver

            self._resolver = default_resolver()
        return self._resolver

    def style(self) -> Style:
        from aspirectl.render.table import Style

        return Style(rich=self.settings.tty, color=self.settings.color)

    def output(self, requested: str | None, allowed: tuple[str, ...]) -> str:
        fmt = (requested or self.settings.output or allowed[0]).lower()
        if fmt not in allowed:
            raise UsageError(f"output format '{fmt}' is not available here",
                             hint=f"use one of: {', '.join(allowed)}")
        return fmt

    def emit(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def say(self, text: str) -> None:
        """A line for the operator on stderr (progress, notices)."""
        self.stderr.write(text.rstrip("\n") + "\n")
        self.stderr.flush()


def app_context(ctx: typer.Context) -> AppContext:
    obj: Any = ctx.find_root().obj
    if not isinstance(obj, AppContext):
        obj = AppContext(Settings.resolve())
        ctx.find_root().obj = obj
    return obj
