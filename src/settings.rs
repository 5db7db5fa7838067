//! The user's settings, read once: the config file's `[detect]` thresholds (with `--set`
//! overrides), its `[ui]` theme (or `--theme`) and its `[keys]` overrides. The CLI and the
//! workbench both start from one `Settings`, so the file is never read twice.

use crate::detect::Config;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Default)]
pub struct Settings {
    pub config: Config,
    pub theme: String,
    /// The `[keys]` table, applied over the default keymap by the workbench.
    pub keys: toml::Table,
    /// The file the settings came from, if any.
    pub path: Option<PathBuf>,
}

impl Settings {
    /// Reads `path` (or the user's config file when none is given), then applies `--set`
    /// assignments and `--theme`. A named file that does not exist is an error (exit 3); the
    /// user's own file may be missing (defaults).
    pub fn load(
        path: Option<&Path>,
        set: &[String],
        theme: Option<&str>,
    ) -> anyhow::Result<Settings> {
        if let Some(p) = path {
            crate::failure::check_readable("--config", p)?;
        }
        let path = path.map(Path::to_path_buf).or_else(Config::default_path);
        let table: toml::Table = match path.as_ref().map(std::fs::read_to_string) {
            Some(Ok(text)) => toml::from_str(&text).map_err(|e| {
                anyhow::anyhow!(
                    "{}: {e}",
                    path.as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default()
                )
            })?,
            Some(Err(e)) if e.kind() != std::io::ErrorKind::NotFound => {
                anyhow::bail!(
                    "{}: {e}",
                    path.as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default()
                )
            }
            _ => toml::Table::new(),
        };
        let mut config = Config::from_table(&table, path.as_deref())?;
        for s in set {
            config.set(s)?;
        }
        let theme = theme
            .map(str::to_string)
            .or_else(|| {
                table
                    .get("ui")
                    .and_then(|u| u.get("theme"))
                    .and_then(|t| t.as_str())
                    .map(str::to_string)
            })
            .unwrap_or_else(|| "default".into());
        let keys = table
            .get("keys")
            .and_then(|k| k.as_table())
            .cloned()
            .unwrap_or_default();
        Ok(Settings {
            config,
            theme,
            keys,
            path,
        })
    }
}
