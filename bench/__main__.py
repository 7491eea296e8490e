"""`python -m bench`: generate (unless BENCH_REUSE=1), measure, print the table, write JSON.

Environment: BENCH_SCALE (S, M or L; default S), BENCH_DATABASE_URL (default a fresh SQLite
file in the temp directory; the database is emptied first), BENCH_REQUESTS (timed requests
per page, default 50), BENCH_REUSE=1 (measure the database a previous run filled).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy.engine import make_url

from bench.generate import SCALES, generate, nightly_jobs
from bench.measure import HEADER, measure, table, write_json
from crm.migrate import upgrade

RESULTS = Path(__file__).resolve().parent / "results.json"


def main() -> int:
    scale_name = os.environ.get("BENCH_SCALE", "S").upper()
    if scale_name not in SCALES:
        print(f"BENCH_SCALE must be one of {', '.join(SCALES)}", file=sys.stderr)
        return 2
    scale = SCALES[scale_name]
    default_url = f"sqlite:///{Path(tempfile.gettempdir()) / 'crm-bench.sqlite3'}"
    url = os.environ.get("BENCH_DATABASE_URL") or default_url
    requests = int(os.environ.get("BENCH_REQUESTS") or 50)
    database = make_url(url).get_backend_name()
    started = time.perf_counter()
    print(f"Benchmark at scale {scale_name} on {make_url(url).render_as_string()}")
    if os.environ.get("BENCH_REUSE") == "1":
        upgrade(url)
        nightly_jobs(url)
        generate_s = None
        print("Reusing the data already there (BENCH_REUSE=1).")
    else:
        print("Generating…")
        info = generate(url, scale)
        generate_s = info["generate_s"]
        rows = sum(info["rows"].values())
        print(f"Generated {rows:,} rows in {generate_s} s (migrations {info['migrate_s']} s)")
    print(f"Measuring {requests} requests per page…")
    print(HEADER, flush=True)
    results = measure(url, requests, log=lambda line: print(line, flush=True))
    print()
    print(table(results))
    load = os.getloadavg()[0]
    print(f"\nLoad average (1 min) after the run: {load:.1f} on {os.cpu_count()} CPUs")
    write_json(RESULTS, scale_name, database, generate_s, results, load_avg=round(load, 1))
    print(f"\nWrote {RESULTS} in {time.perf_counter() - started:.0f} s in all.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
