"""Shared helpers for the benchmark scripts."""

from __future__ import annotations

import multiprocessing
import statistics
import time
from collections.abc import Callable
from pathlib import Path


def report(rows: list[tuple[str, str, str, bool]]) -> None:
    """Print (measure, value, budget, within budget) rows; exit 1 if any is over budget."""
    import sys

    width = max(len(r[0]) for r in rows)
    print(f"{'measure'.ljust(width)}  {'value':>10}  {'budget':>10}  ok")
    for label, value, budget, ok in rows:
        print(f"{label.ljust(width)}  {value:>10}  {budget:>10}  {'yes' if ok else 'NO'}")
    sys.exit(0 if all(r[3] for r in rows) else 1)


def median_ms(fn: Callable[[], object], runs: int = 5) -> float:
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def write_wide_catalog(directory: Path, aliases: int, protocol: str = "openai") -> Path:
    """One upstream serving `aliases` aliases: `aliases` hops to probe."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "upstreams.yaml").write_text(
        "upstreams:\n  bench-up:\n"
        f"    protocol: {protocol}\n    base_url: http://127.0.0.1:9/v1\n"
        "    auth: {scheme: bearer, credential: bench-key}\n    billing: paid\n")
    names = "\n".join(f"  - bench-{i:04d}" for i in range(aliases))
    (directory / "bench.yaml").write_text(f"family: bench\naliases:\n{names}\nhops: [bench-up]\n")
    return directory


def _serve(chains: str, scenario_name: str, delay_s: float, conn) -> None:  # runs in the child
    import asyncio

    from aspirectl.catalog.loader import load_catalog
    from aspirectl.sandbox.app import Sandbox
    from aspirectl.sandbox.catalogue import SCENARIOS, Behaviour, Scenario

    scenario = SCENARIOS.get(scenario_name) or Scenario(
        scenario_name, "bench", default=Behaviour(transport=scenario_name))

    async def main() -> None:
        box = Sandbox(load_catalog(chains), scenario, delay_s=delay_s)
        await box.start()
        conn.send((box.port, box.credentials, {n: u.base_url for n, u in
                                                box.sandbox_catalog().upstreams.items()}))
        await asyncio.get_running_loop().run_in_executor(None, conn.recv)
        await box.stop()

    asyncio.run(main())


class SandboxProcess:
    """The sandbox in its own process, so the probe's timings are not the server's."""

    def __init__(self, chains: Path, scenario: str = "all-up", delay_s: float = 0.0) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.parent, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(str(chains), scenario, delay_s, child), daemon=True)

    def __enter__(self) -> tuple[int, dict[str, str], dict[str, str]]:
        self.proc.start()
        return self.parent.recv()

    def __exit__(self, *exc: object) -> None:
        self.parent.send("stop")
        self.proc.join(5)
        if self.proc.is_alive():
            self.proc.kill()
