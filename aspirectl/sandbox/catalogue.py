"""Named sandbox scenarios: which upstream misbehaves, and how. Data only (cheap to import)."""

from __future__ import annotations

from dataclasses import dataclass, field

TRANSPORTS = ("refused", "hang", "drip", "reset", "huge", "invalid-json", "tls")


@dataclass(frozen=True)
class Behaviour:
    fault: str | None = None  # a simulator fault for every request of this upstream
    model_faults: tuple[tuple[str, str], ...] = ()  # (model, fault) for one model only
    transport: str | None = None  # one of TRANSPORTS
    delay_s: float = 0.0

    def fault_map(self) -> dict[str, str]:
        return dict(self.model_faults)


@dataclass(frozen=True)
class Scenario:
    name: str
    summary: str
    upstreams: dict[str, Behaviour] = field(default_factory=dict)
    default: Behaviour = Behaviour()

    def behaviour(self, upstream: str) -> Behaviour:
        return self.upstreams.get(upstream, self.default)


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("all-up", "every upstream answers, the ones the chain files declare deferred or "
                 "broken too: exits 1, because those declarations are now stale"),
        Scenario(
            "seed",
            "the state of 2026-05-21: codex-shim refuses connections, qwen-3.6-omni's vision path "
            "502s on cloud-first.ai, Code Assist answers capacity-exhausted 429, the rest healthy",
            {
                "codex-shim": Behaviour(transport="refused"),
                "cloud-first-litellm": Behaviour(model_faults=(("qwen-3.6-omni", "bad_gateway"),)),
                "google-code-assist": Behaviour(fault="capacity"),
            },
        ),
        Scenario(
            "oauth-exhausted",
            "the Claude Max subscription quota is rejected: the paid Anthropic API serves Claude",
            {"anthropic-oauth": Behaviour(fault="subscription_rejected")},
        ),
        Scenario(
            "outage",
            "whole families down: Claude overloaded on both hops, GPT refused then 502, Gemini at "
            "capacity then overloaded, cloud-first.ai unreachable",
            {
                "anthropic-oauth": Behaviour(fault="overloaded"),
                "anthropic-api": Behaviour(fault="overloaded"),
                "codex-shim": Behaviour(transport="refused"),
                "openai-api": Behaviour(fault="bad_gateway"),
                "google-code-assist": Behaviour(fault="capacity"),
                "google-ai-studio": Behaviour(fault="overloaded"),
                "cloud-first-litellm": Behaviour(transport="refused"),
            },
        ),
        Scenario("hung", "every upstream accepts the connection and never answers",
                 default=Behaviour(transport="hang")),
        Scenario("slow-drip", "every upstream answers one byte every half second",
                 default=Behaviour(transport="drip")),
    )
}

SCENARIO_NAMES = tuple(SCENARIOS)
