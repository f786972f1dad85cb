"""The live progress line on a TTY (stderr): done/total and the slowest pending hop."""

from __future__ import annotations

from typing import TextIO


class ProgressLine:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.width = 0

    def __call__(self, done: int, total: int, slowest: tuple[str, str, float] | None) -> None:
        text = f"probing {done}/{total} hops"
        if slowest and done < total:
            alias, upstream, seconds = slowest
            text += f" — slowest pending: {upstream} ({alias}) {seconds:.1f}s"
        self.stream.write("\r" + text.ljust(self.width))
        self.width = len(text)
        self.stream.flush()

    def clear(self) -> None:
        if self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
