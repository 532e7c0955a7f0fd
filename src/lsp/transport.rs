//! The stdio transport: `Content-Length` frames in, JSON-RPC messages out, robust to a client
//! that sends garbage. lsp-server's own reader allocates the announced length before reading
//! (`Content-Length: 99999999999` aborted the server) and ends at the first malformed frame;
//! this one caps a frame at the input limit, answers every malformed frame with a JSON-RPC
//! error (id `null`) and goes on with the next one.

use std::io::{self, BufRead, Read, Write};
use std::sync::{Arc, Mutex};
use std::thread;

use crossbeam_channel::{Receiver, Sender, bounded};
use lsp_server::{Connection, Message};
use serde_json::{Value, json};

/// The largest frame read: the input size limit of every file akslint reads.
pub const MAX_FRAME: u64 = akslint::confine::MAX_FILE_BYTES;
/// The longest header line kept (a longer one is a malformed frame, read past, not kept).
const MAX_HEADER_LINE: usize = 8 * 1024;
/// Messages read ahead of the main loop: a burst of notifications is then seen whole and
/// linted once (the main loop drains the queue before it lints).
const READ_AHEAD: usize = 256;

const HEADER: &[u8] = b"Content-Length:";

/// JSON-RPC error codes (the JSON-RPC 2.0 specification).
const PARSE_ERROR: i32 = -32700;
const INVALID_REQUEST: i32 = -32600;

/// What one read from the stream gives.
#[derive(Debug)]
pub enum Frame {
    Message(Message),
    /// A frame that is not a message: answered with this error, then reading goes on.
    Malformed {
        code: i32,
        message: String,
        id: Value,
    },
    Eof,
}

/// Reads frames from `r`.
pub struct FrameReader<R> {
    r: R,
    /// After an oversized frame (whose body is not read) the next frame starts at the next
    /// `Content-Length:`, wherever it is.
    resync: bool,
}

impl<R: BufRead> FrameReader<R> {
    pub fn new(r: R) -> Self {
        FrameReader { r, resync: false }
    }

    pub fn next_frame(&mut self) -> io::Result<Frame> {
        // After a resync the header name of the first line is already read.
        let mut resumed = false;
        if self.resync {
            self.resync = false;
            if !skip_to_header(&mut self.r)? {
                return Ok(Frame::Eof);
            }
            resumed = true;
        }
        let mut length: Option<Result<u64, String>> = None;
        let mut seen_any = false;
        loop {
            let Some(mut line) = read_line(&mut self.r)? else {
                return Ok(Frame::Eof);
            };
            if std::mem::take(&mut resumed)
                && let Line::Text(rest) = &line
            {
                line = Line::Text(format!("Content-Length:{rest}"));
            }
            // The body of a frame whose header was bad runs into the next header (bodies
            // end without a line break): the next frame starts at its `Content-Length:`.
            if let Line::Text(l) = &line
                && let Some(p) = l.find("Content-Length:").filter(|&p| p > 0)
            {
                line = Line::Text(l[p..].to_string());
            }
            match line {
                Line::TooLong => return Ok(self.malformed("a header line over 8 KiB")),
                Line::Text(l) if l.is_empty() => {
                    if seen_any {
                        break;
                    }
                    // Blank lines between frames are tolerated.
                }
                Line::Text(l) => {
                    seen_any = true;
                    let Some((name, value)) = l.split_once(':') else {
                        return Ok(
                            self.malformed(&format!("header line `{}` has no `:`", shorten(&l)))
                        );
                    };
                    if name.trim().eq_ignore_ascii_case("content-length") {
                        length = Some(value.trim().parse::<u64>().map_err(|_| {
                            format!("Content-Length `{}` is not a number", shorten(value.trim()))
                        }));
                    }
                }
            }
        }
        let length = match length {
            None => return Ok(self.malformed("no Content-Length header")),
            Some(Err(why)) => return Ok(self.malformed(&why)),
            Some(Ok(n)) => n,
        };
        if length > MAX_FRAME {
            // Its body is not read (nothing is allocated for it): the next frame is found
            // by its header, so a client that lied about the length is served again.
            self.resync = true;
            return Ok(Frame::Malformed {
                code: INVALID_REQUEST,
                message: format!(
                    "frame of {length} bytes exceeds the {} limit; not read",
                    akslint::confine::mebibytes(MAX_FRAME)
                ),
                id: Value::Null,
            });
        }
        let mut body = Vec::new();
        (&mut self.r).take(length).read_to_end(&mut body)?;
        if (body.len() as u64) < length {
            return Ok(Frame::Eof);
        }
        Ok(parse_body(&body))
    }

    /// A bad header: its lines are read, so the next frame is read as usual (a body that
    /// followed it is met as text before the next `Content-Length:`, and dropped there).
    fn malformed(&mut self, why: &str) -> Frame {
        Frame::Malformed {
            code: INVALID_REQUEST,
            message: format!("malformed frame: {why}"),
            id: Value::Null,
        }
    }
}

fn shorten(s: &str) -> String {
    let mut t: String = s.chars().take(60).collect();
    if t.len() < s.len() {
        t.push('…');
    }
    t
}

fn parse_body(body: &[u8]) -> Frame {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return Frame::Malformed {
                code: PARSE_ERROR,
                message: format!("the frame is not JSON: {e}"),
                id: Value::Null,
            };
        }
    };
    let id = match value.get("id") {
        Some(id @ (Value::Number(_) | Value::String(_))) => id.clone(),
        _ => Value::Null,
    };
    let is_message = value.is_object()
        && (value.get("method").is_some_and(Value::is_string)
            || value.get("result").is_some()
            || value.get("error").is_some());
    match is_message
        .then(|| serde_json::from_value::<Message>(value))
        .and_then(Result::ok)
    {
        Some(m) => Frame::Message(m),
        None => Frame::Malformed {
            code: INVALID_REQUEST,
            message: "the frame is not a JSON-RPC request, notification or response".into(),
            id,
        },
    }
}

enum Line {
    Text(String),
    TooLong,
}

/// One header line without its line break, at most `MAX_HEADER_LINE` bytes kept; `None` at
/// the end of the stream (a line the stream cuts off is no header).
fn read_line(r: &mut impl BufRead) -> io::Result<Option<Line>> {
    let mut kept: Vec<u8> = Vec::new();
    let mut too_long = false;
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Ok(None);
        }
        let (chunk, done) = match memchr::memchr(b'\n', buf) {
            Some(i) => (&buf[..i], Some(i + 1)),
            None => (buf, None),
        };
        if kept.len() + chunk.len() > MAX_HEADER_LINE {
            too_long = true;
        } else {
            kept.extend_from_slice(chunk);
        }
        let used = done.unwrap_or(buf.len());
        r.consume(used);
        if done.is_some() {
            return Ok(Some(finish_line(kept, too_long)));
        }
    }
}

fn finish_line(mut kept: Vec<u8>, too_long: bool) -> Line {
    if too_long {
        return Line::TooLong;
    }
    if kept.last() == Some(&b'\r') {
        kept.pop();
    }
    Line::Text(String::from_utf8_lossy(&kept).into_owned())
}

/// Reads up to and including the next `Content-Length:`, in bounded memory (a byte-wise
/// match, so a header split between two reads is found); false at the end of the stream.
fn skip_to_header(r: &mut impl BufRead) -> io::Result<bool> {
    let mut matched = 0;
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Ok(false);
        }
        for (i, &b) in buf.iter().enumerate() {
            matched = if b == HEADER[matched] {
                matched + 1
            } else {
                usize::from(b == HEADER[0])
            };
            if matched == HEADER.len() {
                r.consume(i + 1);
                return Ok(true);
            }
        }
        let n = buf.len();
        r.consume(n);
    }
}

/// The two threads of the transport.
pub struct IoThreads {
    reader: thread::JoinHandle<()>,
    writer: thread::JoinHandle<io::Result<()>>,
}

impl IoThreads {
    pub fn join(self) -> io::Result<()> {
        let _ = self.reader.join();
        self.writer
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the writer thread panicked")))
    }
}

fn write_frame(out: &Mutex<io::Stdout>, body: &[u8]) -> io::Result<()> {
    let mut w = out
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    write!(w, "Content-Length: {}\r\n\r\n", body.len())?;
    w.write_all(body)?;
    w.flush()
}

/// A connection over stdin/stdout with the reader above.
pub fn stdio() -> (Connection, IoThreads) {
    let out = Arc::new(Mutex::new(io::stdout()));
    let (to_client, outgoing): (Sender<Message>, Receiver<Message>) = bounded(0);
    let (incoming, from_client) = bounded::<Message>(READ_AHEAD);
    let writer_out = out.clone();
    let writer = thread::Builder::new()
        .name("akslint-lsp-writer".into())
        .spawn(move || {
            for msg in outgoing {
                let body = serde_json::to_vec(&msg).map_err(io::Error::other)?;
                write_frame(&writer_out, &body)?;
            }
            Ok(())
        })
        .expect("spawn the writer thread");
    let reader = thread::Builder::new()
        .name("akslint-lsp-reader".into())
        .spawn(move || {
            let stdin = io::stdin();
            let mut frames = FrameReader::new(stdin.lock());
            loop {
                match frames.next_frame() {
                    Ok(Frame::Message(m)) => {
                        let exit = matches!(&m, Message::Notification(n) if n.method == "exit");
                        if incoming.send(m).is_err() || exit {
                            return;
                        }
                    }
                    Ok(Frame::Malformed { code, message, id }) => {
                        let err = json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}});
                        let body = serde_json::to_vec(&err).unwrap_or_default();
                        if write_frame(&out, &body).is_err() {
                            return;
                        }
                    }
                    Ok(Frame::Eof) | Err(_) => return,
                }
            }
        })
        .expect("spawn the reader thread");
    (
        Connection {
            sender: to_client,
            receiver: from_client,
        },
        IoThreads { reader, writer },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[u8]) -> Vec<String> {
        let mut r = FrameReader::new(input);
        let mut out = Vec::new();
        loop {
            match r.next_frame().unwrap() {
                Frame::Message(Message::Request(q)) => out.push(format!("request {}", q.method)),
                Frame::Message(Message::Notification(n)) => {
                    out.push(format!("notification {}", n.method))
                }
                Frame::Message(Message::Response(_)) => out.push("response".into()),
                Frame::Malformed { code, id, .. } => out.push(format!("error {code} {id}")),
                Frame::Eof => return out,
            }
        }
    }

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    const INIT: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#;

    #[test]
    fn well_formed_frames_are_messages() {
        let s = frame(INIT) + &frame(r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#);
        assert_eq!(
            frames(s.as_bytes()),
            ["request initialize", "notification initialized"]
        );
    }

    #[test]
    fn an_absurd_length_is_refused_unread_and_the_next_frame_is_served() {
        let s = format!("Content-Length: 99999999999\r\n\r\n{}", frame(INIT));
        assert_eq!(
            frames(s.as_bytes()),
            ["error -32600 null", "request initialize"]
        );
    }

    #[test]
    fn malformed_frames_get_an_error_each_and_reading_goes_on() {
        let cases = [
            (
                "Content-Length: abc\r\n\r\n".to_string(),
                "error -32600 null",
            ),
            ("Content-Type: x\r\n\r\n{}".to_string(), "error -32600 null"),
            (
                "garbage without colon\r\n\r\n".to_string(),
                "error -32600 null",
            ),
            (frame("{not json"), "error -32700 null"),
            (frame("[1, 2]"), "error -32600 null"),
            (
                frame(r#"{"jsonrpc":"2.0","id":7,"params":{}}"#),
                "error -32600 7",
            ),
            (frame(r#""\ud800""#), "error -32700 null"),
            (
                format!("X: {}\r\n\r\n", "a".repeat(20_000)),
                "error -32600 null",
            ),
        ];
        for (bad, expected) in cases {
            let s = bad.clone() + &frame(INIT);
            assert_eq!(
                frames(s.as_bytes()),
                [expected, "request initialize"],
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_frame_cut_short_is_the_end() {
        assert!(frames(b"Content-Length: 100\r\n\r\n{\"jsonrpc\"").is_empty());
        assert!(frames(b"Content-Len").is_empty());
    }
}
