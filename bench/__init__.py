"""The benchmark: fill a database at a scale, then time the main pages beside their ceiling.

Run with `make bench` (BENCH_SCALE=S|M|L, BENCH_DATABASE_URL); see docs/PERFORMANCE.md.
"""
