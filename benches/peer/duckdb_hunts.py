#!/usr/bin/env python3
"""The peer's run: load a sample directory into DuckDB (`load.sql`) and run every hunt
(`hunts.sql`), printing the load time, each hunt's rows and time, and the total on stdout.

Usage: python3 benches/peer/duckdb_hunts.py DIR   (needs `pip install duckdb`)
"""
import pathlib
import sys
import time

import duckdb

here = pathlib.Path(__file__).parent
d = sys.argv[1]
con = duckdb.connect()
start = time.perf_counter()
con.execute((here / "load.sql").read_text().replace("{dir}", d))
loaded = time.perf_counter() - start
print(f"load {loaded:.2f} s")
hunts = (here / "hunts.sql").read_text().split("\n-- hunt: ")[1:]
for h in hunts:
    name, sql = h.split("\n", 1)
    t = time.perf_counter()
    rows = len(con.execute(sql.strip().rstrip(";")).fetchall())
    print(f"{name.strip():<28} {rows:>7} rows {time.perf_counter() - t:6.2f} s")
print(f"total {time.perf_counter() - start:.2f} s")
