"""Read-only views of the catalog that commands show: data only, rendering is elsewhere."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aspirectl.catalog.loader import END_OF_CHAIN
from aspirectl.catalog.model import Catalog, DeclaredState, Fallback, Hop

SCHEMA_CHAINS = "aspirectl.chains/v1"


@dataclass(frozen=True)
class HopView:
    position: int
    upstream: str
    title: str
    protocol: str
    billing: str
    cost: str
    model: str
    credential: str | None
    state: DeclaredState | None
    why: str
    note: str
    data_retention: str = "provider-default"
    cleared_for: tuple[str, ...] = ()
    data_note: str = ""

    @property
    def tag(self) -> str:
        state = f", {self.state.status.value}" if self.state else ""
        return f"{self.upstream} [{self.billing}{state}]"

    def to_dict(self) -> dict[str, object]:
        return {
            "position": self.position,
            "upstream": self.upstream,
            "title": self.title,
            "protocol": self.protocol,
            "billing": self.billing,
            "cost": self.cost,
            "model": self.model,
            "credential": self.credential,
            "declared_state": self.state.to_dict() if self.state else None,
            "why": self.why,
            "note": self.note,
            "data": {"retention": self.data_retention, "cleared_for": list(self.cleared_for),
                     "note": self.data_note},
        }


@dataclass(frozen=True)
class AliasChain:
    alias: str
    family: str
    hops: tuple[HopView, ...]
    fallback: Fallback | None

    def to_dict(self) -> dict[str, object]:
        fb = self.fallback
        return {
            "alias": self.alias,
            "family": self.family,
            "hops": [h.to_dict() for h in self.hops],
            "fallback": None if fb is None else {
                "alias": fb.target,
                "cross_family": fb.cross_family,
                "reason": fb.reason,
                "advice": fb.advice,
            },
            "end": END_OF_CHAIN,
        }


def hop_view(catalog: Catalog, alias: str, hop: Hop, position: int) -> HopView:
    up = catalog.upstreams[hop.upstream]
    return HopView(
        position=position,
        upstream=up.name,
        title=up.title,
        protocol=up.protocol.value,
        billing=up.billing.value,
        cost=up.cost,
        model=hop.model_for(alias),
        credential=up.auth.credential,
        state=catalog.declared_state(alias, hop),
        why=hop.why,
        note=up.note,
        data_retention=up.data.retention,
        cleared_for=up.data.cleared_for,
        data_note=up.data.note,
    )


def alias_chain(catalog: Catalog, alias: str) -> AliasChain:
    hops = tuple(hop_view(catalog, alias, h, i) for i, h in enumerate(catalog.hops(alias), 1))
    return AliasChain(alias, catalog.aliases[alias].family, hops, catalog.fallback(alias))


def chain_listing(catalog: Catalog, names: list[str] | None = None) -> list[AliasChain]:
    aliases = catalog.expand(names) if names else list(catalog.aliases)
    return [alias_chain(catalog, a) for a in aliases]


def family_document(catalog: Catalog, family: str) -> dict[str, object]:
    fam = catalog.families[family]
    return {
        "schema": SCHEMA_CHAINS,
        "chains_dir": str(Path(catalog.directory).resolve()),
        "family": fam.name,
        "title": fam.title,
        "note": fam.note,
        "source": str(fam.source),
        "aliases": [alias_chain(catalog, a).to_dict() for a in fam.aliases],
        "upstreams": {
            h.upstream: upstream_document(catalog, h.upstream) for h in fam.hops
        },
    }


def upstream_document(catalog: Catalog, name: str) -> dict[str, object]:
    up = catalog.upstreams[name]
    return {
        "title": up.title,
        "protocol": up.protocol.value,
        "base_url": up.base_url,
        "auth": {"scheme": up.auth.scheme.value, "credential": up.auth.credential},
        "billing": up.billing.value,
        "cost": up.cost,
        "declared_state": up.state.to_dict() if up.state else None,
        "note": up.note,
        "data": {"retention": up.data.retention, "cleared_for": list(up.data.cleared_for),
                 "note": up.data.note},
        "canary_by_default": up.canary,
        "source": str(up.source),
    }
