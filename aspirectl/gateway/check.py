"""What the running gateway really serves: its process health, its DB, and one minimal
request per alias through it, read from LiteLLM's x-litellm-* headers (never the body's
`model`), set side by side with the direct probe's prediction."""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from aspirectl.health import Assessment
from aspirectl.litellm.errors import caller_refusal
from aspirectl.litellm.naming import deployment_id, served_deployment
from aspirectl.litellm.releases import READINESS, VERSION_HEADER
from aspirectl.probe.protocols.litellm import without_trace
from aspirectl.routing import Decision, worst
from aspirectl.secrets.redact import redact
from aspirectl.status import Health
from aspirectl.textsafe import one_line, optional_line

GATEWAY_KEY = "gateway-key"


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
    release: str | None = None  # x-litellm-version of the answer (a served completion has it)

    @property
    def refused_key(self) -> bool:
        """The gateway itself refused aspirectl's key (unknown, blocked, expired, over its own
        budget or rate limit, or not allowed this alias: 401 on 1.80.0, 403 after, recorded in
        tests/recorded/litellm-refusals/): its answer says nothing about routing."""
        if self.status is None:
            return False
        return caller_refusal(self.status, self.error_type, self.message) is not None

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
    release: str | None = None  # the LiteLLM release it runs, where it tells it
    config: tuple[str, ...] | None = None  # its live config's differences from the chains
    config_note: str = ""  # why the config was not compared (None above), or ""

    @property
    def drifted(self) -> list[AliasThroughGateway]:
        return [a for a in self.aliases if a.drift]

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.url, "alive": self.alive, "ready": self.ready, "db": self.db,
                "detail": redact(self.detail), "status": self.status.name, "reasons": list(self.reasons),
                "release": self.release,
                "config_differences": None if self.config is None else list(self.config),
                "config_note": self.config_note, "aliases": [a.to_dict() for a in self.aliases]}


def _served(ident: str | None) -> str | None:
    """The chains deployment that served: a fallback copy (``A>B@U``, exports for releases that
    log no requested group) is B@U's call."""
    return served_deployment(ident) if ident else ident


def expected_hop(decision: Decision) -> str | None:
    served = decision.served
    return deployment_id(served.alias, served.upstream) if served else None


def error_of(body: Any) -> tuple[str | None, str]:
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


MODEL_INFO_CAP = 8 * 1024 * 1024  # /v1/model/info: a few KiB per deployment (prices, limits)


async def fetch(client: Any, method: str, url: str, cap: int = GATEWAY_BODY_CAP, **kwargs: Any) -> Answer:
    """One request, its body read within ``cap`` bytes (decompressed within it too)."""
    from aspirectl.probe.transport import REQUEST_HEADERS, parse_json, read_capped

    headers = {**REQUEST_HEADERS, **kwargs.pop("headers", {})}
    request = client.build_request(method, url, headers=headers, **kwargs)
    response = await client.send(request, stream=True)
    try:
        read = await read_capped(response, cap)
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


def _release(text: Any) -> str | None:
    from aspirectl.litellm.releases import is_release

    value = optional_line(text, 40) if isinstance(text, str) else None
    return value if value and is_release(value) else None


NOT_VISIBLE = ("not visible to this key: LiteLLM shows its model info and router settings to an "
               "admin key (the master key) only")


async def _live_config(client: Any, base: str, key: str) -> tuple[dict[str, Any] | None, str]:
    """What the running gateway shows of its own config, as a LiteLLM config document: its
    deployments (/v1/model/info) and router settings (/get/config/callbacks). Credential
    fields come resolved (1.80.0 shows an extra_headers Bearer in clear): drift compares
    them by header name only and never shows them."""
    auth = {"authorization": f"Bearer {key}"}
    info = await fetch(client, "GET", base + "/v1/model/info", cap=MODEL_INFO_CAP, headers=auth)
    settings = await fetch(client, "GET", base + "/get/config/callbacks", headers=auth)
    if info.status in (401, 403) or settings.status in (401, 403):
        return None, NOT_VISIBLE
    data = info.body.get("data") if isinstance(info.body, dict) else None
    if info.status != 200 or not isinstance(data, list):
        return None, f"its model info answered {info.status} without a model list"
    router = settings.body.get("router_settings") if isinstance(settings.body, dict) else None
    if settings.status != 200 or not isinstance(router, dict):
        return None, f"its router settings answered {settings.status} without router_settings"
    model_list = [{"model_name": e.get("model_name"), "litellm_params": e.get("litellm_params"),
                   "model_info": e.get("model_info")} for e in data if isinstance(e, dict)]
    kept = {k: router[k] for k in ("fallbacks", "num_retries") if k in router}
    return {"model_list": model_list, "router_settings": kept}, ""


async def _check(url: str, key: str | None, decisions: list[Decision], timeout: float,
                 deadline: float, catalog: Any = None) -> GatewayCheck:
    import httpx

    from aspirectl.probe.transport import DaemonExecutor, classify_transport

    asyncio.get_running_loop().set_default_executor(DaemonExecutor())
    base = url.rstrip("/")
    async with httpx.AsyncClient(timeout=timeout, trust_env=False, follow_redirects=False) as client:
        try:
            async with asyncio.timeout(deadline):
                live = await fetch(client, "GET", base + "/health/liveliness")
                ready = await fetch(client, "GET", base + "/health/readiness")
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
        if ready.status != 200 or not READINESS.get(state, False):
            _, detail = error_of(body)
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
                answer = await fetch(client, "POST", base + "/v1/chat/completions", headers={
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
            error_type, message = (None, "") if answer.status < 400 else error_of(answer.body)
            return AliasThroughGateway(
                decision.alias, answer.status,
                _served(_header(answer, "x-litellm-model-id")) if answer.status < 400 else None,
                _header(answer, "x-litellm-model-group"), _fallbacks(answer),
                expected_hop(decision), error_type, message, (time.monotonic() - started) * 1000,
                predicted=decision.status is not Health.UNKNOWN,
                release=_release(_header(answer, VERSION_HEADER)))

        async def config() -> tuple[dict[str, Any] | None, str]:
            if catalog is None:
                return None, "not asked"
            try:
                return await _live_config(client, base, key)
            except Exception as exc:  # a hostile or failing answer: not compared, with its kind
                return None, f"its config could not be read ({type(exc).__name__})"

        try:
            async with asyncio.timeout(deadline):
                answers, (running, note) = await asyncio.gather(
                    asyncio.gather(*(ask(d) for d in decisions)), config())
        except TimeoutError:
            return GatewayCheck(url, True, True, db, f"no answer within {deadline:g}s",
                                status=Health.CRITICAL,
                                reasons=("gateway hangs: no answer to the alias requests within "
                                         f"{deadline:g}s",))
    alias_answers = list(answers)
    release = (_release(body.get("litellm_version")) if isinstance(body, dict) else None) or next(
        (a.release for a in alias_answers if a.release), None)
    differences = None
    if running is not None:
        from aspirectl.gateway.drift import compare_document

        differences = tuple(compare_document(catalog, running, release or target_release(), live=True))
    return _judge(url, db, alias_answers, release, differences, note)


def target_release() -> str | None:
    """The release exports target here (ASPIRECTL_LITELLM_VERSION), if one is named."""
    import os

    from aspirectl.litellm.releases import RELEASE_ENV, is_release

    named = os.environ.get(RELEASE_ENV, "").strip()
    return named if named and is_release(named) else None


def _judge(url: str, db: str, answers: list[AliasThroughGateway], release: str | None = None,
           config: tuple[str, ...] | None = None, config_note: str = "") -> GatewayCheck:
    key_refused = [a for a in answers if a.refused_key]
    if key_refused and len(key_refused) == len(answers):
        first = key_refused[0]
        return GatewayCheck(url, True, True, db, first.message, tuple(answers), Health.UNKNOWN,
                            (f"the gateway refused aspirectl's key ({first.status} {first.error_type}): "
                             f"{redact(first.message)[:160]}",), release, config, config_note)
    states, reasons = [], []
    targeted = target_release()
    if release and targeted and release != targeted:
        states.append(Health.WARNING)
        reasons.append(f"runs LiteLLM {release}, the export targets {targeted} (ASPIRECTL_LITELLM_VERSION): "
                       f"re-export with --litellm-version {release} and deploy it")
    if config:
        states.append(Health.WARNING)
        reasons.append(f"its config differs from the chains in {len(config)} "
                       f"{'place' if len(config) == 1 else 'places'}: {config[0]}"
                       + (" (and below)" if len(config) > 1 else ""))
    for a in answers:
        if a.served is None and a.status is not None and a.status >= 500 and "database" in a.message.lower():
            states.append(Health.CRITICAL)
            reasons.append(f"{a.alias}: gateway DB down ({a.status})")
        elif a.status is None:
            states.append(Health.CRITICAL)
            reasons.append(f"{a.alias}: no answer from the gateway ({a.message})")
        elif a.refused_key:  # some aliases only: what they would do is not known from here
            states.append(Health.UNKNOWN)
            reasons.append(f"{a.alias}: the gateway refused aspirectl's key ({a.status} {a.error_type}): "
                           f"{redact(a.message)[:160]}")
        elif a.drift:
            states.append(Health.CRITICAL if a.served is None and a.expected else Health.WARNING)
            got = a.served or f"error {a.status} {a.error_type or ''}".strip()
            wanted = a.expected or "a loud failure"
            reasons.append(f"DRIFT {a.alias}: gateway served {got}, route expects {wanted}")
    return GatewayCheck(url, True, True, db, "", tuple(answers), worst(states), tuple(reasons), release,
                        config, config_note)


def check_gateway(url: str, key: str | None, decisions: list[Decision], timeout: float,
                  deadline: float, catalog: Any = None) -> GatewayCheck:
    """The result names the gateway by its display URL (no userinfo: a password or token in
    --gateway-url never reaches a table, a status page or JSON). With the ``catalog``, the
    replica's live config is compared with the chains too."""
    import dataclasses

    from aspirectl.secrets.redact import display_url

    found = asyncio.run(_check(url, key, decisions, timeout, deadline, catalog))
    return dataclasses.replace(found, url=display_url(url))


def check_replicas(urls: tuple[str, ...], key: str | None, decisions: list[Decision], timeout: float,
                   deadline: float, catalog: Any = None) -> tuple[GatewayCheck, ...]:
    """Every replica, each on its own (one down is that replica's CRITICAL, not the others');
    with several, each reason names its replica ('replica 2 of 3 (URL): ...')."""
    import dataclasses
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max(1, min(len(urls), 8))) as pool:
        checks = list(pool.map(lambda u: check_gateway(u, key, decisions, timeout, deadline, catalog), urls))
    if len(checks) == 1:
        return tuple(checks)
    return tuple(dataclasses.replace(c, reasons=tuple(f"replica {i} of {len(checks)} ({c.url}): {r}"
                                                      for r in c.reasons))
                 for i, c in enumerate(checks, 1))


def attach(assessment: Assessment, replicas: tuple[GatewayCheck, ...]) -> Assessment:
    import dataclasses

    several = replicas if len(replicas) > 1 else ()
    return dataclasses.replace(assessment, gateway=replicas[0], replicas=several,
                               status=worst([assessment.status, *(r.status for r in replicas)]))


def gateway_for(assessment: Assessment, urls: tuple[str, ...], key: str | None, timeout: float,
                deadline: float, catalog: Any = None) -> Assessment:
    checks = check_replicas(urls, key, list(assessment.decisions), timeout, deadline, catalog)
    return attach(assessment, checks)


def readiness(url: str, timeout: float) -> Answer | str:
    """GET /health/readiness within ``timeout`` seconds in all (a gateway that drips its
    answer a byte at a time is cut off there), at most GATEWAY_BODY_CAP read: the answer, or
    why there is none."""
    import httpx

    async def ask() -> Answer:
        async with httpx.AsyncClient(timeout=timeout, trust_env=False, follow_redirects=False) as client:
            async with asyncio.timeout(timeout):
                return await fetch(client, "GET", url.rstrip("/") + "/health/readiness")

    try:
        return asyncio.run(ask())
    except TimeoutError:
        return f"no whole answer within {timeout:g}s"
    except Exception as exc:  # any failure is "did not answer", with its kind
        return f"did not answer ({type(exc).__name__})"
