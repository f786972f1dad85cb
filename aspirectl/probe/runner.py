"""Probe many hops at once: asyncio + one httpx client, bounded concurrency, a per-probe
timeout and one hard global deadline that no hung or slow-drip upstream can overrun."""

from __future__ import annotations

import asyncio
import re
import ssl
import time
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from aspirectl.catalog.model import AuthScheme
from aspirectl.envnames import secret_env
from aspirectl.probe.adapter import Adapter, Context, ProbeTarget, Step, adapter_for_target
from aspirectl.probe.options import RunOptions
from aspirectl.probe.outcomes import Facts, Origin, Outcome, Verdict, verdict_from_error
from aspirectl.probe.report import EXCERPT_CHARS, HopResult, ProbeReport
from aspirectl.probe.transport import (
    REQUEST_HEADERS,
    DaemonExecutor,
    ShardedTransport,
    TransportFailure,
    classify_transport,
    host_port,
    parse_json,
    read_capped,
)
from aspirectl.secrets.redact import redact
from aspirectl.textsafe import one_line, optional_line

USER_AGENT = "aspirectl-probe"
DEADLINE_PREFIX = "global deadline"
PROGRESS_EVERY_S = 0.1

# progress(done, total, slowest pending (alias, upstream, seconds) or None)
Progress = Callable[[int, int, "tuple[str, str, float] | None"], None]


class Runner:
    def __init__(self, client: httpx.AsyncClient, options: RunOptions) -> None:
        self.client = client
        self.options = options
        self.semaphore = asyncio.Semaphore(options.concurrency)
        self.shared: dict[tuple[str, str, str, str], asyncio.Task[Facts]] = {}

    async def _send(self, target: ProbeTarget, step: Step, headers: dict[str, str],
                    context: dict[str, Facts]) -> Facts:
        url = target.base_url + step.path
        body = step.body(context)
        send_headers = {"user-agent": USER_AGENT, "accept": "application/json", **REQUEST_HEADERS}
        if step.auth:
            send_headers.update(headers)
        async with self.semaphore:
            try:
                request = self.client.build_request(
                    step.method, url, params=list(step.params) or None, headers=send_headers,
                    json=body if body is not None else None)
                response = await self.client.send(request, stream=True)
                try:
                    read = await read_capped(response, self.options.body_cap)
                finally:
                    await response.aclose()
            except (httpx.HTTPError, ssl.SSLError) as exc:
                raise classify_transport(exc, host_port(url)) from None
            except OSError as exc:
                raise TransportFailure(Outcome.UNREACHABLE, redact(f"socket error: {exc}")) from None
        text = read.data.decode("utf-8", errors="replace")
        parsed, valid = parse_json(text) if not read.truncated else (None, True)
        facts = Facts(status=response.status_code,
                      headers={k.lower(): v for k, v in response.headers.items()},
                      body=parsed, text=text, truncated=read.truncated)
        if read.note:
            facts.message = read.note
        elif not valid and 200 <= response.status_code < 300:
            facts.message = "invalid JSON"
        return facts

    async def _step(self, target: ProbeTarget, step: Step, headers: dict[str, str],
                    context: dict[str, Facts]) -> Facts:
        if not step.shared:
            return await self._send(target, step, headers, context)
        key = (target.endpoint, step.name, step.path, repr(step.params))
        task = self.shared.get(key)
        if task is None:
            task = asyncio.ensure_future(self._send(target, step, headers, context))
            self.shared[key] = task
        return await asyncio.shield(task)

    async def probe(self, target: ProbeTarget) -> tuple[Verdict, str]:
        adapter = adapter_for_target(target)
        headers = adapter.headers(target)
        context: dict[str, Facts] = {}
        passed: list[str] = []
        last: Facts | None = None
        for step in adapter.steps(target):
            where = f"{step.method} {step.path}"
            try:
                facts = await self._step(target, step, headers, context)
            except TransportFailure as failure:
                origin = Origin.LOCAL if failure.local else Origin.UPSTREAM
                return Verdict(failure.outcome, failure.detail, origin=origin), where
            last = facts
            verdict = read_answer(adapter, step, facts, target, context, self.options.body_cap)
            if verdict is not None:
                return verdict, where
            if facts.status in step.inconclusive:
                continue
            context[step.name] = facts
            passed.append(step.ok)
        return Verdict(Outcome.OK, "; ".join(passed) or "reachable", last), ""


def read_answer(adapter: Adapter, step: Step, facts: Facts, target: ProbeTarget, context: Context,
                body_cap: int) -> Verdict | None:
    """What one answer of one step means: a verdict that ends the hop, or None to go on.

    Everything here reads text that an upstream controls, so anything that goes wrong while
    reading it (a number that overflows, a field of the wrong type, a regex that matched too
    much) is that hop's ``upstream_error``, never the end of the run."""
    try:
        return _read_answer(adapter, step, facts, target, context, body_cap)
    except Exception as exc:  # the answer is foreign: any fault in reading it is the answer's
        return Verdict(Outcome.UPSTREAM_ERROR,
                       f"unparseable answer (HTTP {facts.status}): {type(exc).__name__}: "
                       f"{one_line(exc, 120)}", Facts(facts.status, facts.headers, text=facts.text))


def _read_answer(adapter: Adapter, step: Step, facts: Facts, target: ProbeTarget, context: Context,
                 body_cap: int) -> Verdict | None:
    adapter.describe(facts)
    if facts.truncated:
        return Verdict(Outcome.UPSTREAM_ERROR, f"answer larger than {body_cap} bytes (HTTP "
                       f"{facts.status}); not read further", facts)
    if facts.status in step.inconclusive:
        return None
    is_success = 200 <= facts.status < 300
    if is_success and facts.message == "invalid JSON":
        return Verdict(Outcome.DEGRADED, f"HTTP {facts.status} with a body that is not JSON", facts)
    if step.judge and (is_success or facts.status in step.judged_statuses):
        return step.judge(facts, target, context)
    if not is_success:
        return verdict_from_error(facts, adapter.RULES)
    return None


def _result(target: ProbeTarget, verdict: Verdict, step: str, latency_ms: float | None) -> HopResult:
    """A HopResult holds no foreign text that is not one redacted, printable, capped line."""
    facts = verdict.facts
    excerpt = ""
    if facts is not None and not verdict.outcome.serves:
        excerpt = one_line(facts.text, EXCERPT_CHARS)
    code = (facts.error_code or facts.error_type) if facts and not verdict.outcome.serves else None
    return HopResult(
        alias=target.alias, upstream=target.upstream.name, position=target.position,
        model=target.model, outcome=verdict.outcome, detail=one_line(redact(verdict.detail), 600),
        http_status=facts.status if facts else None, latency_ms=latency_ms,
        error_code=optional_line(redact(code), 80) if code else None,
        retry_after_s=facts.retry_after_s if facts else None,
        reset_at=facts.reset_at if facts else None,
        request_id=optional_line(redact(facts.request_id), 120) if facts and facts.request_id else None,
        excerpt=redact(excerpt), step=step, declared=target.declared,
        checked_at=datetime.now(UTC), origin=verdict.origin,
    )


def credential_hint(name: str) -> str:
    """How to set a credential; a table prints it once per credential (CREDENTIAL_HINT finds it)."""
    return f"(set {secret_env(name)} or run 'aspirectl secrets set {name}')"


CREDENTIAL_HINT = re.compile(r" ?\(set ASPIRECTL_SECRET_\w+ or run 'aspirectl secrets set ([\w.-]+)'\)")


def missing_credential(target: ProbeTarget) -> HopResult | None:
    if target.via:
        if target.credential:
            return None
        from aspirectl.gateway.check import GATEWAY_KEY

        verdict = Verdict(Outcome.NO_CREDENTIALS, f"credential '{GATEWAY_KEY}' is not set here: probing "
                          f"through the gateway needs a gateway key {credential_hint(GATEWAY_KEY)}",
                          origin=Origin.LOCAL)
        return _result(target, verdict, "", None)
    auth = target.upstream.auth
    if auth.scheme is AuthScheme.NONE or target.credential:
        return None
    verdict = Verdict(Outcome.NO_CREDENTIALS, f"credential '{auth.credential}' is not set here "
                      + credential_hint(auth.credential or ""), origin=Origin.LOCAL)
    return _result(target, verdict, "", None)


async def _report_progress(tasks: list[asyncio.Task[HopResult]], targets: list[ProbeTarget],
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
    loop.set_default_executor(DaemonExecutor())
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
                origin = Origin.DEADLINE if hit_deadline else Origin.UPSTREAM
                verdict, step = Verdict(Outcome.TIMEOUT, why, origin=origin), ""
            return _result(target, verdict, step, (loop.time() - started) * 1000)

        tasks = [asyncio.ensure_future(one(i, t)) for i, t in enumerate(targets)]
        reporter = (asyncio.ensure_future(_report_progress(tasks, targets, started_at, on_progress))
                    if on_progress else None)
        try:
            done, pending = await asyncio.wait(tasks, timeout=max(0.0, end - loop.time()) + 0.05)
        except BaseException:  # interrupted (Ctrl-C cancels us): leave no task pending behind
            for task in [*tasks, *runner.shared.values(), *([reporter] if reporter else [])]:
                task.cancel()
            await asyncio.gather(*tasks, *runner.shared.values(), *([reporter] if reporter else []),
                                 return_exceptions=True)
            raise
        for task in pending:
            task.cancel()
        if reporter:
            reporter.cancel()
        for task in runner.shared.values():
            task.cancel()
        await asyncio.gather(*pending, *runner.shared.values(), *([reporter] if reporter else []),
                             return_exceptions=True)
    for task in done:
        error = None if task.cancelled() else task.exception()
        if error is not None:
            raise error  # a bug in aspirectl, not an upstream that is slow
    results = []
    for target, task in zip(targets, tasks, strict=True):
        if task in done and not task.cancelled():
            results.append(task.result())
        else:
            verdict = Verdict(Outcome.TIMEOUT, f"{DEADLINE_PREFIX} of {options.deadline:g}s reached",
                              origin=Origin.DEADLINE)
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
    cut = any(r.origin is Origin.DEADLINE for r in results)
    via = next((t.via for t in targets if t.via), None)
    if via:
        from aspirectl.secrets.redact import display_url

        via = display_url(via)
    return ProbeReport(tuple(results), started_at, time.perf_counter() - t0, deep, deadline_hit=cut, via=via)
