use std::io::{self, Write};

use super::Context;
use crate::model::text::printable;

pub fn render(ctx: &Context<'_>, w: &mut dyn Write) -> io::Result<()> {
    for f in &ctx.result.findings {
        // A line starting with `::` would be a GitHub workflow command: a file named
        // `::error file=…` is written `./::error file=…`.
        let path = printable(&f.path);
        let path = if path.starts_with(':') {
            format!("./{path}").into()
        } else {
            path
        };
        writeln!(
            w,
            "{}:{}:{}: {} {} {}",
            path,
            f.span.start.line,
            f.span.start.col,
            f.severity.as_str().to_ascii_uppercase(),
            f.id,
            printable(&f.message)
        )?;
    }
    if !ctx.quiet {
        for (_, note) in super::run_notes(ctx.result) {
            writeln!(w, "{note}.")?;
        }
    }
    Ok(())
}
