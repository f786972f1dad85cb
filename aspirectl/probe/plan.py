"""Which (alias, hop) pairs to probe for a set of aliases, with their credentials."""

from __future__ import annotations

from aspirectl.catalog.model import Catalog
from aspirectl.probe.adapter import ProbeTarget
from aspirectl.secrets.store import Resolver


def with_fallbacks(catalog: Catalog, aliases: list[str]) -> list[str]:
    """The aliases plus every alias their declared fallbacks lead to (route needs them)."""
    out: list[str] = []
    pending = list(aliases)
    while pending:
        alias = pending.pop(0)
        if alias in out:
            continue
        out.append(alias)
        fb = catalog.fallback(alias)
        if fb:
            pending.append(fb.target)
    return out


def plan_targets(catalog: Catalog, aliases: list[str], resolver: Resolver,
                 deep: bool = False, via: str | None = None) -> list[ProbeTarget]:
    """One target per (alias, hop). With ``via`` (the gateway's URL) every hop is asked through
    the gateway, by its model group there, with the gateway key: no upstream credential is
    read at all."""
    targets = []
    values: dict[str, str | None] = {}
    if via:
        from aspirectl.gateway.check import GATEWAY_KEY
        from aspirectl.litellm.naming import group_name

        key = resolver.value(GATEWAY_KEY)
        for alias in with_fallbacks(catalog, aliases):
            for position, hop in enumerate(catalog.hops(alias), 1):
                targets.append(ProbeTarget(
                    alias=alias, family=catalog.aliases[alias].family, position=position,
                    upstream=catalog.upstreams[hop.upstream], model=group_name(alias, position, hop.upstream),
                    credential=key, declared=catalog.declared_state(alias, hop), canary=True, via=via))
        return targets
    for alias in with_fallbacks(catalog, aliases):
        family = catalog.aliases[alias].family
        for position, hop in enumerate(catalog.hops(alias), 1):
            upstream = catalog.upstreams[hop.upstream]
            name = upstream.auth.credential or ""
            if name not in values:
                values[name] = resolver.value(name)
            targets.append(ProbeTarget(
                alias=alias, family=family, position=position, upstream=upstream,
                model=hop.model_for(alias), credential=values[name],
                declared=catalog.declared_state(alias, hop), canary=deep or upstream.canary,
            ))
    return targets
