//! Directories only the user can enter. The parse cache, the case files, reports and exports hold
//! what the exports say (sign-ins, mail subjects, analysts' notes); on a shared jump host they
//! must not be readable by the other users the default umask would let in.

use std::path::Path;

/// Creates `dir` and any missing parents with mode 0700 (existing ones are left as they are).
pub fn create_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}
