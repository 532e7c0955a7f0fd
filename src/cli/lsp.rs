//! `akslint lsp`: the language server, over stdio.

#[path = "../lsp/mod.rs"]
mod language_server;

pub fn run() -> miette::Result<u8> {
    let (connection, io_threads) = language_server::transport::stdio();
    let code =
        language_server::run(connection).map_err(|e| miette::miette!("language server: {e}"))?;
    io_threads
        .join()
        .map_err(|e| miette::miette!("language server: {e}"))?;
    Ok(code)
}
