"""A small HTTP/1.1 server on asyncio streams that can also misbehave on purpose.

Real sockets, keep-alive, Content-Length bodies; and the faults the probes must survive:
answer late, never answer, drip the body a byte at a time, reset the connection, send a
huge or a non-JSON body.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import struct
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

MAX_HEAD = 64 * 1024
MAX_BODY = 4 * 1024 * 1024
TLS_HANDSHAKE = b"\x16"
REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 402: "Payment Required",
           403: "Forbidden", 404: "Not Found", 408: "Request Timeout", 422: "Unprocessable Entity",
           429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
           503: "Service Unavailable", 504: "Gateway Timeout", 529: "Overloaded"}


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes = b""

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


@dataclass
class Response:
    status: int = 200
    body: Any = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    hang: bool = False
    drip_s: float | None = None  # seconds between single bytes of the body
    reset: bool = False
    huge_bytes: int = 0  # send this many bytes of JSON-looking filler instead of the body

    def payload(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


Handler = Callable[[Request], Awaitable[Response]]


class HttpServer:
    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.server: asyncio.Server | None = None
        self.port = 0
        self._connections: set[asyncio.Task[None]] = set()
        self._stopping = asyncio.Event()

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        self.server = await asyncio.start_server(self._serve, host, port, limit=MAX_HEAD,
                                                 backlog=512, reuse_address=True)
        self.port = self.server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        self._stopping.set()
        if self.server:
            self.server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        if self.server:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.server.wait_closed(), 1)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            while not self._stopping.is_set():
                request = await self._read_request(reader, writer)
                if request is None:
                    break
                response = await self.handler(request)
                if request.header("connection").lower() == "close":
                    response.headers["connection"] = "close"
                keep_alive = await self._write_response(writer, response)
                if not keep_alive:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass
        except asyncio.CancelledError:
            pass
        finally:
            self._connections.discard(task)
            with contextlib.suppress(Exception):
                writer.close()

    async def _read_request(self, reader: asyncio.StreamReader,
                            writer: asyncio.StreamWriter) -> Request | None:
        first = await reader.read(1)
        if not first:
            return None
        if first == TLS_HANDSHAKE:
            # A TLS client on a plain-HTTP port: answer like nginx does, in plain text.
            writer.write(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
            await writer.drain()
            return None
        try:
            head = first + await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0") or 0)
        if length > MAX_BODY:
            raise ValueError("request body too large")
        body = await reader.readexactly(length) if length else b""
        parts = urlsplit(target)
        return Request(method.upper(), unquote(parts.path), dict(parse_qsl(parts.query)), headers, body)

    async def _write_response(self, writer: asyncio.StreamWriter, response: Response) -> bool:
        if response.delay_s:
            await asyncio.sleep(response.delay_s)
        if response.hang:
            await self._stopping.wait()
            return False
        if response.reset:
            sock = writer.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return False
        if response.huge_bytes:
            return await self._write_huge(writer, response)
        payload = response.payload()
        headers = {"content-type": "application/json", **{k.lower(): v for k, v in response.headers.items()}}
        headers["content-length"] = str(len(payload))
        headers.setdefault("connection", "keep-alive")
        head = f"HTTP/1.1 {response.status} {REASONS.get(response.status, 'Status')}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        writer.write(head.encode("latin-1"))
        if response.drip_s:
            for i in range(len(payload)):
                writer.write(payload[i:i + 1])
                await writer.drain()
                await asyncio.sleep(response.drip_s)
        else:
            writer.write(payload)
        await writer.drain()
        return headers["connection"] == "keep-alive"

    async def _write_huge(self, writer: asyncio.StreamWriter, response: Response) -> bool:
        head = (f"HTTP/1.1 {response.status} {REASONS.get(response.status, 'Status')}\r\n"
                f"content-type: application/json\r\ncontent-length: {response.huge_bytes}\r\n"
                "connection: close\r\n\r\n")
        writer.write(head.encode())
        chunk = b" " * 65536
        sent = 0
        try:
            while sent < response.huge_bytes:
                piece = chunk[: min(len(chunk), response.huge_bytes - sent)]
                writer.write(piece)
                await writer.drain()
                sent += len(piece)
        except ConnectionError:
            pass
        return False


def reserve_refusing_port(host: str = "127.0.0.1") -> socket.socket:
    """A bound socket that never listens: connecting to its port is refused."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((host, 0))
    return sock
