"""A key change the running gateway honours now: drop the key from every replica's cache.

Each LiteLLM replica caches every key it has seen (user_api_key_cache, 60 s by default, in its
own memory) and reads the cache before the database, so a key blocked or deleted in the
database keeps working on a replica until its entry expires. LiteLLM's POST /key/block (admin
key) blocks the key and drops it from the cache of the replica that handles the call; called on
each replica (an already blocked key too) it drops it there. It needs the row: once the row is
gone (deleted, or moved by a rotation) 1.85.0 and 1.108.7 answer 404 without touching the cache
(../shared/reference/litellm.md section 0; block_key in proxy/management_endpoints/
key_management_endpoints.py). Hence the order the commands keep:

- revoke: block in the database (the source of truth), then drop from every replica's cache;
- delete and rotate --now: drop from every replica's cache first (each replica's /key/block
  also blocks the row, so a request in between caches a blocked key), then change the database.

A replica that cannot be reached is named, with the time by which its cache lets go of the key.
The core returns data and never prints (render/keys.py says it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

ADMIN_KEY = "gateway-admin-key"  # the credential: the gateway's master key (or an admin key)
CACHE_TTL_S = 60  # LiteLLM's default user_api_key_cache_ttl
BLOCK_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Eviction:
    replica: str  # display URL (no userinfo)
    dropped: bool
    detail: str  # "dropped from its key cache", or why not (one printable line)
    holds_until: datetime | None = None  # when its cache lets go of the key at the latest

    def to_dict(self) -> dict[str, Any]:
        return {"replica": self.replica, "dropped": self.dropped, "detail": self.detail,
                "holds_until": self.holds_until.isoformat(timespec="seconds").replace("+00:00", "Z")
                if self.holds_until else None}


async def _block(client: Any, url: str, admin_key: str, tokens: Sequence[str]) -> tuple[bool, str]:
    import httpx

    from aspirectl.gateway.check import error_of, fetch
    from aspirectl.probe.transport import classify_transport

    for token in tokens:
        try:
            answer = await fetch(client, "POST", url.rstrip("/") + "/key/block",
                                  headers={"authorization": f"Bearer {admin_key}"}, json={"key": token})
        except (httpx.HTTPError, OSError) as exc:
            return False, f"not reached ({classify_transport(exc).detail})"
        except Exception as exc:  # a hostile answer: not dropped, with its kind
            return False, f"unreadable answer ({type(exc).__name__})"
        if answer.status == 200:
            continue
        kind, message = error_of(answer.body)
        if answer.status in (401, 403):
            return False, f"refused the admin key ({answer.status}{' ' + kind if kind else ''})"
        if answer.status == 404:
            return False, "answered 404: the key is no longer in the database, so the replica cannot drop it"
        return False, f"answered {answer.status}{': ' + message[:160] if message else ''}"
    return True, "dropped from its key cache"


def settled(evictions: Sequence[Eviction], changed_at: datetime) -> list[Eviction]:
    """The time by which each replica that kept the key lets go of it, counted from the moment
    the database changed (a replica that caches the key after it reads the new state)."""
    import dataclasses

    until = changed_at + timedelta(seconds=CACHE_TTL_S)
    return [e if e.dropped else dataclasses.replace(e, holds_until=until) for e in evictions]


def evict(urls: Sequence[str], admin_key: str, tokens: Sequence[str], now: datetime | None = None,
          timeout: float = BLOCK_TIMEOUT_S) -> list[Eviction]:
    """Block ``tokens`` (SHA-256 hashes: LiteLLM's /key/block takes the hash) on every replica,
    all at once, within ``timeout`` seconds each."""
    import httpx

    from aspirectl.secrets.redact import display_url
    from aspirectl.textsafe import one_line

    if not urls or not tokens:
        return []  # nothing to drop, or nowhere to drop it
    moment = now or datetime.now(UTC)

    async def run() -> list[tuple[bool, str]]:
        async with httpx.AsyncClient(timeout=timeout, trust_env=False, follow_redirects=False) as client:
            async def one(url: str) -> tuple[bool, str]:
                try:
                    async with asyncio.timeout(timeout * max(1, len(tokens))):
                        return await _block(client, url, admin_key, tokens)
                except TimeoutError:
                    return False, f"no answer within {timeout:g}s"

            return list(await asyncio.gather(*(one(u) for u in urls)))

    results = asyncio.run(run())
    return [Eviction(display_url(url), ok, one_line(detail, 300),
                     None if ok else moment + timedelta(seconds=CACHE_TTL_S))
            for url, (ok, detail) in zip(urls, results, strict=True)]
