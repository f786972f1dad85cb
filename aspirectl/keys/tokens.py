"""LiteLLM-compatible key material: sk- + token_urlsafe(16), stored as sha256 hex only."""

from __future__ import annotations

import hashlib
import re
import secrets

KEY_PREFIX = "sk-"
TOKEN_BYTES = 16  # LiteLLM's LENGTH_OF_LITELLM_GENERATED_KEY
# What a LiteLLM virtual key looks like in text (20+ url-safe chars after sk-). No boundary
# before it: flattened tables glue keys to their neighbours ("postizsk-woK9...").
KEY_PATTERN = re.compile(r"sk-[A-Za-z0-9_-]{20,}")
MINTED_LENGTH = len(KEY_PREFIX) + 22  # sk- + token_urlsafe(16)


def mint() -> str:
    """A new plaintext key. Its sk- shape is masked by the redactor wherever it might leak; the
    process can no longer dump core once one exists."""
    from aspirectl.secrets.memory import no_core_dumps

    no_core_dumps()
    return KEY_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(plaintext: str) -> str:
    """SHA-256 hex of the whole key, ``sk-`` included (LiteLLM's hash_token)."""
    return hashlib.sha256(plaintext.encode()).hexdigest()


def key_name(plaintext: str) -> str:
    """LiteLLM's abbreviation: ``sk-...`` and the last 4 characters."""
    return f"sk-...{plaintext[-4:]}"
