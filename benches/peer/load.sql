-- The exports as an analyst would load them into DuckDB: each file read once into a table, then one
-- events table across the sources with the columns the hunts need, identities lower-cased, and the
-- roster's identifiers linking events to people. `{dir}` is the sample directory.

CREATE TABLE cae AS SELECT * FROM read_csv('{dir}/defender_cloudappevents.csv', all_varchar = true);
CREATE TABLE entra AS SELECT * FROM read_json('{dir}/defender_entraidsignins.jsonl', format = 'newline_delimited', sample_size = -1);
CREATE TABLE office AS SELECT * FROM read_json('{dir}/sentinel_officeactivity.jsonl', format = 'newline_delimited', sample_size = -1);
CREATE TABLE signin AS SELECT * FROM read_csv('{dir}/sentinel_signinlogs.csv', all_varchar = true);
CREATE TABLE email AS SELECT unnest(Results, recursive := true) FROM read_json('{dir}/defender_emailevents_api.json', sample_size = -1);
CREATE TABLE alerts AS SELECT * FROM read_csv('{dir}/defender_alerts.csv', all_varchar = true);
CREATE TABLE roster AS SELECT * FROM read_csv('{dir}/hr_roster.csv', all_varchar = true);

-- Intel: the plain list (comments and blanks skipped) and the STIX bundle's indicator values.
CREATE TABLE intel AS
    SELECT lower(trim(v)) AS v FROM read_csv('{dir}/intel_jasper_sleet.txt', header = false, columns = {'v': 'VARCHAR'}, delim = '\t')
    WHERE trim(v) <> '' AND NOT starts_with(trim(v), '#')
    UNION
    SELECT lower(regexp_extract(o.pattern, '''([^'']+)''', 1))
    FROM (SELECT unnest(objects, recursive := true) FROM read_json('{dir}/intel_stix_bundle.json', sample_size = -1)) AS o
    WHERE o.type = 'indicator';

-- IPv4 as an integer, for CIDR matches (DuckDB has no CIDR type without the inet extension).
CREATE MACRO ip4(ip) AS CASE WHEN regexp_full_match(ip, '\d+\.\d+\.\d+\.\d+') THEN
    CAST(split_part(ip, '.', 1) AS BIGINT) * 16777216 + CAST(split_part(ip, '.', 2) AS BIGINT) * 65536
    + CAST(split_part(ip, '.', 3) AS BIGINT) * 256 + CAST(split_part(ip, '.', 4) AS BIGINT) END;
CREATE TABLE intel_net AS
    SELECT v, ip4(split_part(v, '/', 1)) AS lo,
           ip4(split_part(v, '/', 1)) + CAST(pow(2, 32 - CAST(CASE WHEN contains(v, '/') THEN split_part(v, '/', 2) ELSE '32' END AS INT)) AS BIGINT) - 1 AS hi
    FROM intel WHERE ip4(split_part(v, '/', 1)) IS NOT NULL;

-- One row per event, every source, with what the hunts read.
CREATE TABLE ev AS
    SELECT 'CloudAppEvents' AS src, CAST(Timestamp AS TIMESTAMP) AS ts, lower(trim(AccountId)) AS account,
           lower(trim(AccountObjectId)) AS oid, Application AS app, ActionType AS action, IPAddress AS ip,
           CountryCode AS country, CAST(NULL AS DOUBLE) AS lat, CAST(NULL AS DOUBLE) AS lon,
           IsExternalUser = '1' AS ext, IsAnonymousProxy = '1' AS anon, IPCategory AS cat, IPTags AS tags,
           ObjectName AS obj, RawEventData AS detail, CAST(NULL AS VARCHAR) AS device, CAST(NULL AS VARCHAR) AS peer
    FROM cae
    UNION ALL
    SELECT 'EntraIdSignInEvents', CAST(Timestamp AS TIMESTAMP), lower(CAST(AccountUpn AS VARCHAR)), lower(CAST(AccountObjectId AS VARCHAR)), Application,
           'SignIn', IPAddress, Country, TRY_CAST(Latitude AS DOUBLE), TRY_CAST(Longitude AS DOUBLE),
           CAST(IsExternalUser AS INT) = 1, false, NULL, NULL, NULL, NULL, CAST(EntraIdDeviceId AS VARCHAR), NULL
    FROM entra WHERE CAST(ErrorCode AS INT) = 0
    UNION ALL
    SELECT 'SigninLogs', strptime("TimeGenerated [UTC]", '%m/%d/%Y, %I:%M:%S.%g %p'), lower(UserPrincipalName), lower(UserId),
           AppDisplayName, 'SignIn', IPAddress, json_extract_string(LocationDetails_dynamic, '$.countryOrRegion'),
           CAST(json_extract(LocationDetails_dynamic, '$.geoCoordinates.latitude') AS DOUBLE),
           CAST(json_extract(LocationDetails_dynamic, '$.geoCoordinates.longitude') AS DOUBLE),
           UserType = 'Guest', false, NULL, NULL, NULL, RiskEventTypes_V2, json_extract_string(DeviceDetail_dynamic, '$.deviceId'), NULL
    FROM signin WHERE ResultType = '0'
    UNION ALL
    SELECT 'OfficeActivity', CAST(TimeGenerated AS TIMESTAMP), lower(UserId), NULL, OfficeWorkload, Operation, ClientIP,
           NULL, NULL, NULL, false, false, NULL, NULL, OfficeObjectId, Parameters, NULL, NULL
    FROM office
    UNION ALL
    SELECT 'EmailEvents', CAST(Timestamp AS TIMESTAMP), lower(SenderFromAddress), NULL, 'Exchange Online', Subject, SenderIPv4,
           NULL, NULL, NULL, EmailDirection = 'Inbound', false, NULL, NULL, NULL, Subject, NULL, lower(RecipientEmailAddress)
    FROM email;

-- Identities: every roster identifier names its person; other accounts are their own person.
CREATE TABLE ids AS
    SELECT DISTINCT lower(trim(id)) AS id, "Person ID" AS pid FROM (
        SELECT "Person ID", unnest(["Candidate Email", "Workday Account", UPN, "Object ID"]) AS id FROM roster
    ) WHERE id IS NOT NULL AND trim(id) <> '';
CREATE TABLE people AS
    SELECT "Person ID" AS pid, Name AS name, Stage AS stage, TRY_CAST("Hire Date" AS TIMESTAMP) AS hire,
           "Work Country" AS work_country FROM roster;
CREATE TABLE evp AS
    SELECT e.*, coalesce(a.pid, o.pid, p.pid, e.account) AS person,
           ip4(e.ip) AS ipn,
           e.ip IN (SELECT v FROM intel) OR EXISTS (SELECT 1 FROM intel_net n WHERE ip4(e.ip) BETWEEN n.lo AND n.hi) AS ip_intel,
           e.account IN (SELECT v FROM intel) OR e.peer IN (SELECT v FROM intel) AS acct_intel
    FROM ev e
    LEFT JOIN ids a ON a.id = e.account
    LEFT JOIN ids o ON o.id = e.oid
    LEFT JOIN ids p ON p.id = e.peer;
-- New hires: the roster's hire date, else first seen more than 14 days into the window.
CREATE TABLE hires AS
    WITH seen AS (SELECT person, min(ts) AS first FROM evp GROUP BY person),
         win AS (SELECT min(ts) AS start FROM evp)
    SELECT s.person, coalesce(p.hire, CASE WHEN s.first > win.start + INTERVAL 14 DAY AND p.pid IS NULL THEN s.first END) AS hire,
           p.work_country
    FROM seen s CROSS JOIN win LEFT JOIN people p ON p.pid = s.person
    WHERE p.hire IS NOT NULL OR (p.pid IS NULL AND s.first > win.start + INTERVAL 14 DAY);
