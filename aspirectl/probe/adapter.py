"""What a protocol module provides, and the target one probe is aimed at."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Protocol, cast

from aspirectl.catalog.model import DeclaredState, Upstream
from aspirectl.catalog.model import Protocol as WireProtocol
from aspirectl.probe.outcomes import Facts, Rule, Verdict


@dataclass(frozen=True)
class ProbeTarget:
    """One (alias, hop): the unit a probe result is about."""

    alias: str
    family: str
    position: int
    upstream: Upstream
    model: str
    credential: str | None
    declared: DeclaredState | None = None
    canary: bool = False  # include the 1-token generation (deep, or the upstream says always)
    via: str | None = None  # the gateway's base URL when the hop is probed through it (then
    # ``model`` is the hop's model group there and ``credential`` the gateway key)

    @property
    def base_url(self) -> str:
        """Where the probe's requests go: the gateway, or the upstream itself."""
        return self.via or self.upstream.base_url

    @property
    def endpoint(self) -> str:
        """What a shared step is shared across: one gateway, or one upstream."""
        return f"gateway {self.via}" if self.via else self.upstream.name


Context = Mapping[str, Facts]  # facts of earlier steps of the same hop, by step name
Judge = Callable[[Facts, ProbeTarget, Context], Verdict | None]


@dataclass(frozen=True)
class Step:
    """One HTTP request of a probe. A 2xx passes unless ``judge`` says otherwise."""

    name: str
    method: str
    path: str
    ok: str  # what a pass proves, shown in the OK detail
    json: Any | Callable[[Context], Any] = None
    params: tuple[tuple[str, str], ...] = ()
    shared: bool = False  # the same for every alias on this upstream: sent once per run
    auth: bool = True
    inconclusive: frozenset[int] = frozenset()  # statuses that prove nothing: go on
    judge: Judge | None = None
    judged_statuses: frozenset[int] = frozenset()  # non-2xx statuses the judge reads too

    def body(self, context: Context) -> Any:
        return self.json(context) if callable(self.json) else self.json


class Adapter(Protocol):
    RULES: tuple[Rule, ...]

    def headers(self, target: ProbeTarget) -> dict[str, str]: ...

    def steps(self, target: ProbeTarget) -> list[Step]: ...

    def describe(self, facts: Facts) -> None: ...


_MODULES = {
    WireProtocol.ANTHROPIC: "aspirectl.probe.protocols.anthropic",
    WireProtocol.OPENAI: "aspirectl.probe.protocols.openai",
    WireProtocol.LITELLM: "aspirectl.probe.protocols.litellm",
    WireProtocol.GEMINI: "aspirectl.probe.protocols.gemini",
    WireProtocol.CODE_ASSIST: "aspirectl.probe.protocols.code_assist",
}


GATEWAY_MODULE = "aspirectl.probe.protocols.gateway"


def adapter_for(protocol: WireProtocol) -> Adapter:
    """The protocol's module: it provides what ``Adapter`` describes."""
    module: ModuleType = importlib.import_module(_MODULES[protocol])
    return cast(Adapter, module)


def adapter_for_target(target: ProbeTarget) -> Adapter:
    """A hop probed through the gateway speaks the gateway's protocol, whatever its upstream's."""
    if target.via:
        return cast(Adapter, importlib.import_module(GATEWAY_MODULE))
    return adapter_for(target.upstream.protocol)
