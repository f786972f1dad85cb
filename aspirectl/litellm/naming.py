"""How aspirectl names things in LiteLLM's world, once: each hop's deployment and model group,
and the gateway's environment variable for each credential.

Hop 1 of an alias is the model group named after the alias; hop N > 1 is its own group
``ALIAS@UPSTREAM``; every deployment's ``model_info.id`` is ``ALIAS@UPSTREAM``, so LiteLLM's
``x-litellm-model-id`` header and the spend log's ``model_id`` name the hop that served.
"""

from __future__ import annotations

from aspirectl.envnames import gateway_env


def deployment_id(alias: str, upstream: str) -> str:
    """The ``model_info.id`` of an alias's hop: ``ALIAS@UPSTREAM``."""
    return f"{alias}@{upstream}"


def group_name(alias: str, position: int, upstream: str) -> str:
    """The model group a hop is asked by: the alias for hop 1, ``ALIAS@UPSTREAM`` after it."""
    return alias if position == 1 else deployment_id(alias, upstream)


def env_var(credential: str) -> str:
    """The gateway's environment variable for a credential name: openai-api-key -> OPENAI_API_KEY."""
    return gateway_env(credential)
