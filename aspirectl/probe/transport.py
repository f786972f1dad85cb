"""One httpx client, many small connection pools.

httpcore's pool re-scans every connection for every queued request
(``AsyncConnectionPool._assign_requests_to_connections``), so one pool of 100 connections
spends seconds of CPU on 200 concurrent requests. Spreading requests over shards of a few
connections each keeps the scan short; a shard is chosen round-robin per request.
"""

from __future__ import annotations

import itertools
import ssl
from types import TracebackType

import httpx

CONNECTIONS_PER_SHARD = 8


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

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.shards[next(self._next)].handle_async_request(request)

    async def aclose(self) -> None:
        for shard in self.shards:
            await shard.aclose()

    async def __aexit__(self, exc_type: type[BaseException] | None = None,
                        exc_value: BaseException | None = None,
                        traceback: TracebackType | None = None) -> None:
        await self.aclose()
