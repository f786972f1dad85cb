"""Environment variable names, defined once.

* ``secret_env("openai-api-key")`` -> ``ASPIRECTL_SECRET_OPENAI_API_KEY``: where aspirectl
  itself looks a credential up (before the OS keyring);
* ``gateway_env("openai-api-key")`` -> ``OPENAI_API_KEY``: the variable the exported LiteLLM
  config references (``os.environ/OPENAI_API_KEY``) in the gateway's own environment.
"""

from __future__ import annotations

SECRET_PREFIX = "ASPIRECTL_SECRET_"


def _variable(name: str) -> str:
    return name.upper().replace("-", "_").replace(".", "_")


def secret_env(name: str) -> str:
    return SECRET_PREFIX + _variable(name)


def gateway_env(credential: str) -> str:
    return _variable(credential)


# Seconds any one database statement may run (default 60; a lock waits at most 10 of them).
DB_TIMEOUT = "ASPIRECTL_DB_TIMEOUT"
