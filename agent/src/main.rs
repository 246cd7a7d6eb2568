//! `kyso-agent`: parses arguments and hands over to the library.

fn main() -> std::process::ExitCode {
    kyso_agent::cli::main()
}
