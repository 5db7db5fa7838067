//! The bundled walkthrough (samples/), embedded in the binary so `hirescope` works from any
//! directory and on a jump host with nothing else installed.

use std::path::PathBuf;

const FILES: &[(&str, &[u8])] = &[
    (
        "defender_alerts.csv",
        include_bytes!("../samples/defender_alerts.csv"),
    ),
    (
        "defender_cloudappevents.csv",
        include_bytes!("../samples/defender_cloudappevents.csv"),
    ),
    (
        "defender_emailevents_api.json",
        include_bytes!("../samples/defender_emailevents_api.json"),
    ),
    (
        "defender_entraidsignins.jsonl",
        include_bytes!("../samples/defender_entraidsignins.jsonl"),
    ),
    ("hr_roster.csv", include_bytes!("../samples/hr_roster.csv")),
    (
        "intel_jasper_sleet.txt",
        include_bytes!("../samples/intel_jasper_sleet.txt"),
    ),
    (
        "intel_stix_bundle.json",
        include_bytes!("../samples/intel_stix_bundle.json"),
    ),
    (
        "sentinel_officeactivity.jsonl",
        include_bytes!("../samples/sentinel_officeactivity.jsonl"),
    ),
    (
        "sentinel_signinlogs.csv",
        include_bytes!("../samples/sentinel_signinlogs.csv"),
    ),
];

/// Writes the embedded samples to a private directory (once per version) and returns it.
pub fn samples_dir() -> std::io::Result<PathBuf> {
    let total: usize = FILES.iter().map(|(_, b)| b.len()).sum();
    let dir = std::env::temp_dir().join(format!(
        "hirescope-samples-{}-{total}",
        env!("CARGO_PKG_VERSION")
    ));
    for (name, bytes) in FILES {
        let path = dir.join(name);
        if std::fs::metadata(&path)
            .map(|m| m.len() as usize == bytes.len())
            .unwrap_or(false)
        {
            continue;
        }
        std::fs::create_dir_all(&dir)?;
        // Write then rename, so a second hirescope starting at the same time never reads half a file.
        let tmp = dir.join(format!(".{name}.{}", std::process::id()));
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, &path)?;
    }
    Ok(dir)
}

pub fn file_names() -> Vec<&'static str> {
    FILES.iter().map(|(n, _)| *n).collect()
}
