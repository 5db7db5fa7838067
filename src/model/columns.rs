//! The events frame's column names, as constants: a misspelt name is a compile error where it is
//! used, not an empty column on screen. The canonical columns come from ingest
//! (`ingest::canon::CANONICAL_COLUMNS`); the rest the model derives.

// Canonical columns, as ingest names them.
pub const TABLE: &str = "table";
pub const ROW: &str = "row";
pub const TS: &str = "ts";
pub const ACCOUNT: &str = "account";
pub const OBJECT_ID: &str = "object_id";
pub const PEER: &str = "peer";
pub const IP: &str = "ip";
pub const COUNTRY: &str = "country";
pub const CITY: &str = "city";
pub const LAT: &str = "lat";
pub const LON: &str = "lon";
pub const ISP: &str = "isp";
pub const APP: &str = "app";
pub const ACTION: &str = "action";
pub const OBJECT: &str = "object";
pub const USER_AGENT: &str = "user_agent";
pub const DEVICE_ID: &str = "device_id";
pub const IP_CATEGORY: &str = "ip_category";
pub const IP_TAGS: &str = "ip_tags";
pub const ANON_PROXY: &str = "anon_proxy";

// What the model derives.
/// The person an event belongs to (a roster key or an inferred identity).
pub const PERSON: &str = "person";
/// Linked through the one person who used the row's address that day (the row had no account).
pub const LINKED_BY_IP: &str = "linked_by_ip";
/// Mail sent to the person: it carries the sender's network, not theirs.
pub const VIA_PEER: &str = "via_peer";
pub const IP_INTEL: &str = "ip_intel";
pub const ACCOUNT_INTEL: &str = "account_intel";
/// The event's time in milliseconds since the epoch.
pub const TS_MS: &str = "ts_ms";
/// The person's stage (`Stage::name`).
pub const STAGE: &str = "stage";
/// The person's hire date (ms), when the roster has one.
pub const HIRE_TS: &str = "hire_ts";
pub const WORK_COUNTRY: &str = "work_country";
/// corporate, vpn, cloud, hosting or anonymiser (networks file, IP categories and tags).
pub const NET_CATEGORY: &str = "net_category";
pub const NET_NAME: &str = "net_name";

/// Every name above, for the test that holds them to the frame.
pub const ALL: &[&str] = &[
    TABLE,
    ROW,
    TS,
    ACCOUNT,
    OBJECT_ID,
    PEER,
    IP,
    COUNTRY,
    CITY,
    LAT,
    LON,
    ISP,
    APP,
    ACTION,
    OBJECT,
    USER_AGENT,
    DEVICE_ID,
    IP_CATEGORY,
    IP_TAGS,
    ANON_PROXY,
    PERSON,
    LINKED_BY_IP,
    VIA_PEER,
    IP_INTEL,
    ACCOUNT_INTEL,
    TS_MS,
    STAGE,
    HIRE_TS,
    WORK_COUNTRY,
    NET_CATEGORY,
    NET_NAME,
];
