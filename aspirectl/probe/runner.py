"""Probe many hops at once: asyncio + one httpx client, bounded concurrency, a per-probe
timeout and one hard global deadline that no hung or slow-drip upstream can overrun."""

from __future__ import annotations

import asyncio
import json
import ssl
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import httpx

from aspirectl.catalog.model import AuthScheme
from aspirectl.probe.adapter import ProbeTarget, Step, adapter_for
from aspirectl.probe.options import RunOptions
from aspirectl.probe.outcomes import Facts, Outcome, Verdict, verdict_from_error
from aspirectl.probe.report import EXCERPT_CHARS, HopResult, ProbeReport
from aspirectl.probe.transport import ShardedTransport
from aspirectl.secrets.redact import redact

USER_AGENT = "aspirectl-probe"
DEADLINE_PREFIX = "global deadline"
PROGRESS_EVERY_S = 0.1

# progress(done, total, slowest pending (alias, upstream, seconds) or None)
Progress = Callable[[int, int, "tuple[str, str, float] | None"], None]


class TransportFailure(Exception):
    def __init__(self, outcome: Outcome, detail: str) -> None:
        super().__init__(detail)
        self.outcome = outcome
        self.detail = detail


def _chain(exc: BaseException) -> Iterable[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


# (exception type, words in the message of any exception in the chain, outcome, label)
TRANSPORT_TABLE: tuple[tuple[type[BaseException], tuple[str, ...], Outcome, str], ...] = (
    (ConnectionRefusedError, (), Outcome.UNREACHABLE, "connection refused"),
    (ssl.SSLError, (), Outcome.UNREACHABLE, "TLS handshake failed"),
    (httpx.ConnectError, ("ssl", "certificate", "tls"), Outcome.UNREACHABLE, "TLS handshake failed"),
    (httpx.ConnectError, ("refused",), Outcome.UNREACHABLE, "connection refused"),
    (httpx.ConnectError, ("name or service", "nodename", "getaddrinfo", "name resolution",
                          "no address"), Outcome.UNREACHABLE, "DNS lookup failed"),
    (httpx.ConnectError, ("unreachable", "no route"), Outcome.UNREACHABLE, "network unreachable"),
    (httpx.ConnectTimeout, (), Outcome.TIMEOUT, "connect timed out"),
    (httpx.ReadTimeout, (), Outcome.TIMEOUT, "connected, but no answer in time"),
    (httpx.WriteTimeout, (), Outcome.TIMEOUT, "request could not be sent in time"),
    (httpx.PoolTimeout, (), Outcome.TIMEOUT, "no free connection in time"),
    (httpx.RemoteProtocolError, (), Outcome.UNREACHABLE, "connection closed by the upstream"),
    (httpx.ReadError, ("reset",), Outcome.UNREACHABLE, "connection reset by the upstream"),
    (httpx.ReadError, (), Outcome.UNREACHABLE, "connection broken while reading"),
    (httpx.ProxyError, (), Outcome.UNREACHABLE, "proxy refused the connection"),
    (httpx.ConnectError, (), Outcome.UNREACHABLE, "cannot connect"),
    (httpx.UnsupportedProtocol, (), Outcome.BAD_REQUEST, "unsupported URL scheme"),
    (httpx.TransportError, (), Outcome.UNREACHABLE, "transport error"),
)


# Root causes whose text only repeats the label (the address is given instead).
_SELF_EXPLAINING = (ConnectionRefusedError, TimeoutError, httpx.TimeoutException, asyncio.CancelledError)


def classify_transport(exc: BaseException, where: str = "") -> TransportFailure:
    chain = list(_chain(exc))
    words = " ".join(str(e).lower() for e in chain)
    at = f" ({where})" if where else ""
    for kind, needles, outcome, label in TRANSPORT_TABLE:
        if any(isinstance(e, kind) for e in chain) and (not needles or any(n in words for n in needles)):
            root = chain[-1]
            if isinstance(root, _SELF_EXPLAINING) or not str(root):
                return TransportFailure(outcome, f"{label}{at}")
            return TransportFailure(outcome, redact(f"{label}{at}: {root}"))
    return TransportFailure(Outcome.UNREACHABLE, redact(f"{type(exc).__name__}{at}: {exc}"))


def _host_port(url: str) -> str:
    parts = httpx.URL(url)
    port = parts.port or {"https": 443, "http": 80}.get(parts.scheme, 0)
    return f"{parts.host}:{port}"


async def _read_capped(response: httpx.Response, cap: int) -> tuple[bytes, bool]:
    buf = bytearray()
    async for chunk in response.aiter_raw():
        buf.extend(chunk)
        if len(buf) > cap:
            return bytes(buf[:cap]), True
    return bytes(buf), False


class Runner:
    def __init__(self, client: httpx.AsyncClient, options: RunOptions) -> None:
        self.client = client
        self.options = options
        self.semaphore = asyncio.Semaphore(options.concurrency)
        self.shared: dict[tuple[str, str, str, str], asyncio.Task[Facts]] = {}

    async def _send(self, target: ProbeTarget, step: Step, headers: dict[str, str],
                    context: dict[str, Facts]) -> Facts:
        url = target.upstream.base_url + step.path
        body = step.body(context)
        send_headers = {"user-agent": USER_AGENT, "accept": "application/json"}
        if step.auth:
            send_headers.update(headers)
        async with self.semaphore:
            try:
                request = self.client.build_request(
                    step.method, url, params=list(step.params) or None, headers=send_headers,
                    json=body if body is not None else None)
                response = await self.client.send(request, stream=True)
                try:
                    raw, truncated = await _read_capped(response, self.options.body_cap)
                finally:
                    await response.aclose()
            except (httpx.HTTPError, ssl.SSLError) as exc:
                raise classify_transport(exc, _host_port(url)) from None
            except OSError as exc:
                raise TransportFailure(Outcome.UNREACHABLE, redact(f"socket error: {exc}")) from None
        text = raw.decode("utf-8", errors="replace")
        try:
            parsed: Any = json.loads(text) if text.strip() and not truncated else None
            invalid_json = False
        except ValueError:
            parsed, invalid_json = None, True
        facts = Facts(status=response.status_code,
                      headers={k.lower(): v for k, v in response.headers.items()},
                      body=parsed, text=text, truncated=truncated)
        if invalid_json and 200 <= response.status_code < 300:
            facts.message = "invalid JSON"
        return facts

    async def _step(self, target: ProbeTarget, step: Step, headers: dict[str, str],
                    context: dict[str, Facts]) -> Facts:
        if not step.shared:
            return await self._send(target, step, headers, context)
        key = (target.upstream.name, step.name, step.path, repr(step.params))
        task = self.shared.get(key)
        if task is None:
            task = asyncio.ensure_future(self._send(target, step, headers, context))
            self.shared[key] = task
        return await asyncio.shield(task)

    async def probe(self, target: ProbeTarget) -> tuple[Verdict, str]:
        adapter = adapter_for(target.upstream.protocol)
        headers = adapter.headers(target)
        context: dict[str, Facts] = {}
        passed: list[str] = []
        last: Facts | None = None
        for step in adapter.steps(target):
            where = f"{step.method} {step.path}"
            try:
                facts = await self._step(target, step, headers, context)
            except TransportFailure as failure:
                return Verdict(failure.outcome, failure.detail), where
            adapter.describe(facts)
            last = facts
            if facts.truncated:
                return Verdict(Outcome.UPSTREAM_ERROR, f"answer larger than {self.options.body_cap} "
                               f"bytes (HTTP {facts.status}); not read further", facts), where
            if facts.status in step.inconclusive:
                continue
            is_success = 200 <= facts.status < 300
            if is_success and facts.message == "invalid JSON":
                return Verdict(Outcome.DEGRADED, f"HTTP {facts.status} with a body that is not "
                               "JSON", facts), where
            if step.judge and (is_success or facts.status in step.judged_statuses):
                verdict = step.judge(facts, target, context)
                if verdict is not None:
                    return verdict, where
            elif not is_success:
                return verdict_from_error(facts, adapter.RULES), where
            context[step.name] = facts
            passed.append(step.ok)
        return Verdict(Outcome.OK, "; ".join(passed) or "reachable", last), ""


def _result(target: ProbeTarget, verdict: Verdict, step: str, latency_ms: float | None) -> HopResult:
    facts = verdict.facts
    excerpt = ""
    if facts is not None and not verdict.outcome.serves:
        excerpt = " ".join(facts.text.split())[:EXCERPT_CHARS]
    return HopResult(
        alias=target.alias, upstream=target.upstream.name, position=target.position,
        model=target.model, outcome=verdict.outcome, detail=redact(verdict.detail),
        http_status=facts.status if facts else None, latency_ms=latency_ms,
        error_code=(facts.error_code or facts.error_type) if facts and not verdict.outcome.serves else None,
        retry_after_s=facts.retry_after_s if facts else None,
        reset_at=facts.reset_at if facts else None,
        request_id=facts.request_id if facts else None,
        excerpt=redact(excerpt), step=step, declared=target.declared,
        checked_at=datetime.now(UTC),
    )


def missing_credential(target: ProbeTarget) -> HopResult | None:
    auth = target.upstream.auth
    if auth.scheme is AuthScheme.NONE or target.credential:
        return None
    env = "ASPIRECTL_SECRET_" + (auth.credential or "").upper().replace("-", "_")
    verdict = Verdict(Outcome.NO_CREDENTIALS, f"credential '{auth.credential}' is not set "
                      f"(set {env} or run 'aspirectl secrets set {auth.credential}')")
    return _result(target, verdict, "", None)


async def _report_progress(tasks: list[asyncio.Future[HopResult]], targets: list[ProbeTarget],
                           started: dict[int, float], on_progress: Progress) -> None:
    loop = asyncio.get_running_loop()
    while True:
        done = sum(1 for t in tasks if t.done())
        pending = [(i, started[i]) for i, t in enumerate(tasks) if not t.done() and i in started]
        slowest = None
        if pending:
            index, since = min(pending, key=lambda p: p[1])
            slowest = (targets[index].alias, targets[index].upstream.name, loop.time() - since)
        on_progress(done, len(tasks), slowest)
        if done == len(tasks):
            return
        await asyncio.sleep(PROGRESS_EVERY_S)


async def run_probes(targets: list[ProbeTarget], options: RunOptions,
                     transport: httpx.AsyncBaseTransport | None = None,
                     on_progress: Progress | None = None) -> list[HopResult]:
    loop = asyncio.get_running_loop()
    end = loop.time() + options.deadline
    timeout = httpx.Timeout(options.timeout)
    if transport is None:
        transport = ShardedTransport(options.concurrency, verify=options.verify,
                                     trust_env=options.trust_env)
    async with httpx.AsyncClient(timeout=timeout, trust_env=options.trust_env,
                                 follow_redirects=False, transport=transport) as client:
        runner = Runner(client, options)

        started_at: dict[int, float] = {}

        async def one(index: int, target: ProbeTarget) -> HopResult:
            missing = missing_credential(target)
            if missing:
                return missing
            started = started_at[index] = loop.time()
            budget = min(options.timeout, max(0.0, end - started))
            try:
                async with asyncio.timeout(budget):
                    verdict, step = await runner.probe(target)
            except TimeoutError:
                hit_deadline = budget < options.timeout
                why = (f"{DEADLINE_PREFIX} of {options.deadline:g}s reached" if hit_deadline
                       else f"no complete answer within {options.timeout:g}s")
                verdict, step = Verdict(Outcome.TIMEOUT, why), ""
            return _result(target, verdict, step, (loop.time() - started) * 1000)

        tasks = [asyncio.ensure_future(one(i, t)) for i, t in enumerate(targets)]
        reporter = (asyncio.ensure_future(_report_progress(tasks, targets, started_at, on_progress))
                    if on_progress else None)
        done, pending = await asyncio.wait(tasks, timeout=max(0.0, end - loop.time()) + 0.05)
        for task in pending:
            task.cancel()
        if reporter:
            reporter.cancel()
            pending = {*pending, reporter}
        for task in runner.shared.values():
            task.cancel()
        await asyncio.gather(*pending, *runner.shared.values(), return_exceptions=True)
    for task in done:
        if not task.cancelled() and task.exception() is not None:
            raise task.exception()  # a bug in aspirectl, not an upstream that is slow
    results = []
    for target, task in zip(targets, tasks, strict=True):
        if task in done and not task.cancelled():
            results.append(task.result())
        else:
            verdict = Verdict(Outcome.TIMEOUT, f"{DEADLINE_PREFIX} of {options.deadline:g}s reached")
            results.append(_result(target, verdict, "", options.deadline * 1000))
    return results


def probe(targets: list[ProbeTarget], options: RunOptions | None = None, *, deep: bool = False,
          transport: httpx.AsyncBaseTransport | None = None,
          on_progress: Progress | None = None) -> ProbeReport:
    """Probe every target; always returns a report within the deadline (plus a hair)."""
    options = options or RunOptions()
    started_at = datetime.now(UTC)
    t0 = time.perf_counter()
    results = asyncio.run(run_probes(targets, options, transport, on_progress)) if targets else []
    cut = any(r.detail.startswith(DEADLINE_PREFIX) for r in results)
    return ProbeReport(tuple(results), started_at, time.perf_counter() - t0, deep, deadline_hit=cut)
