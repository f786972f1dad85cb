from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aspirectl.catalog.model import AuthScheme, Protocol
from aspirectl.sandbox.httpserver import Request, Response


@dataclass
class SimUpstream:
    name: str
    protocol: Protocol
    scheme: AuthScheme
    credential: str
    models: set[str]
    fault: str | None = None
    model_faults: dict[str, str] = field(default_factory=dict)

    def fault_for(self, model: str | None) -> str | None:
        if model and model in self.model_faults:
            return self.model_faults[model]
        return self.fault


# fault(request, upstream, endpoint kind, model) -> a response, or None where it does not show
Fault = Callable[[Request, SimUpstream, str, "str | None"], "Response | None"]


def request_id(prefix: str = "req_") -> str:
    return prefix + secrets.token_hex(12)


def now() -> int:
    return int(time.time())


def iso_in(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + seconds))


def only(kinds: set[str], make: Callable[[Request, SimUpstream, str, str | None], Response]) -> Fault:
    """A fault that shows on some endpoint kinds only."""

    def fault(req: Request, sim: SimUpstream, kind: str, model: str | None) -> Response | None:
        return make(req, sim, kind, model) if kind in kinds else None

    return fault


def apply_fault(faults: dict[str, Fault], req: Request, sim: SimUpstream, kind: str,
                model: str | None) -> Response | None:
    """The scenario's fault for this request, if it shows on this kind of endpoint."""
    fault = sim.fault_for(model)
    return faults[fault](req, sim, kind, model) if fault else None
