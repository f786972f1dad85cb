"""Find LiteLLM virtual keys in files and say which of them still open the gateway."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from aspirectl.keys.model import KeyRecord
from aspirectl.keys.tokens import KEY_PATTERN, MINTED_LENGTH, hash_token, key_name
from aspirectl.safefile import describe_unreadable, read_regular
from aspirectl.textsafe import one_line

MAX_FILE_BYTES = 16 * 1024 * 1024
SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", ".tox"}


@dataclass(frozen=True)
class Sighting:
    """One sk-... string: its hash and name, and those of its minted-length prefix (text glued
    after a key, "...CyU5vSQ2026-05-09", would otherwise hide it). The plaintext is not kept."""

    path: str
    line: int
    candidates: tuple[tuple[str, str], ...]  # (sha256, sk-...abcd), longest first

    @property
    def tokens(self) -> list[str]:
        return [token for token, _ in self.candidates]


@dataclass(frozen=True)
class Finding:
    sighting: Sighting
    record: KeyRecord | None  # None: not a key of this gateway
    key_name: str

    @property
    def live(self) -> bool:
        return self.record is not None and self.record.status.authenticates


def match(sighting: Sighting, records: dict[str, KeyRecord]) -> Finding:
    for token, name in sighting.candidates:
        if token in records:
            return Finding(sighting, records[token], name)
    return Finding(sighting, None, sighting.candidates[0][1])


def _files(paths: list[Path]) -> Iterator[Path]:
    """Every file below the roots; symlinked directories are not entered (os.walk's default),
    so a link loop cannot make the walk endless."""
    for root in paths:
        if not root.is_dir():
            yield root
            continue
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
            for name in sorted(files):
                yield Path(folder) / name


def sightings(paths: list[Path]) -> tuple[list[Sighting], list[str]]:
    """Every sk-... string in the files, hashed at once. Returns (sightings, skipped notes)."""
    found: list[Sighting] = []
    skipped: list[str] = []
    for path in _files(paths):
        shown = one_line(path, 500)  # a file name may hold a newline or an escape sequence
        try:
            # Regular files only, never through a symlink, never blocking on a FIFO, capped.
            data, larger = read_regular(path, MAX_FILE_BYTES)
        except OSError as exc:
            skipped.append(f"{shown}: {describe_unreadable(exc)}")
            continue
        if larger:
            skipped.append(f"{shown}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB, skipped")
            continue
        if b"\0" in data[:8192]:
            continue  # binary
        text = data.decode("utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            for hit in KEY_PATTERN.finditer(line):
                text = hit.group(0)
                forms = [text] + ([text[:MINTED_LENGTH]] if len(text) > MINTED_LENGTH else [])
                found.append(Sighting(shown, number,
                                      tuple((hash_token(f), key_name(f)) for f in forms)))
    return found, skipped
