"""What the running gateway really serves: its process health, its DB, and one minimal
request per alias through it, read from LiteLLM's x-litellm-* headers (never the body's
`model`), set side by side with the direct probe's prediction."""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from aspirectl.gateway.export import deployment_id
from aspirectl.health import Assessment
from aspirectl.probe.protocols.litellm import KEY_REFUSALS, without_trace
from aspirectl.routing import Decision, worst
from aspirectl.secrets.redact import redact
from aspirectl.status import Health
from aspirectl.textsafe import one_line, optional_line

GATEWAY_KEY = "gateway-key"
# The proxy's own refusals of our key, told apart from an upstream's 401 by error.type.
GATEWAY_KEY_ERRORS = KEY_REFUSALS


@dataclass(frozen=True)
class AliasThroughGateway:
    alias: str
    status: int | None
    served: str | None  # deployment id "alias@upstream" from x-litellm-model-id
    model_group: str | None
    attempted_fallbacks: int | None
    expected: str | None  # what route predicts from the direct probe
    error_type: str | None = None
    message: str = ""
    latency_ms: float | None = None
    predicted: bool = True  # route could tell what should serve (not UNKNOWN from here)

    @property
    def refused_key(self) -> bool:
        """The gateway itself refused aspirectl's key: its answer says nothing about routing."""
        return self.status in (400, 401) and self.error_type in GATEWAY_KEY_ERRORS

    @property
    def answered(self) -> bool:
        return self.status is not None and not self.refused_key

    @property
    def drift(self) -> bool:
        """The gateway served (or failed) otherwise than route predicts. Only an answer about
        routing can drift: no answer, or a refused key, is not drift."""
        return self.predicted and self.answered and self.served != self.expected

    def to_dict(self) -> dict[str, Any]:
        return {"alias": self.alias, "http_status": self.status, "served_by": self.served,
                "model_group": self.model_group, "attempted_fallbacks": self.attempted_fallbacks,
                "expected": self.expected, "drift": self.drift, "error_type": self.error_type,
                "message": redact(self.message), "predicted": self.predicted,
                "latency_ms": None if self.latency_ms is None else round(self.latency_ms, 1)}


@dataclass(frozen=True)
class GatewayCheck:
    url: str
    alive: bool
    ready: bool
    db: str  # "connected", "not configured", "down: ...", "unknown"
    detail: str
    aliases: tuple[AliasThroughGateway, ...] = ()
    status: Health = Health.OK
    reasons: tuple[str, ...] = field(default_factory=tuple)

    @property
    def drifted(self) -> list[AliasThroughGateway]:
        return [a for a in self.aliases if a.drift]

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.url, "alive": self.alive, "ready": self.ready, "db": self.db,
                "detail": redact(self.detail), "status": self.status.name, "reasons": list(self.reasons),
                "aliases": [a.to_dict() for a in self.aliases]}


def expected_hop(decision: Decision) -> str | None:
    served = decision.served
    return deployment_id(served.alias, served.upstream) if served else None


def _error(body: Any) -> tuple[str | None, str]:
    """(error type, message) of a gateway error body, each one safe printable line."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        err = body["error"]
        return (optional_line(err.get("type"), 80) if err.get("type") else None,
                one_line(redact(without_trace(str(err.get("message") or ""))), 1000))
    if isinstance(body, dict) and "detail" in body:
        return None, one_line(redact(str(body["detail"])), 1000)
    return None, ""


GATEWAY_BODY_CAP = 256 * 1024  # the gateway's health and error answers are small


class Answer(NamedTuple):
    status: int
    headers: Any  # httpx.Headers
    body: Any  # parsed JSON or None


async def _fetch(client: Any, method: str, url: str, **kwargs: Any) -> Answer:
    """One request, its body read within GATEWAY_BODY_CAP (decompressed within it too)."""
    from aspirectl.probe.transport import REQUEST_HEADERS, parse_json, read_capped

    headers = {**REQUEST_HEADERS, **kwargs.pop("headers", {})}
    request = client.build_request(method, url, headers=headers, **kwargs)
    response = await client.send(request, stream=True)
    try:
        read = await read_capped(response, GATEWAY_BODY_CAP)
    finally:
        await response.aclose()
    body, _ = (None, False) if read.truncated else parse_json(read.data.decode("utf-8", "replace"))
    return Answer(response.status_code, response.headers, body)


def _header(answer: Answer, name: str) -> str | None:
    """A routing header as one printable line; bytes that decode to nothing sensible (raw
    latin-1, NUL) are read as they come, never as an exception that ends the run."""
    try:
        raw = answer.headers.get_list(name)
    except (UnicodeError, ValueError):
        return None
    return optional_line(raw[0], 200) if raw else None


_COUNT = re.compile(r"[0-9]{1,3}")


def _fallbacks(answer: Answer) -> int | None:
    """x-litellm-attempted-fallbacks: ASCII digits only ('²' is a digit to str.isdigit and an
    error to int())."""
    value = _header(answer, "x-litellm-attempted-fallbacks") or ""
    return int(value) if _COUNT.fullmatch(value) else None


async def _check(url: str, key: str | None, decisions: list[Decision], timeout: float,
                 deadline: float) -> GatewayCheck:
    import httpx

    from aspirectl.probe.transport import DaemonExecutor, classify_transport

    asyncio.get_running_loop().set_default_executor(DaemonExecutor())
    base = url.rstrip("/")
    async with httpx.AsyncClient(timeout=timeout, trust_env=False, follow_redirects=False) as client:
        try:
            async with asyncio.timeout(deadline):
                live = await _fetch(client, "GET", base + "/health/liveliness")
                ready = await _fetch(client, "GET", base + "/health/readiness")
        except (httpx.HTTPError, TimeoutError, OSError) as exc:
            hung = isinstance(exc, (TimeoutError, httpx.TimeoutException))
            failure = None if hung else classify_transport(exc)
            why = f"no answer within {min(timeout, deadline):g}s" if failure is None else failure.detail
            if failure is not None and failure.local:  # no DNS, no route: this machine's side
                return GatewayCheck(url, False, False, "unknown", why, status=Health.UNKNOWN,
                                    reasons=(f"cannot reach the gateway from here: {why}",))
            return GatewayCheck(url, False, False, "unknown", why, status=Health.CRITICAL,
                                reasons=(f"gateway down: {why}",))
        if live.status != 200:
            return GatewayCheck(url, False, False, "unknown", f"liveliness answered {live.status}",
                                status=Health.CRITICAL,
                                reasons=(f"gateway not alive: /health/liveliness {live.status}",))
        body = ready.body
        db_field = one_line(body.get("db", ""), 80) if isinstance(body, dict) else ""
        state = one_line(body.get("status", ""), 40) if isinstance(body, dict) else ""
        if ready.status != 200 or state not in ("healthy", ""):
            _, detail = _error(body)
            why = detail or f"readiness {ready.status} ({state or 'no status'})"
            return GatewayCheck(url, True, False, f"down: {why}", why, status=Health.CRITICAL,
                                reasons=(f"gateway DB down: {why} (callers get 500)",))
        db = "not configured" if db_field == "Not connected" else (db_field or "unknown")
        if not key:
            return GatewayCheck(url, True, True, db, "no gateway key", status=Health.UNKNOWN,
                                reasons=(f"credential '{GATEWAY_KEY}' is not set: cannot ask the gateway "
                                         "which hop serves (ASPIRECTL_SECRET_GATEWAY_KEY)",))

        async def ask(decision: Decision) -> AliasThroughGateway:
            started = time.monotonic()
            try:
                answer = await _fetch(client, "POST", base + "/v1/chat/completions", headers={
                    "authorization": f"Bearer {key}"}, json={
                    "model": decision.alias, "max_tokens": 1,
                    "messages": [{"role": "user", "content": "ping"}]})
            except (httpx.HTTPError, OSError) as exc:
                return AliasThroughGateway(decision.alias, None, None, None, None, expected_hop(decision),
                                           "transport", classify_transport(exc).detail,
                                           predicted=decision.status is not Health.UNKNOWN)
            except Exception as exc:  # a hostile answer ends this alias, not the run
                return AliasThroughGateway(decision.alias, None, None, None, None, expected_hop(decision),
                                           "transport", f"unreadable answer ({type(exc).__name__})",
                                           predicted=decision.status is not Health.UNKNOWN)
            error_type, message = (None, "") if answer.status < 400 else _error(answer.body)
            return AliasThroughGateway(
                decision.alias, answer.status,
                _header(answer, "x-litellm-model-id") if answer.status < 400 else None,
                _header(answer, "x-litellm-model-group"), _fallbacks(answer),
                expected_hop(decision), error_type, message, (time.monotonic() - started) * 1000,
                predicted=decision.status is not Health.UNKNOWN)

        try:
            async with asyncio.timeout(deadline):
                answers = await asyncio.gather(*(ask(d) for d in decisions))
        except TimeoutError:
            return GatewayCheck(url, True, True, db, f"no answer within {deadline:g}s",
                                status=Health.CRITICAL,
                                reasons=("gateway hangs: no answer to the alias requests within "
                                         f"{deadline:g}s",))
    return _judge(url, db, list(answers))


def _judge(url: str, db: str, answers: list[AliasThroughGateway]) -> GatewayCheck:
    key_refused = [a for a in answers if a.refused_key]
    if key_refused and len(key_refused) == len(answers):
        first = key_refused[0]
        return GatewayCheck(url, True, True, db, first.message, tuple(answers), Health.UNKNOWN,
                            (f"the gateway refused aspirectl's key ({first.status} {first.error_type}): "
                             f"{redact(first.message)[:160]}",))
    states, reasons = [], []
    for a in answers:
        if a.served is None and a.status is not None and a.status >= 500 and "database" in a.message.lower():
            states.append(Health.CRITICAL)
            reasons.append(f"{a.alias}: gateway DB down ({a.status})")
        elif a.status is None:
            states.append(Health.CRITICAL)
            reasons.append(f"{a.alias}: no answer from the gateway ({a.message})")
        elif a.drift:
            states.append(Health.CRITICAL if a.served is None and a.expected else Health.WARNING)
            got = a.served or f"error {a.status} {a.error_type or ''}".strip()
            wanted = a.expected or "a loud failure"
            reasons.append(f"DRIFT {a.alias}: gateway served {got}, route expects {wanted}")
    return GatewayCheck(url, True, True, db, "", tuple(answers), worst(states), tuple(reasons))


def check_gateway(url: str, key: str | None, decisions: list[Decision], timeout: float,
                  deadline: float) -> GatewayCheck:
    """The result names the gateway by its display URL (no userinfo: a password or token in
    --gateway-url never reaches a table, a status page or JSON)."""
    import dataclasses

    from aspirectl.secrets.redact import display_url

    found = asyncio.run(_check(url, key, decisions, timeout, deadline))
    return dataclasses.replace(found, url=display_url(url))


def attach(assessment: Assessment, gateway: GatewayCheck) -> Assessment:
    import dataclasses

    return dataclasses.replace(assessment, gateway=gateway,
                               status=worst([assessment.status, gateway.status]))


def gateway_for(assessment: Assessment, url: str, key: str | None, timeout: float,
                deadline: float) -> Assessment:
    return attach(assessment, check_gateway(url, key, list(assessment.decisions), timeout, deadline))


def readiness(url: str, timeout: float) -> Answer | str:
    """GET /health/readiness within ``timeout`` seconds in all (a gateway that drips its
    answer a byte at a time is cut off there), at most GATEWAY_BODY_CAP read: the answer, or
    why there is none."""
    import httpx

    async def ask() -> Answer:
        async with httpx.AsyncClient(timeout=timeout, trust_env=False, follow_redirects=False) as client:
            async with asyncio.timeout(timeout):
                return await _fetch(client, "GET", url.rstrip("/") + "/health/readiness")

    try:
        return asyncio.run(ask())
    except TimeoutError:
        return f"no whole answer within {timeout:g}s"
    except Exception as exc:  # any failure is "did not answer", with its kind
        return f"did not answer ({type(exc).__name__})"
