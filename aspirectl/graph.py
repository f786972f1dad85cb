"""The live chain as a graph: one node per (alias, hop), the edge each alias actually takes,
the declared fallbacks, the loud failure. Pure data from the routing decisions; the Mermaid
and SVG renderers draw it. Node ids are derived from names only, so two pictures of the same
catalog diff line by line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aspirectl.catalog.model import Catalog
    from aspirectl.routing import Decision, HopState

# The node classes: what a person must see at a glance.
OK = "ok"  # serves (or would, as a standby)
FALLBACK = "fallback"  # serves an alias that its first expected hop does not
DOWN = "down"  # does not serve, and that is news
DEFERRED = "deferred"  # declared deferred/broken and not serving: known, not news
UNKNOWN = "unknown"  # not judged from here (credential not set, no DNS, deadline) or not probed
CLASSES = (OK, FALLBACK, DOWN, DEFERRED, UNKNOWN)
WORD = {OK: "serves", FALLBACK: "serves (fallback)", DOWN: "down", DEFERRED: "declared down",
        UNKNOWN: "unknown"}


_ESCAPES = {".": "_d", "-": "_h", "_": "_u"}


def _id_part(part: str) -> str:
    return "".join(c if c.isascii() and c.isalnum() else _ESCAPES.get(c) or
                   (f"_x{ord(c):02x}" if ord(c) < 256 else f"_y{ord(c):06x}") for c in part)


def node_id(*parts: str) -> str:
    """A Mermaid node id from names, one-to-one: ``gpt-5.5``, ``gpt-5-5`` and ``gpt_5.5``
    stay three nodes. Each escape is ``_`` and a letter (d . h - u _, x/y and fixed-width hex),
    so no part holds ``__``, the separator: two pictures of one catalog still diff line by line."""
    return "__".join(_id_part(p) for p in parts)


@dataclass
class HopNode:
    id: str
    alias: str
    position: int
    upstream: str
    title: str
    billing: str
    kind: str  # one of CLASSES
    outcome: str  # the outcome code, or "not probed"
    cause: str  # a few words: "refused", "quota until 14:00", "overloaded"
    serving: bool  # the hop that serves this alias now


@dataclass
class AliasRow:
    alias: str
    family: str
    id: str
    status: str  # OK | WARNING | CRITICAL | UNKNOWN
    served_by: str | None  # node id of the serving hop (possibly in another alias's row)
    hops: list[HopNode]
    end_id: str
    fails: bool
    fallback_to: str | None  # the declared fallback's target alias
    cross_family: bool
    fallback_taken: bool
    fallback_reason: str
    verdict: str  # one line: "served by openai-api (hop 2), paid per token"
    shares: dict[str, float] = field(default_factory=dict)  # node id -> share of traffic served


@dataclass
class LiveGraph:
    source: str  # live | cached | offline
    families: dict[str, list[AliasRow]]

    @property
    def rows(self) -> list[AliasRow]:
        return [row for rows in self.families.values() for row in rows]

    def node(self, ident: str) -> HopNode | None:
        return next((h for row in self.rows for h in row.hops if h.id == ident), None)


def _cause(h: HopState) -> str:
    """The one-word (or few-word) cause a node shows."""
    from aspirectl.probe.taxonomy import Outcome

    if h.outcome is None:
        return "declared down" if h.known_down else "not probed"
    result = h.result
    if h.outcome is Outcome.QUOTA_EXHAUSTED and result is not None and result.reset_at is not None:
        return f"quota until {result.reset_at:%H:%M}Z"
    if result is not None and not h.serves:
        detail = result.detail.lower()
        for needle, word in (("refused", "refused"), ("dns", "no DNS"), ("tls", "TLS failed"),
                             ("reset", "reset"), ("not set", "no credential here"),
                             ("global deadline", "deadline")):
            if needle in detail:
                return word
    return h.outcome.value.replace("_", " ")


def _kind(h: HopState, serving: bool, on_later_hop: bool) -> str:
    if h.outcome is None:  # not probed (offline): judged on the declaration only
        return DEFERRED if h.known_down else UNKNOWN
    if h.serves:
        return FALLBACK if serving and on_later_hop else OK
    if h.unjudged:
        return UNKNOWN
    return DEFERRED if h.known_down else DOWN


def build(catalog: Catalog, decisions: list[Decision], source: str,
          shares: dict[tuple[str, str], float] | None = None) -> LiveGraph:
    """``shares``: (requested alias, ALIAS@UPSTREAM) -> share of the alias's traffic it served."""
    from aspirectl.litellm.naming import deployment_id

    by_alias = {d.alias: d for d in decisions}
    families: dict[str, list[AliasRow]] = {}
    for alias, info in catalog.aliases.items():
        decision = by_alias.get(alias)
        if decision is None:
            continue
        served = decision.served
        nodes = []
        for h in decision.hops:
            serving = served is not None and served.alias == alias and served.position == h.position
            nodes.append(HopNode(
                id=node_id("hop", alias, str(h.position), h.upstream), alias=alias, position=h.position,
                upstream=h.upstream, title=h.title, billing=h.billing,
                kind=_kind(h, serving, decision.on_later_hop), outcome=h.label, cause=_cause(h),
                serving=serving))
        fallback = catalog.fallback(alias)
        served_id = node_id("hop", served.alias, str(served.position), served.upstream) if served else None
        row = AliasRow(
            alias=alias, family=info.family, id=node_id("alias", alias), status=decision.status.name,
            served_by=served_id, hops=nodes, end_id=node_id("end", alias), fails=decision.failing,
            fallback_to=fallback.target if fallback else None,
            cross_family=bool(fallback and fallback.cross_family),
            fallback_taken=decision.fallback is not None, fallback_reason=fallback.reason if fallback else "",
            verdict=decision.served_text)
        if shares:
            for node in nodes:
                share = shares.get((alias, deployment_id(alias, node.upstream)))
                if share:
                    row.shares[node.id] = share
            if fallback:
                through = sum(v for (asked, dep), v in shares.items()
                              if asked == alias and dep.split("@", 1)[0] == fallback.target)
                if through:
                    row.shares[row.id + "_fallback"] = through
        families.setdefault(info.family, []).append(row)
    return LiveGraph(source, families)
