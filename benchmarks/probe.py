"""Probe runner budgets (issue: live health and routing).

* 200 hops on the simulators, each answering after 100 ms: the whole probe <= 0.5 s wall.
* One hop that never answers, --timeout 2: the run ends in <= 2.5 s.
* The runner's per-hop overhead (ms), against a bare httpx loop doing the same requests.

Run: .venv/bin/python benchmarks/probe.py
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aspirectl.catalog.loader import load_catalog
from aspirectl.probe.options import RunOptions
from aspirectl.probe.plan import plan_targets
from aspirectl.probe.runner import probe
from aspirectl.secrets.store import MappingSource, Resolver
from benchmarks._common import SandboxProcess, median_ms, report, write_wide_catalog


def _targets(chains: Path, base_urls: dict[str, str], creds: dict[str, str]):
    catalog = load_catalog(chains)
    ups = {n: u._replace(base_url=base_urls[n]) for n, u in catalog.upstreams.items()}
    catalog = catalog._replace(upstreams=ups)
    return plan_targets(catalog, list(catalog.aliases), Resolver([MappingSource(creds)]))


async def _bare_httpx(urls: list[str], token: str) -> None:
    async with httpx.AsyncClient(trust_env=False) as client:
        for url in urls:
            response = await client.get(url, headers={"authorization": f"Bearer {token}"})
            response.read()


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        wide = write_wide_catalog(Path(tmp) / "wide", 200)
        with SandboxProcess(wide, "all-up", delay_s=0.1) as (_, creds, urls):
            targets = _targets(wide, urls, creds)
            options = RunOptions(timeout=5, deadline=10, trust_env=False)
            probe(targets[:10], options)  # warm up
            wall = median_ms(lambda: probe(targets, options), runs=5)
            rows.append(("200 hops x 100 ms each, probe() wall", f"{wall:.0f} ms", "<= 500 ms",
                         wall <= 500))
            env = {**os.environ, "ASPIRECTL_SECRET_BENCH_KEY": creds["bench-key"]}
            sandboxed = Path(tmp) / "wide-sandboxed"
            write_wide_catalog(sandboxed, 200)
            text = (sandboxed / "upstreams.yaml").read_text().replace("http://127.0.0.1:9/v1", urls["bench-up"])
            (sandboxed / "upstreams.yaml").write_text(text)
            cli = [sys.executable, "-m", "aspirectl", "--chains", str(sandboxed), "probe", "-o", "json"]
            cli_wall = median_ms(lambda: subprocess.run(cli, env=env, capture_output=True, check=False), 3)
            rows.append(("same, whole CLI process (aspirectl probe -o json)", f"{cli_wall:.0f} ms", "-", True))
        with SandboxProcess(wide, "all-up", delay_s=0.0) as (_, creds, urls):
            targets = _targets(wide, urls, creds)
            sequential = RunOptions(timeout=5, deadline=60, concurrency=1, trust_env=False)
            probe(targets[:10], sequential)
            per_hop = median_ms(lambda: probe(targets, sequential), runs=3) / len(targets)
            hop_urls = [t.upstream.base_url + f"/models/{t.model}" for t in targets]
            bare = median_ms(lambda: asyncio.run(_bare_httpx(hop_urls, creds["bench-key"])), 3) / len(targets)
            rows.append(("per hop, runner, sequential, 0 ms upstream", f"{per_hop:.2f} ms", "-", True))
            rows.append(("per hop, bare httpx loop, same requests", f"{bare:.2f} ms", "-", True))
            rows.append(("runner overhead per hop", f"{per_hop - bare:.2f} ms", "-", True))
        one = write_wide_catalog(Path(tmp) / "one", 1)
        with SandboxProcess(one, "hang") as (_, creds, urls):
            targets = _targets(one, urls, creds)
            t0 = time.perf_counter()
            hung_report = probe(targets, RunOptions(timeout=2, deadline=20, trust_env=False))
            hung = time.perf_counter() - t0
            outcome = hung_report.results[0].outcome.value
            rows.append((f"1 hung hop, --timeout 2 (outcome {outcome})", f"{hung:.2f} s", "<= 2.5 s",
                         hung <= 2.5 and outcome == "timeout"))
    report(rows)


if __name__ == "__main__":
    main()
