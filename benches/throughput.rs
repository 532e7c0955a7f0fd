//! Throughput benchmark (DESIGN §5): parse-only vs full lint, on 1 and 2 threads.
//!
//! ```text
//! cargo bench --bench throughput -- [--files N] [--runs R] [--corpus DIR | --no-corpus] [--dump DIR]
//! ```
//!
//! Two corpora:
//! - *generated*: N (default 2,000) deterministic multi-document Kubernetes files of 8–15 KB,
//!   built in memory and fed as `Origin::Stdin`, so disk I/O is excluded;
//! - *real*: `--corpus DIR` (default `../shared/corpus/k8s` when it exists), third-party
//!   manifests walked with `discover` and read from disk on every run (warm page cache). They are
//!   not copied into this repository.
//!
//! For each corpus it builds a rayon pool of 2 and one of 1, warms up, then in every iteration
//! runs both pools (alternating which goes first) and in each pool times `engine::run` with
//! `parse_only: true` and with every built-in policy (alternating too), so slow drift of a
//! noisy VM hits all figures alike. Reported: medians (MB/s), and the medians of the per-run
//! ratios full / parse-only (policy overhead; target ≤ 1.4×, i.e. ≥ 60 % of parse speed) and
//! time(1 thread) / time(2 threads) (speedup). Two lower baselines are timed in the same loop on
//! the YAML files held in memory: saphyr-parser's bare event stream (the parser floor of
//! reference/parse-speed.md) and akslint's spanned tree (`source::yaml::load`) without adapting,
//! the latter also with one rayon work unit per file, to show what scheduling costs.
//! `foreign` is the CPU other processes used during the timed runs, as a share of the machine:
//! above a few percent the figures are noisy (steal by other VMs on the host is not seen).
//!
//! MB = 10^6 bytes.
#![allow(clippy::print_stdout)] // reports its measurements / notes on stdout

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use akslint::confine::ScanRoot;
use akslint::discover::{self, DiscoverOptions, Input, Origin};
use akslint::engine::{self, Options};
use akslint::policy::PolicySet;
use akslint::source::{Limits, scalar::Schema, yaml};
use rayon::prelude::*;

#[path = "common/k8s_gen.rs"]
mod k8s_gen;

// Same allocator as the binary (src/main.rs): it matters for 2-thread scaling.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const DEFAULT_CORPUS: &str = "../shared/corpus/k8s";

struct Args {
    files: usize,
    runs: usize,
    corpus: Option<PathBuf>,
    dump: Option<PathBuf>,
}

fn parse_args() -> Args {
    let mut a = Args {
        files: 2_000,
        runs: 9,
        corpus: Some(PathBuf::from(DEFAULT_CORPUS)).filter(|p| p.is_dir()),
        dump: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .unwrap_or_else(|| usage(&format!("{name} needs a value")))
        };
        match arg.as_str() {
            "--files" => {
                a.files = value("--files")
                    .parse()
                    .unwrap_or_else(|_| usage("bad --files"))
            }
            "--runs" => {
                a.runs = value("--runs")
                    .parse()
                    .unwrap_or_else(|_| usage("bad --runs"))
            }
            "--corpus" => a.corpus = Some(PathBuf::from(value("--corpus"))),
            "--no-corpus" => a.corpus = None,
            // Write the generated corpus to DIR (for inspection with the CLI) and exit.
            "--dump" => a.dump = Some(PathBuf::from(value("--dump"))),
            "-h" | "--help" => usage(""),
            // `cargo bench` passes `--bench`; ignore it and any filter string.
            _ => {}
        }
    }
    a.runs = a.runs.max(1);
    a
}

fn usage(msg: &str) -> ! {
    if !msg.is_empty() {
        eprintln!("throughput: {msg}");
    }
    eprintln!(
        "usage: cargo bench --bench throughput -- [--files N] [--runs R] [--corpus DIR | --no-corpus] [--dump DIR]"
    );
    std::process::exit(2)
}

// ---------------------------------------------------------------------------------------------
// Deterministic corpus generator: benches/common/k8s_gen.rs.

fn generate(files: usize) -> Vec<Input> {
    let mut g = k8s_gen::Gen::new(k8s_gen::DEFAULT_SEED);
    let root = ScanRoot::at(std::path::Path::new("."));
    (0..files)
        .map(|i| Input {
            display: format!("generated/app-{i:05}.yaml").into(),
            origin: Origin::Stdin(g.file(i).into()),
            explicit: false,
            root: root.clone(),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Measurement.

/// CPU ticks: (this process user+system, whole machine busy).
fn cpu_ticks() -> (u64, u64) {
    let own = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the parenthesised command name; utime and stime are 14 and 15.
            let rest = &s[s.rfind(')')? + 2..];
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0);
    let busy = std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|s| {
            let line = s.lines().next()?;
            let v: Vec<u64> = line
                .split_whitespace()
                .skip(1)
                .filter_map(|x| x.parse().ok())
                .collect();
            // user nice system idle iowait irq softirq steal ...
            Some(v.iter().sum::<u64>() - v.get(3)? - v.get(4).copied().unwrap_or(0))
        })
        .unwrap_or(0);
    (own, busy)
}

#[derive(Default)]
struct Samples {
    secs: Vec<f64>,
    own_ticks: u64,
    foreign_ticks: u64,
    wall: f64,
}

impl Samples {
    fn time<T>(&mut self, f: impl FnOnce() -> T) -> T {
        let (o0, b0) = cpu_ticks();
        let t = Instant::now();
        let r = f();
        let dt = t.elapsed().as_secs_f64();
        let (o1, b1) = cpu_ticks();
        let own = o1.saturating_sub(o0);
        self.own_ticks += own;
        self.foreign_ticks += b1.saturating_sub(b0).saturating_sub(own);
        self.wall += dt;
        self.secs.push(dt);
        r
    }
    fn median(&self) -> f64 {
        let mut v = self.secs.clone();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    }
    /// Share of `threads` cores this process kept busy.
    fn cpu_use(&self, threads: usize, hz: f64) -> f64 {
        self.own_ticks as f64 / hz / (self.wall * threads as f64)
    }
}

struct Row {
    corpus: String,
    threads: usize,
    files: usize,
    bytes: u64,
    yaml_bytes: u64,
    events: f64,
    tree: f64,
    tree_per_file: Option<f64>,
    parse: f64,
    full: f64,
    /// Median of per-run time(full) / time(parse-only).
    overhead: f64,
    /// 2-thread rows: median of per-run time(1 thread) / time(2 threads), parse-only and full.
    speedup: Option<(f64, f64)>,
    cpu_full: f64,
    foreign: f64,
    resources: usize,
    findings: usize,
    crashes: usize,
}

fn events_only(texts: &[Arc<str>]) -> usize {
    texts
        .par_iter()
        .map(|t| {
            let mut n = 0usize;
            for ev in saphyr_parser::Parser::new_from_str(t) {
                match ev {
                    Ok((_, span)) => n += span.start.line(),
                    Err(_) => break,
                }
            }
            n
        })
        .sum()
}

/// `per_file`: every file its own rayon work unit. A plain `par_iter` (as in `engine::run`)
/// splits the slice into about 2 × threads contiguous leaves that cannot be stolen once
/// started, so a run of big files in one leaf leaves the other core idle.
fn tree_only(texts: &[Arc<str>], per_file: bool) -> usize {
    texts
        .par_iter()
        .with_max_len(if per_file { 1 } else { usize::MAX })
        .map(|t| yaml::load(t, Schema::Yaml11, Limits::default()).docs.len())
        .sum()
}

/// One thread count's samples.
#[derive(Default)]
struct Side {
    ev: Samples,
    tr: Samples,
    /// Tree with one work unit per file (2-thread side only).
    trf: Samples,
    po: Samples,
    fu: Samples,
}

/// Measures both thread counts in the same loop: each iteration runs the 2-thread and the
/// 1-thread pool (alternating which goes first), and in each pool parse-only and full
/// (alternating too), so slow drift of the machine hits every figure alike.
fn measure(
    name: &str,
    inputs: &[Input],
    yaml_texts: &[Arc<str>],
    set: &PolicySet,
    runs: usize,
) -> Vec<Row> {
    const THREADS: [usize; 2] = [2, 1];
    let pools: Vec<rayon::ThreadPool> = THREADS
        .iter()
        .map(|&n| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .expect("rayon pool")
        })
        .collect();
    let parse_opts = Options {
        parse_only: true,
        ..Default::default()
    };
    let full_opts = Options::default();
    let hz = 100.0; // USER_HZ on Linux

    // Warm-up: page cache, allocator arenas, lazily built state; also the sanity counts.
    let warm = pools[0].install(|| {
        drop(engine::run(inputs, set, &parse_opts));
        engine::run(inputs, set, &full_opts)
    });
    let bytes = warm.bytes;
    let resources = warm.files.iter().map(|f| f.resources).sum();
    let findings = warm.findings.len();
    let crashes = warm
        .findings
        .iter()
        .filter(|f| f.id.as_ref() == "AKL004")
        .count();
    drop(warm);
    for pool in &pools {
        pool.install(|| {
            let _ = events_only(yaml_texts);
            let _ = tree_only(yaml_texts, false);
            let _ = tree_only(yaml_texts, true);
            drop(engine::run(inputs, set, &parse_opts));
        });
    }

    let mut sides: Vec<Side> = THREADS.iter().map(|_| Side::default()).collect();
    let mut sink = 0usize;
    for i in 0..runs {
        let order: [usize; 2] = if i % 2 == 0 { [0, 1] } else { [1, 0] };
        for p in order {
            let side = &mut sides[p];
            pools[p].install(|| {
                let parse =
                    |s: &mut Samples| s.time(|| engine::run(inputs, set, &parse_opts)).files.len();
                let full = |s: &mut Samples| {
                    s.time(|| engine::run(inputs, set, &full_opts))
                        .findings
                        .len()
                };
                // Alternate the order so drift (thermal, neighbours) does not favour one side.
                if (i / 2) % 2 == 0 {
                    sink += parse(&mut side.po);
                    sink += full(&mut side.fu);
                } else {
                    sink += full(&mut side.fu);
                    sink += parse(&mut side.po);
                }
                sink += side.ev.time(|| events_only(yaml_texts));
                sink += side.tr.time(|| tree_only(yaml_texts, false));
                if p == 0 {
                    sink += side.trf.time(|| tree_only(yaml_texts, true));
                }
            });
        }
    }
    std::hint::black_box(sink);

    let ncpu = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let yaml_bytes: u64 = yaml_texts.iter().map(|t| t.len() as u64).sum();
    THREADS
        .iter()
        .zip(&sides)
        .map(|(&threads, s)| {
            let all = [&s.ev, &s.tr, &s.trf, &s.po, &s.fu];
            let wall: f64 = all.iter().map(|x| x.wall).sum();
            let foreign_ticks: u64 = all.iter().map(|x| x.foreign_ticks).sum();
            Row {
                corpus: name.to_string(),
                threads,
                files: inputs.len(),
                bytes,
                yaml_bytes,
                events: yaml_bytes as f64 / s.ev.median(),
                tree: yaml_bytes as f64 / s.tr.median(),
                tree_per_file: (!s.trf.secs.is_empty()).then(|| yaml_bytes as f64 / s.trf.median()),
                parse: bytes as f64 / s.po.median(),
                full: bytes as f64 / s.fu.median(),
                overhead: paired_median(&s.fu.secs, &s.po.secs),
                speedup: (threads == 2).then(|| {
                    (
                        paired_median(&sides[1].po.secs, &s.po.secs),
                        paired_median(&sides[1].fu.secs, &s.fu.secs),
                    )
                }),
                cpu_full: s.fu.cpu_use(threads, hz),
                foreign: foreign_ticks as f64 / hz / (wall * ncpu),
                resources,
                findings,
                crashes,
            }
        })
        .collect()
}

/// Median over runs of a[i] / b[i] (samples taken side by side).
fn paired_median(a: &[f64], b: &[f64]) -> f64 {
    let mut r: Vec<f64> = a.iter().zip(b).map(|(x, y)| x / y).collect();
    r.sort_by(f64::total_cmp);
    let n = r.len();
    if n % 2 == 1 {
        r[n / 2]
    } else {
        (r[n / 2 - 1] + r[n / 2]) / 2.0
    }
}

fn yaml_texts(inputs: &[Input]) -> Vec<Arc<str>> {
    inputs
        .iter()
        .filter(|i| {
            let d = i.display.to_ascii_lowercase();
            d.ends_with(".yaml") || d.ends_with(".yml")
        })
        .filter_map(|i| match &i.origin {
            Origin::Stdin(t) => Some(t.clone()),
            Origin::Piped(b) => std::str::from_utf8(b).ok().map(Arc::from),
            Origin::File(p) => std::fs::read_to_string(p).ok().map(Arc::from),
            Origin::PipedOverLimit => None,
        })
        .collect()
}

/// (largest input, total) in bytes.
fn input_sizes(inputs: &[Input]) -> (u64, u64) {
    let sizes = inputs.iter().map(|i| match &i.origin {
        Origin::Stdin(t) => t.len() as u64,
        Origin::Piped(b) => b.len() as u64,
        Origin::File(p) => std::fs::metadata(p).map_or(0, |m| m.len()),
        Origin::PipedOverLimit => 0,
    });
    sizes.fold((0, 0), |(m, t), s| (m.max(s), t + s))
}

fn real_inputs(dir: &Path) -> Vec<Input> {
    let paths = [dir.to_string_lossy().into_owned()];
    match discover::discover(&paths, &DiscoverOptions::default(), || Ok(None)) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("throughput: skipping {}: {e}", dir.display());
            Vec::new()
        }
    }
}

fn main() {
    let args = parse_args();
    let set = PolicySet::load(&[]).expect("built-in policies load");
    // Crashes become AKL004 findings (counted below); keep panic messages off stderr.
    std::panic::set_hook(Box::new(|_| {}));

    let mut corpora: Vec<(String, Vec<Input>)> = Vec::new();
    let t = Instant::now();
    let generated = generate(args.files);
    eprintln!(
        "generated {} files in {:.2} s",
        generated.len(),
        t.elapsed().as_secs_f64()
    );
    if let Some(dir) = &args.dump {
        std::fs::create_dir_all(dir.join("generated")).expect("create dump dir");
        for i in &generated {
            if let Origin::Stdin(t) = &i.origin {
                std::fs::write(dir.join(i.display.as_ref()), t.as_bytes()).expect("write");
            }
        }
        eprintln!("wrote {} files under {}", generated.len(), dir.display());
        return;
    }
    corpora.push(("generated".into(), generated));
    if let Some(dir) = &args.corpus {
        let inputs = real_inputs(dir);
        if !inputs.is_empty() {
            corpora.push((format!("real:{}", dir.display()), inputs));
        }
    }

    let mut rows = Vec::new();
    let mut largest = Vec::new();
    for (name, inputs) in &corpora {
        let texts = yaml_texts(inputs);
        largest.push(input_sizes(inputs));
        eprintln!("measuring {name}, 2 and 1 threads, {} runs ...", args.runs);
        rows.extend(measure(name, inputs, &texts, &set, args.runs));
    }
    let _ = std::panic::take_hook();

    println!();
    println!(
        "akslint throughput: median of {} runs after a warm-up; MB = 10^6 bytes; {} policies",
        args.runs,
        set.policies.len()
    );
    println!();
    println!(
        "{:<9} {:>5} {:>5} {:>3} | {:>6} {:>6} {:>6} {:>6} | {:>9} {:>9} | {:>11} | {:>4} {:>7}",
        "corpus",
        "files",
        "MB",
        "thr",
        "events",
        "tree",
        "parse",
        "full",
        "full/parse",
        "full/evts",
        "1->2 thr",
        "cpu",
        "foreign"
    );
    println!("{}", "-".repeat(108));
    for r in &rows {
        let short = if r.corpus.starts_with("real:") {
            "real"
        } else {
            &r.corpus
        };
        let speedup = r
            .speedup
            .map_or("-".to_string(), |(p, f)| format!("{p:.2}x/{f:.2}x"));
        println!(
            "{:<9} {:>5} {:>5.1} {:>3} | {:>6.1} {:>6.1} {:>6.1} {:>6.1} | {:>9.2}x {:>8.2}x | {:>11} | {:>3.0}% {:>6.1}%",
            short,
            r.files,
            r.bytes as f64 / 1e6,
            r.threads,
            r.events / 1e6,
            r.tree / 1e6,
            r.parse / 1e6,
            r.full / 1e6,
            r.overhead,
            r.events / r.full,
            speedup,
            r.cpu_full * 100.0,
            r.foreign * 100.0,
        );
    }
    println!();
    println!(
        "events, tree, parse, full: MB/s. events = saphyr-parser event stream only (the parser floor);"
    );
    println!(
        "  tree = akslint's spanned YAML tree (source::yaml::load); parse = engine parse_only (read,"
    );
    println!("  tree, adapt); full = engine with every built-in policy.");
    println!(
        "full/parse = median per-run time(full) / time(parse-only): policy overhead, target <= 1.40x."
    );
    println!(
        "full/evts = time(full) / time(events), medians. 1->2 thr = median per-run speedup, parse/full."
    );
    println!(
        "cpu = this process's CPU in full runs / (wall x threads); foreign = other processes' CPU share."
    );
    println!();
    for (pair, (max, total)) in rows.chunks(2).zip(&largest) {
        if let [two, one] = pair {
            let short = if two.corpus.starts_with("real:") {
                "real"
            } else {
                &two.corpus
            };
            let verdict = |x: f64| if x <= 1.4 { "met" } else { "NOT met" };
            println!(
                "{short}: policy overhead {:.2}x on 2 threads, {:.2}x on 1 (target <= 1.40x: {} / {})",
                two.overhead,
                one.overhead,
                verdict(two.overhead),
                verdict(one.overhead)
            );
            println!(
                "  {} resources, {} findings, {} AKL004 crashes; {:.1} MB in YAML files (events/tree columns)",
                two.resources,
                two.findings,
                two.crashes,
                two.yaml_bytes as f64 / 1e6
            );
            println!(
                "  largest file {:.2} MB ({:.1}% of the corpus); files are the unit of parallel work",
                *max as f64 / 1e6,
                100.0 * *max as f64 / (*total).max(1) as f64
            );
            if let Some(fine) = two.tree_per_file {
                println!(
                    "  tree on 2 threads: {:.1} MB/s as plain par_iter (engine's scheme), {:.1} MB/s with one work unit per file ({:.2}x)",
                    two.tree / 1e6,
                    fine / 1e6,
                    fine / two.tree
                );
            }
        }
    }
    if let Some((name, _)) = corpora.iter().find(|(n, _)| n.starts_with("real:")) {
        println!(
            "{}: third-party manifests, read from disk on each run (warm page cache), not copied into this repo",
            name.trim_start_matches("real:")
        );
    }
}
