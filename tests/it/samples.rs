//! The bundled walkthrough in samples/ is exactly what `hirescope sample` writes for its seed.

use super::support::load_paths;
use hirescope::ingest::TableKind as T;
use std::path::Path;
use std::process::Command;

/// The command that made samples/ (also written in samples/README.md).
const ARGS: &[&str] = &["--seed", "7", "--people", "16", "--events", "2000"];

#[test]
fn samples_are_regenerated_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_hirescope"))
        .arg("sample")
        .arg("-o")
        .arg(dir.path())
        .args(ARGS)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert!(names.len() >= 8, "{names:?}");
    let mut total = 0;
    for name in &names {
        let fresh = std::fs::read(dir.path().join(name)).unwrap();
        let kept = std::fs::read(committed.join(name))
            .unwrap_or_else(|_| panic!("samples/{name} is missing"));
        total += kept.len();
        assert!(
            fresh == kept,
            "samples/{name} differs from what `hirescope sample {}` writes",
            ARGS.join(" ")
        );
    }
    assert!(total <= 5 << 20, "samples/ is {total} bytes, over 5 MB");
}

#[test]
fn samples_load_cleanly_with_every_lifecycle_source() {
    let data = load_paths(&[Path::new(env!("CARGO_MANIFEST_DIR")).join("samples")]);
    assert_eq!(
        data.rejected(),
        0,
        "{:?}",
        data.files
            .iter()
            .flat_map(|f| &f.rejected)
            .take(3)
            .collect::<Vec<_>>()
    );
    for t in [
        T::CloudAppEvents,
        T::EmailEvents,
        T::EntraIdSignInEvents,
        T::SigninLogs,
        T::OfficeActivity,
        T::AlertInfo,
        T::AlertEvidence,
    ] {
        assert!(data.table(t).is_some_and(|d| d.height() > 0), "{t} missing");
    }
    assert!(data.roster.people.len() > 20);
    assert_eq!(data.intel.indicators.len(), 5);
    // The story's fraudulent hire is in the roster with his candidate e-mail and corporate account.
    let daniel = data
        .roster
        .people
        .iter()
        .find(|p| p.name.as_deref() == Some("Daniel Kim"))
        .unwrap();
    assert_eq!(daniel.stage.as_deref(), Some("hired"));
    assert!(daniel
        .candidate_emails
        .contains(&"dkim.devpro@protonmail.example".to_string()));
    assert!(daniel
        .upns
        .contains(&"daniel.kim@contoso.example".to_string()));
}

#[test]
fn generation_is_deterministic_for_a_seed_and_differs_across_seeds() {
    let run = |seed: &str| {
        let dir = tempfile::tempdir().unwrap();
        let st = Command::new(env!("CARGO_BIN_EXE_hirescope"))
            .args([
                "sample", "--people", "8", "--events", "500", "--seed", seed, "-o",
            ])
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(st.success());
        let bytes = std::fs::read(dir.path().join("defender_cloudappevents.csv")).unwrap();
        (dir, bytes)
    };
    assert_eq!(run("1").1, run("1").1);
    assert_ne!(run("1").1, run("2").1);
}
