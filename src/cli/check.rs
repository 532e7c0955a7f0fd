use akslint::model::text::printable;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use miette::{IntoDiagnostic, Result, WrapErr};

use super::FailOn;
use akslint::config::{self, Config};
use akslint::discover::{self, DiscoverOptions};
use akslint::engine::setup::{self, Overrides};
use akslint::engine::{self, InputFormat, Options};
use akslint::model::FileKind;
use akslint::policy::Severity;
use akslint::render::{self, OutputFormat, RenderOptions};
use akslint::suppress::baseline;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum InputFormatArg {
    Auto,
    #[value(alias = "kubernetes")]
    K8s,
    Helm,
    Arm,
    Tfplan,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Files, directories or globs to lint; `-` reads standard input.
    #[arg(default_value = ".")]
    paths: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    format: OutputFormat,
    /// Write the report to FILE (atomically) instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Extra policy directory (repeatable).
    #[arg(long = "policies", value_name = "DIR")]
    policies: Vec<PathBuf>,
    /// Only these policy ids or prefixes (comma list: `NET,IDN004`; `ALL`).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    select: Vec<String>,
    /// Skip these policy ids or prefixes (comma list).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    ignore: Vec<String>,
    /// Lowest severity that makes the exit code 1 [default: low].
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
    /// Configuration file (default: the nearest .akslint.yaml from the working directory up).
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    config: Option<PathBuf>,
    /// Ignore any .akslint.yaml.
    #[arg(long)]
    no_config: bool,
    /// Also show suppressed findings (marked), in every format; SARIF always has them.
    #[arg(long)]
    show_suppressed: bool,
    /// Record the fingerprints of the current findings in FILE (JSON, written atomically) and
    /// exit 0: they are accepted, and `--baseline FILE` hides them later.
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    write_baseline: Option<PathBuf>,
    /// Hide findings recorded in this baseline file; report only new ones.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Path to report for standard input (also picks its format by extension).
    #[arg(long, value_name = "NAME")]
    stdin_filename: Option<String>,
    /// Override format detection.
    #[arg(long, value_enum, default_value_t = InputFormatArg::Auto)]
    input_format: InputFormatArg,
    /// Override a policy setting: `--setting trusted-registries=*.azurecr.io,ghcr.io/acme/*`
    /// (repeatable).
    #[arg(long = "setting", value_name = "NAME=VALUES")]
    settings: Vec<String>,
    /// Bind this ARM parameters file to every template of the run instead of the
    /// `<stem>.parameters*.json` files found beside each template (repeatable: one evaluation
    /// per file).
    #[arg(long = "arm-parameters", value_name = "FILE")]
    arm_parameters: Vec<PathBuf>,
    /// Directory of the root Terraform module, to point findings of plans at their `.tf`
    /// blocks (default: the plan's directory).
    #[arg(long = "tf-root", value_name = "DIR")]
    tf_root: Option<PathBuf>,
    /// A variables file for Terraform source modules (`.tf` without a plan), after their
    /// `terraform.tfvars` and `*.auto.tfvars` (repeatable; later ones win).
    #[arg(long = "tf-var-file", value_name = "FILE")]
    tf_var_files: Vec<PathBuf>,
    /// A root variable's value for Terraform source modules, over every file (repeatable).
    #[arg(long = "tf-var", value_name = "NAME=VALUE")]
    tf_vars: Vec<String>,
    /// The chart directory of Helm-rendered inputs: findings land on its template lines
    /// (default: templates are looked for at their `# Source:` path).
    #[arg(long = "helm-chart", value_name = "DIR")]
    helm_chart: Option<PathBuf>,
    /// Leave out paths matching these globs (repeatable).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Exit 0 even when there are findings.
    #[arg(long)]
    exit_zero: bool,
    /// Print per-policy counts (findings and unknown verdicts).
    #[arg(long)]
    statistics: bool,
    /// Do not honour .gitignore / .ignore files.
    #[arg(long)]
    no_ignore: bool,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N")]
    jobs: Option<usize>,
    /// Print findings only: no summary line, no notices.
    #[arg(long, short = 'q')]
    quiet: bool,
}

pub fn run(args: CheckArgs) -> Result<u8> {
    let input_format = match args.input_format {
        InputFormatArg::Auto => InputFormat::Auto,
        InputFormatArg::K8s => InputFormat::Kubernetes,
        InputFormatArg::Helm => InputFormat::Helm,
        InputFormatArg::Arm => InputFormat::Arm,
        InputFormatArg::Tfplan => InputFormat::Terraform,
    };
    let config = load_config(args.config.as_deref(), args.no_config)?;
    let mut settings = std::collections::BTreeMap::new();
    for s in &args.settings {
        let Some((name, values)) = s.split_once('=') else {
            return Err(miette::miette!(
                "`--setting {s}` must be NAME=VALUE[,VALUE...]"
            ));
        };
        let values: Vec<String> = values
            .split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(String::from)
            .collect();
        settings.insert(name.trim().to_string(), values);
    }
    let prepared = setup::prepare(
        &config,
        &Overrides {
            select: args.select.clone(),
            ignore: args.ignore.clone(),
            policies: args.policies.clone(),
            settings,
            arm_parameters: args.arm_parameters.clone(),
            tf_root: args.tf_root.clone(),
            tf_var_files: args.tf_var_files.clone(),
            tf_vars: super::tf_vars(&args.tf_vars)?,
        },
    )?;
    // Never dropped: the process ends after the report, and freeing the policies one node at a
    // time would cost a one-file run a twentieth of its instructions.
    let set = std::mem::ManuallyDrop::new(prepared.set);
    let discover_opts = DiscoverOptions {
        no_ignore: args.no_ignore,
        stdin_filename: args.stdin_filename.clone(),
        exclude: args.exclude.clone(),
        rooted_exclude: prepared.rooted_exclude,
        config_dir: config.root.clone(),
    };
    let inputs =
        discover::discover(&args.paths, &discover_opts, super::read_stdin).into_diagnostic()?;
    let mut suppress = prepared.opts.suppress.clone();
    suppress.show_suppressed = args.show_suppressed && args.write_baseline.is_none();
    if let Some(path) = &args.baseline {
        let known = baseline::read(path).map_err(|e| miette::miette!("{e}"))?;
        suppress.baseline = Some((known, path.display().to_string()));
    }
    let opts = Options {
        input_format,
        helm_chart: args.helm_chart.clone(),
        suppress,
        // Only the human format quotes the files.
        drop_sources: args.format != OutputFormat::Human,
        ..prepared.opts
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        .build()
        .into_diagnostic()?;
    let hook = std::panic::take_hook();
    // A panic inside one file becomes an AKL004 finding; keep the default noise off stderr.
    std::panic::set_hook(Box::new(|_| {}));
    let result = pool.install(|| engine::run(&inputs, &set, &opts));
    std::panic::set_hook(hook);
    if let Some(path) = &args.write_baseline {
        let n = result.findings.len();
        write_atomic(path, &baseline::write(&result.findings))?;
        if !args.quiet {
            eprintln!(
                "akslint: recorded {n} finding{} in the baseline {}",
                if n == 1 { "" } else { "s" },
                path.display()
            );
        }
        return Ok(0);
    }
    if let Some(path) = &args.baseline {
        let hidden = result.baseline_hidden;
        if hidden > 0 && !args.quiet {
            eprintln!(
                "akslint: {hidden} finding{} hidden by the baseline {}",
                if hidden == 1 { "" } else { "s" },
                path.display()
            );
        }
    }
    if !args.quiet {
        let mut err = io::stderr().lock();
        for (note, files) in &result.notes {
            let more = match files.len() {
                1 => String::new(),
                n => format!(" and {} more", n - 1),
            };
            let _ = writeln!(
                err,
                "akslint: {}{more}: {}",
                printable(&files[0]),
                printable(note)
            );
        }
        for f in result.files.iter().filter(|f| f.explicit) {
            if f.kind != FileKind::NotInput {
                continue;
            }
            let why = "not a Kubernetes manifest, Helm render, ARM template or Terraform plan (ARM parameters files are read with their template)";
            let _ = writeln!(err, "akslint: skipped {}: {why}", printable(&f.path));
        }
    }

    let to_stdout = args.output.is_none();
    let color = args.format == OutputFormat::Human
        && to_stdout
        && io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let rules = set.rules();
    let render_opts = RenderOptions {
        color,
        version: akslint::VERSION,
        quiet: args.quiet,
    };
    if to_stdout {
        // Streamed: a report of 100,000 findings need not sit in memory whole.
        let mut out = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
        render::render(args.format, &result, &rules, &render_opts, &mut out).into_diagnostic()?;
        out.flush().into_diagnostic()?;
    }
    if let Some(path) = &args.output {
        let mut buf = Vec::new();
        render::render(args.format, &result, &rules, &render_opts, &mut buf).into_diagnostic()?;
        write_atomic(path, &buf)?;
    }
    if args.statistics {
        let human = matches!(args.format, OutputFormat::Human | OutputFormat::Concise) && to_stdout;
        if human {
            render::statistics(&result, &rules, &mut io::stdout().lock()).into_diagnostic()?;
        } else {
            render::statistics(&result, &rules, &mut io::stderr().lock()).into_diagnostic()?;
        }
    }
    if args.format == OutputFormat::Github
        && let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|v| !v.is_empty())
    {
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&summary)
            .into_diagnostic()
            .wrap_err("cannot append to GITHUB_STEP_SUMMARY")?;
        f.write_all(render::step_summary(&result, &rules).as_bytes())
            .into_diagnostic()?;
    }
    if args.exit_zero {
        return Ok(0);
    }
    let threshold = args
        .fail_on
        .map(FailOn::severity)
        .or(config.fail_on)
        .unwrap_or(Severity::Low);
    Ok(u8::from(result.findings.iter().any(|f| {
        f.severity >= threshold && f.suppression.is_none()
    })))
}

fn load_config(explicit: Option<&Path>, none: bool) -> Result<Config> {
    if none {
        return Ok(Config::default());
    }
    let path = match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => std::env::current_dir().ok().and_then(|d| config::find(&d)),
    };
    match path {
        Some(p) => config::load(&p).map_err(miette::Report::new),
        None => Ok(Config::default()),
    }
}

/// Writes via a temporary file in the same directory and renames it into place, so readers
/// never see a half-written report.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    // `-o /dev/null`, `-o /dev/stdout` or a FIFO: renaming over them would replace the device
    // (as root, /dev/null itself) with a regular file, so write into them as they are.
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        return std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .and_then(|mut f| f.write_all(bytes))
            .into_diagnostic()
            .wrap_err_with(|| format!("cannot write {}", path.display()));
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    // The report gets the mode `File::create` would give it (0666 less the umask) rather than
    // the temporary file's private 0600, which a later CI step running as another user could
    // not read; an existing report keeps its own mode.
    #[cfg(unix)]
    let existing = {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
        std::fs::metadata(path)
            .ok()
            .filter(std::fs::Metadata::is_file)
            .map(|m| m.permissions())
    };
    let mut tmp = builder
        .tempfile_in(dir)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot write {}", path.display()))?;
    tmp.write_all(bytes).into_diagnostic()?;
    #[cfg(unix)]
    if let Some(mode) = existing {
        tmp.as_file()
            .set_permissions(mode)
            .into_diagnostic()
            .wrap_err_with(|| format!("cannot write {}", path.display()))?;
    }
    tmp.persist(path)
        .map_err(|e| e.error)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
