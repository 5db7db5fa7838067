#!/usr/bin/env python3
"""The peer for `cargo bench --bench ingest`: DuckDB reading the same generated files.

Usage: python3 benches/duckdb_ingest.py [target/bench-data/cae_1000000.csv]
(run `cargo bench --bench ingest` first: it writes the files). Needs `pip install duckdb`.
"""
import sys
import time

import duckdb

csv = sys.argv[1] if len(sys.argv) > 1 else "target/bench-data/cae_1000000.csv"
jsonl = csv[:-4] + ".jsonl"
con = duckdb.connect()
for name, query in [
    ("read_csv", f"CREATE OR REPLACE TABLE t AS SELECT * FROM read_csv('{csv}')"),
    ("read_json (lines)", f"CREATE OR REPLACE TABLE t AS SELECT * FROM read_json('{jsonl}', format='newline_delimited')"),
]:
    best = None
    for _ in range(3):
        start = time.perf_counter()
        con.execute(query)
        rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
        took = time.perf_counter() - start
        best = took if best is None else min(best, took)
    print(f"duckdb {duckdb.__version__} {name}: {rows} rows, best of 3 {best:.3f} s = {rows / best / 1000:.0f} Krows/s")
