"""LiteLLM release strings: one shape and one ordering, read by `chains export`, `keys` and the
gateway's readiness answer."""

from __future__ import annotations

import re

# Bounded digits and a printable ASCII tail ("1.81.0rc1", "1.108.7-stable"): a readiness
# answer of 5,000 digits or with an escape sequence in it is no release.
RELEASE = re.compile(r"\d{1,4}\.\d{1,4}(\.\d{1,6})?[0-9A-Za-z.+_-]{0,20}")


def is_release(text: str) -> bool:
    return RELEASE.fullmatch(text.strip()) is not None


def release_tuple(text: str) -> tuple[int, ...]:
    """(major, minor, patch) for ordering releases: '1.81.12' > '1.81.9'."""
    numbers = re.findall(r"\d+", text)
    return tuple(int(n) for n in numbers[:3]) if numbers else (0,)
