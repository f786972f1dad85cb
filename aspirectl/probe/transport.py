"""Everything between aspirectl and a socket, in one place (the extension point for a new
transport, as httpx keeps its own mapping of transport errors in its transports):

* ``ShardedTransport``: one httpx client, many small connection pools. httpcore's pool
  re-scans every connection for every queued request
  (``AsyncConnectionPool._assign_requests_to_connections``), so one pool of 100 connections
  spends seconds of CPU on 200 concurrent requests; shards of a few connections keep the
  scan short. It honours ``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY``/``NO_PROXY`` like
  httpx's own client does when it builds its transports itself.
* ``classify_transport``: a transport exception -> an outcome and one line (table-driven).
* ``read_capped``: a response body read up to a cap, decompressed (gzip, deflate) only up
  to the same cap, so neither an endless body nor a compression bomb costs memory.
* ``parse_json``: JSON that cannot blow the stack (a 100k-deep array is "not JSON").
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import json
import ssl
import threading
import urllib.request
import zlib
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any, NamedTuple

import httpx

from aspirectl.probe.taxonomy import Outcome
from aspirectl.secrets.redact import redact
from aspirectl.textsafe import one_line

CONNECTIONS_PER_SHARD = 8
# Ask for the body as it is: nothing to decompress in the normal case. A server that
# compresses anyway is decoded by read_capped, within the cap.
REQUEST_HEADERS = {"accept-encoding": "identity"}


# ---------------------------------------------------------------------------- proxies

def environment_proxies() -> dict[str, str | None]:
    """URL pattern -> proxy URL (None: go direct), from the standard environment variables.

    Mirrors what httpx's client does with ``trust_env`` when it owns its transports:
    ``http_proxy``/``https_proxy``/``all_proxy`` (either case) and ``no_proxy`` hosts,
    domains (``.example.com`` or ``example.com``) and ``*``."""
    found = urllib.request.getproxies_environment()
    mounts: dict[str, str | None] = {}
    for scheme in ("http", "https", "all"):
        url = found.get(scheme)
        if url:
            mounts[f"{scheme}://"] = usable_proxy(scheme, url if "://" in url else f"http://{url}")
    bypass = [h.strip() for h in found.get("no", "").split(",") if h.strip()]
    if "*" in bypass:
        return {}
    for host in bypass:
        host = host.lstrip(".")
        if "://" in host:
            mounts[host] = None
            continue
        mounts[f"all://{host}"] = None
        if not (host.replace(".", "").isdigit() or ":" in host or host == "localhost"):
            mounts[f"all://*.{host}"] = None  # a domain: its subdomains too
    return mounts


def _variable_for(scheme: str) -> str:
    """The variable a proxy setting came from, as the operator spelt it."""
    import os

    for name in (f"{scheme}_proxy", f"{scheme.upper()}_PROXY"):
        if os.environ.get(name):
            return name
    return f"{scheme.upper()}_PROXY"


def usable_proxy(scheme: str, url: str) -> str:
    """``url`` if httpx can use it as a proxy, else a ConfigError naming the variable: a typo
    in HTTP_PROXY or a SOCKS proxy without socksio is this machine's problem (UNKNOWN, one
    line), never an internal error of every probe."""
    from aspirectl.errors import ConfigError

    name = _variable_for(scheme)
    shown = one_line(redact(url), 120)
    try:
        proxy = httpx.Proxy(url)
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise ConfigError(f"the proxy variable {name}='{shown}' is not a usable proxy URL: "
                          f"{one_line(str(exc), 120)}", hint=f"fix or unset {name}") from None
    if proxy.url.scheme in ("socks5", "socks5h"):
        import importlib.util

        if importlib.util.find_spec("socksio") is None:
            raise ConfigError(f"the proxy variable {name}='{shown}' is a SOCKS proxy, and SOCKS support "
                              "(the socksio package) is not installed",
                              hint=f"pip install 'httpx[socks]' beside aspirectl, or unset {name}")
    return url


class ShardedTransport(httpx.AsyncBaseTransport):
    def __init__(self, concurrency: int, *, verify: bool | ssl.SSLContext = True,
                 trust_env: bool = True) -> None:
        shards = max(1, -(-concurrency // CONNECTIONS_PER_SHARD))
        per_shard = max(1, -(-concurrency // shards))
        limits = httpx.Limits(max_connections=per_shard, max_keepalive_connections=per_shard)
        # One TLS context for every shard: loading the CA bundle costs ~15 ms each time.
        context = verify if isinstance(verify, ssl.SSLContext) else httpx.create_ssl_context(
            verify=verify, trust_env=trust_env)
        self.shards = [httpx.AsyncHTTPTransport(limits=limits, verify=context, trust_env=trust_env)
                       for _ in range(shards)]
        self._next = itertools.cycle(range(shards))
        self.proxies: list[tuple[str, httpx.AsyncHTTPTransport | None]] = []
        if trust_env:
            for pattern, url in environment_proxies().items():
                transport = None if url is None else httpx.AsyncHTTPTransport(
                    proxy=url, limits=limits, verify=context, trust_env=trust_env)
                self.proxies.append((pattern, transport))
            # The most specific pattern first, as httpx orders its mounts.
            self.proxies.sort(key=lambda p: _pattern_rank(p[0]), reverse=True)

    def _route(self, url: httpx.URL) -> httpx.AsyncHTTPTransport | None:
        for pattern, transport in self.proxies:
            if _pattern_matches(pattern, url):
                return transport
        return None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        proxied = self._route(request.url) if self.proxies else None
        if proxied is not None:
            return await proxied.handle_async_request(request)
        return await self.shards[next(self._next)].handle_async_request(request)

    async def aclose(self) -> None:
        for shard in self.shards:
            await shard.aclose()
        for _, transport in self.proxies:
            if transport is not None:
                await transport.aclose()

    async def __aexit__(self, exc_type: type[BaseException] | None = None,
                        exc_value: BaseException | None = None,
                        traceback: TracebackType | None = None) -> None:
        await self.aclose()


def _split(pattern: str) -> tuple[str, str, int | None]:
    scheme, _, rest = pattern.partition("://")
    host, _, port = rest.partition(":")
    return scheme, host, int(port) if port.isdigit() else None


def _pattern_rank(pattern: str) -> tuple[int, int, int]:
    scheme, host, port = _split(pattern)
    return (port is not None, len(host), scheme != "all")


def _pattern_matches(pattern: str, url: httpx.URL) -> bool:
    scheme, host, port = _split(pattern)
    if scheme not in ("all", url.scheme):
        return False
    if port is not None and port != url.port:
        return False
    if not host:
        return True
    if host.startswith("*."):
        return url.host.endswith(host[1:])
    return url.host == host


def proxy_for(url: str) -> str | None:
    """The proxy a request to ``url`` goes through (for messages), or None."""
    target = httpx.URL(url)
    for pattern, proxy in sorted(environment_proxies().items(), key=lambda p: _pattern_rank(p[0]),
                                 reverse=True):
        if _pattern_matches(pattern, target):
            return proxy
    return None


# ----------------------------------------------------------------- transport failures

class TransportFailure(Exception):
    def __init__(self, outcome: Outcome, detail: str, local: bool = False) -> None:
        super().__init__(detail)
        self.outcome = outcome
        self.detail = detail
        self.local = local  # the cause is on this machine (no DNS, no route, the proxy)


def _chain(exc: BaseException) -> Iterable[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


class TransportRule(NamedTuple):
    kind: type[BaseException]
    words: tuple[str, ...]  # any of them in the message of any exception in the chain
    outcome: Outcome
    label: str
    local: bool = False  # a fault of the operator's own machine, not of the upstream


TRANSPORT_TABLE: tuple[TransportRule, ...] = (
    TransportRule(ConnectionRefusedError, (), Outcome.UNREACHABLE, "connection refused"),
    TransportRule(ssl.SSLError, (), Outcome.UNREACHABLE, "TLS handshake failed"),
    TransportRule(httpx.ConnectError, ("ssl", "certificate", "tls"), Outcome.UNREACHABLE,
                  "TLS handshake failed"),
    TransportRule(httpx.ConnectError, ("refused",), Outcome.UNREACHABLE, "connection refused"),
    TransportRule(httpx.ConnectError, ("name or service", "nodename", "getaddrinfo", "name resolution",
                                       "no address", "temporary failure in name"),
                  Outcome.UNREACHABLE, "DNS lookup failed", local=True),
    TransportRule(httpx.ConnectError, ("network is unreachable", "no route"), Outcome.UNREACHABLE,
                  "no network route", local=True),
    TransportRule(httpx.ConnectError, ("unreachable",), Outcome.UNREACHABLE, "host unreachable"),
    TransportRule(httpx.ConnectTimeout, (), Outcome.TIMEOUT, "connect timed out"),
    TransportRule(httpx.ReadTimeout, (), Outcome.TIMEOUT, "connected, but no answer in time"),
    TransportRule(httpx.WriteTimeout, (), Outcome.TIMEOUT, "request could not be sent in time"),
    TransportRule(httpx.PoolTimeout, (), Outcome.TIMEOUT, "no free connection in time"),
    TransportRule(httpx.ProxyError, (), Outcome.UNREACHABLE, "the proxy refused the connection",
                  local=True),
    TransportRule(httpx.RemoteProtocolError, (), Outcome.UNREACHABLE, "connection closed by the upstream"),
    TransportRule(httpx.ReadError, ("reset",), Outcome.UNREACHABLE, "connection reset by the upstream"),
    TransportRule(httpx.ReadError, (), Outcome.UNREACHABLE, "connection broken while reading"),
    TransportRule(httpx.ConnectError, (), Outcome.UNREACHABLE, "cannot connect"),
    TransportRule(httpx.UnsupportedProtocol, (), Outcome.BAD_REQUEST, "unsupported URL scheme",
                  local=True),
    TransportRule(httpx.TransportError, (), Outcome.UNREACHABLE, "transport error"),
)

# Root causes whose text only repeats the label (the address is given instead).
_SELF_EXPLAINING = (ConnectionRefusedError, TimeoutError, httpx.TimeoutException, asyncio.CancelledError)


def classify_transport(exc: BaseException, where: str = "") -> TransportFailure:
    """The first matching row of TRANSPORT_TABLE. A cause on the operator's own machine (no
    DNS, no route, the proxy) is marked ``local`` so that routing never predicts a gateway
    failure from it."""
    chain = list(_chain(exc))
    words = " ".join(str(e).lower() for e in chain)
    at = f" ({where})" if where else ""
    for rule in TRANSPORT_TABLE:
        if any(isinstance(e, rule.kind) for e in chain) and (
                not rule.words or any(n in words for n in rule.words)):
            root = chain[-1]
            if isinstance(root, _SELF_EXPLAINING) or not str(root):
                return TransportFailure(rule.outcome, f"{rule.label}{at}", rule.local)
            return TransportFailure(rule.outcome, one_line(redact(f"{rule.label}{at}: {root}"), 300),
                                    rule.local)
    return TransportFailure(Outcome.UNREACHABLE, one_line(redact(f"{type(exc).__name__}{at}: {exc}"), 300))


def host_port(url: str) -> str:
    parts = httpx.URL(url)
    port = parts.port or {"https": 443, "http": 80}.get(parts.scheme, 0)
    return f"{parts.host}:{port}"


# ------------------------------------------------------------------------ resolver

class DaemonExecutor(concurrent.futures.ThreadPoolExecutor):  # asyncio accepts only this type
    """The event loop's executor for blocking calls (getaddrinfo): each call on a daemon
    thread, never waited for. With the default executor a resolver that hangs (no DNS
    server answering) holds the run, and the process exit, for the resolver's own timeout,
    far past the global deadline; here the run ends on time and the thread is abandoned."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()

        def run() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as exc:  # handed to the awaiting coroutine
                future.set_exception(exc)

        threading.Thread(target=run, name="aspirectl-resolve", daemon=True).start()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        return None  # nothing to wait for: abandoned lookups end with the process (no pool)


# ------------------------------------------------------------------------- bodies

class Body(NamedTuple):
    data: bytes
    truncated: bool  # more than the cap (raw or decompressed): not read further
    note: str = ""  # why the body could not be decoded, if it could not


async def read_capped(response: httpx.Response, cap: int) -> Body:
    """At most ``cap`` bytes of the body, decompressed within the same cap. Never reads more
    than ``cap`` raw bytes, never produces more than ``cap`` decoded bytes."""
    raw = bytearray()
    truncated = False
    async for chunk in response.aiter_raw():
        raw.extend(chunk)
        if len(raw) > cap:
            truncated = True
            del raw[cap:]
            break
    encoding = response.headers.get("content-encoding", "").strip().lower()
    if encoding in ("", "identity"):
        return Body(bytes(raw), truncated)
    if encoding not in ("gzip", "x-gzip", "deflate"):
        return Body(b"", truncated,
                    f"body in an encoding aspirectl does not decode ({one_line(encoding, 40)})")
    # 47: gzip or zlib header, auto-detected; deflate may also come raw (-15).
    for wbits in ((47,) if encoding != "deflate" else (47, -15)):
        try:
            inflater = zlib.decompressobj(wbits)
            data = inflater.decompress(bytes(raw), cap + 1)
        except zlib.error:
            continue
        if len(data) > cap or inflater.unconsumed_tail:
            return Body(data[:cap], True)
        return Body(data, truncated)
    return Body(b"", truncated, f"{encoding} body that does not decompress")


def parse_json(text: str) -> tuple[Any, bool]:
    """(value, ok). Anything that is not plain JSON, or nests deep enough to exhaust the
    parser's stack, is (None, False)."""
    if not text.strip():
        return None, True
    try:
        return json.loads(text), True
    except (ValueError, RecursionError):
        return None, False
