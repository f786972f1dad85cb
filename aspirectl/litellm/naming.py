"""How aspirectl names things in LiteLLM's world, once: each hop's deployment and model group,
and the gateway's environment variable for each credential.

Hop 1 of an alias is the model group named after the alias; hop N > 1 is its own group
``ALIAS@UPSTREAM``; every deployment's ``model_info.id`` is ``ALIAS@UPSTREAM``, so LiteLLM's
``x-litellm-model-id`` header and the spend log's ``model_id`` name the hop that served.

For a release whose spend-log rows do not name the group asked for (before
``releases.ORIGINAL_GROUP_SINCE``), an alias's fallback into another alias's chain goes to its
own copy of each of that chain's deployments, ``REQUESTER>ALIAS@UPSTREAM`` (group and id alike),
so that a row of traffic served or failed by the fallback still names the alias asked for.
A name is only ever one of these three forms: aliases never hold '@' or '>'
(catalog/loader.py's NAME_RE).
"""

from __future__ import annotations

from aspirectl.envnames import gateway_env


def deployment_id(alias: str, upstream: str) -> str:
    """The ``model_info.id`` of an alias's hop: ``ALIAS@UPSTREAM``."""
    return f"{alias}@{upstream}"


def group_name(alias: str, position: int, upstream: str) -> str:
    """The model group a hop is asked by: the alias for hop 1, ``ALIAS@UPSTREAM`` after it."""
    return alias if position == 1 else deployment_id(alias, upstream)


FALLBACK_MARK = ">"


def fallback_id(requester: str, alias: str, upstream: str) -> str:
    """The group and ``model_info.id`` of ``requester``'s copy of ``ALIAS@UPSTREAM`` in its
    fallback (releases before ORIGINAL_GROUP_SINCE): ``REQUESTER>ALIAS@UPSTREAM``."""
    return f"{requester}{FALLBACK_MARK}{deployment_id(alias, upstream)}"


def split_fallback(name: str) -> tuple[str | None, str]:
    """(the alias a fallback copy serves, the chains deployment or group it copies):
    ``'a>b@u'`` -> ``('a', 'b@u')``; any other name -> ``(None, name)``."""
    requester, mark, rest = name.partition(FALLBACK_MARK)
    return (requester, rest) if mark and requester and rest else (None, name)


def served_deployment(name: str) -> str:
    """The chains deployment (``ALIAS@UPSTREAM``) that a deployment id names, a fallback copy
    included: what served, whoever asked."""
    return split_fallback(name)[1]


def alias_of(name: str) -> str:
    """The alias whose chain a group or deployment id belongs to: ``b`` for ``b``, ``b@u`` and
    ``a>b@u``."""
    return served_deployment(name).split("@", 1)[0]


def env_var(credential: str) -> str:
    """The gateway's environment variable for a credential name: openai-api-key -> OPENAI_API_KEY."""
    return gateway_env(credential)
