//! The command line: argument parsing and the headless commands.

use crate::ingest::values::format_ts;
use crate::ingest::{self, Dataset, Inputs};
use crate::sanitize::visible;
use clap::{Parser, Subcommand, ValueEnum};
use polars::prelude::*;
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "hirescope", version, about = "Hunt fraudulent remote IT workers across the hiring lifecycle.", long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Exports to open in the workbench (files or directories); the bundled samples when none.
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub sources: SourceArgs,
}

#[derive(clap::Args, Debug, Clone, Default)]
pub struct SourceArgs {
    /// HR roster file (CSV or JSON); roster files inside a PATH directory are found by content.
    #[arg(long, global = true)]
    pub roster: Vec<PathBuf>,
    /// Threat-intelligence file (plain list, CSV or STIX 2.1 bundle); may be repeated.
    #[arg(long, global = true)]
    pub intel: Vec<PathBuf>,
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq)]
pub enum InspectFormat {
    Table,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Show what was read: files, tables recognised, rows, time range, rows rejected and why.
    Inspect {
        /// Files or directories to read.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = InspectFormat::Table)]
        format: InspectFormat,
    },
    /// Write a synthetic but realistic organisation's exports, with fraudulent workers hidden in it.
    Sample {
        /// Directory to write into (created if missing).
        #[arg(short, long)]
        output: PathBuf,
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Ordinary staff members.
        #[arg(long, default_value_t = 40)]
        people: usize,
        /// Days in the exported window (at least 70, so the first months after hire are covered).
        #[arg(long, default_value_t = 90)]
        days: i64,
        /// Approximate number of background events.
        #[arg(long, default_value_t = 12_000)]
        events: usize,
    },
}

pub fn main() -> i32 {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("hirescope: {}", visible(&format!("{e:#}")));
            2
        }
    }
}

fn inputs(paths: &[PathBuf], sources: &SourceArgs) -> Inputs {
    Inputs {
        paths: paths.to_vec(),
        roster: sources.roster.clone(),
        intel: sources.intel.clone(),
    }
}

pub fn run(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Some(Command::Inspect { paths, format }) => {
            let data = ingest::load(&inputs(&paths, &cli.sources));
            let mut out = std::io::stdout().lock();
            match format {
                InspectFormat::Json => writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(&inspect_json(&data))?
                )?,
                InspectFormat::Table => write!(out, "{}", inspect_table(&data))?,
            }
            Ok(0)
        }
        Some(Command::Sample {
            output,
            seed,
            people,
            days,
            events,
        }) => {
            let n = crate::sample::generate(
                &output,
                &crate::sample::Options {
                    seed,
                    people,
                    days,
                    events,
                },
            )
            .map_err(|e| anyhow::anyhow!("writing the sample to {}: {e}", output.display()))?;
            eprintln!("wrote {n} events to {}", output.display());
            Ok(0)
        }
        None => {
            anyhow::bail!(
                "the workbench is not built yet; use `hirescope inspect PATH...` (see README)"
            )
        }
    }
}

/// First and last timestamp of a table, as RFC 3339 UTC.
fn time_range(df: &DataFrame) -> (Option<String>, Option<String>) {
    let Ok(ts) = df.column("ts").and_then(|c| c.cast(&DataType::Int64)) else {
        return (None, None);
    };
    let Ok(ts) = ts.i64().cloned() else {
        return (None, None);
    };
    (ts.min().map(format_ts), ts.max().map(format_ts))
}

pub fn inspect_json(data: &Dataset) -> serde_json::Value {
    let tables: Vec<_> = data
        .tables
        .iter()
        .map(|(kind, df)| {
            let (first, last) = time_range(df);
            json!({"table": kind.name(), "rows": df.height(), "columns": df.width(), "first": first, "last": last})
        })
        .collect();
    let files: Vec<_> = data
        .files
        .iter()
        .map(|f| {
            json!({
                "path": f.path, "format": f.format, "gzip": f.gzip, "role": f.role, "tables": f.tables,
                "rows": f.rows, "rejected_count": f.rejected_count, "rejected": f.rejected, "notes": f.notes,
            })
        })
        .collect();
    use crate::intel::IndicatorKind as I;
    json!({
        "files": files,
        "tables": tables,
        "roster": {"people": data.roster.people.len()},
        "intel": {
            "indicators": data.intel.indicators.len(),
            "ip": data.intel.count(I::Ip), "cidr": data.intel.count(I::Cidr),
            "email": data.intel.count(I::Email), "domain": data.intel.count(I::Domain),
        },
        "rows": data.rows(),
        "rejected": data.rejected(),
    })
}

pub fn inspect_table(data: &Dataset) -> String {
    let mut s = String::new();
    s.push_str("TABLE                      ROWS  FIRST                 LAST\n");
    for (kind, df) in &data.tables {
        let (first, last) = time_range(df);
        s.push_str(&format!(
            "{:<22} {:>9}  {:<20}  {}\n",
            kind.name(),
            df.height(),
            first.unwrap_or_else(|| "-".into()),
            last.unwrap_or_else(|| "-".into())
        ));
    }
    s.push_str(&format!(
        "\nroster: {} people   intel: {} indicators   rows kept: {}   rows rejected: {}\n\nFILES\n",
        data.roster.people.len(),
        data.intel.indicators.len(),
        data.rows(),
        data.rejected()
    ));
    for f in &data.files {
        let tables: Vec<String> = f.tables.iter().map(|(t, n)| format!("{t} {n}")).collect();
        s.push_str(&format!(
            "{}  [{}{}, {:?}] kept {} rejected {}{}\n",
            visible(&f.path),
            f.format,
            if f.gzip { "+gzip" } else { "" },
            f.role,
            f.rows,
            f.rejected_count,
            if tables.is_empty() {
                String::new()
            } else {
                format!(" ({})", tables.join(", "))
            }
        ));
        for n in &f.notes {
            s.push_str(&format!("    note: {}\n", visible(n)));
        }
        for r in f.rejected.iter().take(20) {
            let col = if r.column.is_empty() {
                String::new()
            } else {
                format!(" column {}", visible(&r.column))
            };
            s.push_str(&format!(
                "    line {}{}: {}\n",
                r.line,
                col,
                visible(&r.reason)
            ));
        }
        if f.rejected_count > 20 {
            s.push_str(&format!(
                "    ... {} more rejected rows (see --format json)\n",
                f.rejected_count - 20
            ));
        }
    }
    s
}
