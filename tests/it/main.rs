//! One integration-test binary (each file directly in tests/ would link Polars again).

mod cache;
mod case;
mod cli;
mod detectors;
mod e2e;
mod golden;
mod ingest;
mod robustness;
mod samples;
mod support;
mod tenants;
mod ui;
mod views;
