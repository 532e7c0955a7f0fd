use std::io::{self, Write};

use super::Context;
use super::text::printable;

pub fn render(ctx: &Context<'_>, w: &mut dyn Write) -> io::Result<()> {
    for f in &ctx.result.findings {
        writeln!(
            w,
            "{}:{}:{}: {} {} {}",
            printable(&f.path),
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
