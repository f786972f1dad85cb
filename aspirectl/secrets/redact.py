"""Mask every key, token and credential in any text that leaves the process.

Two layers: shapes (provider keys, JWTs, bearer headers, ``key=`` query values, DB URL
passwords) and the exact values of every credential this process has resolved, which are
registered here when they are looked up. Every renderer, the state file and every error
line go through ``redact``.
"""

from __future__ import annotations

import re
import threading
from typing import Any

MASK = "[redacted]"

_known: set[str] = set()
_known_lock = threading.Lock()
_known_re: re.Pattern[str] | None = None
_dirty = False


def register(value: str | None) -> None:
    """Remember a secret value so it is masked wherever it appears later."""
    global _dirty
    if not value or len(value) < 6:
        return
    with _known_lock:
        if value not in _known:
            _known.add(value)
            _dirty = True


def _known_pattern() -> re.Pattern[str] | None:
    """Compiled once per change of the set, when something is next redacted."""
    global _known_re, _dirty
    if _dirty:
        with _known_lock:
            ordered = sorted(_known, key=len, reverse=True)
            _known_re = re.compile("|".join(re.escape(v) for v in ordered)) if ordered else None
            _dirty = False
    return _known_re


def _tail4(match: re.Match[str]) -> str:
    return f"sk-...{match.group(0)[-4:]}"


def _auth_header(match: re.Match[str]) -> str:
    scheme = f"{match.group(3)} " if match.group(3) else ""
    return f"{match.group(1)}{match.group(2)}{scheme}{MASK}"


# (pattern, replacement) applied in order; the most specific shapes first. Compiled on first
# use, so that importing this module (every renderer does) costs nothing.
_SHAPE_SOURCES: list[tuple[str, Any]] = [
    ((r"\b(postgres(?:ql)?(?:\+\w+)?://[^:/@\s]*):[^@\s]*@"), r"\1:" + MASK + "@"),
    ((r"sk-ant-[a-z]{3}\d{2}-[A-Za-z0-9_\-]{6,}"), "sk-ant-" + MASK),
    ((r"\bsk-[A-Za-z0-9_\-]{8,}"), _tail4),
    ((r"\bAIza[0-9A-Za-z_\-]{20,}"), "AIza" + MASK),
    ((r"\bya29\.[0-9A-Za-z_\-.]+"), "ya29." + MASK),
    ((r"\beyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*"), "eyJ" + MASK),
    ((r"(?i)\b(authorization|proxy-authorization)(\"?\s*[:=]\s*\"?)(bearer|basic)?\s*"
                r"[^\s\"',}]+"), _auth_header),
    ((r"(?i)\b(x-api-key|x-goog-api-key|api-key|cookie|chatgpt-account-id)"
                r"(\"?\s*[:=]\s*\"?)[^\s\"',}]+"), r"\1\2" + MASK),
    ((r"(?i)([?&;](?:key|api_key|apikey|access_token|token|sig|signature|"
                r"refresh_token|id_token|password|secret)=)[^&\s\"'#]+"), r"\1" + MASK),
    ((r"(?i)(\"(?:access_token|refresh_token|id_token|api_key|apikey|password|"
                r"secret|client_secret|token|key)\"\s*:\s*\")[^\"]+\""), r"\1" + MASK + '"'),
]


_compiled: list[tuple[re.Pattern[str], Any]] = []


def _shapes() -> list[tuple[re.Pattern[str], Any]]:
    if not _compiled:
        _compiled.extend((re.compile(source), replacement) for source, replacement in _SHAPE_SOURCES)
    return _compiled


# Every shape above contains one of these; text without any of them needs no regex at all.
_TRIGGERS = ("sk-", "aiza", "ya29.", "eyj", "authorization", "api-key", "cookie", "account-id", "key",
             "token", "sig", "password", "secret", "postgres")


def redact(text: str) -> str:
    if not text:
        return text
    known = _known_pattern()
    if known is not None:
        text = known.sub(MASK, text)
    lowered = text.lower()
    if not any(trigger in lowered for trigger in _TRIGGERS):
        return text
    for pattern, replacement in _shapes():
        text = pattern.sub(replacement, text)
    return text


def redact_obj(value: Any) -> Any:
    """Redact every string inside a JSON-like document."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_obj(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_obj(v) for v in value]
    return value
