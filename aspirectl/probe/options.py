"""How a probe run behaves (kept apart from the runner so that planning imports no httpx)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DEFAULT_TIMEOUT = 10.0
DEFAULT_DEADLINE = 20.0
DEFAULT_CONCURRENCY = 100
BODY_CAP = 1 << 20  # bytes read from any response


@dataclass(frozen=True)
class RunOptions:
    timeout: float = DEFAULT_TIMEOUT
    deadline: float = DEFAULT_DEADLINE
    concurrency: int = DEFAULT_CONCURRENCY
    body_cap: int = BODY_CAP
    trust_env: bool = True
    verify: Any = True  # bool or an ssl.SSLContext
