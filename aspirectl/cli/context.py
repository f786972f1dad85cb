"""What a command needs, injected through ``ctx.obj`` (tests build their own)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, TextIO

import typer

from aspirectl.errors import UsageError
from aspirectl.settings import Settings

if TYPE_CHECKING:
    from aspirectl.catalog.model import Catalog
    from aspirectl.render.table import Style
    from aspirectl.secrets.store import Resolver


class AppContext:
    """Settings, streams and lazily built dependencies; tests construct their own."""

    def __init__(self, settings: Settings, stdout: TextIO | None = None,
                 stderr: TextIO | None = None) -> None:
        self.settings = settings
        self.stdout: TextIO | None = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self._catalog: Catalog | None = None
        self._resolver: Resolver | None = None

    def catalog(self) -> Catalog:
        if self._catalog is None:
            from aspirectl.catalog.cache import load_cached_catalog

            self._catalog = load_cached_catalog(self.settings.chains_dir)
        return self._catalog

    def resolver(self) -> Resolver:
        if self._resolver is None:
            from aspirectl.secrets.store import default_resolver

            self._resolver = default_resolver()
        return self._resolver

    def announce_credentials(self, catalog: Catalog, aliases: list[str], via: str | None = None) -> None:
        """Before credentials are sent: on a terminal (or with -v), which catalog decides where
        they go, and a warning for each credential that would cross a network in plain http.
        Through the gateway (``via``) only the gateway key is sent, and only to the gateway."""
        if not (self.settings.tty or self.settings.verbose):
            return
        from aspirectl.checks import egress_note, plain_http_credentials, plain_http_gateway
        from aspirectl.textsafe import one_line

        directory = self.settings.chains_dir.resolve()
        self.say(f"catalog: {one_line(directory)} ({self.settings.chains_source})")
        if via:
            self.say(egress_note(catalog, via))
        warnings = plain_http_gateway(via) if via else plain_http_credentials(catalog, aliases)
        for warning in warnings:
            self.say(f"warning: {warning}")

    def style(self) -> Style:
        from aspirectl.render.table import Style

        width = None
        if self.settings.tty:
            import shutil

            width = shutil.get_terminal_size(fallback=(100, 24)).columns
        return Style(rich=self.settings.tty, color=self.settings.color, width=width)

    def output(self, requested: str | None, allowed: tuple[str, ...] | str) -> str:
        """The format asked for (the command's -o, else the global -o), checked against the
        command's own formats (``allowed``, or its name in cli/formats.py)."""
        if isinstance(allowed, str):
            from aspirectl.cli.formats import FORMATS

            allowed = FORMATS[allowed]
        fmt = (requested or self.settings.output or allowed[0]).lower()
        if fmt not in allowed:
            raise UsageError(f"output format '{fmt}' is not available here",
                             hint=f"use one of: {', '.join(allowed)}")
        return fmt

    def emit(self, text: str) -> None:
        if self.stdout is None:  # started with stdout closed (>&-)
            import errno

            raise OSError(errno.EBADF, "standard output is closed")
        self.stdout.write(text)
        self.stdout.flush()

    def say(self, text: str) -> None:
        """A line for the operator on stderr (progress, notices): names in it may come from the
        gateway's DB or an upstream, so no control character is written."""
        from aspirectl.textsafe import printable_lines

        text = printable_lines(text.rstrip("\n"))
        if self.settings.tty:  # prose on a terminal: wrapped at word boundaries, not mid-word
            from aspirectl.render.table import wrap_prose

            text = wrap_prose(text, self.style())
        self.stderr.write(text + "\n")
        self.stderr.flush()


def app_context(ctx: typer.Context) -> AppContext:
    obj: Any = ctx.find_root().obj
    if not isinstance(obj, AppContext):
        obj = AppContext(Settings.resolve())
        ctx.find_root().obj = obj
    assert isinstance(obj, AppContext)
    return obj
