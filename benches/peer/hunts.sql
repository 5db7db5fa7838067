-- The 17 detectors of DETECTIONS.md as DuckDB SQL over the tables `load.sql` builds, as faithfully
-- as SQL allows; where it does not, the hunt says how it is simpler. Each hunt starts with a
-- `-- hunt: ID` line; `scripts/bench-peer` runs them in turn and counts their rows.

-- hunt: recruiting-api-intel
SELECT account, ip, date_trunc('day', ts) AS day, list(DISTINCT action) AS endpoints, count(*) AS calls
FROM evp WHERE app = 'Workday' AND ext AND contains(action, 'hrrecruiting') AND (ip_intel OR acct_intel)
GROUP BY ALL;

-- hunt: recruiting-pattern-cluster
-- Sessions end after a 30-minute gap; a session is its ordered endpoint families (ids stripped),
-- one character per family so that levenshtein() is the edit distance between sequences.
WITH calls AS (
    SELECT account, ip, ts, regexp_replace(action, '/[0-9a-fA-F-]{6,}|/\d+', '', 'g') AS family
    FROM evp WHERE app = 'Workday' AND ext AND contains(action, 'hrrecruiting')
), coded AS (
    SELECT *, chr(CAST(64 + dense_rank() OVER (ORDER BY family) AS INT)) AS code,
           CASE WHEN ts - lag(ts) OVER (PARTITION BY account ORDER BY ts) <= INTERVAL 30 MINUTE THEN 0 ELSE 1 END AS starts
    FROM calls
), sessions AS (
    SELECT account, sum(starts) OVER (PARTITION BY account ORDER BY ts) AS session, ts, code FROM coded
), seqs AS (
    SELECT account, session, min(ts)::DATE AS day, string_agg(code, '' ORDER BY ts) AS seq FROM sessions GROUP BY ALL
), repeated AS (
    SELECT account, seq FROM seqs GROUP BY ALL HAVING count(DISTINCT day) >= 2
), linked AS (
    SELECT a.account AS a, b.account AS b FROM repeated a JOIN repeated b
    ON a.account < b.account AND levenshtein(a.seq, b.seq) <= 1
)
-- Connected groups of one hop: each account with the accounts it replays (SQL has no union-find).
SELECT a, list(DISTINCT b) AS members FROM linked GROUP BY a HAVING count(DISTINCT b) >= 2;

-- hunt: recruiting-api-volume
WITH per AS (
    SELECT account, count(*) AS calls, count(DISTINCT regexp_extract(action, 'R-\d+')) AS reqs
    FROM evp WHERE app = 'Workday' AND ext AND contains(action, 'hrrecruiting') GROUP BY account
), stats AS (
    SELECT median(calls) AS mc, median(reqs) AS mr FROM per
), mads AS (
    SELECT median(abs(calls - mc)) * 1.4826 AS dc, median(abs(reqs - mr)) * 1.4826 AS dr FROM per, stats
)
SELECT account, calls, reqs FROM per, stats, mads
WHERE (dc > 0 AND (calls - mc) / dc >= 6) OR (dr > 0 AND (reqs - mr) / dr >= 6);

-- hunt: interview-email-risky
SELECT person, account, peer, ip, action FROM evp
WHERE src = 'EmailEvents' AND regexp_matches(action, '(?i)(^|[^a-z0-9])interview([^a-z0-9]|$)')
  AND (ip_intel OR acct_intel OR split_part(account, '@', 2) IN (SELECT v FROM intel)
       OR split_part(peer, '@', 2) IN (SELECT v FROM intel));

-- hunt: external-meeting-risky
SELECT account, ip, date_trunc('day', ts) AS day, list(DISTINCT action) AS actions,
       bool_or(ip_intel OR acct_intel) AS on_intel
FROM evp WHERE app IN ('Microsoft Teams', 'Zoom', 'Cisco Webex') AND ext
  AND (ip_intel OR acct_intel OR anon OR cat = 'Risky' OR tags ILIKE '%tor%' OR tags ILIKE '%anonymous proxy%')
GROUP BY ALL;

-- hunt: offer-signed-risky
SELECT e.person, e.ip, e.country, h.work_country FROM evp e LEFT JOIN people h ON h.pid = e.person
WHERE e.app = 'DocuSign' AND e.action = 'ENVELOPE SIGNED' AND e.ext
  AND (e.ip_intel OR e.acct_intel OR e.anon OR (h.work_country IS NOT NULL AND e.country <> h.work_country));

-- hunt: new-hire-signin-intel
SELECT e.person, e.ip, min(e.ts), count(*) FROM evp e JOIN hires h ON h.person = e.person
WHERE e.ip_intel AND e.ts >= h.hire AND e.ts < h.hire + INTERVAL 90 DAY
  AND (e.action = 'SignIn' OR e.src = 'CloudAppEvents')
GROUP BY ALL;

-- hunt: payroll-change-risky
SELECT e.person, e.action, e.ip, e.country FROM evp e JOIN hires h ON h.person = e.person
WHERE e.app = 'Workday' AND e.ts >= h.hire
  AND regexp_matches(e.action, '(?i)(^|[^a-z0-9])(add|change|assign|create|modify)([^a-z0-9]|$)')
  AND regexp_matches(e.action, '(?i)(^|[^a-z0-9])(account|bank|payment|tax)([^a-z0-9]|$)')
  AND (e.ip_intel OR e.anon OR (h.work_country IS NOT NULL AND e.country <> h.work_country));

-- hunt: impossible-travel
-- Located events only where the export gives coordinates (sign-ins): hirescope also places
-- CloudAppEvents rows by their city and shares places across tables by IP.
WITH located AS (
    SELECT person, ts, lat, lon, ip FROM evp WHERE lat IS NOT NULL AND lon IS NOT NULL AND coalesce(cat, '') <> 'Corporate'
), moves AS (
    SELECT *, lag(ts) OVER w AS pts, lag(lat) OVER w AS plat, lag(lon) OVER w AS plon
    FROM located WINDOW w AS (PARTITION BY person ORDER BY ts)
), hops AS (
    SELECT person, ts, 2 * 6371 * asin(sqrt(pow(sin(radians(lat - plat) / 2), 2)
           + cos(radians(plat)) * cos(radians(lat)) * pow(sin(radians(lon - plon) / 2), 2))) AS km,
           epoch(ts - pts) / 3600.0 AS hours
    FROM moves WHERE plat IS NOT NULL AND (lat <> plat OR lon <> plon)
)
SELECT person, count(*) AS impossible FROM hops
WHERE km >= 500 AND (hours <= 0 OR km / hours >= 900) GROUP BY person;

-- hunt: anonymous-access-data
SELECT e.person, count(*) FROM evp e JOIN hires h ON h.person = e.person
WHERE e.action IN ('FileDownloaded', 'FileSyncDownloadedFull', 'FileAccessed', 'SearchQueryInitiatedSharePoint',
                   'SearchQueryInitiatedExchange', 'SearchQueryPerformed', 'MailItemsAccessed')
  AND (e.anon OR e.cat IN ('Risky', 'VPN') OR e.tags ILIKE '%tor%' OR e.tags ILIKE '%anonymous proxy%')
GROUP BY ALL;

-- hunt: location-mismatch
SELECT e.person, list(DISTINCT e.country) AS countries, h.work_country
FROM evp e JOIN hires h ON h.person = e.person
WHERE e.country IS NOT NULL AND coalesce(e.cat, '') <> 'Corporate' AND e.ts >= h.hire
GROUP BY e.person, h.hire, h.work_country
HAVING bool_or(h.work_country IS NOT NULL AND e.country <> h.work_country)
    OR count(DISTINCT e.country) FILTER (WHERE e.ts < h.hire + INTERVAL 30 DAY) >= 3;

-- hunt: data-access-spike
WITH daily AS (
    SELECT person, ts::DATE AS day, count(*) AS items FROM evp
    WHERE action IN ('FileDownloaded', 'FileSyncDownloadedFull', 'FileAccessed', 'SearchQueryInitiatedSharePoint',
                     'SearchQueryInitiatedExchange', 'SearchQueryPerformed', 'MailItemsAccessed')
    GROUP BY ALL
), stats AS (
    SELECT *, median(items) OVER (PARTITION BY day) AS med FROM daily
), spread AS (
    SELECT *, median(abs(items - med)) OVER (PARTITION BY day) * 1.4826 AS mad FROM stats
)
SELECT s.person, s.day, s.items FROM spread s JOIN hires h ON h.person = s.person
WHERE s.mad > 0 AND (s.items - s.med) / s.mad >= 6 AND s.items >= 50;

-- hunt: shared-mfa-device
SELECT device, list(DISTINCT person) AS people FROM evp
WHERE device IS NOT NULL AND device <> '' GROUP BY device HAVING count(DISTINCT person) >= 2;

-- hunt: workday-mail-hiding
SELECT person, action, detail FROM evp
WHERE action IN ('New-InboxRule', 'Set-InboxRule') AND detail ILIKE '%myworkday.com%'
  AND (detail ILIKE '%delete%' OR detail ILIKE '%movetofolder%');

-- hunt: intel-match
SELECT person, src, count(*) FROM evp WHERE ip_intel OR acct_intel GROUP BY ALL;

-- hunt: shared-infrastructure
-- Candidates and new hires linked through the same IP, /24 or device (uncommon e-mail domains
-- left out: "uncommon" needs a population count per domain, which is one more pass).
WITH suspects AS (
    SELECT person FROM hires UNION SELECT pid FROM people WHERE lower(stage) IN ('candidate', 'offer')
), keyed AS (
    SELECT DISTINCT e.person, unnest([e.ip, regexp_replace(e.ip, '\.\d+$', '.0/24'), e.device]) AS k
    FROM evp e JOIN suspects s ON s.person = e.person WHERE coalesce(e.cat, '') <> 'Corporate'
)
SELECT k, list(DISTINCT person) AS people FROM keyed WHERE k IS NOT NULL GROUP BY k HAVING count(DISTINCT person) >= 2;

-- hunt: vendor-alert
SELECT a.AlertId, any_value(a.Title), any_value(a.Severity), list(DISTINCT coalesce(i.pid, lower(a.AccountUpn), a.RemoteIP))
FROM alerts a LEFT JOIN ids i ON i.id = lower(a.AccountUpn)
WHERE a.AccountUpn IS NOT NULL OR a.RemoteIP IS NOT NULL GROUP BY a.AlertId;
