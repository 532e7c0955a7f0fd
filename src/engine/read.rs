//! Stage 1a, read: bytes of an input (file, standard input) into text, bounded and checked
//! (size, NUL, UTF-8) before anything parses it.

use super::*;

/// Why a file could not be read: message, position if known, and the AKL id to report.
pub(super) type ReadFailure = (String, Option<Pos>, LinterCode);

pub(super) fn read_input(input: &Input) -> Result<(Arc<str>, u64), ReadFailure> {
    let read: Vec<u8>;
    let bytes: &[u8] = match &input.origin {
        Origin::Stdin(text) => {
            check_no_nul(text)?;
            return Ok((text.clone(), text.len() as u64));
        }
        Origin::PipedOverLimit => {
            return Err((
                format!(
                    "standard input is over the {} limit; the rest was not read",
                    mebibytes(MAX_FILE_BYTES)
                ),
                None,
                LinterCode::InputLimitExceeded,
            ));
        }
        Origin::Piped(bytes) => bytes,
        Origin::File(p) => {
            // A regular file only (a link to `/dev/zero` or a FIFO never ends), capped.
            read = crate::confine::read_bytes(p).map_err(|e| match e {
                crate::confine::ReadError::TooLarge { size, limit } => (
                    format!("file is {size}, over the {limit} limit; it was not read"),
                    None,
                    LinterCode::InputLimitExceeded,
                ),
                e => (
                    format!("cannot read file: {e}"),
                    None,
                    LinterCode::ParseError,
                ),
            })?;
            &read
        }
    };
    match std::str::from_utf8(bytes) {
        Ok(s) => {
            check_no_nul(s)?;
            Ok((s.into(), bytes.len() as u64))
        }
        Err(e) => {
            let valid = e.valid_up_to();
            let prefix = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
            Err((
                "file is not valid UTF-8".into(),
                Some(text_pos(prefix, valid)),
                LinterCode::ParseError,
            ))
        }
    }
}

pub(super) fn check_no_nul(text: &str) -> Result<(), ReadFailure> {
    match text.find('\0') {
        Some(nul) => Err((
            "file contains NUL bytes (binary data)".into(),
            Some(text_pos(text, nul)),
            LinterCode::ParseError,
        )),
        None => Ok(()),
    }
}

/// The line and column of a byte offset, a leading byte-order mark not counted (as everywhere
/// else).
pub(super) fn text_pos(text: &str, offset: usize) -> Pos {
    let mut pos = LineIndex::new(text).pos(text, offset);
    if pos.line == 1 && text.starts_with('\u{feff}') && offset > 0 {
        pos.col -= 1;
    }
    pos
}

/// Reads `input` for a loader: its text, with the byte count recorded in `out`; a file that
/// cannot be read is marked broken with its linter finding (AKL001/AKL003) and gives `None`.
pub(super) fn read_or_report(
    input: &Input,
    set: &PolicySet,
    out: &mut FileOutcome,
) -> Option<Arc<str>> {
    match read_input(input) {
        Ok((text, bytes)) => {
            out.bytes = bytes;
            Some(text)
        }
        Err((message, pos, id)) => {
            out.summary.kind = FileKind::Broken;
            let p = pos.unwrap_or(Pos::new(1, 1));
            let path = input.display.clone();
            linter_finding(set, id, &path, Span::new(p, p), message, &mut out.findings);
            None
        }
    }
}
