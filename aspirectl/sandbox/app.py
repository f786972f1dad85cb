"""The sandbox: every upstream of a catalog simulated on one loopback port (plus a port
that refuses connections), with generated dummy credentials and a scenario of faults."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import string
import threading
from pathlib import Path
from types import ModuleType
from typing import Any

from aspirectl.catalog.model import AuthScheme, Catalog, Protocol, Upstream
from aspirectl.errors import OperationFailed, UnknownName
from aspirectl.sandbox.catalogue import SCENARIOS, Behaviour, Scenario
from aspirectl.sandbox.httpserver import HttpServer, Request, Response, reserve_refusing_port
from aspirectl.sandbox.simulators import anthropic, code_assist, gemini, litellm, openai
from aspirectl.sandbox.simulators.base import SimUpstream
from aspirectl.secrets.store import env_name

SIMULATORS: dict[Protocol, ModuleType] = {
    Protocol.ANTHROPIC: anthropic,
    Protocol.OPENAI: openai,
    Protocol.LITELLM: litellm,
    Protocol.GEMINI: gemini,
    Protocol.CODE_ASSIST: code_assist,
}
DRIP_S = 0.5
HUGE_BYTES = 8 * 1024 * 1024
_GOOGLE_KEY_CHARS = string.ascii_letters + string.digits + "_-"


def scenario_named(name: str) -> Scenario:
    if name not in SCENARIOS:
        raise UnknownName("scenario", name, SCENARIOS)
    return SCENARIOS[name]


def dummy_credential(upstream: Upstream) -> str:
    """A fresh random value in the shape the real provider uses (never a real credential)."""
    shapes = {
        (Protocol.ANTHROPIC, AuthScheme.OAUTH_BEARER): lambda: "sk-ant-oat01-" + secrets.token_urlsafe(60),
        (Protocol.ANTHROPIC, AuthScheme.API_KEY): lambda: "sk-ant-api03-" + secrets.token_urlsafe(60),
        (Protocol.GEMINI, AuthScheme.API_KEY): lambda: "AIza" + "".join(
            secrets.choice(_GOOGLE_KEY_CHARS) for _ in range(35)),
        (Protocol.CODE_ASSIST, AuthScheme.OAUTH_BEARER): lambda: "ya29." + secrets.token_urlsafe(80),
        (Protocol.LITELLM, AuthScheme.BEARER): lambda: "sk-" + secrets.token_urlsafe(16),
    }
    default = lambda: "sk-proj-" + secrets.token_urlsafe(36)  # noqa: E731
    return shapes.get((upstream.protocol, upstream.auth.scheme), default)()


def _models_by_upstream(catalog: Catalog) -> dict[str, set[str]]:
    models: dict[str, set[str]] = {name: set() for name in catalog.upstreams}
    for alias in catalog.aliases:
        for hop in catalog.hops(alias):
            models[hop.upstream].add(hop.model_for(alias))
    return models


class Sandbox:
    def __init__(self, catalog: Catalog, scenario: Scenario, *, host: str = "127.0.0.1",
                 port: int = 0, delay_s: float = 0.0) -> None:
        self.catalog = catalog
        self.scenario = scenario
        self.host = host
        self.requested_port = port
        self.delay_s = delay_s
        self.server = HttpServer(self.handle)
        self.port = 0
        self._refusing = reserve_refusing_port(host)
        self.refused_port = self._refusing.getsockname()[1]
        self.credentials: dict[str, str] = {}
        self.sims: dict[str, SimUpstream] = {}
        models = _models_by_upstream(catalog)
        for name, upstream in catalog.upstreams.items():
            cred_name = upstream.auth.credential or ""
            if cred_name and cred_name not in self.credentials:
                self.credentials[cred_name] = dummy_credential(upstream)
            behaviour = scenario.behaviour(name)
            self.sims[name] = SimUpstream(
                name=name, protocol=upstream.protocol, scheme=upstream.auth.scheme,
                credential=self.credentials.get(cred_name, ""), models=models[name],
                fault=behaviour.fault, model_faults=behaviour.fault_map())

    def switch(self, scenario: Scenario) -> None:
        """Change the upstreams' faults while serving (the same URLs, so the same catalog):
        how a test shows one catalog's state changing between two probe runs. A change of
        transport (refused, tls) moves an upstream's URL and so is not allowed here."""
        for name in self.sims:
            before, after = self.scenario.behaviour(name), scenario.behaviour(name)
            moves = {before.transport, after.transport} & {"refused", "tls"}
            if moves and before.transport != after.transport:
                raise ValueError(f"{name}: a change of transport moves its URL")
            self.sims[name].fault = after.fault
            self.sims[name].model_faults = after.fault_map()
        self.scenario = scenario

    async def start(self) -> int:
        try:
            self.port = await self.server.start(self.host, self.requested_port)
        except OSError as exc:
            self._refusing.close()
            raise OperationFailed(f"cannot listen on {self.host}:{self.requested_port}: "
                                  f"{exc.strerror or exc}", hint="pick another --port") from None
        return self.port

    async def stop(self) -> None:
        await self.server.stop()
        self._refusing.close()

    def base_url(self, upstream: Upstream) -> str:
        behaviour = self.scenario.behaviour(upstream.name)
        port = self.refused_port if behaviour.transport == "refused" else self.port
        scheme = "https" if behaviour.transport == "tls" else "http"
        suffix = "/v1" if upstream.protocol is Protocol.OPENAI else ""
        return f"{scheme}://{self.host}:{port}/{upstream.name}{suffix}"

    def sandbox_catalog(self) -> Catalog:
        ups = {n: u._replace(base_url=self.base_url(u))
               for n, u in self.catalog.upstreams.items()}
        return self.catalog._replace(upstreams=ups)

    async def handle(self, request: Request) -> Response:
        _, _, rest = request.path.partition("/")
        name, _, tail = rest.partition("/")
        sim = self.sims.get(name)
        if sim is None:
            return Response(404, {"error": {"message": f"no simulated upstream '{name}'"}})
        behaviour: Behaviour = self.scenario.behaviour(name)
        delay = behaviour.delay_s + self.delay_s
        if behaviour.transport == "hang":
            return Response(hang=True)
        if behaviour.transport == "reset":
            return Response(reset=True, delay_s=delay)
        inner = Request(request.method, "/" + tail, request.query, request.headers, request.body)
        response: Response = SIMULATORS[sim.protocol].handle(inner, sim)
        if behaviour.transport == "huge":
            response = Response(response.status, huge_bytes=HUGE_BYTES)
        elif behaviour.transport == "invalid-json":
            response = Response(200, b"<html><body>502 upstream garbage</body></html>",
                                {"content-type": "text/html"})
        elif behaviour.transport == "drip":
            response.drip_s = DRIP_S
        response.delay_s += delay
        return response

    def write_chains(self, directory: Path) -> Path:
        """A complete catalog pointing at this sandbox, plus credentials.env (0600).

        The directory must be the operator's own (created 0700, or an existing one that is
        not a symlink, belongs to this user and nobody else may write to): whoever can write
        there controls the catalog aspirectl reads and the credentials.env the operator
        sources. Every file is written with ``atomic_write`` (no symlink followed)."""
        import yaml

        from aspirectl.paths import ensure_private_dir
        from aspirectl.safefile import atomic_write

        ensure_private_dir(directory, elsewhere="name a directory of your own (it is created 0700)")
        source = Path(self.catalog.directory)
        for path in sorted(source.glob("*.y*ml")):
            raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
            if isinstance(raw, dict) and isinstance(raw.get("upstreams"), dict):
                for name, spec in raw["upstreams"].items():
                    if name in self.catalog.upstreams and isinstance(spec, dict):
                        spec["base_url"] = self.base_url(self.catalog.upstreams[name])
                text = (f"# Generated by 'aspirectl sandbox --scenario {self.scenario.name}': every "
                        "upstream points at the local simulators.\n" + yaml.safe_dump(raw, sort_keys=False))
            else:
                text = path.read_text(encoding="utf-8")
            atomic_write(directory / path.name, text, 0o644, what="chain file")
        creds = directory / "credentials.env"
        lines = ["# Dummy credentials of the aspirectl sandbox (not real secrets).",
                 "# Use: set -a; . ./credentials.env; set +a"]
        lines += [f"{env_name(name)}={value}" for name, value in sorted(self.credentials.items())]
        atomic_write(creds, "\n".join(lines) + "\n", 0o600, what="sandbox credentials")
        self._write_gateway_env(directory)
        return creds

    def _write_gateway_env(self, directory: Path, target: str | None = None) -> Path:
        """DIR/gateway.env: the environment a real LiteLLM proxy needs to serve the exported
        config of this sandbox's catalog (every variable it references, the dummy values in)."""
        from aspirectl.gateway.export import gateway_env_text
        from aspirectl.safefile import atomic_write

        values = self.gateway_values("sk-sandbox-master-" + secrets.token_hex(8))
        path = directory / "gateway.env"
        atomic_write(path, gateway_env_text(self.sandbox_catalog(), target, values), 0o600,
                     what="gateway environment")
        return path

    def gateway_values(self, master_key: str) -> dict[str, str]:
        """The value of every variable an export of this sandbox's catalog may reference: each
        credential under its gateway name (and as 'Bearer ...' for the OAuth hops of releases
        before native OAuth), and the proxy's master key."""
        from aspirectl.litellm.naming import env_var

        values = {env_var(name): value for name, value in self.credentials.items()}
        values.update({f"{k}_BEARER": f"Bearer {v}" for k, v in list(values.items())})
        values["LITELLM_MASTER_KEY"] = master_key
        return values


class SandboxThread:
    """Run a Sandbox on its own event loop in a daemon thread (demo, tests, benchmarks)."""

    def __init__(self, catalog: Catalog, scenario: Scenario | str = "seed", **kwargs: Any) -> None:
        self.sandbox = Sandbox(catalog, scenario_named(scenario) if isinstance(scenario, str)
                               else scenario, **kwargs)
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._stopped: asyncio.Event | None = None
        self.thread = threading.Thread(target=self._run, name="aspirectl-sandbox", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._main())
        self.loop.close()

    async def _main(self) -> None:
        self._stopped = asyncio.Event()
        try:
            await self.sandbox.start()
        except BaseException as exc:  # handed to the starting thread
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        await self._stopped.wait()
        await self.sandbox.stop()

    def start(self) -> Sandbox:
        self.thread.start()
        if not self._ready.wait(10):
            raise OperationFailed("the sandbox did not start within 10 s")
        if self._error:
            raise self._error
        return self.sandbox

    def stop(self) -> None:
        if self._stopped is not None and self.thread.is_alive():
            with contextlib.suppress(RuntimeError):
                self.loop.call_soon_threadsafe(self._stopped.set)
        self.thread.join(5)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
