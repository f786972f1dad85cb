"""The live progress line on a TTY (stderr): done/total and the slowest pending hop."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from aspirectl.cli.context import AppContext


class ProgressLine:
    def __init__(self, stream: TextIO, columns: int = 80) -> None:
        self.stream = stream
        self.width = 0
        self.columns = columns  # a line longer than the terminal would wrap, and \r not reach back

    def __call__(self, done: int, total: int, slowest: tuple[str, str, float] | None) -> None:
        text = f"probing {done}/{total} hops"
        if slowest and done < total:
            alias, upstream, seconds = slowest
            longer = f"{text} — slowest pending: {upstream} ({alias}) {seconds:.1f}s"
            text = longer if len(longer) < self.columns else text
        text = text[: max(1, self.columns - 1)]
        self.stream.write("\r" + text.ljust(self.width))
        self.width = len(text)
        self.stream.flush()

    def clear(self) -> None:
        if self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()


@contextlib.contextmanager
def progress_for(app_ctx: AppContext, *, enabled: bool = True) -> Iterator[ProgressLine | None]:
    """A live progress line for a slow command, on a terminal only (never in pipes or cron),
    cleared when the command's output is about to be printed."""
    import shutil

    columns = shutil.get_terminal_size(fallback=(80, 24)).columns
    line = ProgressLine(app_ctx.stderr, columns) if enabled and app_ctx.settings.tty else None
    try:
        yield line
    finally:
        if line is not None:
            line.clear()
