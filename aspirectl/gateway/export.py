"""The catalog as a LiteLLM proxy config.yaml.

One deployment per (alias, hop). Hop 1 of an alias is the model group named after the alias;
hop N > 1 is its own group ``ALIAS@UPSTREAM``. The chain order is LiteLLM's own mechanism,
``router_settings.fallbacks``: each alias lists its later hops, then (for a declared
cross-family fallback) the target alias's whole chain. Every deployment's ``model_info.id``
is ``ALIAS@UPSTREAM``, so ``x-litellm-model-id`` names the hop that served. No retries and no
cooldowns, so a failing first hop is never hidden. Credentials are ``os.environ/NAME``
references, never values.

For a release that logs no requested group (before ``releases.ORIGINAL_GROUP_SINCE``: 1.80.0
and 1.85.0 write only the serving group and deployment, and when every hop fails the last one
tried), an alias's fallback into another alias's chain goes to the alias's own copies of that
chain's deployments (``REQUESTER>ALIAS@UPSTREAM``, the same call), so the spend log of traffic
its fallback served or failed still says which alias was asked for. From that release the
rows say it themselves, and LiteLLM can check a key's access to each fallback group: the
fallbacks name the target's own groups, which `keys create --models` grants.
"""

from __future__ import annotations

from typing import Any

from aspirectl.catalog.model import AuthScheme, Catalog, Protocol, Upstream
from aspirectl.litellm.naming import deployment_id, env_var, fallback_id, group_name
from aspirectl.litellm.releases import DEFAULT_TARGET, NATIVE_OAUTH_SINCE, logs_requested_group
from aspirectl.probe.protocols.anthropic import OAUTH_BETA  # one home: the wire protocol's
from aspirectl.textsafe import one_line

# From this LiteLLM release its anthropic provider sends an 'sk-ant-oat' api_key as
# 'Authorization: Bearer' with the oauth beta itself (llms/anthropic/common_utils.py: 1.81.11
# still sends x-api-key, 1.81.12 does not); the Bearer in extra_headers would then be a second
# one ("Bearer T, Bearer T"), the OAuth hop would answer 401 and the router would serve every
# Claude alias from the paid API. Before it, the Bearer must come through extra_headers.


def native_oauth(target: str | None) -> bool:
    from aspirectl.litellm.releases import release_tuple

    return release_tuple(target or DEFAULT_TARGET) >= release_tuple(NATIVE_OAUTH_SINCE)
CODE_ASSIST_PROVIDER = "code-assist"
HANDLER_MODULE = "aspirectl_code_assist"
HANDLER_FILE = f"{HANDLER_MODULE}.py"  # LiteLLM imports it from the config's directory


def _params(upstream: Upstream, model: str, target: str | None = None) -> tuple[dict[str, Any], str]:
    """(litellm_params, comment) for one hop, by wire protocol."""
    key = f"os.environ/{env_var(upstream.auth.credential or 'none')}"
    base = upstream.base_url
    table: dict[Protocol, tuple[dict[str, Any], str]] = {
        Protocol.ANTHROPIC: ({"model": f"anthropic/{model}", "api_base": base, "api_key": key}, ""),
        Protocol.OPENAI: ({"model": f"openai/{model}", "api_base": base, "api_key": key}, ""),
        Protocol.LITELLM: ({"model": f"openai/{model}", "api_base": f"{base}/v1", "api_key": key},
                           "a LiteLLM proxy upstream, OpenAI-compatible at /v1"),
        Protocol.GEMINI: ({"model": f"gemini/{model}", "api_base": f"{base}/v1beta", "api_key": key}, ""),
        Protocol.CODE_ASSIST: ({"model": f"{CODE_ASSIST_PROVIDER}/{model}", "api_base": base, "api_key": key},
                               f"custom provider: {HANDLER_FILE} beside this config "
                               "(aspirectl chains export --write DIR)"),
    }
    params, comment = table[upstream.protocol]
    oauth = upstream.protocol is Protocol.ANTHROPIC and upstream.auth.scheme is AuthScheme.OAUTH_BEARER
    if oauth and native_oauth(target):
        comment = (f"Claude Max OAuth: LiteLLM {NATIVE_OAUTH_SINCE}+ sends the OAuth token in "
                   f"{env_var(upstream.auth.credential or '')} as a Bearer with the oauth beta itself")
    elif oauth:
        # LiteLLM's anthropic provider always sends api_key as x-api-key; the OAuth token must
        # go as a Bearer with the oauth beta (the gateway owns and refreshes it).
        params["extra_headers"] = {
            "Authorization": f"os.environ/{env_var(upstream.auth.credential or '')}_BEARER",
            "anthropic-beta": OAUTH_BETA,
        }
        comment = (f"Claude Max OAuth: set {env_var(upstream.auth.credential or '')}_BEARER='Bearer <token>' "
                   "in the gateway's environment")
    return params, comment


def needs_handler(catalog: Catalog) -> bool:
    return any(u.protocol is Protocol.CODE_ASSIST for u in catalog.upstreams.values())


def handler_source() -> str:
    from pathlib import Path

    return (Path(__file__).with_name(HANDLER_FILE)).read_text(encoding="utf-8")


def walk(catalog: Catalog, alias: str) -> list[tuple[str, int, str]]:
    """Every (alias, position, upstream) the gateway tries for an alias, in order."""
    out: list[tuple[str, int, str]] = []
    seen: set[str] = set()
    current: str | None = alias
    while current and current not in seen:
        seen.add(current)
        out.extend((current, i, hop.upstream) for i, hop in enumerate(catalog.hops(current), 1))
        fallback = catalog.fallback(current)
        current = fallback.target if fallback else None
    return out


def fallback_reach(catalog: Catalog, requester: str) -> list[tuple[str, int, str]]:
    """The (alias, position, upstream) of other aliases' hops that ``requester``'s declared
    fallback reaches, in the order the gateway tries them."""
    return [(a, p, u) for a, p, u in walk(catalog, requester) if a != requester]


def chain_groups(catalog: Catalog, alias: str, target: str | None = None) -> list[str]:
    """Every model group the gateway tries for ``alias``, in order, as the export for release
    ``target`` names them: its own hops' groups, then its fallback's (its own copies of them
    where the release logs no requested group)."""
    copies = not logs_requested_group(target)
    return [fallback_id(alias, a, u) if copies and a != alias else group_name(a, p, u)
            for a, p, u in walk(catalog, alias)]


def litellm_config(catalog: Catalog, target: str | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """(config document, comments by deployment id)."""
    model_list: list[dict[str, Any]] = []
    comments: dict[str, str] = {}
    for alias in catalog.aliases:
        for position, hop in enumerate(catalog.hops(alias), 1):
            upstream = catalog.upstreams[hop.upstream]
            params, comment = _params(upstream, hop.model_for(alias), target)
            ident = deployment_id(alias, upstream.name)
            model_list.append({
                "model_name": group_name(alias, position, upstream.name),
                "litellm_params": params,
                "model_info": {"id": ident, "aspirectl_hop": position, "aspirectl_upstream": upstream.name},
            })
            state = catalog.declared_state(alias, hop)
            declared = f"declared {state.status.value}: {state.note}" if state else ""
            notes = [c for c in (comment, declared) if c]
            if notes:
                comments[ident] = "; ".join(notes)
    if not logs_requested_group(target):
        for requester in catalog.aliases:
            for alias, position, name in fallback_reach(catalog, requester):
                hop = catalog.hops(alias)[position - 1]
                params, comment = _params(catalog.upstreams[name], hop.model_for(alias), target)
                ident = fallback_id(requester, alias, name)
                model_list.append({"model_name": ident, "litellm_params": params, "model_info": {
                    "id": ident, "aspirectl_hop": position, "aspirectl_upstream": name,
                    "aspirectl_fallback_for": requester}})
                copy = (f"{deployment_id(alias, name)} for {requester}'s fallback (LiteLLM "
                        f"{target or DEFAULT_TARGET} logs no requested group)")
                comments[ident] = "; ".join(c for c in (copy, comment) if c)
    fallbacks = []
    for alias in catalog.aliases:
        chain = chain_groups(catalog, alias, target)[1:]
        if chain:
            fallbacks.append({alias: chain})
    document = {
        "model_list": model_list,
        "router_settings": {
            "fallbacks": fallbacks,
            "num_retries": 0,  # a retry would hide a failing first hop
            "disable_cooldowns": True,  # every request tries the chain from its first hop
        },
        "litellm_settings": {"drop_params": True, **({"custom_provider_map": [
            {"provider": CODE_ASSIST_PROVIDER, "custom_handler": f"{HANDLER_MODULE}.handler"}]}
            if needs_handler(catalog) else {})},
        "general_settings": {"master_key": "os.environ/LITELLM_MASTER_KEY"},
    }
    return document, comments


def gateway_env_names(document: Any) -> list[str]:
    """Every variable the config references (os.environ/NAME), read from the document itself:
    a gateway started with exactly these serves every hop."""
    found: set[str] = set()

    def walk_values(value: Any) -> None:
        if isinstance(value, str) and value.startswith("os.environ/"):
            found.add(value[len("os.environ/"):])
        elif isinstance(value, dict):
            for item in value.values():
                walk_values(item)
        elif isinstance(value, list):
            for item in value:
                walk_values(item)

    walk_values(document)
    return sorted(found)


def gateway_env_text(catalog: Catalog, target: str | None = None,
                     values: dict[str, str] | None = None) -> str:
    """An env file for the gateway: every variable the config references, with a value when
    ``values`` gives one (the sandbox), else a comment saying where it comes from."""
    document, _ = litellm_config(catalog, target)
    by_var = {env_var(u.auth.credential): u for u in catalog.upstreams.values() if u.auth.credential}
    lines = ["# The LiteLLM gateway's environment for the exported config (aspirectl chains export).",
             f"# Targets LiteLLM {target or DEFAULT_TARGET}+; every variable below is referenced there."]
    for name in gateway_env_names(document):
        upstream = by_var.get(name) or by_var.get(name.removesuffix("_BEARER"))
        if name.endswith("_BEARER"):
            owner = upstream.name if upstream else ""
            why = f"'Bearer ' + the {owner} OAuth token (LiteLLM before {NATIVE_OAUTH_SINCE})"
        elif upstream is not None:
            why = f"{upstream.name}'s credential '{upstream.auth.credential}'"
        else:
            why = "the proxy's own master key"
        value = (values or {}).get(name, "")
        lines.append(f"# {why}")
        lines.append(f"{name}={value}")
    return "\n".join(lines) + "\n"


def litellm_yaml(catalog: Catalog, target: str | None = None) -> str:
    import yaml

    document, comments = litellm_config(catalog, target)
    text = yaml.safe_dump(document, sort_keys=False, width=110)
    lines = ["# LiteLLM proxy config generated by 'aspirectl chains export --format litellm'.",
             f"# From the chain files in {one_line(catalog.directory, 300)}. Do not edit: change the "
             "chains and",
             "# re-export; 'aspirectl chains export --check CONFIG' lists every difference.",
             f"# For LiteLLM {target or DEFAULT_TARGET} (--litellm-version targets another release).",
             "# Environment the gateway needs: " + ", ".join(gateway_env_names(document)) + "."]
    for fb in (f for fam in catalog.families.values() for f in fam.fallbacks if f.cross_family):
        lines.append(f"# DECLARED cross-family fallback {fb.alias} -> {fb.target}: "
                     f"{one_line(fb.reason, 300)}")
    out = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("id: ") and stripped[4:] in comments:
            # Free text from the chain files is only ever a one-line comment: no line break,
            # no control character, so it can never become a key of the config.
            out.append(f"{line}  # {one_line(comments[stripped[4:]], 300)}")
        else:
            out.append(line)
    rendered = "\n".join(lines + out) + "\n"
    if yaml.safe_load(rendered) != document:  # the comments added nothing but comments
        raise AssertionError("exported config does not round-trip: refusing to print it")
    return rendered
