//! Detector thresholds: defaults from DETECTIONS.md, overridden by the user's config file and by
//! `--set name=value` on the command line. Every finding states the values it used.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// A gap longer than this ends a career-site session.
    pub session_gap_minutes: i64,
    /// Sessions whose endpoint sequences differ by at most this many edits replay the same script.
    pub script_max_edits: usize,
    /// Days on which an account must replay the script to join a cluster.
    pub script_min_days: usize,
    /// Accounts a cluster needs before it is a finding.
    pub cluster_min_accounts: usize,
    /// Robust z-score (median / MAD) above which an applicant's call volume stands out.
    pub volume_min_z: f64,
    /// New-hire sign-ins from intel count within this many days of hire.
    pub signin_intel_days: i64,
    /// A payroll change from intel within this many days of hire is critical.
    pub payroll_critical_days: i64,
    /// Impossible travel: minimum distance (km, after subtracting location uncertainty).
    pub travel_min_km: f64,
    /// Impossible travel: minimum speed (km/h).
    pub travel_min_kmh: f64,
    /// Impossible pairs within `travel_early_days` of hire that make the finding high.
    pub travel_high_pairs: usize,
    pub travel_early_days: i64,
    /// Location mismatch: distinct countries within `location_early_days` of hire.
    pub location_min_countries: usize,
    pub location_early_days: i64,
    /// Data-access spike: robust z-score against the same day's peers, and minimum items.
    pub spike_min_z: f64,
    pub spike_min_items: i64,
    /// Shared MFA device: distinct accounts per device id.
    pub device_min_accounts: usize,
    /// An e-mail domain is uncommon when at most this many people use it.
    pub uncommon_domain_max_people: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            session_gap_minutes: 30,
            script_max_edits: 1,
            script_min_days: 2,
            cluster_min_accounts: 3,
            volume_min_z: 6.0,
            signin_intel_days: 90,
            payroll_critical_days: 30,
            travel_min_km: 500.0,
            travel_min_kmh: 900.0,
            travel_high_pairs: 3,
            travel_early_days: 60,
            location_min_countries: 3,
            location_early_days: 30,
            spike_min_z: 6.0,
            spike_min_items: 50,
            device_min_accounts: 2,
            uncommon_domain_max_people: 3,
        }
    }
}

impl Config {
    /// The user's config file: `config.toml` in the platform's config directory for hirescope.
    pub fn default_path() -> Option<std::path::PathBuf> {
        directories::ProjectDirs::from("", "", "hirescope")
            .map(|d| d.config_dir().join("config.toml"))
    }

    /// The `[detect]` table of a parsed config file (none means defaults); `path` names the file
    /// in errors.
    pub fn from_table(
        table: &toml::Table,
        path: Option<&std::path::Path>,
    ) -> anyhow::Result<Config> {
        match table.get("detect") {
            None => Ok(Config::default()),
            Some(v) => v.clone().try_into().map_err(|e| {
                anyhow::anyhow!(
                    "{}: [detect]: {e}",
                    path.map(|p| p.display().to_string()).unwrap_or_default()
                )
            }),
        }
    }

    /// Applies `name=value`.
    pub fn set(&mut self, assignment: &str) -> anyhow::Result<()> {
        let (name, value) = assignment
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("--set takes name=value, got {assignment:?}"))?;
        let mut table = toml::Table::try_from(&*self)?;
        let name = name.trim().replace('-', "_");
        let old = table.get(&name).ok_or_else(|| {
            anyhow::anyhow!(
                "no threshold named {name:?}; `hirescope detect --print-config` lists them"
            )
        })?;
        let v = value.trim();
        let new = match old {
            toml::Value::Integer(_) => toml::Value::Integer(
                v.parse()
                    .map_err(|_| anyhow::anyhow!("{name} takes a whole number, got {v:?}"))?,
            ),
            toml::Value::Float(_) => toml::Value::Float(
                v.parse()
                    .map_err(|_| anyhow::anyhow!("{name} takes a number, got {v:?}"))?,
            ),
            _ => toml::Value::String(v.to_string()),
        };
        table.insert(name, new);
        *self = toml::Value::Table(table).try_into()?;
        Ok(())
    }

    /// Thresholds that differ from the defaults, as name and value text (for `--set name=value`).
    pub fn changed_from_default(&self) -> Vec<(String, String)> {
        let (Ok(mine), Ok(base)) = (
            toml::Table::try_from(self),
            toml::Table::try_from(Config::default()),
        ) else {
            return Vec::new();
        };
        mine.into_iter()
            .filter(|(k, v)| base.get(k) != Some(v))
            .map(|(k, v)| (k, v.to_string().trim_matches('"').to_string()))
            .collect()
    }

    pub fn to_toml(&self) -> String {
        let mut t = toml::Table::new();
        t.insert(
            "detect".into(),
            toml::Value::try_from(self).unwrap_or(toml::Value::Table(Default::default())),
        );
        toml::to_string(&t).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_and_round_trip() {
        let mut c = Config::default();
        c.set("travel_min_kmh=800").unwrap();
        c.set("travel-min-km=400.5").unwrap();
        assert_eq!(c.travel_min_kmh, 800.0);
        assert_eq!(c.travel_min_km, 400.5);
        assert!(c.set("nope=1").is_err());
        assert!(c.set("session_gap_minutes=abc").is_err());
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.toml");
        std::fs::write(&p, c.to_toml()).unwrap();
        let read = |p: &std::path::Path| {
            crate::settings::Settings::load(Some(p), &[], None)
                .unwrap()
                .config
        };
        assert_eq!(read(&p), c);
        std::fs::write(&p, "[detect]\nspike_min_z = 4.0\n[ui]\ntheme = \"dark\"\n").unwrap();
        assert_eq!(read(&p).spike_min_z, 4.0);
        let s = crate::settings::Settings::load(Some(&p), &["spike_min_z=5".into()], None).unwrap();
        assert_eq!((s.config.spike_min_z, s.theme.as_str()), (5.0, "dark"));
    }
}
