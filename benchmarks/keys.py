"""Key budgets (issue: virtual keys), against PostgreSQL with LiteLLM's real schema.

* `keys provision` of 1,000 consumers into PostgreSQL: <= 2 s (whole CLI process, files included).
* `keys list` over 10,000 keys: <= 0.5 s to first output.

Run: .venv/bin/python benchmarks/keys.py   (needs PostgreSQL on 127.0.0.1:5432)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aspirectl.keys.db import open_database
from aspirectl.keys.store import KeySpec, KeyStore
from benchmarks._common import report
from tests import pgutil

CLI = [sys.executable, "-m", "aspirectl"]


def time_to_first_row(args: list[str]) -> tuple[float, float, int]:
    t0 = time.perf_counter()
    proc = subprocess.Popen(CLI + args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    proc.stdout.readline()  # header
    proc.stdout.readline()  # first key
    first = time.perf_counter() - t0
    rest = proc.stdout.read()
    proc.wait()
    return first, time.perf_counter() - t0, rest.count("\n")  # rows after the first, + the summary


def main() -> None:
    template = pgutil.template_database()
    name = pgutil.create_database(template=template)
    url = pgutil.admin_url(name)
    rows = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            fleet = Path(tmp) / "fleet.yaml"
            fleet.write_text("fleet: bench\ndefaults: {models: [claude], expires: 90d}\nconsumers:\n"
                             + "".join(f"  - agent-{i:04d}\n" for i in range(1000)))
            t0 = time.perf_counter()
            subprocess.run([*CLI, "--db", url, "keys", "provision", str(fleet), "--save", f"{tmp}/keys"],
                           check=True, capture_output=True, env={**os.environ, "ASPIRECTL_CHAINS": "chains"})
            wall = time.perf_counter() - t0
            files = len(list(Path(f"{tmp}/keys").glob("*.env")))
            rows.append((f"keys provision, 1,000 consumers ({files} files)", f"{wall:.2f} s", "<= 2 s",
                         wall <= 2 and files == 1000))
            db = open_database(url)
            KeyStore(db).provision([(f"bulk-{i:05d}", KeySpec()) for i in range(9000)])
            db.close()
            first, total, lines = time_to_first_row(["--db", url, "keys", "list"])
            rows.append(("keys list, 10,000 keys: first row", f"{first * 1000:.0f} ms", "<= 500 ms", first <= 0.5))
            rows.append((f"keys list, 10,000 keys: all {lines} rows", f"{total * 1000:.0f} ms", "-", True))
    finally:
        pgutil.drop_database(name)
        pgutil.drop_database(template)
    report(rows)


if __name__ == "__main__":
    main()
