fn main() {
    std::process::exit(hirescope::cli::main());
}
