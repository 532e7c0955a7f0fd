//! The command line: clap definitions and the exit-status contract (0 clean, 1 findings,
//! 2 usage/config/policy/internal error).

mod check;
mod lsp;
mod policy_cmd;
mod resources;
mod rules;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

use akslint::policy::Severity;

#[derive(Parser, Debug)]
#[command(
    name = "akslint",
    version,
    about = "Fast, offline security linter for AKS platform code: Kubernetes manifests and Helm renders.",
    after_help = "`akslint PATHS...` is short for `akslint check PATHS...`."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Lint files and directories (the default command).
    Check(Box<check::CheckArgs>),
    /// List the policies.
    Rules {
        #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
        format: RulesFormat,
        /// Extra policy directory (repeatable).
        #[arg(long = "policies", value_name = "DIR")]
        policies: Vec<PathBuf>,
    },
    /// Show the full documentation of one policy.
    Explain {
        /// Policy id, e.g. POD001.
        id: String,
        #[arg(long = "policies", value_name = "DIR")]
        policies: Vec<PathBuf>,
    },
    /// Work on policy files: run their fixtures, print their schema.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Print every resource found in the inputs as the policies see it (ARM templates
    /// evaluated: unknown values print as "(known after deployment)"), one JSON object per line.
    Resources(resources::ResourcesArgs),
    /// Run the language server over stdio (docs/editors.md).
    Lsp,
    /// Work on the configuration file: print its schema.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Subcommand, Debug)]
enum ConfigCommand {
    /// Print the JSON Schema of .akslint.yaml.
    Schema,
}

#[derive(Subcommand, Debug)]
enum PolicyCommand {
    /// Run policies' pass/fail fixtures (default: ./policies with ./testdata/policies).
    Test {
        /// Policy directories; fixtures for <DIR>/**/<ID>.yaml are read from <DIR>/testdata/<ID>/
        /// or <DIR>/../testdata/policies/<ID>/.
        dirs: Vec<PathBuf>,
        /// Only these policy ids.
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
    },
    /// Print the JSON Schema of policy files.
    Schema,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum RulesFormat {
    Table,
    Json,
    Markdown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum FailOn {
    Critical,
    High,
    Medium,
    Low,
}

impl FailOn {
    fn severity(self) -> Severity {
        match self {
            FailOn::Critical => Severity::Critical,
            FailOn::High => Severity::High,
            FailOn::Medium => Severity::Medium,
            FailOn::Low => Severity::Low,
        }
    }
}

const SUBCOMMANDS: &[&str] = &[
    "check",
    "rules",
    "explain",
    "policy",
    "resources",
    "config",
    "completions",
    "lsp",
    "help",
];

/// `akslint .` means `akslint check .`.
fn with_default_command(mut args: Vec<OsString>) -> Vec<OsString> {
    let first = args.get(1).and_then(|a| a.to_str()).unwrap_or("");
    let is_global_flag = matches!(first, "-h" | "--help" | "-V" | "--version");
    if args.len() == 1 || (!SUBCOMMANDS.contains(&first) && !is_global_flag) {
        args.insert(1, "check".into());
    }
    args
}

pub fn main() -> ExitCode {
    let args = with_default_command(std::env::args_os().collect());
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let outcome = match cli.command {
        Command::Check(args) => check::run(*args),
        Command::Rules { format, policies } => rules::list(format, &policies),
        Command::Explain { id, policies } => rules::explain(&id, &policies),
        Command::Resources(args) => resources::run(&args),
        Command::Config {
            command: ConfigCommand::Schema,
        } => {
            let mut out = std::io::stdout().lock();
            serde_json::to_writer_pretty(&mut out, &akslint::config::json_schema())
                .map_err(|e| miette::miette!("{e}"))
                .and_then(|()| {
                    std::io::Write::write_all(&mut out, b"\n").map_err(|e| miette::miette!("{e}"))
                })
                .map(|()| 0)
        }
        Command::Policy { command } => match command {
            PolicyCommand::Test { dirs, only } => policy_cmd::test(&dirs, &only),
            PolicyCommand::Schema => policy_cmd::schema(),
        },
        Command::Lsp => lsp::run(),
        Command::Completions { shell } => {
            let mut cmd = Cli::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cmd, "akslint", &mut script);
            std::io::Write::write_all(&mut std::io::stdout().lock(), &script)
                .map(|()| 0)
                .map_err(|e| miette::miette!("{e}"))
        }
    };
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(report) => {
            if is_broken_pipe(&report) {
                return ExitCode::SUCCESS;
            }
            eprintln!("{report:?}");
            ExitCode::from(2)
        }
    }
}

/// `akslint ... | head` closes the pipe early; that is not an error worth a message.
/// Standard input as bytes, or `None` when it goes on past the size limit: then what was read
/// is dropped at once and the rest never read, so memory stays below the limit (the engine
/// reports AKL003; it checks UTF-8 and NUL bytes as for a file).
fn read_stdin() -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    const CHUNK: usize = 1 << 20;
    let limit = akslint::engine::MAX_FILE_BYTES as usize;
    let mut chunks: Vec<Vec<u8>> = Vec::new();
    let mut total = 0;
    let mut stdin = std::io::stdin().lock();
    loop {
        let mut chunk = Vec::with_capacity(CHUNK);
        let n = (&mut stdin).take(CHUNK as u64).read_to_end(&mut chunk)?;
        if n == 0 {
            break;
        }
        total += n;
        if total > limit {
            return Ok(None);
        }
        chunks.push(chunk);
    }
    Ok(Some(chunks.concat()))
}

fn is_broken_pipe(report: &miette::Report) -> bool {
    report.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            // Wrapped errors (miette's IntoDiagnostic, serde_json) only keep the text.
            || e.to_string().contains("Broken pipe")
    })
}

/// Loads built-in plus extra policies; a broken policy file is a miette error (exit 2).
fn load_policies(extra: &[PathBuf]) -> miette::Result<akslint::policy::PolicySet> {
    akslint::policy::PolicySet::load(extra).map_err(miette::Report::new)
}

/// `--tf-var NAME=VALUE` arguments split into (name, value).
fn tf_vars(args: &[String]) -> miette::Result<Vec<(String, String)>> {
    args.iter()
        .map(|a| match a.split_once('=') {
            Some((n, v)) if !n.trim().is_empty() => Ok((n.trim().to_string(), v.to_string())),
            _ => Err(miette::miette!("`--tf-var {a}` must be NAME=VALUE")),
        })
        .collect()
}
