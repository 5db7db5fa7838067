//! A frame's column as a plain Rust vector, for the few rows that leave Polars (findings, views).
//! One place for the casts, so every reader agrees on how a column is read.

use polars::prelude::*;

pub fn texts(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<String>>> {
    let c = df.column(name)?.cast(&DataType::String)?;
    Ok(c.str()?.iter().map(|v| v.map(str::to_string)).collect())
}

/// A text column's values row by row, borrowed from the frame (no copy; for per-value lookups
/// over a whole frame, where a join would gather every other column).
pub fn borrowed_texts<'a>(df: &'a DataFrame, name: &str) -> PolarsResult<Vec<Option<&'a str>>> {
    let c = df.column(name)?;
    if crate::dictionary::is_encoded(c.dtype()) {
        return Ok(c.cat32()?.iter_str().collect());
    }
    Ok(c.str()?.iter().collect())
}

pub fn ints(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<i64>>> {
    let c = df.column(name)?.cast(&DataType::Int64)?;
    Ok(c.i64()?.iter().collect())
}

pub fn floats(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<f64>>> {
    let c = df.column(name)?.cast(&DataType::Float64)?;
    Ok(c.f64()?.iter().collect())
}

pub fn bools(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<bool>>> {
    Ok(df.column(name)?.bool()?.iter().collect())
}
