use std::process::ExitCode;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[allow(clippy::print_stdout)] // the command line writes listings and reports to stdout
mod cli;

fn main() -> ExitCode {
    cli::main()
}
