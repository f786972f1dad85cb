"""Hostile peers for the tests: a loopback HTTP server that answers whatever a test says,
raw-socket servers for what HTTP libraries would refuse to send, and crafted catalogs that
point chosen upstreams at them."""

from __future__ import annotations

import asyncio
import re
import shutil
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from aspirectl.catalog.loader import load_catalog
from aspirectl.envnames import secret_env as env_name
from aspirectl.sandbox.httpserver import HttpServer, Request, Response
from tests.conftest import SHIPPED_CHAINS

CREDENTIALS = ("anthropic-oauth-token", "anthropic-api-key", "codex-shim-token", "openai-api-key",
               "cloud-first-litellm-key", "google-code-assist-token", "google-ai-studio-key")


def credential_env(value: str = "sk-hostile-test-credential-0001") -> dict[str, str]:
    return {env_name(c): value for c in CREDENTIALS}


@contextmanager
def http_server(respond: Callable[[Request], Response]) -> Iterator[str]:
    """An HTTP server on 127.0.0.1 whose every answer comes from ``respond``; yields its URL."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict[str, object] = {}

    async def handler(request: Request) -> Response:
        return respond(request)

    def serve() -> None:
        asyncio.set_event_loop(loop)
        server = HttpServer(handler)
        holder["port"] = loop.run_until_complete(server.start())
        holder["server"] = server
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    ready.wait(5)
    try:
        yield f"http://127.0.0.1:{holder['port']}"
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)


@contextmanager
def raw_server(answer: bytes | Callable[[socket.socket], None]) -> Iterator[str]:
    """A TCP server that reads one request head and writes ``answer`` as it is (or hands the
    socket to a function), for answers an HTTP library would not produce."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    stop = threading.Event()

    def one(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            data = b""
            try:
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                if callable(answer):
                    answer(conn)
                else:
                    conn.sendall(answer)
            except OSError:
                pass

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=one, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        listener.close()


def chains_pointing(directory: Path, urls: dict[str, str]) -> Path:
    """A copy of the shipped catalog in ``directory`` with some upstreams' base_url replaced."""
    if directory.exists():
        shutil.rmtree(directory)
    shutil.copytree(SHIPPED_CHAINS, directory)
    path = directory / "upstreams.yaml"
    lines, current = [], None
    for line in path.read_text().splitlines():
        top = re.match(r"^  ([a-z0-9-]+):\s*$", line)
        if top:
            current = top.group(1)
        if current in urls and line.strip().startswith("base_url:"):
            line = f"    base_url: {urls[current]}"
        lines.append(line)
    path.write_text("\n".join(lines) + "\n")
    load_catalog(directory)  # still a valid catalog
    return directory


def first_hop_of(protocol: str) -> tuple[str, str]:
    """(alias, upstream) whose first hop speaks ``protocol`` in the shipped catalog."""
    return {
        "anthropic": ("claude-haiku-4-5", "anthropic-oauth"),
        "openai": ("gpt-5.5", "openai-api"),
        "litellm": ("qwen-3.6", "cloud-first-litellm"),
        "gemini": ("gemini-2.5-pro", "google-ai-studio"),
        "code-assist": ("gemini-2.5-pro", "google-code-assist"),
    }[protocol]


MEASURE = ("import resource, subprocess, sys\n"
           "p = subprocess.run([sys.executable, '-m', 'aspirectl', *sys.argv[2:]], capture_output=True, text=True)\n"
           "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024))\n"
           "sys.stdout.write(p.stdout); sys.stderr.write(p.stderr); sys.exit(p.returncode)\n")


def measured(*args: object, env: dict[str, str] | None = None, timeout: float = 60):
    """aspirectl in a child process of its own: (its result, its peak RSS in MiB). The test
    process's own peak (it may have allocated hundreds of MiB itself) never enters it."""
    import os
    import subprocess
    import sys
    import tempfile

    from tests.conftest import Result

    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        proc = subprocess.run([sys.executable, "-c", MEASURE, rss.name, *map(str, args)], capture_output=True,
                              text=True, env={**os.environ, **(env or {})}, timeout=timeout)
        return Result(proc.returncode, proc.stdout, proc.stderr), int(rss.read() or 0)
