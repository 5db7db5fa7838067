#!/usr/bin/env python3
"""The peer for `hirescope detect`: the same hunts written as SQL for DuckDB over the same files,
timed end to end (reading the exports included), beside the release binary.

Usage: python3 benches/duckdb_hunts.py [target/bench-data/sample-1000000]
(`cargo bench --bench detect` writes that directory; or `hirescope sample -o DIR --events N`).
Needs `pip install duckdb` and `cargo build --release`.
"""
import subprocess
import sys
import time

import duckdb

d = sys.argv[1] if len(sys.argv) > 1 else "target/bench-data/sample-1000000"

LOAD = f"""
CREATE OR REPLACE TABLE cae AS SELECT * FROM read_csv('{d}/defender_cloudappevents.csv', all_varchar=true);
CREATE OR REPLACE TABLE entra AS SELECT * FROM read_json('{d}/defender_entraidsignins.jsonl', format='newline_delimited', sample_size=-1);
CREATE OR REPLACE TABLE office AS SELECT * FROM read_json('{d}/sentinel_officeactivity.jsonl', format='newline_delimited', sample_size=-1);
CREATE OR REPLACE TABLE roster AS SELECT * FROM read_csv('{d}/hr_roster.csv', all_varchar=true);
"""

# A subset of the detectors, as an analyst would write them by hand: the intel is inlined as
# prefixes because DuckDB has no CIDR match without its network extension.
HUNTS = {
    "recruiting-api-intel": """
        SELECT AccountId, IPAddress, date_trunc('day', CAST(Timestamp AS TIMESTAMP)) AS day, count(*) AS calls, list(DISTINCT ActionType)
        FROM cae WHERE Application = 'Workday' AND IsExternalUser = '1' AND ActionType LIKE '%hrrecruiting%'
          AND (IPAddress LIKE '175.45.176.%' OR IPAddress = '45.133.20.77')
        GROUP BY ALL""",
    "payroll-change-risky": """
        SELECT c.AccountId, c.ActionType, c.IPAddress, c.CountryCode FROM cae c JOIN roster r ON lower(c.AccountId) = lower(r.UPN)
        WHERE c.Application = 'Workday'
          AND regexp_matches(c.ActionType, '(?i)\\b(add|change|assign|create|modify)\\b')
          AND regexp_matches(c.ActionType, '(?i)\\b(account|bank|payment|tax)\\b')
          AND CAST(c.Timestamp AS TIMESTAMP) >= CAST(r."Hire Date" AS TIMESTAMP)
          AND (c.IPAddress LIKE '175.45.176.%' OR c.IsAnonymousProxy = '1' OR c.CountryCode <> r."Work Country")""",
    "impossible-travel": """
        WITH located AS (
            SELECT AccountUpn AS who, CAST(Timestamp AS TIMESTAMP) AS ts, CAST(Latitude AS DOUBLE) AS lat, CAST(Longitude AS DOUBLE) AS lon, IPAddress AS ip FROM entra
            UNION ALL
            SELECT lower(AccountId), CAST(Timestamp AS TIMESTAMP), NULL, NULL, IPAddress FROM cae WHERE false
        ), pairs AS (
            SELECT who, ts, lat, lon, ip, lag(ts) OVER w AS pts, lag(lat) OVER w AS plat, lag(lon) OVER w AS plon, lag(ip) OVER w AS pip
            FROM located WINDOW w AS (PARTITION BY who ORDER BY ts)
        ), km AS (
            SELECT *, 2 * 6371 * asin(sqrt(pow(sin(radians(lat - plat) / 2), 2) + cos(radians(plat)) * cos(radians(lat)) * pow(sin(radians(lon - plon) / 2), 2))) - 50 AS km,
                   epoch(ts - pts) / 3600.0 AS hours
            FROM pairs WHERE plat IS NOT NULL AND ip <> pip AND (lat <> plat OR lon <> plon)
        )
        SELECT who, count(*) FROM km WHERE km >= 500 AND (hours <= 0 OR km / hours >= 900) GROUP BY who""",
    "data-access-spike": """
        WITH daily AS (
            SELECT lower(AccountId) AS who, date_trunc('day', CAST(Timestamp AS TIMESTAMP)) AS day, count(*) AS items FROM cae
            WHERE ActionType IN ('FileDownloaded', 'FileSyncDownloadedFull', 'FileAccessed', 'SearchQueryInitiatedSharePoint', 'MailItemsAccessed')
            GROUP BY ALL
        ), stats AS (
            SELECT *, median(items) OVER (PARTITION BY day) AS med FROM daily
        ), mad AS (
            SELECT *, median(abs(items - med)) OVER (PARTITION BY day) * 1.4826 AS mad FROM stats
        )
        SELECT who, day, items FROM mad WHERE mad > 0 AND (items - med) / mad >= 6 AND items >= 50""",
    "shared-mfa-device": """
        SELECT EntraIdDeviceId, count(DISTINCT AccountUpn) AS accounts FROM entra WHERE EntraIdDeviceId IS NOT NULL AND EntraIdDeviceId <> ''
        GROUP BY ALL HAVING count(DISTINCT AccountUpn) >= 2""",
    "anonymous-access-data": """
        SELECT AccountId, count(*) FROM cae WHERE ActionType IN ('FileDownloaded', 'FileSyncDownloadedFull', 'FileAccessed', 'SearchQueryInitiatedSharePoint')
          AND (IsAnonymousProxy = '1' OR IPCategory IN ('Risky', 'VPN')) GROUP BY ALL""",
    "workday-mail-hiding": """
        SELECT UserId, Parameters FROM office WHERE Operation IN ('New-InboxRule', 'Set-InboxRule')
          AND Parameters ILIKE '%myworkday.com%' AND (Parameters ILIKE '%delete%' OR Parameters ILIKE '%movetofolder%')""",
}


def duck():
    con = duckdb.connect()
    start = time.perf_counter()
    con.execute(LOAD)
    loaded = time.perf_counter() - start
    counts = {}
    for name, sql in HUNTS.items():
        counts[name] = len(con.execute(sql).fetchall())
    return loaded, time.perf_counter() - start, counts


def hirescope():
    start = time.perf_counter()
    out = subprocess.run(["target/release/hirescope", "detect", d, "--format", "jsonl"], capture_output=True, check=True)
    return time.perf_counter() - start, len(out.stdout.splitlines())


rows = None
for run in range(3):
    loaded, total, counts = duck()
    took, findings = hirescope()
    print(f"run {run + 1}: duckdb {duckdb.__version__}: load {loaded:.2f} s, load + {len(HUNTS)} hunts {total:.2f} s {counts}")
    print(f"run {run + 1}: hirescope detect (load, link people, all 17 detectors): {took:.2f} s, {findings} findings")
