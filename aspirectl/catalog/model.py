"""The chain catalog as frozen, typed data. Built by ``catalog.loader``; read everywhere."""


from datetime import date
from enum import StrEnum
from typing import NamedTuple


class Protocol(StrEnum):
    ANTHROPIC = "anthropic"
    OPENAI = "openai"
    LITELLM = "litellm"
    GEMINI = "gemini"
    CODE_ASSIST = "code-assist"


class Billing(StrEnum):
    SUBSCRIPTION = "subscription"
    PAID = "paid"
    OWNED = "owned"
    FREE_TIER = "free-tier"


BILLING_COST = {
    Billing.SUBSCRIPTION: "$0 marginal — subscription",
    Billing.PAID: "paid per token",
    Billing.OWNED: "Aspire-owned upstream",
    Billing.FREE_TIER: "$0 — free tier",
}


class AuthScheme(StrEnum):
    API_KEY = "api-key"  # provider API key in the provider's key header
    BEARER = "bearer"  # Authorization: Bearer <key> (OpenAI, LiteLLM)
    OAUTH_BEARER = "oauth-bearer"  # OAuth access token owned by the gateway, never refreshed
    NONE = "none"


class DeclaredStatus(StrEnum):
    OK = "ok"
    DEGRADED = "degraded"
    DEFERRED = "deferred"  # known not to work yet (planned); probed, not news
    BROKEN = "broken"  # known down; probed, not news


KNOWN_DOWN = frozenset({DeclaredStatus.DEFERRED, DeclaredStatus.BROKEN})


class DeclaredState(NamedTuple):
    status: DeclaredStatus
    since: date | None = None
    note: str = ""

    @property
    def known_down(self) -> bool:
        return self.status in KNOWN_DOWN

    def to_dict(self) -> dict[str, object]:
        return {
            "status": self.status.value,
            "since": self.since.isoformat() if self.since else None,
            "note": self.note,
        }


class Source(NamedTuple):
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


class Auth(NamedTuple):
    scheme: AuthScheme
    credential: str | None


class DataPolicy(NamedTuple):
    retention: str = "provider-default"
    cleared_for: tuple[str, ...] = ()
    note: str = ""


class Upstream(NamedTuple):
    name: str
    title: str
    protocol: Protocol
    base_url: str
    auth: Auth
    billing: Billing
    source: Source
    state: DeclaredState | None = None
    note: str = ""
    data: DataPolicy = DataPolicy()
    canary: bool = False  # the default probe includes the 1-token canary ($0 hops only)

    @property
    def cost(self) -> str:
        return BILLING_COST[self.billing]


class Hop(NamedTuple):
    upstream: str
    why: str = ""
    models: tuple[tuple[str, str], ...] = ()  # (alias, upstream model id) overrides
    alias_states: tuple[tuple[str, DeclaredState], ...] = ()
    source: Source | None = None

    def model_for(self, alias: str) -> str:
        return dict(self.models).get(alias, alias)

    def alias_state(self, alias: str) -> DeclaredState | None:
        return dict(self.alias_states).get(alias)


class Fallback(NamedTuple):
    alias: str
    target: str
    cross_family: bool
    reason: str
    advice: str = ""
    source: Source | None = None


class Alias(NamedTuple):
    name: str
    family: str
    note: str = ""
    source: Source | None = None


class Family(NamedTuple):
    name: str
    title: str
    aliases: tuple[str, ...]
    hops: tuple[Hop, ...]
    fallbacks: tuple[Fallback, ...]
    source: Source
    note: str = ""

    def fallback_for(self, alias: str) -> Fallback | None:
        return next((f for f in self.fallbacks if f.alias == alias), None)


class SensitivityPolicy(NamedTuple):
    enforced: bool = False
    classes: tuple[str, ...] = ()
    note: str = ""


class Egress(StrEnum):
    """How aspirectl may reach an upstream from the machine it runs on."""

    DIRECT = "direct"  # straight to each upstream, with the operator's copy of its credential
    GATEWAY_ONLY = "gateway-only"  # only through the gateway (Aspire's only egress for LLM traffic)


class GatewayPolicy(NamedTuple):
    """The catalog's `gateway:` block in upstreams.yaml: where the gateway runs (its replicas,
    each a URL; the first is the default --gateway-url) and whether it is the only egress."""

    replicas: tuple[str, ...] = ()
    egress: Egress = Egress.DIRECT

    @property
    def only_egress(self) -> bool:
        return self.egress is Egress.GATEWAY_ONLY


class Catalog(NamedTuple):
    directory: str
    upstreams: dict[str, Upstream]
    families: dict[str, Family]
    aliases: dict[str, Alias]
    sensitivity: SensitivityPolicy = SensitivityPolicy()
    gateway: GatewayPolicy = GatewayPolicy()

    def family_of(self, alias: str) -> Family:
        return self.families[self.aliases[alias].family]

    def hops(self, alias: str) -> tuple[Hop, ...]:
        return self.family_of(alias).hops

    def fallback(self, alias: str) -> Fallback | None:
        return self.family_of(alias).fallback_for(alias)

    def declared_state(self, alias: str, hop: Hop) -> DeclaredState | None:
        """The alias-level state on this hop wins over the upstream's own."""
        return hop.alias_state(alias) or self.upstreams[hop.upstream].state

    def expand(self, names: list[str]) -> list[str]:
        """Alias and family names -> alias names, in catalog order, without repeats."""
        wanted: list[str] = []
        for name in names:
            members = self.families[name].aliases if name in self.families else (name,)
            wanted.extend(a for a in members if a not in wanted)
        return wanted

    @property
    def names(self) -> list[str]:
        return [*self.aliases, *self.families]
