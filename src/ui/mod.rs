//! The workbench.

use crate::cli::SourceArgs;
use std::path::PathBuf;

pub fn run(_paths: &[PathBuf], _sources: &SourceArgs) -> anyhow::Result<i32> {
    anyhow::bail!("the workbench is being built; use `hirescope people` or `hirescope detect`")
}
