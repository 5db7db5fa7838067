//! hirescope: a terminal workbench for hunting fraudulent remote IT workers across the hiring
//! lifecycle. The library holds ingest, intel, roster, geo and the commands; `main.rs` only parses
//! the command line.

pub mod analysis;
pub mod bundled;
pub mod case;
pub mod cli;
pub mod columns;
pub mod detect;
pub mod dictionary;
pub mod export;
pub mod failure;
pub mod fuzzing;
pub mod geo;
pub mod ingest;
pub mod intel;
pub mod memory;
pub mod model;
pub mod networks;
pub mod panics;
pub mod private;
pub mod report;
pub mod roster;
pub mod sample;
pub mod sanitize;
pub mod score;
pub mod settings;
pub mod terms;
pub mod text;
pub mod time;
pub mod ui;
pub mod workspace;

/// jemalloc, not the system's allocator: see `memory::release` for why. Set here rather than in
/// `main`, so the benchmarks and tests built on this library allocate as the program does.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOC: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;
