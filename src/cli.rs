//! The command line: argument parsing and the headless commands.

use crate::ingest::{self, Dataset, Inputs};
use crate::sanitize::visible;
use crate::time::format_ts;
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
    #[command(flatten)]
    pub tuning: DetectArgs,
    /// Workbench theme: default, dark, light or high-contrast (NO_COLOR is honoured).
    #[arg(long, global = true)]
    pub theme: Option<String>,
}

#[derive(clap::Args, Debug, Clone, Default)]
pub struct SourceArgs {
    /// HR roster file (CSV or JSON); roster files inside a PATH directory are found by content.
    #[arg(long, global = true)]
    pub roster: Vec<PathBuf>,
    /// Threat-intelligence file (plain list, CSV, STIX 2.1 bundle or a Sentinel
    /// ThreatIntelligenceIndicator export); may be repeated.
    #[arg(long, global = true)]
    pub intel: Vec<PathBuf>,
    /// Networks file: CSV of IP ranges with a category (corporate, vpn, cloud, hosting,
    /// anonymiser) and a name; found by content inside a PATH directory too. May be repeated.
    #[arg(long, global = true)]
    pub networks: Vec<PathBuf>,
    /// Read files as this table when recognition guesses wrong: `--table EmailEvents` for every
    /// PATH, or `--table FILE=EmailEvents` for one file (or every file below a directory).
    #[arg(long = "table", value_name = "[FILE=]TABLE", global = true)]
    pub tables: Vec<String>,
    /// Parse the files again instead of reading the parse cache (and do not write one). The cache
    /// lives in HIRESCOPE_CACHE_DIR or the platform's cache directory.
    #[arg(long, global = true)]
    pub no_cache: bool,
    /// Say on stderr what each stage took: time, resident and peak memory, and each table's memory
    /// (headless commands only: the workbench shows its stages in the status line).
    #[arg(long, global = true)]
    pub verbose: bool,
}

pub use crate::failure::{check_readable, exit, Failure};
use crate::memory::mib;

impl SourceArgs {
    /// What to read, checked: every named input must exist and be readable.
    pub fn inputs(&self, paths: &[PathBuf]) -> anyhow::Result<Inputs> {
        for p in paths {
            check_readable("input", p)?;
        }
        for (what, list) in [
            ("--roster", &self.roster),
            ("--intel", &self.intel),
            ("--networks", &self.networks),
        ] {
            for p in list {
                check_readable(what, p)?;
            }
        }
        let mut tables = Vec::new();
        for t in &self.tables {
            let (path, name) = match t.rsplit_once('=') {
                Some((p, n)) => (Some(PathBuf::from(p)), n),
                None => (None, t.as_str()),
            };
            let kind = ingest::TableKind::from_name(name).ok_or_else(|| {
                Failure::usage(format!(
                    "--table {}: no table {name:?}; tables are: {}",
                    visible(t),
                    ingest::table::ALL_TABLES
                        .iter()
                        .map(|k| k.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
            if let Some(p) = &path {
                check_readable("--table", p)?;
            }
            tables.push((path, kind));
        }
        Ok(Inputs {
            paths: paths.to_vec(),
            roster: self.roster.clone(),
            intel: self.intel.clone(),
            networks: self.networks.clone(),
            tables,
            cache: !self.no_cache,
        })
    }
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq)]
pub enum InspectFormat {
    Table,
    Json,
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq)]
pub enum OutFormat {
    Table,
    Jsonl,
    Csv,
}

#[derive(clap::Args, Debug, Clone, Default)]
pub struct DetectArgs {
    /// Config file with a [detect] table of thresholds (default: the user's config directory).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Override one threshold, e.g. --set travel_min_kmh=800; may be repeated.
    #[arg(long = "set", value_name = "NAME=VALUE", global = true)]
    pub set: Vec<String>,
}

impl DetectArgs {
    /// The settings in force: the config file (read once), `--set` and `--theme`.
    pub fn settings(&self, theme: Option<&str>) -> anyhow::Result<crate::settings::Settings> {
        crate::settings::Settings::load(self.config.as_deref(), &self.set, theme)
    }

    pub fn config(&self) -> anyhow::Result<crate::detect::Config> {
        Ok(self.settings(None)?.config)
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the detectors headless and print findings (exit code 0 when it ran, whatever it found).
    Detect {
        /// Files or directories to read; the bundled samples when none.
        paths: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = OutFormat::Table)]
        format: OutFormat,
        /// Run only this detector (by id); may be repeated.
        #[arg(long = "detector", value_name = "ID")]
        detectors: Vec<String>,
        /// Hide findings below this severity (info, low, medium, high, critical).
        #[arg(long, value_name = "S")]
        min_severity: Option<String>,
        /// Print the thresholds in force (as a config file) and exit.
        #[arg(long)]
        print_config: bool,
        /// Say, per detector, which tables it read and what it could not check because a column
        /// it needs is missing from the files (a query's projection dropped it).
        #[arg(long)]
        explain: bool,
        /// Table format: never cut a value to its column (wider lines instead).
        #[arg(long)]
        wide: bool,
    },
    /// The people ranked by risk, with the findings behind it.
    People {
        /// Files or directories to read; the bundled samples when none.
        paths: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = OutFormat::Table)]
        format: OutFormat,
        /// Table format: never cut a value to its column (wider lines instead).
        #[arg(long)]
        wide: bool,
    },
    /// A person's case report: identifiers, findings with evidence, the events that matter,
    /// impossible travel, shared infrastructure, the analyst's notes, marks and disposition, the
    /// thresholds, and the chain of custody of every input (path, size, SHA-256).
    Report {
        /// The person (as `hirescope people` lists them).
        #[arg(long)]
        person: String,
        /// Files or directories to read; the bundled samples when none.
        paths: Vec<PathBuf>,
        /// Write to this file instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = crate::export::ReportFormat::Md)]
        format: crate::export::ReportFormat,
    },
    /// A person's events as CSV, JSON Lines or a Timesketch import file.
    Timeline {
        #[arg(long)]
        person: String,
        /// Files or directories to read; the bundled samples when none.
        paths: Vec<PathBuf>,
        #[arg(short, long)]
        output: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = crate::export::TimelineFormat::Csv)]
        format: crate::export::TimelineFormat,
    },
    /// Print detectors as Defender advanced-hunting (KQL) queries, with the intel inlined.
    Kql {
        /// Detector ids; all when none.
        ids: Vec<String>,
    },
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
        /// Write into a directory that is not empty (files of the same names are replaced).
        #[arg(long)]
        force: bool,
    },
}

pub fn main() -> i32 {
    crate::panics::install_cli_hook();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            // `hirescope detect ... | head`: the reader has all it wanted; that is no error.
            let closed_pipe = e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            });
            if closed_pipe {
                return exit::OK;
            }
            let code = e
                .chain()
                .find_map(|c| c.downcast_ref::<Failure>().map(|f| f.code))
                .unwrap_or(exit::INTERNAL);
            let _ = writeln!(
                std::io::stderr(),
                "hirescope: {}",
                visible(&format!("{e:#}"))
            );
            code
        }
    }
}

/// What an output holds, for making it safe on a terminal.
#[derive(Clone, Copy)]
enum Shape {
    /// JSON or JSON Lines: dangerous characters become `\uXXXX` escapes.
    Json,
    /// CSV or plain text: dangerous characters become visible stand-ins, line by line.
    Text,
}

/// Writes an output. When standard output is a terminal, no byte of the data can act on it as a
/// control or escape sequence; a file or a pipe gets the data exactly (CSV formulas aside).
fn put(out: &mut impl Write, text: &str, shape: Shape) -> std::io::Result<()> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return out.write_all(text.as_bytes());
    }
    match shape {
        Shape::Json => out.write_all(crate::sanitize::json_escaped(text).as_bytes()),
        Shape::Text => out.write_all(crate::sanitize::visible_lines(text).as_bytes()),
    }
}

/// The analysis of the paths with the views' indexes (for reports and exports), warnings said.
fn workspace(
    paths: &[PathBuf],
    sources: &SourceArgs,
    tuning: &DetectArgs,
) -> anyhow::Result<(crate::workspace::Workspace, crate::detect::Config)> {
    let config = tuning.config()?;
    let run = analyse(paths, sources, &config, &[])?;
    warn(&run.data);
    Ok((crate::workspace::Workspace::new(run), config))
}

/// Writes an output to a file (exactly), or to standard output (made safe for a terminal).
fn deliver(output: Option<&std::path::Path>, text: &str, shape: Shape) -> anyhow::Result<()> {
    match output {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| anyhow::anyhow!("writing {}: {e}", visible(&path.display().to_string()))),
        None => Ok(put(&mut std::io::stdout().lock(), text, shape)?),
    }
}

/// Says on standard error what the analyst must hear about (refused indicators, roster conflicts,
/// unreadable files), naming each file and line.
fn warn(data: &Dataset) {
    let mut err = std::io::stderr().lock();
    for w in data.warnings() {
        let _ = writeln!(err, "hirescope: warning: {}", visible(&w));
    }
}

pub fn run(cli: Cli) -> anyhow::Result<i32> {
    crate::memory::set_verbose(cli.sources.verbose);
    match cli.command {
        Some(Command::Inspect { paths, format }) => {
            let data = ingest::load(&cli.sources.inputs(&paths)?);
            let mut out = std::io::stdout().lock();
            match format {
                InspectFormat::Json => put(
                    &mut out,
                    &format!("{}\n", serde_json::to_string_pretty(&inspect_json(&data))?),
                    Shape::Json,
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
            force,
        }) => {
            if !force {
                if let Ok(mut entries) = std::fs::read_dir(&output) {
                    if entries.next().is_some() {
                        return Err(Failure::usage(format!(
                            "{} is not empty; choose an empty directory or add --force",
                            visible(&output.display().to_string())
                        ))
                        .into());
                    }
                }
            }
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
        Some(Command::Detect {
            paths,
            format,
            detectors,
            min_severity,
            print_config,
            explain,
            wide,
        }) => {
            let config = cli.tuning.config()?;
            if print_config {
                write!(std::io::stdout().lock(), "{}", config.to_toml())?;
                return Ok(0);
            }
            check_ids(&detectors)?;
            let min = match min_severity.as_deref() {
                Some(s) => Some(crate::detect::Severity::parse(s).ok_or_else(|| {
                    Failure::usage(format!(
                        "--min-severity takes info, low, medium, high or critical, not {:?}",
                        visible(s)
                    ))
                })?),
                None => None,
            };
            let run = analyse(&paths, &cli.sources, &config, &detectors)?;
            warn(&run.data);
            if explain {
                let mut out = std::io::stdout().lock();
                write!(
                    out,
                    "{}",
                    crate::detect::explain::text(&run.model, &detectors)
                )?;
                return Ok(0);
            }
            let shown: Vec<crate::detect::Finding> = run
                .findings
                .iter()
                .filter(|f| min.is_none_or(|m| f.severity >= m))
                .cloned()
                .collect();
            let mut out = std::io::stdout().lock();
            match format {
                OutFormat::Jsonl => {
                    for f in &shown {
                        put(
                            &mut out,
                            &format!("{}\n", crate::report::finding_json(f)),
                            Shape::Json,
                        )?;
                    }
                }
                OutFormat::Csv => put(&mut out, &crate::report::findings_csv(&shown), Shape::Text)?,
                OutFormat::Table => {
                    write!(
                        out,
                        "{}",
                        crate::report::findings_table(&shown, crate::report::use_colour(), wide)
                    )?;
                    write!(
                        out,
                        "{}",
                        crate::report::summary(
                            run.data.rows(),
                            run.data.rejected(),
                            &shown,
                            &run.ranked
                        )
                    )?;
                }
            }
            for e in &run.errors {
                let _ = writeln!(
                    std::io::stderr(),
                    "hirescope: detector failed: {}",
                    visible(e)
                );
            }
            drop(out);
            end_without_freeing(run);
            Ok(0)
        }
        Some(Command::People {
            paths,
            format,
            wide,
        }) => {
            let config = cli.tuning.config()?;
            let run = analyse(&paths, &cli.sources, &config, &[])?;
            warn(&run.data);
            let mut out = std::io::stdout().lock();
            match format {
                OutFormat::Jsonl => {
                    for r in &run.ranked {
                        put(
                            &mut out,
                            &format!("{}\n", crate::report::person_json(r)),
                            Shape::Json,
                        )?;
                    }
                }
                OutFormat::Csv => put(
                    &mut out,
                    &crate::report::people_csv(&run.ranked),
                    Shape::Text,
                )?,
                OutFormat::Table => {
                    write!(
                        out,
                        "{}",
                        crate::report::people_table(&run.ranked, crate::report::use_colour(), wide)
                    )?;
                    write!(out, "{}", crate::report::services_table(&run.model.people))?;
                }
            }
            drop(out);
            end_without_freeing(run);
            Ok(0)
        }
        Some(Command::Report {
            person,
            paths,
            output,
            format,
        }) => {
            let (ws, config) = workspace(&paths, &cli.sources, &cli.tuning)?;
            let case = open_case(&ws.analysis.data)?;
            let report = crate::export::report(&ws, &person, &case.state, &config)?;
            let shape = match format {
                crate::export::ReportFormat::Json => Shape::Json,
                _ => Shape::Text,
            };
            deliver(output.as_deref(), &report.render(format), shape)?;
            Ok(0)
        }
        Some(Command::Timeline {
            person,
            paths,
            output,
            format,
        }) => {
            let (ws, _) = workspace(&paths, &cli.sources, &cli.tuning)?;
            if !ws.analysis.model.people.iter().any(|p| p.key == person) {
                return Err(Failure::usage(format!(
                    "no person {:?} in the data (see `hirescope people`)",
                    visible(&person)
                ))
                .into());
            }
            let text = crate::export::timeline(&ws.person_frame(&person), format);
            let shape = match format {
                crate::export::TimelineFormat::Csv => Shape::Text,
                _ => Shape::Json,
            };
            deliver(output.as_deref(), &text, shape)?;
            Ok(0)
        }
        Some(Command::Kql { ids }) => {
            let config = cli.tuning.config()?;
            check_ids(&ids)?;
            let intel = ingest::load(&cli.sources.inputs(&[])?).intel;
            let mut out = std::io::stdout().lock();
            write!(out, "{}", kql_text(&ids, &config, &intel))?;
            Ok(0)
        }
        None => {
            // The stage log would be written over the workbench's screen; it shows its stages in
            // the status line instead.
            if crate::memory::verbose() {
                crate::memory::set_verbose(false);
                eprintln!("hirescope: --verbose is for the headless commands; the workbench shows its stages in the status line");
            }
            let settings = cli.tuning.settings(cli.theme.as_deref())?;
            let inputs = cli.sources.inputs(&paths_or_samples(&cli.paths)?)?;
            crate::ui::run(inputs, settings)
        }
    }
}

fn check_ids(ids: &[String]) -> anyhow::Result<()> {
    let known = crate::detect::ids();
    for d in ids {
        if !known.contains(&d.as_str()) {
            return Err(Failure::usage(format!(
                "no detector {:?}; detectors are: {}",
                visible(d),
                known.join(", ")
            ))
            .into());
        }
    }
    Ok(())
}

/// The chosen detectors (all when none) as KQL, each headed by a comment naming it.
pub fn kql_text(
    ids: &[String],
    config: &crate::detect::Config,
    intel: &crate::intel::Intel,
) -> String {
    let mut s = String::new();
    for d in crate::detect::registry() {
        if ids.is_empty() || ids.iter().any(|i| i == d.id) {
            s.push_str(&format!(
                "// {}: {} (ATT&CK {})\n",
                d.id,
                d.title,
                if d.attack.is_empty() {
                    "as the vendor reports".to_string()
                } else {
                    d.attack.join(", ")
                }
            ));
            s.push_str(&(d.kql)(config, intel));
            s.push('\n');
        }
    }
    s
}

pub use crate::analysis::{open_case, paths_or_samples, Analysis, OpenCase};

/// The analysis of paths read as the command line names them (the tests' and benchmarks' door).
/// The process ends right after this: freeing the analysis (gigabytes at ten million events)
/// would only make the command end later, so the kernel takes the memory back instead.
fn end_without_freeing(run: crate::analysis::Analysis) {
    std::mem::forget(run);
}

pub fn analyse(
    paths: &[PathBuf],
    sources: &SourceArgs,
    config: &crate::detect::Config,
    only: &[String],
) -> anyhow::Result<Analysis> {
    crate::analysis::analyse(&sources.inputs(&paths_or_samples(paths)?)?, config, only)
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
            let (canonical, vendor) = crate::memory::table_bytes(df);
            let vendor_in = data.on_disk.get(kind).map(|d| match &d.stored {
                crate::ingest::Stored::Whole(path) => path.display().to_string(),
                crate::ingest::Stored::Pieces { dir, .. } => dir.display().to_string(),
            });
            json!({"table": kind.name(), "rows": df.height(), "columns": data.width(*kind), "first": first, "last": last,
                   "memory": {"canonical_bytes": canonical, "vendor_bytes": vendor, "vendor_columns_in": vendor_in}})
        })
        .collect();
    let files: Vec<_> = data
        .files
        .iter()
        .map(|f| {
            json!({
                "path": f.path, "format": f.format, "gzip": f.gzip, "role": f.role, "tables": f.tables,
                "decided_by": f.decided_by, "unused_columns": f.unused_columns,
                "rows": f.rows, "duplicates": f.duplicates,
                "neutralised_count": f.neutralised_count, "neutralised": f.neutralised,
                "rejected_count": f.rejected_count, "rejected": f.rejected, "notes": f.notes,
            })
        })
        .collect();
    use crate::intel::IndicatorKind as I;
    let (values, bytes) = crate::dictionary::dictionary_size();
    json!({
        "files": files,
        "tables": tables,
        "memory": {"dictionary_values": values, "dictionary_bytes": bytes},
        "roster": {"people": data.roster.people.len(), "conflicts": data.roster.conflicts()},
        "networks": {"ranges": data.networks.ranges.len()},
        "duplicates": data.duplicates(),
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
    s.push_str(
        "TABLE                      ROWS  FIRST                 LAST                   MEMORY (canonical + vendor columns)\n",
    );
    let mut total = (0, 0);
    for (kind, df) in &data.tables {
        let (first, last) = time_range(df);
        let (canonical, vendor) = crate::memory::table_bytes(df);
        total = (total.0 + canonical, total.1 + vendor);
        let vendor = if data.on_disk.contains_key(kind) {
            "in the cache, not held".to_string()
        } else {
            mib(vendor)
        };
        s.push_str(&format!(
            "{:<22} {:>9}  {:<20}  {:<20}  {} + {vendor}\n",
            kind.name(),
            df.height(),
            first.unwrap_or_else(|| "-".into()),
            last.unwrap_or_else(|| "-".into()),
            mib(canonical),
        ));
    }
    s.push_str(&format!(
        "{:<22} {:>9}  {:<20}  {:<20}  {} + {}\n",
        "all tables",
        data.rows(),
        "",
        "",
        mib(total.0),
        mib(total.1)
    ));
    let (values, bytes) = crate::dictionary::dictionary_size();
    s.push_str(&format!(
        "{:<22} {:>9}  {:<42}  {}\n",
        "text dictionary",
        values,
        "distinct values, shared by text columns",
        mib(bytes)
    ));
    s.push_str(&format!(
        "\nroster: {} people   intel: {} indicators   networks: {} ranges   rows kept: {}   duplicates dropped: {}   rows rejected: {}\n",
        data.roster.people.len(),
        data.intel.indicators.len(),
        data.networks.ranges.len(),
        data.rows(),
        data.duplicates(),
        data.rejected()
    ));
    for c in data.roster.conflicts() {
        s.push_str(&format!("warning: {}\n", visible(&c.to_string())));
    }
    s.push_str("\nFILES\n");
    for f in &data.files {
        s.push_str(&f.summary());
        s.push('\n');
        if f.neutralised_count > 0 {
            // An events row carries its flags to every view; a roster row has no view.
            let see = match f.role {
                crate::ingest::Role::Events => " (see the row's flags)",
                _ => "",
            };
            s.push_str(&format!(
                "    {} rows kept with a cell neutralised{see}:\n",
                f.neutralised_count
            ));
            for r in f.neutralised.iter().take(5) {
                s.push_str(&format!(
                    "      line {}{}: {}\n",
                    r.line,
                    r.cell_place(),
                    visible(&r.reason)
                ));
            }
        }
        for (table, why) in &f.decided_by {
            s.push_str(&format!(
                "    {table} because of: {}\n",
                visible(&why.join(", "))
            ));
        }
        if !f.unused_columns.is_empty() {
            s.push_str(&format!(
                "    columns not used (kept as they are): {}\n",
                visible(&crate::detect::list(f.unused_columns.iter().cloned(), 12))
            ));
        }
        for n in &f.notes {
            s.push_str(&format!("    note: {}\n", visible(n)));
        }
        for r in f.rejected.iter().take(20) {
            s.push_str(&format!(
                "    line {}{}: {}\n",
                r.line,
                r.column_place(),
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
