//! Hostile and broken input through the real binary (DESIGN §6, issue 9): NUL bytes, binary
//! files, empty files, the file-size limit, alias bombs and deep nesting in bounded time and
//! memory, symbolic-link loops, dangling links, FIFOs, unreadable files, broken policy and
//! configuration files, deep ARM expressions, plans that are not objects, and "nothing is
//! written but --output / --write-baseline, atomically".
//!
//! Cases already covered elsewhere (BOM/CRLF columns, invalid UTF-8, duplicate YAML keys, deep
//! block/flow nesting, the alias bomb, a policy with a YAML error or an unknown key) live in
//! tests/cli.rs; this file adds what they leave out. Every input is generated in a temporary
//! directory. Runs that could hang go through `bounded`, which kills the binary and fails the
//! test after `LIMIT`.
#![allow(clippy::print_stdout)] // reports its measurements / notes on stdout

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::{Run, write};

/// Generous bound for a run in a debug build on a loaded 2-core machine.
const LIMIT: Duration = Duration::from_secs(20);

/// The limit `src/engine.rs` documents as `MAX_FILE_BYTES` (README: "over 100 MiB").
const MAX_FILE_BYTES: u64 = 100 * 1024 * 1024;

const PRIVILEGED_POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: app
      image: nginx:1.25
      securityContext:
        privileged: true
";

/// Where PRIVILEGED_POD's POD001 finding is.
const POD001_AT: (u64, u64) = (10, 21);

const ARM_SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";

// ---------------------------------------------------------------- helpers

/// A finished run, how long it took and (when GNU time is available) its peak RSS in KiB.
struct Timed {
    run: Run,
    elapsed: Duration,
    max_rss_kib: Option<u64>,
}

#[derive(Default)]
struct Extra {
    stdin: Option<Vec<u8>>,
    env: Vec<(&'static str, PathBuf)>,
    /// Measure peak RSS with `/usr/bin/time -f %M` (skipped with a note when unavailable).
    rss: bool,
}

/// GNU time, when it is installed and understands `-o FILE -f %M`.
fn gnu_time() -> Option<&'static Path> {
    static FOUND: OnceLock<Option<PathBuf>> = OnceLock::new();
    FOUND
        .get_or_init(|| {
            let time = PathBuf::from("/usr/bin/time");
            let dir = tempfile::tempdir().ok()?;
            let out = dir.path().join("rss");
            let ok = Command::new(&time)
                .arg("-o")
                .arg(&out)
                .args(["-f", "%M", "true"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .ok()?
                .success();
            let parsed = std::fs::read_to_string(&out)
                .ok()?
                .trim()
                .parse::<u64>()
                .is_ok();
            (ok && parsed).then_some(time)
        })
        .as_deref()
}

/// Kills `pid`'s descendants (a process started through GNU time) by id.
fn kill_descendants(pid: u32) {
    let Ok(children) = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")) else {
        return;
    };
    for c in children.split_whitespace() {
        if let Ok(c) = c.parse::<u32>() {
            kill_descendants(c);
            let _ = Command::new("kill").args(["-9", &c.to_string()]).status();
        }
    }
}

fn drain(mut r: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = r.read_to_end(&mut v);
        v
    })
}

/// Runs akslint in `dir` and fails the test if it has not finished after `LIMIT`.
fn bounded(dir: &Path, args: &[&str]) -> Timed {
    bounded_with(dir, args, Extra::default())
}

fn bounded_with(dir: &Path, args: &[&str], extra: Extra) -> Timed {
    let bin = env!("CARGO_BIN_EXE_akslint");
    let rss_dir = tempfile::tempdir().unwrap();
    let rss_file = rss_dir.path().join("rss");
    let time = if extra.rss { gnu_time() } else { None };
    if extra.rss && time.is_none() {
        println!("note: /usr/bin/time (GNU) not found: peak memory is not checked");
    }
    let mut cmd = match time {
        Some(t) => {
            let mut c = Command::new(t);
            c.arg("-o").arg(&rss_file).args(["-f", "%M", bin]);
            c
        }
        None => Command::new(bin),
    };
    cmd.args(args)
        .current_dir(dir)
        .env_remove("GITHUB_STEP_SUMMARY")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Piped even without input (closed at once: EOF), so no /dev/null is needed.
        .stdin(Stdio::piped());
    for (k, v) in &extra.env {
        cmd.env(k, v);
    }
    let started = Instant::now();
    let mut child = cmd.spawn().expect("akslint starts");
    let stdin = child.stdin.take().unwrap();
    let feeder = extra.stdin.map(|bytes| {
        let mut stdin = stdin;
        // The binary may stop reading early (a size limit): a broken pipe is fine.
        std::thread::spawn(move || {
            let _ = stdin.write_all(&bytes);
        })
    });
    let out = drain(child.stdout.take().unwrap());
    let err = drain(child.stderr.take().unwrap());
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > LIMIT {
            kill_descendants(child.id());
            let _ = child.kill();
            let _ = child.wait();
            let stdout = String::from_utf8_lossy(&out.join().unwrap()).into_owned();
            let stderr = String::from_utf8_lossy(&err.join().unwrap()).into_owned();
            panic!(
                "akslint {args:?} still running after {LIMIT:?} (killed)\n--- stdout\n{}\n--- stderr\n{}",
                tail(&stdout),
                tail(&stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = started.elapsed();
    if let Some(f) = feeder {
        f.join().unwrap();
    }
    let raw = out.join().unwrap();
    let max_rss_kib = time.and_then(|_| {
        std::fs::read_to_string(&rss_file)
            .ok()?
            .lines()
            .last()?
            .trim()
            .parse()
            .ok()
    });
    Timed {
        run: Run {
            code: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&raw).into_owned(),
            stderr: String::from_utf8_lossy(&err.join().unwrap()).into_owned(),
            raw,
        },
        elapsed,
        max_rss_kib,
    }
}

/// The last 2,000 characters, so a failure message stays readable.
fn tail(s: &str) -> &str {
    let mut i = s.len().saturating_sub(2000);
    while !s.is_char_boundary(i) {
        i += 1;
    }
    &s[i..]
}

/// No panic, no abort, an exit code of the contract (AKL004 findings: see `found`).
fn assert_sane(r: &Run) {
    assert!(
        (0..=2).contains(&r.code),
        "exit {} (killed by a signal?)\n{}",
        r.code,
        tail(&r.stderr)
    );
    for bad in ["panicked", "overflowed its stack", "RUST_BACKTRACE"] {
        assert!(!r.stderr.contains(bad), "{bad}: {r:?}");
    }
}

fn assert_peak_below(t: &Timed, mib: u64, what: &str) {
    if let Some(kib) = t.max_rss_kib {
        assert!(
            kib < mib * 1024,
            "{what}: peak RSS {} MiB, expected under {mib} MiB",
            kib / 1024
        );
    }
}

/// (id, path, line, column) of every finding of a `--format json` run.
fn found(r: &Run) -> Vec<(String, String, u64, u64)> {
    assert_sane(r);
    let f: Vec<(String, String, u64, u64)> = r.json()["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("{r:?}"))
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["start"]["line"].as_u64().unwrap(),
                f["start"]["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(!f.iter().any(|x| x.0 == "AKL004"), "internal error: {r:?}");
    f
}

fn at(id: &str, path: &str, line: u64, col: u64) -> (String, String, u64, u64) {
    (id.to_string(), path.to_string(), line, col)
}

/// The message of the one finding `id` on `path`.
fn message(r: &Run, id: &str, path: &str) -> String {
    let doc = r.json();
    let hits: Vec<&serde_json::Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == id && f["path"] == path)
        .collect();
    assert_eq!(hits.len(), 1, "one {id} on {path}: {r:?}");
    hits[0]["message"].as_str().unwrap().to_string()
}

/// Non-empty stderr lines.
fn notices(r: &Run) -> Vec<&str> {
    r.stderr.lines().filter(|l| !l.trim().is_empty()).collect()
}

/// Line and column (code points) of byte `offset` in `text`, the way findings count them.
fn pos_of(text: &str, offset: usize) -> (u64, u64) {
    let before = &text[..offset];
    let line = before.matches('\n').count() as u64 + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() as u64 + 1)
}

/// An ARM template with one AKS cluster whose `properties` JSON text is `properties`.
fn arm_cluster(name: &str, properties: &str) -> String {
    format!(
        "{{\n  \"$schema\": \"{ARM_SCHEMA}\",\n  \"resources\": [\n    {{\n      \"type\": \"Microsoft.ContainerService/managedClusters\",\n      \"apiVersion\": \"2024-05-01\",\n      \"name\": \"{name}\",\n      \"location\": \"westeurope\",\n      \"properties\": {properties}\n    }}\n  ]\n}}\n"
    )
}

/// `depth` levels of `[` … `]` around `inner`.
fn nested(depth: usize, inner: &str) -> String {
    format!("{}{inner}{}", "[".repeat(depth), "]".repeat(depth))
}

/// A YAML alias bomb: nine levels of nine aliases (9^9 nodes if expanded), after `prefix`.
fn alias_bomb(prefix: &str) -> String {
    let mut s = String::from(prefix);
    s.push_str(
        "  a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let mut prev = 'a';
    for c in "bcdefghi".chars() {
        s.push_str(&format!(
            "  {c}: &{c} [{}]\n",
            vec![format!("*{prev}"); 9].join(",")
        ));
        prev = c;
    }
    s
}

// ---------------------------------------------------------------- NUL bytes, binary, empty

#[test]
fn nul_bytes_in_yaml_arm_and_kubernetes_json_are_akl001_at_the_nul() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // A multi-byte character before the NUL: the column counts code points.
    let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: \"é\0\"\n";
    write(d, "nul.yaml", yaml);
    let arm = format!("{{\n  \"$schema\": \"{ARM_SCHEMA}\",\n  \"resources\": [\0]\n}}\n");
    write(d, "nul.json", &arm);
    let k8s = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\0b\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\",\"securityContext\":{\"privileged\":true}}]}}\n";
    write(d, "nulpod.json", k8s);
    write(d, "pod.yaml", PRIVILEGED_POD);
    let (yl, yc) = pos_of(yaml, yaml.find('\0').unwrap());
    assert_eq!((yl, yc), (6, 8));
    let (al, ac) = pos_of(&arm, arm.find('\0').unwrap());
    let (kl, kc) = pos_of(k8s, k8s.find('\0').unwrap());

    let t = bounded(d, &["check", ".", "--select", "POD001", "--format", "json"]);
    let r = &t.run;
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        found(r),
        [
            at("AKL001", "nul.json", al, ac),
            at("AKL001", "nul.yaml", yl, yc),
            at("AKL001", "nulpod.json", kl, kc),
            at("POD001", "pod.yaml", POD001_AT.0, POD001_AT.1),
        ],
        "{r:?}"
    );
    for p in ["nul.json", "nul.yaml", "nulpod.json"] {
        assert!(message(r, "AKL001", p).contains("NUL"), "{r:?}");
    }
}

/// Deterministic "random" bytes with NULs and invalid UTF-8 after a GIF-like header.
fn binary_bytes() -> Vec<u8> {
    let mut v = b"GIF89a\x01\x00\x01\x00".to_vec();
    let mut x: u32 = 0x1234_5678;
    for _ in 0..4096 {
        x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        v.push((x >> 24) as u8);
    }
    v[10] = 0x80; // a lone continuation byte: the first invalid UTF-8
    v.extend_from_slice(&[0, 0xff, 0xfe, 0]);
    v
}

#[test]
fn binary_files_named_yaml_or_json_are_akl001_in_every_format() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let bytes = binary_bytes();
    assert_eq!(std::str::from_utf8(&bytes).unwrap_err().valid_up_to(), 10);
    write(d, "x.yaml", &bytes);
    write(d, "x.json", &bytes);
    write(d, "pod.yaml", PRIVILEGED_POD);
    let t = bounded(d, &["check", ".", "--select", "POD001", "--format", "json"]);
    let r = &t.run;
    assert_eq!(r.code, 1, "{r:?}");
    // The first invalid byte is the 11th of line 1 (the NUL before it is valid UTF-8).
    assert_eq!(
        found(r),
        [
            at("POD001", "pod.yaml", POD001_AT.0, POD001_AT.1),
            at("AKL001", "x.json", 1, 11),
            at("AKL001", "x.yaml", 1, 11),
        ],
        "{r:?}"
    );
    assert_eq!(message(r, "AKL001", "x.yaml"), "file is not valid UTF-8");
    // No format chokes on it (no code frame of binary garbage, no panic).
    for format in ["human", "concise", "sarif", "github"] {
        let t = bounded(d, &["check", "x.yaml", "x.json", "--format", format]);
        assert_sane(&t.run);
        assert_eq!(t.run.code, 1, "{format}: {:?}", t.run);
        assert!(t.run.stdout.contains("AKL001"), "{format}: {:?}", t.run);
    }
}

/// PowerShell 5's `>` writes UTF-16LE with a BOM: not UTF-8, so a finding, not a silent skip.
#[test]
fn utf16_manifest_is_akl001_not_a_silent_skip() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bytes = vec![0xff, 0xfe];
    for u in PRIVILEGED_POD.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    write(tmp.path(), "utf16.yaml", &bytes);
    let t = bounded(tmp.path(), &["check", ".", "--format", "json"]);
    let r = &t.run;
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(found(r), [at("AKL001", "utf16.yaml", 1, 1)], "{r:?}");
    assert!(
        message(r, "AKL001", "utf16.yaml").contains("UTF-8"),
        "{r:?}"
    );
}

#[test]
fn empty_blank_and_separator_only_files_are_skipped_not_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let files = [
        ("empty.yaml", ""),
        ("empty.json", ""),
        ("blank.yaml", "\n\r\n  \n"),
        ("seps.yaml", "---\n# only comments\n---\n---\n...\n---\n"),
        ("comments.yml", "# a\n# b\n"),
    ];
    for (name, text) in files {
        write(d, name, text);
    }
    // Found by a walk: skipped silently.
    let t = bounded(d, &["check", ".", "--format", "json"]);
    let r = &t.run;
    assert_eq!(r.code, 0, "{r:?}");
    assert!(found(r).is_empty(), "{r:?}");
    assert!(r.stderr.is_empty(), "{r:?}");
    // Named: a one-line notice each, exit 0, no finding.
    let mut args = vec!["check", "--format", "json"];
    args.extend(files.iter().map(|f| f.0));
    let t = bounded(d, &args);
    let r = &t.run;
    assert_eq!(r.code, 0, "{r:?}");
    assert!(found(r).is_empty(), "{r:?}");
    let lines = notices(r);
    assert_eq!(lines.len(), files.len(), "{r:?}");
    for (name, _) in files {
        assert!(
            lines.iter().any(|l| l.contains(&format!("skipped {name}"))),
            "{name}: {r:?}"
        );
    }
}

/// docs/output-formats.md: "a UTF-8 byte-order mark does not shift columns".
#[test]
fn bom_does_not_shift_the_column_of_nul_or_invalid_utf8() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, "nul.yaml", b"kind: x\0\n");
    write(d, "bomnul.yaml", b"\xef\xbb\xbfkind: x\0\n");
    write(d, "bad.yaml", b"kind: x\xff\n");
    write(d, "bombad.yaml", b"\xef\xbb\xbfkind: x\xff\n");
    let t = bounded(d, &["check", ".", "--format", "json"]);
    assert_eq!(
        found(&t.run),
        [
            at("AKL001", "bad.yaml", 1, 8),
            at("AKL001", "bombad.yaml", 1, 8),
            at("AKL001", "bomnul.yaml", 1, 8),
            at("AKL001", "nul.yaml", 1, 8),
        ],
        "{:?}",
        t.run
    );
}

// ---------------------------------------------------------------- size limit

#[test]
fn file_over_the_size_limit_is_refused_without_reading_it() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, "pod.yaml", PRIVILEGED_POD);
    // Sparse: costs no disk, and reading it would cost 100 MiB of memory and time.
    let big = std::fs::File::create(d.join("big.yaml")).unwrap();
    big.set_len(MAX_FILE_BYTES + 1).unwrap();
    drop(big);
    for args in [
        vec!["check", ".", "--select", "POD001", "--format", "json"],
        vec![
            "check", "big.yaml", "pod.yaml", "--select", "POD001", "--format", "json",
        ],
    ] {
        let t = bounded_with(
            d,
            &args,
            Extra {
                rss: true,
                ..Extra::default()
            },
        );
        let r = &t.run;
        assert_eq!(r.code, 1, "{r:?}");
        assert_eq!(
            found(r),
            [
                at("AKL003", "big.yaml", 1, 1),
                at("POD001", "pod.yaml", POD001_AT.0, POD001_AT.1),
            ],
            "{r:?}"
        );
        let msg = message(r, "AKL003", "big.yaml");
        assert!(msg.contains("100 MiB limit"), "{msg}");
        assert!(msg.contains("not read"), "{msg}");
        assert!(
            t.elapsed < Duration::from_secs(3),
            "{args:?} took {:?}: was the file read?",
            t.elapsed
        );
        // A debug run on one small file peaks around 35 MiB; reading big.yaml adds 100.
        assert_peak_below(&t, 90, "a run next to a 100 MiB file");
    }
}

/// Standard input has no size limit: `cat huge | akslint check -` reads it all into memory
/// (debug build: 150 MB of NULs peaked at 480 MB RSS; 300 MB of `a: b` lines passed 6.7 GB
/// before it was killed), and 100 MiB of comment is read, parsed and passed (exit 0).
#[test]
fn stdin_over_the_size_limit_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let t = bounded_with(
        tmp.path(),
        &[
            "check",
            "-",
            "--stdin-filename",
            "x.yaml",
            "--format",
            "json",
        ],
        Extra {
            stdin: Some(vec![b'#'; (MAX_FILE_BYTES + 1) as usize]),
            rss: true,
            ..Extra::default()
        },
    );
    let r = &t.run;
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(found(r), [at("AKL003", "x.yaml", 1, 1)], "{r:?}");
    assert!(message(r, "AKL003", "x.yaml").contains("limit"), "{r:?}");
    assert_peak_below(&t, 250, "100 MiB on stdin");
}

/// Files with NUL bytes or invalid UTF-8 are AKL001 at the byte; the same bytes on stdin
/// should be too (today: a JSON manifest with a NUL is linted as if fine, and invalid UTF-8
/// is exit 2 "cannot read standard input").
#[test]
fn stdin_nul_and_invalid_utf8_are_akl001_like_files() {
    let tmp = tempfile::tempdir().unwrap();
    let k8s = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\0b\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\",\"securityContext\":{\"privileged\":true}}]}}\n";
    let (l, c) = pos_of(k8s, k8s.find('\0').unwrap());
    let mut bad = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"".to_vec();
    bad.extend_from_slice(b"\xff\"\n");
    for (name, bytes, want) in [
        (
            "x.json",
            k8s.as_bytes().to_vec(),
            at("AKL001", "x.json", l, c),
        ),
        ("x.yaml", bad, at("AKL001", "x.yaml", 4, 10)),
    ] {
        let t = bounded_with(
            tmp.path(),
            &[
                "check",
                "-",
                "--stdin-filename",
                name,
                "--select",
                "POD001",
                "--format",
                "json",
            ],
            Extra {
                stdin: Some(bytes),
                ..Extra::default()
            },
        );
        let r = &t.run;
        assert_eq!(r.code, 1, "{name}: {r:?}");
        assert_eq!(found(r), [want], "{name}: {r:?}");
    }
}

// ---------------------------------------------------------------- alias bombs, deep nesting

/// tests/cli.rs checks that these are AKL003; here: where, and in bounded time and memory.
#[test]
fn alias_bombs_and_deep_nesting_are_refused_in_bounded_time_and_memory() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let header = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\ndata:\n";
    write(d, "bomb.yaml", alias_bomb(header));
    // 50 documents of 9^6 nodes each: the alias budget is per file, not per document.
    let doc = |i: usize| {
        let mut s = format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b{i}\ndata:\n  a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        );
        let mut prev = 'a';
        for c in "bcdef".chars() {
            s.push_str(&format!(
                "  {c}: &{c} [{}]\n",
                vec![format!("*{prev}"); 9].join(",")
            ));
            prev = c;
        }
        s
    };
    let multi: Vec<String> = (0..50).map(doc).collect();
    write(d, "multibomb.yaml", multi.join("---\n"));
    write(d, "block.yaml", format!("{}x\n", "- ".repeat(100_000)));
    write(d, "flow.yaml", format!("{}\n", nested(100_000, "")));
    write(d, "deep.json", format!("{}\n", nested(100_000, "1")));
    let cases = [
        // (file, line, column or 0 when tests/cli.rs or a test below pins it, message)
        ("bomb.yaml", 12, 10, "alias expansion exceeds 1000000 nodes"),
        (
            "multibomb.yaml",
            23,
            19,
            "alias expansion exceeds 1000000 nodes",
        ),
        ("block.yaml", 1, 513, "nesting deeper than 256 levels"),
        ("flow.yaml", 1, 0, "nesting deeper than 256 levels"),
        ("deep.json", 1, 0, "nesting deeper than 256 levels"),
    ];
    for (file, line, col, needle) in cases {
        let t = bounded_with(
            d,
            &["check", file, "--format", "json"],
            Extra {
                rss: true,
                ..Extra::default()
            },
        );
        let r = &t.run;
        assert_eq!(r.code, 1, "{file}: {r:?}");
        let f = found(r);
        assert_eq!(f.len(), 1, "{file}: {r:?}");
        assert_eq!(
            (f[0].0.as_str(), f[0].1.as_str(), f[0].2),
            ("AKL003", file, line),
            "{r:?}"
        );
        if col != 0 {
            assert_eq!(f[0].3, col, "{file}: {r:?}");
        }
        assert!(message(r, "AKL003", file).contains(needle), "{r:?}");
        assert!(
            t.elapsed < Duration::from_secs(10),
            "{file} took {:?}",
            t.elapsed
        );
        // The alias budget (10^6 nodes) costs ~110 MiB in a debug build; 9^9 nodes would not fit.
        assert_peak_below(&t, 300, file);
    }
}

/// JSON points at the first level past 256 however deep it goes: jsonc-parser's own cap stops
/// parsing at 512 levels (it used to be reported there, the 513th `[`), and the loader then
/// finds level 257 itself.
#[test]
fn deep_json_points_at_the_first_level_past_the_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, "d300.json", format!("{}\n", nested(300, "")));
    write(d, "d100k.json", format!("{}\n", nested(100_000, "")));
    let props = nested(100_000, "1");
    let tpl = arm_cluster("a", &props);
    write(d, "arm.json", &tpl);
    // Levels: the root object, `resources`, the resource, then `properties`' brackets.
    let first_bracket = tpl.find("[[[").unwrap();
    let (l, c) = pos_of(&tpl, first_bracket + (257 - 4));
    let t = bounded(d, &["check", ".", "--select", "POD001", "--format", "json"]);
    assert_eq!(
        found(&t.run),
        [
            at("AKL003", "arm.json", l, c),
            at("AKL003", "d100k.json", 1, 257),
            at("AKL003", "d300.json", 1, 257),
        ],
        "{:?}",
        t.run
    );
}

/// saphyr-parser stops at its 256th nested flow collection (it used to be reported there, one
/// level early); block YAML was always right.
#[test]
fn deep_flow_yaml_points_at_the_first_level_past_the_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, "seq.yaml", format!("{}\n", nested(300, "")));
    write(
        d,
        "map.yaml",
        format!("{}1{}\n", "{a: ".repeat(300), "}".repeat(300)),
    );
    write(d, "block.yaml", format!("{}x\n", "- ".repeat(300)));
    let t = bounded(d, &["check", ".", "--format", "json"]);
    assert_eq!(
        found(&t.run),
        [
            at("AKL003", "block.yaml", 1, 513),
            at("AKL003", "map.yaml", 1, 4 * 256 + 1),
            at("AKL003", "seq.yaml", 1, 257),
        ],
        "{:?}",
        t.run
    );
}

#[test]
fn deeply_nested_arm_template_is_akl003_and_other_files_are_still_linted() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, "main.json", arm_cluster("a", &nested(100_000, "1")));
    write(d, "pod.yaml", PRIVILEGED_POD);
    let t = bounded_with(
        d,
        &["check", ".", "--select", "POD001", "--format", "json"],
        Extra {
            rss: true,
            ..Extra::default()
        },
    );
    let r = &t.run;
    assert_eq!(r.code, 1, "{r:?}");
    let f = found(r);
    assert_eq!(f.len(), 2, "{r:?}");
    assert_eq!(
        (f[0].0.as_str(), f[0].1.as_str(), f[0].2),
        ("AKL003", "main.json", 9),
        "{r:?}"
    );
    assert_eq!(f[1], at("POD001", "pod.yaml", POD001_AT.0, POD001_AT.1));
    assert_eq!(
        message(r, "AKL003", "main.json"),
        "input refused: nesting deeper than 256 levels"
    );
    assert!(t.elapsed < Duration::from_secs(10), "{:?}", t.elapsed);
    assert_peak_below(&t, 150, "a 200 KB template");
}

// ---------------------------------------------------------------- ARM expressions, plans

#[test]
fn arm_expression_nested_10000_deep_is_akl001_at_its_string() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let expr = format!("[{}'a'{}]", "concat(".repeat(10_000), ")".repeat(10_000));
    let tpl = arm_cluster(&expr, "{}");
    write(d, "main.json", &tpl);
    write(d, "pod.yaml", PRIVILEGED_POD);
    let (l, c) = pos_of(&tpl, tpl.find("\"[concat").unwrap());
    assert_eq!((l, c), (7, 15));
    let t = bounded(d, &["check", ".", "--select", "POD001", "--format", "json"]);
    let r = &t.run;
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        found(r),
        [
            at("AKL001", "main.json", l, c),
            at("POD001", "pod.yaml", POD001_AT.0, POD001_AT.1),
        ],
        "{r:?}"
    );
    let msg = message(r, "AKL001", "main.json");
    assert!(
        msg.starts_with("invalid ARM expression: expression nested too deeply"),
        "{msg}"
    );
    assert!(t.elapsed < Duration::from_secs(10), "{:?}", t.elapsed);
}

/// `[json('{}').a.a.a…]` and `[createArray(1)[0][0]…]`: the parser's depth limit used to count
/// nested calls only, so a long chain built a deep tree whose evaluation and drop overflowed
/// the stack and aborted the whole run (release: 100,000 links, a 200 KB string; debug:
/// 30,000). The expression tree's height is bounded now, chains included.
#[test]
fn long_arm_member_and_index_chains_do_not_overflow_the_stack() {
    for (name, expr) in [
        ("member", format!("[json('{{}}'){}]", ".a".repeat(100_000))),
        (
            "index",
            format!("[createArray(1){}]", "[0]".repeat(100_000)),
        ),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        let tpl = arm_cluster("aks", &format!("{{\"disableLocalAccounts\": \"{expr}\"}}"));
        write(d, "main.json", &tpl);
        write(d, "pod.yaml", PRIVILEGED_POD);
        let (l, c) = pos_of(&tpl, tpl.find("\"[").unwrap());
        let t = bounded(d, &["check", ".", "--select", "POD001", "--format", "json"]);
        let r = &t.run;
        assert_sane(r);
        assert_eq!(r.code, 1, "{name}: {r:?}");
        assert_eq!(
            found(r),
            [
                at("AKL001", "main.json", l, c),
                at("POD001", "pod.yaml", POD001_AT.0, POD001_AT.1),
            ],
            "{name}: {r:?}"
        );
        assert!(
            message(r, "AKL001", "main.json").contains("invalid ARM expression"),
            "{name}: {r:?}"
        );
    }
}

#[test]
fn json_that_is_null_or_an_array_is_skipped_with_a_notice() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, "null.json", "null\n");
    write(d, "array.json", "[]");
    write(
        d,
        "plans.json",
        "[{\"format_version\": \"1.2\", \"planned_values\": {\"root_module\": {}}}]",
    );
    let t = bounded(
        d,
        &[
            "check",
            "null.json",
            "array.json",
            "plans.json",
            "--format",
            "json",
        ],
    );
    let r = &t.run;
    assert_eq!(r.code, 0, "{r:?}");
    assert!(found(r).is_empty(), "{r:?}");
    let lines = notices(r);
    assert_eq!(lines.len(), 3, "{r:?}");
    for name in ["null.json", "array.json", "plans.json"] {
        assert!(
            lines.iter().any(|l| l.contains(&format!("skipped {name}"))),
            "{name}: {r:?}"
        );
    }
}

/// README: `--input-format tfplan` / `arm`: "every JSON input is a plan / a template". A JSON
/// `null` or array forced to be one used to be checked as an empty plan: exit 0, no finding,
/// no notice.
#[test]
fn forced_plan_or_template_that_is_not_an_object_is_not_a_silent_pass() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, "null.json", "null\n");
    write(d, "array.json", "[]");
    write(
        d,
        "plans.json",
        "[{\"format_version\": \"1.2\", \"planned_values\": {\"root_module\": {}}}]",
    );
    for format in ["tfplan", "arm"] {
        for name in ["null.json", "array.json", "plans.json"] {
            let t = bounded(
                d,
                &["check", "--input-format", format, name, "--format", "json"],
            );
            let r = &t.run;
            let akl001 = found(r) == [at("AKL001", name, 1, 1)] && r.code == 1;
            let notice = r.stderr.contains(&format!("skipped {name}"));
            assert!(
                akl001 || notice,
                "--input-format {format} {name}: neither AKL001 nor a notice: {r:?}"
            );
        }
    }
}

/// A duplicate field in a JSON manifest is reported as in a YAML one (kubectl keeps the last);
/// README: "duplicate mapping key → AKL001 (at the second key)". JSON used to keep the last
/// silently.
#[test]
fn duplicate_keys_in_a_json_manifest_are_akl001_at_the_second_key() {
    let tmp = tempfile::tempdir().unwrap();
    let text = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\",\"name\":\"b\"},\n\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\",\n\"securityContext\":{\"privileged\":true}}]}}\n";
    write(tmp.path(), "pod.json", text);
    let second = text.match_indices("\"name\"").nth(1).unwrap().0;
    let (l, c) = pos_of(text, second);
    let t = bounded(
        tmp.path(),
        &[
            "check", "pod.json", "--select", "POD001", "--format", "json",
        ],
    );
    let r = &t.run;
    assert_eq!(r.code, 1, "{r:?}");
    // Reported, and the document is still linted with the last value, as for YAML.
    assert_eq!(
        found(r),
        [
            at("AKL001", "pod.json", l, c),
            at("POD001", "pod.json", 3, 33)
        ],
        "{r:?}"
    );
    assert!(
        message(r, "AKL001", "pod.json").contains("duplicate key `name`"),
        "{r:?}"
    );
    assert!(
        message(r, "POD001", "pod.json").contains("Pod `b`"),
        "{r:?}"
    );
}

// ---------------------------------------------------------------- policy and configuration files

const POLICY_HEAD: &str =
    "id: BAD001\nname: broken\narea: workload\nseverity: low\ntitle: t\nmessage: m\nhelp: h.\n";

/// tests/cli.rs has a YAML syntax error and an unknown key; these are the hostile ones.
#[test]
fn broken_policy_files_exit_2_naming_the_file_and_line() {
    let mut bad_utf8 = b"id: BAD001\nname: \"".to_vec();
    bad_utf8.extend_from_slice(b"\xff\xfe\"\n");
    let cases: Vec<(&str, Vec<u8>, Option<&str>, &str)> = vec![
        // (case, bytes, "file:line:col" expected in the diagnostic, message gist)
        ("invalid UTF-8", bad_utf8, None, "valid UTF-8"),
        ("empty", Vec::new(), Some(":1:1"), "empty policy file"),
        (
            "comments only",
            b"# nothing here\n---\n".to_vec(),
            Some(":1:1"),
            "empty policy file",
        ),
        (
            "invalid regex",
            format!("{POLICY_HEAD}checks:\n  - on: kubernetes Pod\n    forbid: {{path: metadata.name, matches: \"(unclosed\"}}\n").into_bytes(),
            Some(":10:44"),
            "invalid regular expression",
        ),
        (
            "alias bomb",
            alias_bomb(&format!("{POLICY_HEAD}x:\n")).into_bytes(),
            Some(":15:10"),
            "alias expansion exceeds 1000000 nodes",
        ),
        (
            "NUL byte",
            b"id: BAD001\nname: n\0ul\n".to_vec(),
            Some(":2:8"),
            "invalid YAML",
        ),
        (
            "deep nesting",
            format!("id: BAD001\nx: {}\n", nested(300, "")).into_bytes(),
            Some(":2:"),
            "nesting deeper than 256 levels",
        ),
    ];
    for (case, bytes, loc, gist) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        write(d, "pol/BAD001.yaml", &bytes);
        write(d, "pod.yaml", PRIVILEGED_POD);
        let t = bounded(d, &["check", "--policies", "pol", "pod.yaml"]);
        let r = &t.run;
        assert_sane(r);
        assert_eq!(r.code, 2, "{case}: {r:?}");
        assert!(
            r.stdout.is_empty(),
            "{case}: no report on a policy error: {r:?}"
        );
        assert!(r.stderr.contains("pol/BAD001.yaml"), "{case}: {r:?}");
        if let Some(loc) = loc {
            assert!(
                r.stderr.contains(&format!("pol/BAD001.yaml{loc}")),
                "{case}: expected BAD001.yaml{loc}: {r:?}"
            );
        }
        assert!(r.stderr.contains(gist), "{case}: {r:?}");
        assert!(
            t.elapsed < Duration::from_secs(10),
            "{case}: {:?}",
            t.elapsed
        );
    }
}

#[test]
fn broken_configuration_files_exit_2_naming_the_file() {
    let mut bad_utf8 = b"select: [POD001]\nfail-on: ".to_vec();
    bad_utf8.extend_from_slice(b"\xff\n");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("invalid UTF-8", bad_utf8, "valid UTF-8"),
        (
            "alias bomb",
            alias_bomb("select: [POD001]\nx:\n").into_bytes(),
            ".akslint.yaml:9:10",
        ),
        (
            "NUL byte",
            b"select: [POD001]\0\n".to_vec(),
            ".akslint.yaml:1:17",
        ),
    ];
    for (case, bytes, needle) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        write(d, ".akslint.yaml", &bytes);
        write(d, "pod.yaml", PRIVILEGED_POD);
        let t = bounded(d, &["check", "pod.yaml"]);
        let r = &t.run;
        assert_sane(r);
        assert_eq!(r.code, 2, "{case}: {r:?}");
        assert!(r.stdout.is_empty(), "{case}: {r:?}");
        assert!(r.stderr.contains(".akslint.yaml"), "{case}: {r:?}");
        assert!(r.stderr.contains(needle), "{case}: {r:?}");
    }
}

// ---------------------------------------------------------------- output is written only where asked

/// Every file under `dir` (relative path → bytes), symlinks as their target.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            let t = e.file_type().unwrap();
            if t.is_symlink() {
                let target = std::fs::read_link(&p).unwrap();
                out.push((rel, target.to_string_lossy().as_bytes().to_vec()));
            } else if t.is_dir() {
                out.push((format!("{rel}/"), Vec::new()));
                walk(root, &p, out);
            } else {
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn names(dir: &Path) -> Vec<String> {
    snapshot(dir).into_iter().map(|(n, _)| n).collect()
}

/// A scanned tree with findings, a parse error and a skipped file.
fn scanned_tree() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, "k8s/pod.yaml", PRIVILEGED_POD);
    write(d, "k8s/broken.yaml", "a: [\n");
    write(d, "values.yaml", "replicaCount: 1\n");
    write(d, ".gitignore", "ignored/\n");
    write(d, "ignored/pod.yaml", PRIVILEGED_POD);
    tmp
}

#[test]
fn only_the_requested_report_is_written_and_no_temporary_file_is_left() {
    let scanned = scanned_tree();
    let before = snapshot(scanned.path());
    let cwd = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let tmpdir = tempfile::tempdir().unwrap();
    let env = || {
        vec![
            ("HOME", home.path().to_path_buf()),
            ("TMPDIR", tmpdir.path().to_path_buf()),
            ("XDG_CACHE_HOME", home.path().join(".cache")),
        ]
    };
    let target = scanned.path().to_str().unwrap();

    let t = bounded_with(
        cwd.path(),
        &[
            "check",
            target,
            "--format",
            "sarif",
            "--output",
            "out.sarif",
        ],
        Extra {
            env: env(),
            ..Extra::default()
        },
    );
    let r = &t.run;
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stdout.is_empty(), "the report goes to the file: {r:?}");
    assert_eq!(names(cwd.path()), ["out.sarif"], "{r:?}");
    let sarif: serde_json::Value =
        serde_json::from_slice(&std::fs::read(cwd.path().join("out.sarif")).unwrap()).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|x| x["ruleId"] == "POD001"), "{sarif}");
    assert!(results.iter().any(|x| x["ruleId"] == "AKL001"), "{sarif}");

    // Again, overwriting it; then a baseline beside it.
    let t = bounded_with(
        cwd.path(),
        &["check", target, "--format", "sarif", "-o", "out.sarif"],
        Extra {
            env: env(),
            ..Extra::default()
        },
    );
    assert_eq!(t.run.code, 1, "{:?}", t.run);
    let t = bounded_with(
        cwd.path(),
        &["check", target, "--write-baseline", "base.json"],
        Extra {
            env: env(),
            ..Extra::default()
        },
    );
    assert_eq!(t.run.code, 0, "{:?}", t.run);
    assert_eq!(names(cwd.path()), ["base.json", "out.sarif"], "{:?}", t.run);
    let base: serde_json::Value =
        serde_json::from_slice(&std::fs::read(cwd.path().join("base.json")).unwrap()).unwrap();
    assert!(!base["findings"].as_array().unwrap().is_empty(), "{base}");

    // Nothing else anywhere: the scanned tree, HOME and TMPDIR are as they were.
    assert_eq!(snapshot(scanned.path()), before);
    assert!(names(home.path()).is_empty(), "{:?}", names(home.path()));
    assert!(
        names(tmpdir.path()).is_empty(),
        "{:?}",
        names(tmpdir.path())
    );
}

#[test]
fn output_into_a_missing_directory_or_onto_a_directory_is_exit_2_and_creates_nothing() {
    let scanned = scanned_tree();
    let target = scanned.path().to_str().unwrap();
    let cwd = tempfile::tempdir().unwrap();
    std::fs::create_dir(cwd.path().join("adir")).unwrap();
    for (args, path) in [
        (
            vec!["--output", "nodir/out.sarif", "--format", "sarif"],
            "nodir/out.sarif",
        ),
        (
            vec!["--write-baseline", "nodir/base.json"],
            "nodir/base.json",
        ),
        (vec!["--output", "adir"], "adir"),
    ] {
        let mut all = vec!["check", target];
        all.extend(args);
        let t = bounded(cwd.path(), &all);
        let r = &t.run;
        assert_sane(r);
        assert_eq!(r.code, 2, "{path}: {r:?}");
        assert!(
            r.stderr.contains(&format!("cannot write {path}")),
            "{path}: {r:?}"
        );
        assert_eq!(
            names(cwd.path()),
            ["adir/"],
            "{path}: nothing created: {r:?}"
        );
    }
}

// ---------------------------------------------------------------- the file system (Unix)

#[cfg(unix)]
mod unix {
    use super::*;
    use std::os::unix::fs::{PermissionsExt, symlink};

    fn mkfifo(path: &Path) {
        let ok = Command::new("mkfifo")
            .arg(path)
            .status()
            .expect("mkfifo runs")
            .success();
        assert!(ok, "mkfifo {}", path.display());
    }

    /// `-o` onto something that is not a regular file (a FIFO here; `/dev/null` as root is the
    /// case that matters) writes into it: renaming a temporary file over it would replace it.
    #[test]
    fn output_onto_a_fifo_writes_into_it_and_keeps_it_a_fifo() {
        use std::os::unix::fs::FileTypeExt;
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        write(d, "pod.yaml", PRIVILEGED_POD);
        let fifo = d.join("report.fifo");
        mkfifo(&fifo);
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
        };
        let t = bounded(
            d,
            &[
                "check",
                "pod.yaml",
                "--format",
                "concise",
                "-o",
                "report.fifo",
            ],
        );
        assert_eq!(t.run.code, 1, "{:?}", t.run);
        // Checked before joining: a replaced FIFO would leave the reader blocked for ever.
        let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
        assert!(kind.is_fifo(), "the FIFO was replaced: {kind:?}");
        let report = reader.join().unwrap();
        assert!(report.contains("POD001"), "{report}");
    }

    /// A directory with one real manifest and every kind of link loop.
    fn loops() -> tempfile::TempDir {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        write(d, "pod.yaml", PRIVILEGED_POD);
        symlink(".", d.join("loop")).unwrap();
        symlink("b", d.join("a")).unwrap();
        symlink("a", d.join("b")).unwrap();
        symlink("b.yaml", d.join("a.yaml")).unwrap();
        symlink("a.yaml", d.join("b.yaml")).unwrap();
        std::fs::create_dir(d.join("sub")).unwrap();
        symlink("..", d.join("sub/up")).unwrap();
        symlink("../pod.yaml", d.join("sub/pod-link.yaml")).unwrap();
        tmp
    }

    #[test]
    fn symlink_loops_in_a_walk_terminate_and_the_real_file_is_linted_once() {
        let tmp = loops();
        let t = bounded(
            tmp.path(),
            &["check", ".", "--select", "POD001", "--format", "json"],
        );
        let r = &t.run;
        assert_eq!(r.code, 1, "{r:?}");
        // Links are not followed in walks (README), so no duplicate through loop/ or sub/.
        assert_eq!(
            found(r),
            [at("POD001", "pod.yaml", POD001_AT.0, POD001_AT.1)],
            "{r:?}"
        );
        assert!(r.stderr.is_empty(), "{r:?}");
        assert_eq!(r.json()["summary"]["files"], 1, "{r:?}");
        // The same from outside, naming the directory.
        let parent = tmp.path().parent().unwrap();
        let name = tmp.path().file_name().unwrap().to_str().unwrap();
        let t = bounded(
            parent,
            &["check", name, "--select", "POD001", "--format", "json"],
        );
        assert_eq!(
            found(&t.run),
            [at(
                "POD001",
                &format!("{name}/pod.yaml"),
                POD001_AT.0,
                POD001_AT.1
            )],
            "{:?}",
            t.run
        );
    }

    #[test]
    fn symlink_loops_named_explicitly_terminate() {
        let tmp = loops();
        let d = tmp.path();
        // `loop -> .` is a directory: walked once through the link, its own links not followed.
        let t = bounded(
            d,
            &["check", "loop", "--select", "POD001", "--format", "json"],
        );
        assert_eq!(t.run.code, 1, "{:?}", t.run);
        assert_eq!(
            found(&t.run),
            [at("POD001", "loop/pod.yaml", POD001_AT.0, POD001_AT.1)],
            "{:?}",
            t.run
        );
        // `a -> b -> a`: resolves to nothing: a usage error naming it.
        for name in ["a", "a.yaml"] {
            let t = bounded(d, &["check", name, "--format", "json"]);
            let r = &t.run;
            assert_sane(r);
            assert_eq!(r.code, 2, "{name}: {r:?}");
            assert!(r.stdout.is_empty(), "{name}: {r:?}");
            assert!(r.stderr.contains(&format!("{name}: ")), "{name}: {r:?}");
        }
        // Next to a real file the run still stops at the usage error (exit 2), promptly.
        let t = bounded(d, &["check", "pod.yaml", "a.yaml"]);
        assert_eq!(t.run.code, 2, "{:?}", t.run);
    }

    #[test]
    fn dangling_links_directories_named_yaml_and_fifos_never_hang() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        write(d, "pod.yaml", PRIVILEGED_POD);
        symlink("missing.yaml", d.join("gone.yaml")).unwrap();
        write(d, "dir.yaml/inner.yaml", PRIVILEGED_POD);
        mkfifo(&d.join("pipe.yaml"));
        let json = ["--select", "POD001", "--format", "json"];

        // Walked: the link and the FIFO are skipped silently, the directory is descended.
        for root in [".", "*.yaml"] {
            let mut args = vec!["check", root];
            args.extend(json);
            let t = bounded(d, &args);
            let r = &t.run;
            assert_eq!(r.code, 1, "{root}: {r:?}");
            assert!(r.stderr.is_empty(), "{root}: {r:?}");
            let mut want = vec![at("POD001", "pod.yaml", POD001_AT.0, POD001_AT.1)];
            if root == "." {
                want.insert(
                    0,
                    at("POD001", "dir.yaml/inner.yaml", POD001_AT.0, POD001_AT.1),
                );
            }
            assert_eq!(found(r), want, "{root}: {r:?}");
        }

        // Named: the directory is walked; the dangling link and the FIFO are usage errors
        // naming them (a FIFO is never opened: that would block without a writer).
        let mut args = vec!["check", "dir.yaml"];
        args.extend(json);
        let t = bounded(d, &args);
        assert_eq!(
            found(&t.run),
            [at(
                "POD001",
                "dir.yaml/inner.yaml",
                POD001_AT.0,
                POD001_AT.1
            )]
        );
        for name in ["gone.yaml", "pipe.yaml"] {
            let t = bounded(d, &["check", name, "pod.yaml"]);
            let r = &t.run;
            assert_sane(r);
            assert_eq!(r.code, 2, "{name}: {r:?}");
            assert!(r.stdout.is_empty(), "{name}: {r:?}");
            assert!(r.stderr.contains(&format!("{name}: ")), "{name}: {r:?}");
        }
        let t = bounded(d, &["check", "gone.yaml"]);
        assert!(
            t.run
                .stderr
                .contains("gone.yaml: no such file or directory"),
            "{:?}",
            t.run
        );
    }

    /// Both used to say "no such file or directory" although the FIFO exists and the link loop
    /// is a link loop.
    #[test]
    fn named_fifo_and_symlink_loop_errors_say_what_is_wrong() {
        let tmp = loops();
        let d = tmp.path();
        mkfifo(&d.join("pipe.yaml"));
        for name in ["pipe.yaml", "a.yaml"] {
            let t = bounded(d, &["check", name]);
            let r = &t.run;
            assert_sane(r);
            let usage = r.code == 2 && r.stderr.contains(name);
            let finding = r.code == 1 && r.stdout.contains("AKL001");
            assert!(usage || finding, "{name}: {r:?}");
            assert!(
                !r.stderr.contains("no such file or directory"),
                "{name} exists: {r:?}"
            );
        }
    }

    #[test]
    fn chmod_000_file_is_akl001_unless_the_user_can_read_it_anyway() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        write(d, "pod.yaml", PRIVILEGED_POD);
        write(d, "secret.yaml", PRIVILEGED_POD);
        let secret = d.join("secret.yaml");
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
        // root (CAP_DAC_OVERRIDE) reads it regardless of the mode.
        let readable = std::fs::read(&secret).is_ok();
        let t = bounded(d, &["check", ".", "--select", "POD001", "--format", "json"]);
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
        let r = &t.run;
        assert_eq!(r.code, 1, "{r:?}");
        let pod = at("POD001", "pod.yaml", POD001_AT.0, POD001_AT.1);
        if readable {
            println!("note: running with the right to read a mode-000 file (root): it is linted");
            assert_eq!(
                found(r),
                [pod, at("POD001", "secret.yaml", POD001_AT.0, POD001_AT.1)],
                "{r:?}"
            );
        } else {
            assert_eq!(found(r), [pod, at("AKL001", "secret.yaml", 1, 1)], "{r:?}");
            let msg = message(r, "AKL001", "secret.yaml");
            assert!(msg.starts_with("cannot read file"), "{msg}");
            assert!(msg.contains("Permission denied"), "{msg}");
        }
    }

    /// A directory the walk cannot list hides its files: that must not be a silent pass
    /// (a finding or at least a notice naming it: today a warning on stderr). Only observable
    /// without root.
    #[test]
    fn unreadable_directory_in_a_walk_is_not_skipped_silently() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        write(d, "pod.yaml", PRIVILEGED_POD);
        write(d, "locked/pod.yaml", PRIVILEGED_POD);
        let locked = d.join("locked");
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
        let readable = std::fs::read_dir(&locked).is_ok();
        let t = bounded(d, &["check", ".", "--select", "POD001", "--format", "json"]);
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
        let r = &t.run;
        assert_sane(r);
        assert_eq!(r.code, 1, "{r:?}");
        if readable {
            println!("note: running with the right to list a mode-000 directory (root)");
            assert_eq!(found(r).len(), 2, "{r:?}");
        } else {
            assert!(
                r.stdout.contains("locked") || r.stderr.contains("locked"),
                "the unreadable directory is not mentioned: {r:?}"
            );
        }
    }

    /// `--output` writes through a temporary file renamed into place; the temporary file used
    /// to be created 0600, so the report ended up 0600 instead of what the umask gives (0644
    /// under 022) — a later CI step running as another user could not read the SARIF — and an
    /// existing report lost its mode.
    #[test]
    fn reports_get_the_mode_a_normal_file_would() {
        let scanned = scanned_tree();
        let target = scanned.path().to_str().unwrap();
        let cwd = tempfile::tempdir().unwrap();
        let d = cwd.path();
        let mode = |p: &Path| {
            format!(
                "{:o}",
                std::fs::metadata(p).unwrap().permissions().mode() & 0o777
            )
        };
        std::fs::write(d.join("reference"), "x").unwrap();
        let umask_mode = mode(&d.join("reference"));
        for args in [
            vec!["check", target, "-o", "new.sarif", "--format", "sarif"],
            vec!["check", target, "--write-baseline", "base.json"],
        ] {
            let t = bounded(d, &args);
            assert_sane(&t.run);
        }
        assert_eq!(mode(&d.join("new.sarif")), umask_mode, "new --output file");
        assert_eq!(mode(&d.join("base.json")), umask_mode, "new baseline");
        // An existing report keeps its mode.
        let existing = d.join("existing.sarif");
        std::fs::write(&existing, "old").unwrap();
        std::fs::set_permissions(&existing, std::fs::Permissions::from_mode(0o644)).unwrap();
        let t = bounded(
            d,
            &["check", target, "-o", "existing.sarif", "--format", "sarif"],
        );
        assert_sane(&t.run);
        assert_eq!(mode(&existing), "644", "overwritten --output file");
    }
}

// ---------------------------------------------------------------- ARM memory bombs (issue 15)

/// A cluster whose `properties` hold a property `copy` of `count` × `input`, itself in a
/// resource `copy` of `outer` when given.
fn arm_copy_bomb(count: u64, input: &str, outer: Option<u64>) -> String {
    let outer = outer.map_or(String::new(), |n| {
        format!(", \"copy\": {{\"name\": \"c\", \"count\": {n}}}")
    });
    format!(
        "{{\"$schema\": \"{ARM_SCHEMA}\", \"resources\": [{{\"type\": \"Microsoft.ContainerService/managedClusters\", \"apiVersion\": \"2024-05-01\", \"name\": \"aks\",\n\"properties\": {{\"copy\": [{{\"name\": \"x\", \"count\": {count}, \"input\": \"{input}\"}}]}}{outer}}}]}}\n"
    )
}

/// `levels` variables, each an array of two uses of the previous one (2^levels leaves).
fn arm_doubling_variables(levels: usize) -> String {
    let mut vars = vec!["\"v0\": \"[createArray('aaaaaaaaaaaaaaaa')]\"".to_string()];
    for i in 1..levels {
        vars.push(format!(
            "\"v{i}\": \"[createArray(variables('v{p}'), variables('v{p}'))]\"",
            p = i - 1
        ));
    }
    format!(
        "{{\"$schema\": \"{ARM_SCHEMA}\", \"variables\": {{{}}},\n\"resources\": [{{\"type\": \"Microsoft.ContainerService/managedClusters\", \"apiVersion\": \"2024-05-01\", \"name\": \"aks\", \"properties\": {{\"tags\": \"[variables('v{}')]\"}}}}]}}\n",
        vars.join(", "),
        levels - 1
    )
}

/// Nested deployments `depth` deep, each deploying 10 clusters and 10 deployments of the next
/// level (10^depth deployments if all were walked).
fn arm_nested_deployments(depth: usize) -> String {
    let cluster = "{\"type\": \"Microsoft.ContainerService/managedClusters\", \"apiVersion\": \"2024-02-01\", \"name\": \"[concat('c', copyIndex())]\", \"location\": \"westeurope\", \"copy\": {\"name\": \"c\", \"count\": 10}, \"properties\": {\"dnsPrefix\": \"x\"}}";
    let mut tpl = format!("{{\"$schema\": \"{ARM_SCHEMA}\", \"resources\": [{cluster}]}}");
    for _ in 0..depth {
        tpl = format!(
            "{{\"$schema\": \"{ARM_SCHEMA}\", \"resources\": [{cluster}, {{\"type\": \"Microsoft.Resources/deployments\", \"apiVersion\": \"2022-09-01\", \"name\": \"[concat('d', copyIndex())]\", \"copy\": {{\"name\": \"d\", \"count\": 10}}, \"properties\": {{\"mode\": \"Incremental\", \"expressionEvaluationOptions\": {{\"scope\": \"inner\"}}, \"template\": {tpl}}}}}]}}"
        );
    }
    tpl + "\n"
}

/// The AKL003 messages of a `--format json` run on `path`.
fn akl003(r: &Run, path: &str) -> Vec<String> {
    r.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == "AKL003" && f["path"] == path)
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect()
}

/// Runs `check` on `main.json` = `template` beside a privileged pod: AKL003 on the template,
/// the pod still linted, within time and memory ceilings.
fn bomb(template: &str, what: &str) -> Vec<String> {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, "main.json", template);
    write(d, "pod.yaml", PRIVILEGED_POD);
    let t = bounded_with(
        d,
        &[
            "check",
            ".",
            "--select",
            "AKL003,POD001",
            "--format",
            "json",
        ],
        Extra {
            rss: true,
            ..Extra::default()
        },
    );
    let r = &t.run;
    let f = found(r);
    assert!(
        f.contains(&at("POD001", "pod.yaml", POD001_AT.0, POD001_AT.1)),
        "{what}: {r:?}"
    );
    // Before the budget counted copies: OOM-killed at 23.7 GB, or aborted (exit 134).
    assert!(
        t.elapsed < Duration::from_secs(15),
        "{what}: {:?}",
        t.elapsed
    );
    assert_peak_below(&t, 300, what);
    let m = akl003(r, "main.json");
    assert!(!m.is_empty(), "{what}: no AKL003: {r:?}");
    m
}

#[test]
fn arm_copy_counts_past_azures_limit_are_akl003_before_anything_is_built() {
    let m = bomb(
        &arm_copy_bomb(10_000, "[range(0, 10000)]", None),
        "10,000 × range(10,000)",
    );
    assert_eq!(
        m,
        ["a copy loop of 10000 exceeds Azure's limit of 800: not evaluated"]
    );
    let m = bomb(
        &arm_copy_bomb(1_000, "[range(0, 1000)]", Some(1_000)),
        "resource copy 1,000 × property copy 1,000",
    );
    assert_eq!(
        m,
        ["a copy loop of 1000 exceeds Azure's limit of 800: not evaluated"]
    );
}

#[test]
fn arm_values_multiplied_within_azures_limits_are_charged_to_the_budget() {
    let budget =
        "template evaluation exceeded its work and memory limit; values past it are unknown";
    for (tpl, what) in [
        (
            arm_copy_bomb(800, "[range(0, 10000)]", None),
            "800 × range(10,000)",
        ),
        (
            arm_copy_bomb(800, "[range(0, 800)]", Some(800)),
            "800 × 800 × 800",
        ),
        (arm_doubling_variables(39), "39 doubling variables"),
        (
            arm_nested_deployments(8),
            "10 wide × 8 deep nested deployments",
        ),
    ] {
        assert_eq!(bomb(&tpl, what), [budget], "{what}");
    }
}

#[test]
fn arm_templates_past_azures_size_and_declaration_limits_are_akl003() {
    let params: Vec<String> = (0..257)
        .map(|i| format!("\"p{i}\": {{\"type\": \"string\", \"defaultValue\": \"x\"}}"))
        .collect();
    let tpl = format!(
        "{{\"$schema\": \"{ARM_SCHEMA}\",\n\"parameters\": {{{}}}, \"resources\": []}}\n",
        params.join(", ")
    );
    assert_eq!(
        bomb(&tpl, "257 parameters"),
        ["257 parameters exceed Azure's limit of 256 per template"]
    );

    let resources: Vec<String> = (0..801)
        .map(|i| format!("{{\"type\": \"Microsoft.Network/publicIPAddresses\", \"apiVersion\": \"2023-04-01\", \"name\": \"ip{i}\", \"properties\": {{}}}}"))
        .collect();
    let tpl = format!(
        "{{\"$schema\": \"{ARM_SCHEMA}\", \"resources\": [\n{}]}}\n",
        resources.join(",\n")
    );
    assert_eq!(
        bomb(&tpl, "801 resources"),
        ["more than 800 resources, Azure's limit per deployment: the rest are not evaluated"]
    );

    let padding = "a".repeat(4 * 1024 * 1024);
    let tpl = format!(
        "{{\"$schema\": \"{ARM_SCHEMA}\", \"metadata\": {{\"pad\": \"{padding}\"}}, \"resources\": []}}\n"
    );
    assert_eq!(
        bomb(&tpl, "a 4 MiB template"),
        ["template of 4.0 MiB exceeds Azure Resource Manager's limit of 4 MiB: not evaluated"]
    );
}

// ---------------------------------------------------------------- memory per input byte (issue 15)

#[test]
fn a_file_past_the_node_budget_is_akl003_and_its_tree_stays_bounded() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // 4,100,000 one-digit items: 8 MB, one node per two bytes.
    let items = "1,".repeat(4_100_000);
    write(
        d,
        "dense.yaml",
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c}}\ndata: {{a: [{items}1]}}\n"
        ),
    );
    write(
        d,
        "dense.json",
        format!(
            "{{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {{\"name\": \"c\"}},\n\"data\": {{\"a\": [{items}1]}}}}\n"
        ),
    );
    write(d, "pod.yaml", PRIVILEGED_POD);
    let t = bounded_with(
        d,
        &["check", ".", "--select", "POD001", "--format", "json"],
        Extra {
            rss: true,
            ..Extra::default()
        },
    );
    let r = &t.run;
    let f = found(r);
    assert!(
        f.contains(&at("POD001", "pod.yaml", POD001_AT.0, POD001_AT.1)),
        "{r:?}"
    );
    for path in ["dense.json", "dense.yaml"] {
        let m = message(r, "AKL003", path);
        assert!(
            m.contains("more than 4000000 nodes in one file"),
            "{path}: {m}"
        );
    }
    // Read whole, the YAML tree alone would take about 500 MB.
    assert_peak_below(&t, 450, "two 8 MB files of 4,100,000 nodes");
}

#[test]
fn documents_that_are_not_kubernetes_objects_do_not_count_towards_the_node_budget() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // 50,000 values documents of 90 nodes each (4,500,000 in all), then a privileged pod.
    let values = format!("---\nvalues: [{}]\n", "1,".repeat(88) + "1");
    let mut text = values.repeat(50_000);
    text.push_str("---\n");
    text.push_str(PRIVILEGED_POD);
    write(d, "stream.yaml", &text);
    let t = bounded_with(
        d,
        &[
            "check",
            "stream.yaml",
            "--select",
            "POD001",
            "--format",
            "json",
        ],
        Extra {
            rss: true,
            ..Extra::default()
        },
    );
    let r = &t.run;
    let f = found(r);
    let line = text.lines().count() as u64 - PRIVILEGED_POD.lines().count() as u64 + POD001_AT.0;
    assert_eq!(f, [at("POD001", "stream.yaml", line, POD001_AT.1)], "{r:?}");
    // Kept, the 50,000 trees would take about 500 MB.
    assert_peak_below(&t, 250, "50,000 values documents");
}

// ---------------------------------------------------------------- merge keys and duplicates (issue 15)

#[test]
fn a_merge_key_overrides_an_earlier_value_as_kubectl_reads_it() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: app\n      image: nginx:1.25\n      securityContext:\n        privileged: false\n        <<: {privileged: true}\n";
    write(d, "inline.yaml", pod);
    let anchored = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  annotations: &bad {privileged: true}\nspec:\n  containers:\n    - name: app\n      image: nginx:1.25\n      securityContext:\n        privileged: false\n        <<: *bad\n";
    write(d, "alias.yaml", anchored);
    let twice = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: app\n      image: nginx:1.25\n      securityContext:\n        <<: {privileged: false}\n        <<: {privileged: true}\n";
    write(d, "twice.yaml", twice);
    let r = bounded(d, &["check", ".", "--select", "POD001", "--format", "json"]).run;
    let mut f = found(&r);
    f.sort();
    assert_eq!(
        f,
        [
            at("POD001", "alias.yaml", 12, 13),
            at("POD001", "inline.yaml", 11, 26),
            at("POD001", "twice.yaml", 11, 26),
        ],
        "{r:?}"
    );
}

#[test]
fn a_duplicated_key_cannot_hide_its_first_value() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: app\n      image: nginx:1.25\n      securityContext:\n        privileged: true\n      securityContext:\n        runAsNonRoot: true\n";
    write(d, "pod.yaml", pod);
    let json = "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"web\"},\n\"spec\": {\"containers\": [{\"name\": \"app\", \"image\": \"nginx:1.25\",\n\"securityContext\": {\"privileged\": true},\n\"securityContext\": {}}]}}\n";
    write(d, "pod.json", json);
    let r = bounded(
        d,
        &[
            "check",
            ".",
            "--select",
            "POD001",
            "--fail-on",
            "critical",
            "--format",
            "json",
        ],
    )
    .run;
    // Exit 0 before: only the last securityContext was linted.
    assert_eq!(r.code, 1, "{r:?}");
    let mut f = found(&r);
    f.sort();
    assert_eq!(
        f,
        [
            at("AKL001", "pod.json", 4, 1),
            at("AKL001", "pod.yaml", 11, 7),
            at("POD001", "pod.json", 3, 35),
            at("POD001", "pod.yaml", 10, 21),
        ],
        "{r:?}"
    );
    assert_eq!(
        message(&r, "AKL001", "pod.yaml"),
        "duplicate key `securityContext` (first at line 9); kubectl and Helm keep the last value, other readers may take the first: both are linted"
    );
}

#[test]
fn a_written_value_a_later_merge_overrides_is_linted_too() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // kubectl (go-yaml v2) reads `privileged: false`; the merge-key spec and go-yaml v3
    // (kustomize) read the written `true`.
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: app\n      image: nginx:1.25\n      securityContext:\n        privileged: true\n        <<: {privileged: false}\n";
    write(d, "pod.yaml", pod);
    // Written after the merge: `false` for every reader, nothing to report.
    let after = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: app\n      image: nginx:1.25\n      securityContext:\n        <<: {privileged: true}\n        privileged: false\n";
    write(d, "after.yaml", after);
    let r = bounded(
        d,
        &[
            "check",
            ".",
            "--select",
            "POD001",
            "--fail-on",
            "critical",
            "--format",
            "json",
        ],
    )
    .run;
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(found(&r), [at("POD001", "pod.yaml", 10, 21)], "{r:?}");
}

#[test]
fn a_merge_key_is_what_go_yaml_v2_calls_one() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let head = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n";
    // A quoted "<<" is an ordinary (unknown) field to kubectl: nothing is merged.
    write(
        d,
        "quoted.yaml",
        format!(
            "{head}spec:\n  containers:\n    - name: app\n      image: nginx:1.25\n      securityContext:\n        privileged: false\n        \"<<\": {{privileged: true}}\n"
        ),
    );
    // kubectl fails on an alias of a sequence as the value of `<<`.
    write(
        d,
        "seq.yaml",
        format!(
            "{head}  annotations: {{}}\nx: &s [{{privileged: true}}]\nspec:\n  containers:\n    - name: app\n      image: nginx:1.25\n      securityContext:\n        <<: *s\n"
        ),
    );
    let r = bounded(d, &["check", ".", "--select", "POD001", "--format", "json"]).run;
    assert_eq!(found(&r), [at("AKL001", "seq.yaml", 12, 9)], "{r:?}");
    assert_eq!(
        message(&r, "AKL001", "seq.yaml"),
        "YAML syntax error: map merge requires map or sequence of maps as the value"
    );
}
