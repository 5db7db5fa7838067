//! Text columns held dictionary-encoded: each row holds a 4-byte code into one process-wide list of
//! distinct strings (Polars' categoricals on the global categories), where a plain text column
//! holds a 16-byte view per row. Accounts, addresses, apps, actions, user agents and the model's
//! labels repeat across millions of rows; at ten million events each such column is 40 MB
//! instead of 160 MB or more. Free text (`object`, `detail`) and the vendor's own columns stay
//! plain: their values rarely repeat.
//!
//! One dictionary for every column, so any two encoded columns compare, join and stack. Polars
//! compares an encoded column with a text literal, tests membership in a text list and sorts it
//! by its text. Text functions (`.str()`) need plain text: `per_value` runs them on each distinct value. Parquet files
//! get plain text too (`plain`): Polars would write the whole dictionary into every row group.

use polars::prelude::*;

/// Text columns held plain: free text whose values rarely repeat.
pub const PLAIN: &[&str] = &["object", "detail", "flags"];

/// The text columns the model adds that are held encoded.
const DERIVED: &[&str] = &[
    "person",
    "ip_intel",
    "account_intel",
    "stage",
    "work_country",
    "net_category",
    "net_name",
];

/// Whether a text column of this name is held encoded wherever it is held: every text column
/// of ingest's canonical ones and of the model's labels, but the free text. The vendor's own
/// columns stay plain.
pub fn encodes(name: &str) -> bool {
    (crate::ingest::canon::CANONICAL_COLUMNS.contains(&name) || DERIVED.contains(&name))
        && !PLAIN.contains(&name)
}

/// The shared dictionary, kept for the life of the process. Polars holds the global categories'
/// dictionary only while some column uses it, and makes a new, empty one after: codes taken
/// (a file's dictionary read in, a code given to a label) before any column held them would
/// then name nothing, and a column made of them would be all nulls.
pub fn mapping() -> std::sync::Arc<CategoricalMapping> {
    static KEPT: std::sync::OnceLock<std::sync::Arc<CategoricalMapping>> =
        std::sync::OnceLock::new();
    KEPT.get_or_init(|| Categories::global().mapping()).clone()
}

/// The encoded type.
pub fn dtype() -> DataType {
    // The mapping first: the type takes the one `mapping` keeps alive.
    let _ = mapping();
    DataType::from_categories(Categories::global())
}

pub fn is_encoded(dtype: &DataType) -> bool {
    matches!(dtype, DataType::Categorical(..))
}

/// A column encoded if `encodes` its name and it holds text; else as it is.
pub fn encode_column(c: Column) -> PolarsResult<Column> {
    if c.dtype() == &DataType::String && encodes(c.name()) {
        c.cast(&dtype())
    } else {
        Ok(c)
    }
}

/// Encodes a frame's text columns that `encodes` names, in place.
pub fn encode(df: &mut DataFrame) -> PolarsResult<()> {
    let names: Vec<PlSmallStr> = df
        .columns()
        .iter()
        .filter(|c| c.dtype() == &DataType::String && encodes(c.name()))
        .map(|c| c.name().clone())
        .collect();
    for name in names {
        let encoded = encode_column(df.column(&name)?.clone())?;
        df.with_column(encoded)?;
    }
    Ok(())
}

/// The frame with every encoded column as plain text, for a Parquet file or a reader that wants
/// text. Columns already plain are shared, not copied.
pub fn plain(df: &DataFrame) -> PolarsResult<DataFrame> {
    if !df.columns().iter().any(|c| is_encoded(c.dtype())) {
        return Ok(df.clone());
    }
    let cols: Vec<Column> = df
        .columns()
        .iter()
        .map(|c| {
            if is_encoded(c.dtype()) {
                c.cast(&DataType::String)
            } else {
                Ok(c.clone())
            }
        })
        .collect::<PolarsResult<_>>()?;
    DataFrame::new(df.height(), cols)
}

/// A missing value among `Codes`.
pub const NULL_CODE: u32 = u32::MAX;

/// An encoded column's codes row by row (`NULL_CODE` where the value is missing) with the shared
/// dictionary that reads them. For passes over every row that look each value up: 4 bytes a row
/// where borrowed text is 16, a lookup is an index into a table of codes instead of a hash of
/// the text, and equal codes are equal text in any two encoded columns.
pub struct Codes {
    pub codes: Vec<u32>,
    mapping: std::sync::Arc<CategoricalMapping>,
}

impl Codes {
    /// Column `name` of `df`, encoded first if it is plain.
    pub fn of(df: &DataFrame, name: &str) -> PolarsResult<Codes> {
        let c = df.column(name)?;
        let encoded;
        let c = if is_encoded(c.dtype()) {
            c
        } else {
            encoded = c.cast(&dtype())?;
            &encoded
        };
        let ca = c.cat32()?;
        // From each chunk's value slice and validity bitmap: Polars' per-element option
        // iterator cost a tenth of a 10M model build across the passes that take codes.
        let mut codes = Vec::with_capacity(ca.len());
        for array in ca.physical().downcast_iter() {
            let values = array.values().as_slice();
            match array.validity().filter(|v| v.unset_bits() > 0) {
                None => codes.extend_from_slice(values),
                Some(valid) => codes.extend(values.iter().zip(valid.iter()).map(|(&k, ok)| {
                    if ok {
                        k
                    } else {
                        NULL_CODE
                    }
                })),
            }
        }
        Ok(Codes {
            codes,
            mapping: ca.get_mapping().clone(),
        })
    }

    pub fn get(&self, row: usize) -> Option<u32> {
        let k = self.codes[row];
        (k != NULL_CODE).then_some(k)
    }

    /// The text of a code.
    pub fn text(&self, code: u32) -> &str {
        self.mapping.cat_to_str(code).unwrap_or_default()
    }

    /// The text at a row.
    pub fn text_at(&self, row: usize) -> Option<&str> {
        self.get(row).map(|k| self.text(k))
    }
}

/// The code of a text in the shared dictionary, added if new.
pub fn code_of(text: &str) -> PolarsResult<u32> {
    mapping().insert_cat(text)
}

/// The code a text already has, if any column holds it.
pub fn known_code(text: &str) -> Option<u32> {
    mapping().get_cat(text)
}

/// Codes beyond any this process has given: the size of a table indexed by code.
pub fn code_bound() -> usize {
    mapping().num_cats_upper_bound()
}

/// An encoded column made from codes (`NULL_CODE` for a missing value).
pub fn column_of_codes(name: &str, codes: &[u32]) -> Column {
    use polars_arrow::array::PrimitiveArray;
    use polars_arrow::bitmap::Bitmap;
    let validity: Option<Bitmap> =
        (codes.contains(&NULL_CODE)).then(|| codes.iter().map(|&k| k != NULL_CODE).collect());
    // A missing value's slot holds 0, as Polars' own builders leave it.
    let values: Vec<u32> = match validity {
        Some(_) => codes
            .iter()
            .map(|&k| if k == NULL_CODE { 0 } else { k })
            .collect(),
        None => codes.to_vec(),
    };
    let array = PrimitiveArray::new(ArrowDataType::UInt32, values.into(), validity);
    encoded(UInt32Chunked::with_chunk(name.into(), array))
}

/// The encoded column of these codes, each one given by this process's dictionary (`code_of`,
/// a column's, or a file's remapped by `read_dictionary`). Polars' checked constructor looks
/// every row's code up in the dictionary, a fifth of a reopen's model read at ten million
/// events: here only the largest code is compared with the dictionary's bound, and a column
/// holding one beyond it goes the checked way (which makes such a code missing).
fn encoded(physical: UInt32Chunked) -> Column {
    let within = physical
        .max()
        .is_none_or(|k| (k as usize) < mapping().num_cats_upper_bound());
    let ca = match within {
        // SAFETY: every code is below the bound, and each was returned by an insert into the
        // dictionary that had finished (the codes' sources above), so each names a value.
        true => unsafe { Categorical32Chunked::from_cats_and_dtype_unchecked(physical, dtype()) },
        false => Categorical32Chunked::from_cats_and_dtype(physical, dtype()),
    };
    ca.into_series().into()
}

/// The frame with each encoded column as its codes (`UInt32`), for a file that is read back by
/// `from_codes` with the dictionary `write_dictionary` wrote: writing and reading codes costs a
/// fraction of writing and reading their text. The names of the columns so stored are returned.
pub fn to_codes(df: &DataFrame) -> PolarsResult<(DataFrame, Vec<String>)> {
    let mut names = Vec::new();
    let cols: Vec<Column> = df
        .columns()
        .iter()
        .map(|c| {
            if is_encoded(c.dtype()) {
                names.push(c.name().to_string());
                Ok(c.to_physical_repr())
            } else {
                Ok(c.clone())
            }
        })
        .collect::<PolarsResult<_>>()?;
    Ok((DataFrame::new(df.height(), cols)?, names))
}

/// Writes every value of the shared dictionary, in code order, as a one-column Parquet file.
/// Written after the files whose codes it reads: the dictionary only grows.
pub fn write_dictionary(path: &std::path::Path) -> PolarsResult<()> {
    let mapping = mapping();
    let values: Vec<Option<&str>> = (0..mapping.num_cats_upper_bound())
        .map(|i| mapping.cat_to_str(i as CatSize))
        .collect();
    let mut df = DataFrame::new(values.len(), vec![Column::new("value".into(), values)])?;
    ParquetWriter::new(std::fs::File::create(path)?).finish(&mut df)?;
    Ok(())
}

/// Reads a dictionary `write_dictionary` wrote into this process's dictionary: for each code
/// of the file, this process's code for the same text.
pub fn read_dictionary(path: &std::path::Path) -> PolarsResult<Vec<u32>> {
    let df = ParquetReader::new(std::fs::File::open(path)?).finish()?;
    let values = df.column("value")?.str()?;
    let mapping = mapping();
    values
        .iter()
        .map(|v| v.map_or(Ok(NULL_CODE), |v| mapping.insert_cat(v)))
        .collect()
}

/// Columns `names` of `df`, stored as codes (`to_codes`) of a file's dictionary, made encoded
/// again through `remap` (`read_dictionary`). A code the dictionary does not have (a damaged
/// file) is an error, never a wrong value.
pub fn from_codes(df: &mut DataFrame, names: &[String], remap: &[u32]) -> PolarsResult<()> {
    // A process that reads an entry before it encodes anything of its own (a reopen) gives the
    // file's values the file's own codes: then the codes are taken as they are, with no pass
    // per row (at ten million events the remapping was a sixth of a reopen).
    let identity = remap.iter().enumerate().all(|(i, &r)| r as usize == i);
    for name in names {
        let Ok(c) = df.column(name) else { continue };
        let stored = c.cast(&DataType::UInt32)?;
        let stored = stored.u32()?;
        if let Some(k) = stored.max().filter(|&k| k as usize >= remap.len()) {
            polars_bail!(ComputeError: "code {k} of column {name} is not in the dictionary");
        }
        let physical: UInt32Chunked = if identity {
            stored.clone().with_name(name.as_str().into())
        } else {
            stored
                .iter()
                .map(|k| k.map(|k| remap[k as usize]).filter(|&k| k != NULL_CODE))
                .collect_ca(name.as_str().into())
        };
        df.with_column(encoded(physical))?;
    }
    Ok(())
}

/// The columns of a frame read from a file that hold codes (`to_codes`): those `encodes`
/// names that are numbers, never text, in any file hirescope writes.
pub fn stored_as_codes(df: &DataFrame) -> Vec<String> {
    df.columns()
        .iter()
        .filter(|c| c.dtype() == &DataType::UInt32 && encodes(c.name()))
        .map(|c| c.name().to_string())
        .collect()
}

/// `from_codes` for every column `stored_as_codes` finds.
pub fn decode_stored(df: &mut DataFrame, remap: &[u32]) -> PolarsResult<()> {
    let names = stored_as_codes(df);
    from_codes(df, &names, remap)
}

/// `f` (text functions on a plain text column) applied to each distinct value of column `name`
/// and spread back to its rows: on an encoded column a regex or a lower-casing runs once per
/// value instead of once per row, and no plain copy of the column is made. On a plain column `f`
/// runs as it is. Nulls stay null.
pub fn per_value(name: &str, f: impl Fn(Expr) -> Expr + Send + Sync + 'static) -> Expr {
    let f = std::sync::Arc::new(f);
    let typed = f.clone();
    col(name).map(
        move |c| per_value_of(c, f.as_ref()),
        move |_, field| {
            let probe = DataFrame::new(
                0,
                vec![Column::new_empty(field.name().clone(), &DataType::String)],
            )?;
            let schema = probe
                .lazy()
                .select([typed(col(field.name().clone()))])
                .collect_schema()?;
            let (_, dtype) = schema
                .get_at_index(0)
                .ok_or_else(|| polars_err!(ComputeError: "no column"))?;
            Ok(Field::new(field.name().clone(), dtype.clone()))
        },
    )
}

fn per_value_of(c: Column, f: &(dyn Fn(Expr) -> Expr + Send + Sync)) -> PolarsResult<Column> {
    let name = c.name().clone();
    let run = |values: Column| -> PolarsResult<Column> {
        let out = DataFrame::new(values.len(), vec![values])?
            .lazy()
            .select([f(col(name.clone()))])
            .collect()?;
        Ok(out.columns()[0].clone())
    };
    if !is_encoded(c.dtype()) {
        return run(c);
    }
    let ca = c.cat32()?;
    let mapping = ca.get_mapping();
    // Each code's place among the distinct values, in the order first seen. Read from each
    // chunk's value slice (a missing value's slot holds some code too: at worst `f` also runs on
    // that value, never wrongly on a row); Polars' per-element option iterators were a tenth of
    // a 10M reopen.
    const UNSEEN: IdxSize = IdxSize::MAX;
    let bound = mapping.num_cats_upper_bound();
    let mut place: Vec<IdxSize> = vec![UNSEEN; bound];
    let mut distinct: Vec<&str> = Vec::new();
    for array in ca.physical().downcast_iter() {
        for &code in array.values().iter() {
            if let Some(slot) = place.get_mut(code as usize) {
                if *slot == UNSEEN {
                    *slot = distinct.len() as IdxSize;
                    distinct.push(mapping.cat_to_str(code).unwrap_or_default());
                }
            }
        }
    }
    let results = run(Column::new(name.clone(), distinct))?;
    if let Ok(truth) = results.bool() {
        // A predicate (the usual case): its value per code, spread to the rows as bits. Polars'
        // gather builds a boolean array an element at a time, a fifth of a 10M reopen.
        let truth: Vec<Option<bool>> = truth.iter().collect();
        // A code no row holds is false, not missing: then a predicate that is never missing
        // keeps the input's validity as it is.
        let of_code = |code: usize| -> Option<bool> {
            match place[code] {
                UNSEEN => Some(false),
                p => truth.get(p as usize).copied().flatten(),
            }
        };
        let table: Vec<Option<bool>> = (0..bound).map(of_code).collect();
        return Ok(bits_by_code(ca, &table, name));
    }
    let place = &place;
    let at: IdxCa = ca
        .physical()
        .downcast_iter()
        .flat_map(|array| {
            let valid = array.validity().filter(|v| v.unset_bits() > 0);
            (array.values().iter().enumerate()).map(move |(i, &code)| {
                let p = *place.get(code as usize)?;
                (valid.is_none_or(|v| v.get_bit(i)) && p != UNSEEN).then_some(p)
            })
        })
        .collect();
    Ok(results.take(&at)?.with_name(name))
}

/// A boolean column from an encoded one: each row's `table[code]` (a code beyond the table, or
/// a missing value, is missing). One pass over each chunk's codes, bits built eight at a time;
/// the input's validity is shared when every entry of the table is known.
fn bits_by_code(
    ca: &CategoricalChunked<Categorical32Type>,
    table: &[Option<bool>],
    name: PlSmallStr,
) -> Column {
    use polars_arrow::array::BooleanArray;
    use polars_arrow::bitmap::Bitmap;
    let any_unknown = table.iter().any(Option::is_none);
    // A bit per row from a byte per code, packed eight rows at a time.
    let packed = |codes: &[u32], bit: &[u8]| -> Bitmap {
        let mut bytes = Vec::with_capacity(codes.len().div_ceil(8));
        for eight in codes.chunks(8) {
            let mut byte = 0u8;
            for (j, &k) in eight.iter().enumerate() {
                byte |= bit.get(k as usize).copied().unwrap_or(0) << j;
            }
            bytes.push(byte);
        }
        Bitmap::from_u8_vec(bytes, codes.len())
    };
    // Both tables are as long as the dictionary (every distinct text of the process): the
    // second only where some value's result is missing.
    let is_true: Vec<u8> = table.iter().map(|t| u8::from(*t == Some(true))).collect();
    let is_known: Vec<u8> = match any_unknown {
        true => table.iter().map(|t| u8::from(t.is_some())).collect(),
        false => Vec::new(),
    };
    let chunks: Vec<BooleanArray> = ca
        .physical()
        .downcast_iter()
        .map(|array| {
            let codes = array.values().as_slice();
            let values = packed(codes, &is_true);
            let validity = match (any_unknown, array.validity()) {
                (false, valid) => valid.cloned(),
                (true, valid) => {
                    let known = packed(codes, &is_known);
                    Some(match valid {
                        Some(v) => polars_arrow::bitmap::and(v, &known),
                        None => known,
                    })
                }
            };
            let validity = validity.filter(|v| v.unset_bits() > 0);
            BooleanArray::new(ArrowDataType::Boolean, values, validity)
        })
        .collect();
    BooleanChunked::from_chunk_iter(name, chunks).into_column()
}

/// Whether each row's value is one of `values` (Polars' `is_in`; a missing value stays missing).
/// On an encoded column, a table indexed by code: Polars' `is_in` on the codes looked each row up
/// in a hash set and built its result a value at a time, an eighth of a 10M reopen's samples.
pub fn among(name: &str, values: Vec<String>) -> Expr {
    col(name).map(
        move |c| {
            if !is_encoded(c.dtype()) {
                let name = c.name().clone();
                let list = lit(Series::new("values".into(), values.clone())).implode(false);
                let out = DataFrame::new(c.len(), vec![c])?
                    .lazy()
                    .select([col(name).is_in(list, false)])
                    .collect()?;
                return Ok(out.columns()[0].clone());
            }
            let ca = c.cat32()?;
            let mut table: Vec<Option<bool>> = vec![Some(false); code_bound()];
            for v in &values {
                if let Some(slot) = known_code(v).and_then(|k| table.get_mut(k as usize)) {
                    *slot = Some(true);
                }
            }
            Ok(bits_by_code(ca, &table, c.name().clone()))
        },
        |_, field| Ok(Field::new(field.name().clone(), DataType::Boolean)),
    )
}

/// A text column encoded as `f` of each value, `f` run once per distinct value: a hash per row
/// instead of the text function per row, and only `f`'s results enter the dictionary. Nulls stay
/// null; a column already encoded is read through its text.
pub fn encoded_by(c: &Column, f: impl Fn(&str) -> String) -> PolarsResult<Column> {
    let plain;
    let ca = if is_encoded(c.dtype()) {
        plain = c.cast(&DataType::String)?;
        plain.str()?
    } else {
        c.str()?
    };
    // Each distinct text's code, worked out the first time it is met.
    let mut to: foldhash::HashMap<&str, u32> = foldhash::HashMap::default();
    let mut codes: Vec<u32> = Vec::with_capacity(ca.len());
    for v in ca.iter() {
        let out = match v {
            None => NULL_CODE,
            Some(v) => match to.get(v) {
                Some(&out) => out,
                None => {
                    let out = code_of(&f(v))?;
                    to.insert(v, out);
                    out
                }
            },
        };
        codes.push(out);
    }
    Ok(column_of_codes(c.name(), &codes))
}

/// The bytes an encoded column holds: its codes and validity. The dictionary is shared by every
/// column and counted once, by `dictionary_size`.
pub fn codes_bytes(c: &Column) -> Option<usize> {
    if !is_encoded(c.dtype()) {
        return None;
    }
    let validity = if c.null_count() > 0 {
        c.len().div_ceil(8)
    } else {
        0
    };
    Some(c.len() * 4 + validity)
}

/// The distinct values the shared dictionary holds, and its bytes: each value's text, its
/// 16-byte view and its hash-table entry.
pub fn dictionary_size() -> (usize, usize) {
    let mapping = mapping();
    let n = mapping.num_cats_upper_bound();
    let bytes = (0..n)
        .filter_map(|i| mapping.cat_to_str(i as CatSize))
        .map(|s| s.len() + 16 + 16)
        .sum();
    (n, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_by_maps_each_value_and_keeps_nulls_on_plain_and_encoded_columns() {
        let plain = Column::new(
            "account".into(),
            [Some(" Bob "), None, Some("bob"), Some("BOB")],
        );
        let lower = |s: &str| s.trim().to_lowercase();
        let encoded = encode_column(plain.clone()).unwrap();
        assert!(is_encoded(encoded.dtype()));
        for c in [plain, encoded] {
            let out = encoded_by(&c, lower).unwrap();
            assert!(is_encoded(out.dtype()));
            let text = out.cast(&DataType::String).unwrap();
            let text: Vec<Option<&str>> = text.str().unwrap().iter().collect();
            assert_eq!(text, [Some("bob"), None, Some("bob"), Some("bob")]);
        }
    }

    #[test]
    fn columns_of_codes_keep_missing_values_and_refuse_codes_beyond_the_dictionary() {
        let (a, b) = (code_of("alpha").unwrap(), code_of("beta").unwrap());
        let texts = |c: &Column| -> Vec<Option<String>> {
            let plain = c.cast(&DataType::String).unwrap();
            let v = plain.str().unwrap().iter().map(|v| v.map(str::to_string));
            v.collect()
        };
        let c = column_of_codes("c", &[a, NULL_CODE, b]);
        assert_eq!(
            texts(&c),
            [Some("alpha".to_string()), None, Some("beta".to_string())]
        );
        assert_eq!(c.null_count(), 1);
        assert_eq!(
            texts(&column_of_codes("c", &[b, a]))[0].as_deref(),
            Some("beta")
        );
        // A code no insert returned is taken the checked way: missing, never a bad value.
        let beyond = code_bound() as u32 + 5;
        let c = column_of_codes("c", &[a, beyond]);
        assert_eq!(texts(&c), [Some("alpha".to_string()), None]);
    }

    #[test]
    fn among_matches_by_code_keeps_nulls_and_knows_values_no_row_holds() {
        let part = |apps: &[Option<&str>]| {
            let mut df = df!("app" => apps.to_vec(), "object" => apps.to_vec()).unwrap();
            df.with_column(encode_column(df.column("app").unwrap().clone()).unwrap())
                .unwrap();
            df
        };
        let mut df = part(&[Some("Workday"), None, Some("Teams")]);
        df.vstack_mut(&part(&[Some("Zoom"), Some("Workday"), None]))
            .unwrap();
        assert!(is_encoded(df.column("app").unwrap().dtype()));
        assert_eq!(df.column("object").unwrap().dtype(), &DataType::String);
        let values = || vec!["Workday".to_string(), "never seen anywhere".to_string()];
        let out = df
            .lazy()
            .select([
                among("app", values()).alias("encoded"),
                among("object", values()).alias("plain"),
            ])
            .collect()
            .unwrap();
        let want = [Some(true), None, Some(false), Some(false), Some(true), None];
        for name in ["encoded", "plain"] {
            let got: Vec<Option<bool>> = out.column(name).unwrap().bool().unwrap().iter().collect();
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn per_value_spreads_each_value_s_result_to_its_rows_across_chunks_and_nulls() {
        let part = |apps: &[Option<&str>]| {
            let mut df = df!("app" => apps.to_vec()).unwrap();
            encode(&mut df).unwrap();
            df
        };
        // Two chunks, the second with a missing value, and a value whose predicate is missing.
        let mut df = part(&[Some("Workday"), Some("Teams"), Some("Zoom")]);
        df.vstack_mut(&part(&[None, Some("Teams"), Some("Workday")]))
            .unwrap();
        assert_eq!(df.column("app").unwrap().n_chunks(), 2);
        let out = df
            .lazy()
            .select([
                per_value("app", |e| {
                    when(e.clone().eq(lit("Zoom")))
                        .then(lit(NULL).cast(DataType::Boolean))
                        .otherwise(e.str().ends_with(lit("ams")))
                })
                .alias("teams"),
                per_value("app", |e| e.str().to_uppercase()).alias("upper"),
            ])
            .collect()
            .unwrap();
        let teams: Vec<Option<bool>> = out
            .column("teams")
            .unwrap()
            .bool()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(
            teams,
            [Some(false), Some(true), None, None, Some(true), Some(false)]
        );
        let upper: Vec<Option<&str>> = out.column("upper").unwrap().str().unwrap().iter().collect();
        assert_eq!(
            upper,
            [
                Some("WORKDAY"),
                Some("TEAMS"),
                Some("ZOOM"),
                None,
                Some("TEAMS"),
                Some("WORKDAY")
            ]
        );
    }

    #[test]
    fn encoded_columns_compare_with_text_and_read_back_as_text() {
        let mut df = df!(
            "app" => [Some("Workday"), None, Some("Teams"), Some("Workday")],
            "object" => ["a", "b", "c", "d"],
        )
        .unwrap();
        encode(&mut df).unwrap();
        assert!(is_encoded(df.column("app").unwrap().dtype()));
        assert_eq!(df.column("object").unwrap().dtype(), &DataType::String);
        let hits = df
            .clone()
            .lazy()
            .filter(col("app").eq(lit("Workday")))
            .collect()
            .unwrap();
        assert_eq!(hits.height(), 2);
        let ends = df
            .clone()
            .lazy()
            .filter(per_value("app", |e| e.str().ends_with(lit("ams"))))
            .collect()
            .unwrap();
        assert_eq!(ends.height(), 1);
        let back = plain(&df).unwrap();
        assert_eq!(back.column("app").unwrap().dtype(), &DataType::String);
        let texts: Vec<Option<&str>> = back.column("app").unwrap().str().unwrap().iter().collect();
        assert_eq!(
            texts,
            [Some("Workday"), None, Some("Teams"), Some("Workday")]
        );
        assert_eq!(codes_bytes(df.column("app").unwrap()), Some(4 * 4 + 1));
        let lower = df
            .clone()
            .lazy()
            .select([
                per_value("app", |e| e.str().to_lowercase()),
                per_value("object", |e| e.str().contains_literal(lit("c"))),
            ])
            .collect()
            .unwrap();
        let lowered: Vec<Option<&str>> =
            lower.column("app").unwrap().str().unwrap().iter().collect();
        assert_eq!(
            lowered,
            [Some("workday"), None, Some("teams"), Some("workday")]
        );
        let found: Vec<Option<bool>> = lower
            .column("object")
            .unwrap()
            .bool()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(found, [Some(false), Some(false), Some(true), Some(false)]);
        // Codes read back the text, and a column made of codes is the column.
        let codes = Codes::of(&df, "app").unwrap();
        assert_eq!(codes.text_at(0), Some("Workday"));
        assert_eq!(codes.get(1), None);
        assert_eq!(codes.get(0), codes.get(3));
        assert_eq!(codes.get(0), known_code("Workday"));
        let teams = code_of("Teams").unwrap();
        assert_eq!(codes.get(2), Some(teams));
        let made = column_of_codes("app", &codes.codes);
        assert!(made.equals_missing(df.column("app").unwrap()));
        // Stored as codes with the dictionary, read back as the same text.
        let dir = tempfile::tempdir().unwrap();
        let (stored, names) = to_codes(&df).unwrap();
        assert_eq!(names, ["app"]);
        assert_eq!(stored.column("app").unwrap().dtype(), &DataType::UInt32);
        write_dictionary(&dir.path().join("d.parquet")).unwrap();
        let remap = read_dictionary(&dir.path().join("d.parquet")).unwrap();
        let mut back = stored.clone();
        from_codes(&mut back, &names, &remap).unwrap();
        assert!(back
            .column("app")
            .unwrap()
            .equals_missing(df.column("app").unwrap()));
        // A code past the dictionary is refused.
        let mut bad = stored;
        assert!(from_codes(&mut bad, &names, &remap[..0]).is_err());
    }
}
