"""Time the consent check of 10,000 items alone: `python -m bench.consent_check` on a database
that `python -m bench` filled (BENCH_DATABASE_URL as there; it is not emptied here).

The body is the benchmark's own ("api consent check 10k"): 5,000 URLs written in upper case
(normalised, they match no work), 2,000 hashes of works, 3,000 unknown URLs. Besides p50 and
p95 of the whole request it times the parts a request is made of, so a figure can be read
against the target (≤ 300 ms): the service alone (`check_items`, SQL included) and its two
statements (the matching works, then their creators' consents in force). BENCH_REQUESTS (default 20)
requests are timed after 3 warm-up ones, by the wall clock and by the process's CPU time
(less inflated on a loaded machine); the load average is printed with the figures.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from bench.measure import WARMUP, Capture, _api_token, _app, pages, percentile
from crm.db import get_db, session_scope

PAGE = "api consent check 10k"


def _times(call, n: int, clock=time.perf_counter) -> tuple[float, float]:
    for _ in range(WARMUP):
        call()
    samples = []
    for _ in range(n):
        started = clock()
        call()
        samples.append((clock() - started) * 1000)
    return round(percentile(samples, 50), 1), round(percentile(samples, 95), 1)


def run(url: str, n: int, out=print) -> dict:
    from crm.licensing import services
    from crm.licensing.services.check import matching_works
    from crm.licensing.services.resolution import consent_rows_in_force

    app = _app(url)
    engine = get_db(app).engine
    capture = Capture(engine)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {_api_token(app)}"}
    page = next(p for p in pages(app) if p.name == PAGE)
    items = page.json["items"]
    use = page.json["use"]

    def request():
        response = client.post(page.url, json=page.json, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"{response.status_code} {response.get_data(as_text=True)[:300]}")
        return response

    request()  # the first request of a token also records its use
    capture.start()
    answers = request().get_json()["items"]
    statements = len(capture.stop())
    figures = {"items": len(items), "statements": statements}
    figures["request_p50_ms"], figures["request_p95_ms"] = _times(request, n)
    # The process's CPU time: what the request costs without the waits a loaded machine adds.
    figures["request_cpu_p50_ms"], _ = _times(request, n, time.process_time)
    day = services.today()
    with app.app_context(), session_scope(app) as session:
        figures["service_p50_ms"], figures["service_p95_ms"] = _times(
            lambda: services.check_items(session, use, items, day), n
        )
        urls = sorted({services.normalise_url(i["url"]) for i in items if i.get("url")})
        hashes = sorted({i["sha256"] for i in items if i.get("sha256")})

        def both_statements():
            rows = matching_works(session, urls, hashes)
            consent_rows_in_force(session, (r.creator_id for r in rows), [use], day)
            return rows

        figures["sql_p50_ms"], _ = _times(both_statements, n)
    engine.dispose()
    figures["known"] = sum(1 for a in answers if a["work_id"] is not None)
    figures["load_avg"] = round(os.getloadavg()[0], 2)
    out(
        f"consent check, {figures['items']:,} items ({figures['known']:,} known works), "
        f"{statements} statements: request p50 {figures['request_p50_ms']} ms / "
        f"p95 {figures['request_p95_ms']} ms, CPU p50 {figures['request_cpu_p50_ms']} ms; "
        f"service p50 {figures['service_p50_ms']} ms; "
        f"works and consents statements p50 {figures['sql_p50_ms']} ms "
        f"(load average {figures['load_avg']} on {os.cpu_count()} CPUs)"
    )
    return figures


def main() -> int:
    default_url = f"sqlite:///{Path(tempfile.gettempdir()) / 'crm-bench.sqlite3'}"
    url = os.environ.get("BENCH_DATABASE_URL") or default_url
    run(url, int(os.environ.get("BENCH_REQUESTS") or 20))
    return 0


if __name__ == "__main__":
    sys.exit(main())
