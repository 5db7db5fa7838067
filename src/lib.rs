//! hirescope: a terminal workbench for hunting fraudulent remote IT workers across the hiring
//! lifecycle. The library holds ingest, intel, roster, geo and the commands; `main.rs` only parses
//! the command line.

pub mod cli;
pub mod geo;
pub mod ingest;
pub mod intel;
pub mod roster;
pub mod sample;
pub mod sanitize;
