"""Mask every key, token and credential in any text that leaves the process.

Two layers: shapes (provider keys, JWTs, bearer headers, ``key=`` query values, DB URL
passwords) and the exact values of every credential this process has resolved, which are
registered here when they are looked up. Every renderer, the state file and every error
line go through ``redact``.
"""

from __future__ import annotations

import math
import re
import threading
from typing import Any

MASK = "[redacted]"

_known: set[str] = set()
_known_lock = threading.Lock()
_known_re: re.Pattern[str] | None = None  # pragma: no mutate  (built from _known when next used)
_dirty = False  # pragma: no mutate  (True would only build the same pattern once more)


# An upstream that refuses a key often echoes it cut short ("sk-proj-abc...wxyz", "the key
# ABCD... is invalid"): a long secret's leading part alone is masked too, and so is any run
# of ECHOED_RUN characters or more from inside it (an answer quoting the key's middle).
ECHOED_PREFIX_MIN = 16
ECHOED_RUN = 12
_grams: set[str] = set()


def register(value: str | None, *, short_ok: bool = False) -> None:
    """Remember a secret value so it is masked wherever it appears later (values of 4 or 5
    characters only with ``short_ok``: a DB password the operator typed, say; anything
    shorter would mask ordinary words)."""
    global _dirty
    if not value or len(value) < (4 if short_ok else 6):
        return
    forms = {value}
    if len(value) >= ECHOED_PREFIX_MIN:  # its first half alone (its first len-4 are a run below)
        forms.add(value[: len(value) // 2])
    grams = {value[i:i + ECHOED_RUN] for i in range(len(value) - ECHOED_RUN + 1)}
    with _known_lock:
        if not forms <= _known:
            _known.update(forms)
            _dirty = True
        _grams.update(grams)


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
    # a password in any URL's user info, whatever the scheme's case, up to the last '@'
    ((r"(?i)\b([a-z][a-z0-9+.\-]*://[^:/@\s]*):\S*@"), r"\1:" + MASK + "@"),
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
# ("key" covers api-key, x-api-key and x-goog-api-key)
_TRIGGERS = ("sk-", "aiza", "ya29.", "eyj", "authorization", "cookie", "account-id", "key",
             "token", "sig", "password", "secret", "://")


_PREFIX = re.compile(r"^(?:[A-Za-z][\w+.\-]*:(?://?)?|//)?", re.S)


def mask_url(url: str) -> str:
    """A connection URL for a message: any password masked (with '@' in it, with or without a
    scheme, with a typo such as one slash: everything between the scheme and the last '@' that
    holds a ':'), and remembered so that an error echoing it is masked as well. A user name
    alone (postgresql://postgres@db/x) is no secret and stays."""
    text = url.strip()
    at = text.rfind("@")
    if at < 0:
        return redact(text)
    head, rest = text[:at], text[at + 1:]
    prefix = _PREFIX.match(head).group(0)  # type: ignore[union-attr]  # matches "" at least
    userinfo = head[len(prefix):]
    user, sep, password = userinfo.partition(":")
    if not sep and prefix.endswith(":") and userinfo:
        # "user:password@host" with no scheme: what looked like a scheme ("bob:") is the user
        register(userinfo, short_ok=True)
        return f"{prefix}{MASK}@{rest}"
    if not sep:
        return redact(text)
    register(password, short_ok=True)
    shown_user = user if user and "/" not in user else ""
    return f"{prefix}{shown_user}:{MASK}@{rest}" if shown_user else f"{prefix}{MASK}@{rest}"


def display_url(url: str) -> str:
    """A service URL to show (tables, status pages, notices): no userinfo at all, since a
    user name alone may be a token (``https://TOKEN@gw``); what was there is remembered so
    that an error echoing it is masked too."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
        port = parts.port
    except ValueError:
        return mask_url(url)
    if "@" not in parts.netloc or not host:
        return redact(url)
    for secret in (parts.username, parts.password):
        if secret:
            register(secret, short_ok=True)
    netloc = f"[{host}]" if ":" in host else host
    netloc = f"{MASK}@{netloc}" + (f":{port}" if port else "")
    return parts._replace(netloc=netloc).geturl()


def _mask_inner_runs(text: str) -> str:
    """Every stretch of ``text`` covered by ECHOED_RUN-character windows that occur inside a
    registered secret becomes one MASK (one set lookup per position)."""
    spans: list[list[int]] = []
    for i in range(len(text) - ECHOED_RUN + 1):
        if text[i:i + ECHOED_RUN] in _grams:
            if spans and spans[-1][1] >= i:
                spans[-1][1] = i + ECHOED_RUN
            else:
                spans.append([i, i + ECHOED_RUN])
    if not spans:
        return text
    out, last = [], 0
    for start, end in spans:
        out.append(text[last:start])
        out.append(MASK)
        last = end
    out.append(text[last:])
    return "".join(out)


def redact(text: str) -> str:
    if not text:
        return text
    known = _known_pattern()
    if known is not None:
        text = known.sub(MASK, text)
    if _grams and len(text) >= ECHOED_RUN:
        text = _mask_inner_runs(text)
    lowered = text.lower()
    if not any(trigger in lowered for trigger in _TRIGGERS):
        return text
    for pattern, replacement in _shapes():
        text = pattern.sub(replacement, text)
    return text


def redact_obj(value: Any) -> Any:
    """Redact every string inside a JSON-like document (a non-finite number becomes null:
    JSON has no NaN or Infinity)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: redact_obj(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_obj(v) for v in value]
    return value
