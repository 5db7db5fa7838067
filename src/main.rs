fn main() {
    // The isolated Parquet reader (see `ingest::readers::parquet_isolated`): not a user command.
    if std::env::args().nth(1).as_deref() == Some("__parquet-text") {
        std::process::exit(hirescope::ingest::parquet_text_command());
    }
    std::process::exit(hirescope::cli::main());
}
