//! The `fairboard` command line: argument definitions and the mapping from outcomes to exit codes.
//!
//! Exit codes: 0 success; 1 a failed verification, a refused append or a deny finding; 2 bad usage
//! or bad input. Every command lives in its own submodule and returns a [`CliError`] on failure.

/// `println!` that ignores a closed stdout (`fairboard … | head` must not panic).
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// `print!` that ignores a closed stdout.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout().lock(), $($arg)*);
    }};
}

mod audit_cmds;
mod demo_cmds;
mod ledger_cmds;
mod policy_cmds;
mod stats_cmds;
mod terminal;
mod tlog_cmds;
mod transparency_cmds;

use transparency_cmds::read_limited;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Exit status for a failed verification, a refused append or a deny finding.
pub const EXIT_FAIL: u8 = 1;
/// Exit status for bad usage or bad input.
pub const EXIT_USAGE: u8 = 2;

/// A command's failure: the message for stderr, the remedy in the command line's own words, and
/// the exit code it maps to.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct CliError {
    /// Exit code (1 or 2).
    pub code: u8,
    /// What went wrong, with file, line and pointer where they apply.
    pub message: String,
    /// What to type next, printed as a `help:` line.
    pub hint: Option<String>,
}

impl CliError {
    /// A bad-usage or bad-input error (exit 2).
    pub fn usage(message: impl std::fmt::Display) -> Self {
        Self { code: EXIT_USAGE, message: message.to_string(), hint: None }
    }

    /// A failed verification or refusal (exit 1).
    pub fn fail(message: impl std::fmt::Display) -> Self {
        Self { code: EXIT_FAIL, message: message.to_string(), hint: None }
    }

    /// The same error with a `help:` line.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// A use case's error, the file it is about named first, with the CLI's remedy.
    pub fn api(e: crate::api::ApiError, files: &Files<'_>) -> Self {
        use crate::api::{ApiError, ErrorKind};
        let path = |p: Option<&std::path::Path>| p.map(|p| p.display().to_string());
        let message = e.located(path(files.ledger).as_deref(), path(files.checkpoint).as_deref());
        let hint = match &e {
            ApiError::Defect(d) if d.is_torn_tail() => files.ledger.map(torn_tail_hint),
            ApiError::Mismatch(_) => Some(MISMATCH_HINT.to_owned()),
            _ => e.hint().map(str::to_owned),
        };
        let code = if e.kind() == ErrorKind::Verification { EXIT_FAIL } else { EXIT_USAGE };
        Self { code, message, hint }
    }
}

/// The CLI's remedy for a torn last line of `ledger`.
pub fn torn_tail_hint(ledger: &std::path::Path) -> String {
    format!("the last line is incomplete; `fairboard recover --ledger {}` cuts it, keeping a backup", ledger.display())
}

/// The CLI's remedy for a pack that is not the one the ledger adopted.
pub const MISMATCH_HINT: &str =
    "use the adopted pack, or pass --policy-override to evaluate this one anyway (the report will say so)";

/// The files a command read, so that an error can name the one it is about.
#[derive(Debug, Default, Clone, Copy)]
pub struct Files<'a> {
    /// The ledger.
    pub ledger: Option<&'a std::path::Path>,
    /// The checkpoint.
    pub checkpoint: Option<&'a std::path::Path>,
}

/// fairboard: signed, hash-chained leaderboard ledgers and executable fairness policies.
#[derive(Debug, Parser)]
#[command(name = "fairboard", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Output format of `verify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VerifyFormat {
    /// One line for people.
    Text,
    /// One JSON object for programs.
    Json,
}

/// Output format of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Aligned text for terminals.
    Table,
    /// One JSON object (schemas/report.json).
    Json,
    /// Markdown for publishing.
    Markdown,
}

/// Output format of `audit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    /// Aligned text for terminals (summary first on a terminal).
    Table,
    /// One JSON object (schemas/report.json plus the audit's sections).
    Json,
    /// Markdown for publishing.
    Markdown,
    /// One self-contained HTML page with charts (no network, opens from disk).
    Html,
}

#[derive(Debug, Subcommand)]
enum PolicyCommand {
    /// Run policy test cases (YAML fixtures with expected findings) found under DIR.
    Test {
        /// Directory searched recursively for *.yaml cases.
        dir: PathBuf,
        /// Pack to use for cases that name none.
        #[arg(long)]
        policy: Option<PathBuf>,
    },
}

/// The ledger, key and origin a checkpoint is signed from (`checkpoint`, `publish`).
#[derive(Debug, clap::Args)]
struct SignedLog {
    /// The ledger file; it must verify under the key's own public key.
    #[arg(long)]
    ledger: PathBuf,
    /// The operator's private key (PKCS#8 PEM).
    #[arg(long)]
    key: PathBuf,
    /// The log's origin, also the signing key's name (e.g. `arena.example/ledger`).
    #[arg(long)]
    origin: String,
}

#[derive(Debug, Subcommand)]
enum WitnessCommand {
    /// Serve C2SP tlog-witness `add-checkpoint`, keeping state in SQLite.
    Serve {
        /// The witness's private key (PKCS#8 PEM; `fairboard keygen`).
        #[arg(long)]
        key: PathBuf,
        /// The witness's name (its cosignatures' key name), e.g. `witness.example/w1`.
        #[arg(long)]
        name: String,
        /// The logs it follows: one `log <vkey>` (or bare vkey) per line.
        #[arg(long)]
        logs: PathBuf,
        /// The SQLite database of what it cosigned (created if missing).
        #[arg(long)]
        db: PathBuf,
        /// Address to listen on (`127.0.0.1:0` picks a free port and prints it).
        #[arg(long)]
        listen: String,
        /// Worker threads.
        #[arg(long, default_value_t = 4)]
        workers: usize,
    },
    /// Submit a published log's checkpoint to witnesses and publish it with their cosignatures.
    Push {
        /// The published log's directory (`fairboard publish --out`).
        #[arg(long)]
        log: PathBuf,
        /// A witness's URL prefix (repeat for several).
        #[arg(long, required = true)]
        witness: Vec<String>,
        /// A tlog-policy: keep only its witnesses' valid cosignatures, and publish only at quorum.
        #[arg(long, value_name = "P")]
        policy_file: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Evaluate a policy pack against a ledger and report every finding with its evidence.
    Check {
        /// The ledger file (its chain and signatures are verified first).
        #[arg(long)]
        ledger: PathBuf,
        /// The policy pack (YAML).
        #[arg(long)]
        policy: PathBuf,
        /// Judge the board as of this time (RFC 3339 UTC): later records are ignored, deadlines
        /// are measured from it. Default: the last record's time.
        #[arg(long)]
        at: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
        /// Evaluate even if the pack's digest differs from the one the ledger adopted (the report says so).
        #[arg(long)]
        policy_override: bool,
        /// What-if: a plan of future events (YAML, or JSON Lines of steps); nothing is written.
        #[arg(long)]
        plan: Option<PathBuf>,
        /// The provider whose plan it is: its findings are shown first, with what to do instead.
        #[arg(long = "as", value_name = "PROVIDER", requires = "plan")]
        as_provider: Option<String>,
        /// Table format: findings shown per rule, a number or `all` (default on a terminal: 3, with
        /// the per-rule summary first; piped output without this flag is the complete table).
        #[arg(long, value_name = "N|all")]
        findings: Option<terminal::FindingsArg>,
    },
    /// Audit a ledger: verify it against the operator's key, check the policy, recompute the ratings,
    /// and report battle, data and deprecation shares per provider and license class.
    #[command(group(clap::ArgGroup::new("input").required(true).args(["ledger", "log"])))]
    Audit {
        /// The ledger file.
        #[arg(long)]
        ledger: Option<PathBuf>,
        /// A published log (directory or http(s):// prefix), fetched and verified in full first.
        #[arg(long, value_name = "DIR_OR_URL")]
        log: Option<String>,
        /// The operator's public key (SPKI PEM), obtained out of band.
        #[arg(long)]
        trust: PathBuf,
        /// The policy pack.
        #[arg(long)]
        policy: PathBuf,
        /// The latest signed checkpoint you hold: the ledger must match or extend it.
        #[arg(long)]
        checkpoint: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = AuditFormat::Table)]
        format: AuditFormat,
        /// Write the report here instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Evaluate even if the pack's digest differs from the one the ledger adopted.
        #[arg(long)]
        policy_override: bool,
        /// Table format: findings shown per rule, a number or `all` (default on a terminal: 3, with
        /// the per-rule summary first; piped output without this flag is the complete table).
        #[arg(long, value_name = "N|all")]
        findings: Option<terminal::FindingsArg>,
        /// HTML format: draw every rated model in the ratings chart (default: the top 30, with a
        /// box to show all).
        #[arg(long)]
        all_ratings: bool,
    },
    /// Simulate a realistic arena (about 40 providers, 250 models, a year of battles), write its signed
    /// ledger, audit it, and print the audit. Exits 0 when it ran, whatever the findings.
    Demo {
        /// Scenario YAML (default: the built-in examples/illusion.yaml; see also examples/fair.yaml).
        #[arg(long)]
        scenario: Option<PathBuf>,
        /// Directory for ledger.jsonl, operator.pub/.key, policy.yaml and report.md (default: a new
        /// fairboard-demo-N directory here).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Random seed: the same seed and scenario give the same ledger.
        #[arg(long, default_value_t = demo_cmds::DEFAULT_SEED)]
        seed: u64,
        /// Findings printed per rule, a number or `all` (default on a terminal: 3, with the per-rule
        /// summary first; piped output without this flag is the complete audit).
        #[arg(long, value_name = "N|all")]
        findings: Option<terminal::FindingsArg>,
    },
    /// Policy authoring tools.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Seal a private variant before its test: print the `private_test_started` event to append now
    /// (a commitment, no model name) and the `private_test_revealed` event to append at the reveal
    /// (keep it secret until then: it holds the salt). One JSON object, {sealed_id, start, reveal}.
    Seal {
        /// The variant's real model id.
        #[arg(long)]
        model: String,
        /// Its provider.
        #[arg(long)]
        provider: String,
        /// The artifact to commit to (a digest of the weights, an endpoint fingerprint).
        #[arg(long)]
        artifact: Option<String>,
        /// The salt, 64 lowercase hex digits (default: 32 fresh random bytes). Only for
        /// reproducible examples: a guessable salt lets anyone test model names against the commitment.
        #[arg(long)]
        salt: Option<String>,
    },
    /// Generate an Ed25519 key pair: PREFIX.key (PKCS#8 PEM, mode 0600) and PREFIX.pub (SPKI PEM).
    Keygen {
        /// Path prefix of the two files.
        #[arg(long)]
        out: PathBuf,
    },
    /// Create a ledger holding its first record (`ledger_opened`), signed by the operator key.
    Init {
        /// The ledger file to create (must not exist).
        #[arg(long)]
        ledger: PathBuf,
        /// The operator's private key (PKCS#8 PEM).
        #[arg(long)]
        key: PathBuf,
        /// The leaderboard's name.
        #[arg(long)]
        leaderboard: String,
        /// Record time, RFC 3339 UTC (default: now).
        #[arg(long)]
        time: Option<String>,
    },
    /// Append events as signed records, all or none.
    Append {
        /// The ledger file.
        #[arg(long)]
        ledger: PathBuf,
        /// The signing key (PKCS#8 PEM); it must be authorised for every event.
        #[arg(long)]
        key: PathBuf,
        /// Record time, RFC 3339 UTC, not earlier than the last record's (default: now).
        #[arg(long)]
        time: Option<String>,
        /// Admission control: refuse the events if they would introduce a deny finding of this pack.
        #[arg(long)]
        policy: Option<PathBuf>,
        /// Use --policy even if its digest differs from the pack the ledger adopted.
        #[arg(long, requires = "policy")]
        policy_override: bool,
        /// A file with one JSON event object or JSON Lines of events; `-` reads stdin.
        events: PathBuf,
    },
    /// Remove an incomplete final record left by a killed append (after keeping a backup copy of
    /// the whole file beside it). Never touches a complete record: any other defect is reported.
    Recover {
        /// The ledger file.
        #[arg(long)]
        ledger: PathBuf,
    },
    /// Verify a ledger against the operator's public key: a file (`--ledger`) or a published tlog-tiles
    /// log (`--log DIR_OR_URL`, verified in full, or from `--state` only what is new).
    #[command(group(clap::ArgGroup::new("input").required(true).args(["ledger", "log"])))]
    Verify {
        /// The ledger file.
        #[arg(long)]
        ledger: Option<PathBuf>,
        /// A published log: a directory or an http(s):// prefix (see `fairboard publish`).
        #[arg(long, value_name = "DIR_OR_URL")]
        log: Option<String>,
        /// With --log: a directory keeping what this verifier trusted last (checkpoint, head, tree
        /// edge), so the next run fetches and verifies only new records.
        #[arg(long, requires = "log")]
        state: Option<PathBuf>,
        /// A C2SP tlog-policy file: the checkpoint (--checkpoint or the log's) must carry a quorum of
        /// valid witness cosignatures.
        #[arg(long, value_name = "P")]
        policy_file: Option<PathBuf>,
        /// The operator's public key (SPKI PEM), obtained out of band.
        #[arg(long)]
        trust: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = VerifyFormat::Text)]
        format: VerifyFormat,
        /// A signed checkpoint (C2SP signed note) the ledger must match or extend.
        #[arg(long)]
        checkpoint: Option<PathBuf>,
    },
    /// Print a signed checkpoint of a ledger: a C2SP tlog-checkpoint in a C2SP signed note.
    Checkpoint {
        #[command(flatten)]
        log: SignedLog,
    },
    /// Print the C2SP verifier key (`name+keyid+base64key`) of an operator public key.
    Vkey {
        /// The operator's public key (SPKI PEM).
        #[arg(long = "pub", value_name = "PUB")]
        public: PathBuf,
        /// The key name: the checkpoints' origin (or, with --cosigner, the witness's name).
        #[arg(long)]
        name: String,
        /// Print the Ed25519 cosignature/v1 vkey (type 0x04) of a witness key instead.
        #[arg(long)]
        cosigner: bool,
    },
    /// Write a ledger as a C2SP tlog-tiles log in a directory any static web server can serve:
    /// checkpoint, hash tiles, entry bundles and record bundles. Incremental and crash-safe.
    Publish {
        #[command(flatten)]
        log: SignedLog,
        /// The log's directory.
        #[arg(long)]
        out: PathBuf,
    },
    /// A C2SP tlog-witness (serve) and the operator's side of it (push).
    Witness {
        #[command(subcommand)]
        command: WitnessCommand,
    },
    /// Write an inclusion proof (`--seq N --checkpoint CP`) or a consistency proof
    /// (`--consistency --from OLD_CP --to NEW_CP`) to stdout.
    #[command(group(clap::ArgGroup::new("kind").required(true).args(["seq", "consistency"])))]
    Prove {
        /// The ledger file.
        #[arg(long, required_unless_present = "log")]
        ledger: Option<PathBuf>,
        /// Build the inclusion proof of --seq from a published log's tiles alone (needs --trust).
        #[arg(long, value_name = "DIR_OR_URL", conflicts_with_all = ["ledger", "checkpoint", "consistency"], requires_all = ["seq", "trust"])]
        log: Option<String>,
        /// With --log: the operator's public key, to check the log's checkpoint.
        #[arg(long, requires = "log")]
        trust: Option<PathBuf>,
        /// Seq of the record to prove included.
        #[arg(long, conflicts_with = "consistency")]
        seq: Option<u64>,
        /// The signed checkpoint the record is proved against.
        #[arg(long, requires = "seq")]
        checkpoint: Option<PathBuf>,
        /// Prove that checkpoint --to extends checkpoint --from.
        #[arg(long, requires_all = ["from", "to"])]
        consistency: bool,
        /// The older signed checkpoint.
        #[arg(long, requires = "consistency")]
        from: Option<PathBuf>,
        /// The newer signed checkpoint.
        #[arg(long, requires = "consistency")]
        to: Option<PathBuf>,
        /// Write the consistency proof in the C2SP tlog-witness body layout (`old <size>`, hashes,
        /// blank line, the newer checkpoint) instead of a `fairboard/tlog-consistency-proof@v1` file.
        #[arg(long, requires = "consistency")]
        witness_body: bool,
    },
    /// Verify a proof file with no ledger present: exit 0 if valid, 1 if not.
    VerifyProof {
        /// The proof file.
        #[arg(long)]
        proof: PathBuf,
        /// The log's verifier key: the string `fairboard vkey` prints, or a file holding it.
        #[arg(long)]
        vkey: String,
        /// For a consistency proof in the tlog-witness body layout (`prove --consistency
        /// --witness-body`): the older checkpoint you hold.
        #[arg(long, value_name = "OLD_CP")]
        old: Option<PathBuf>,
    },
    /// Bradley–Terry ratings recomputed from a ledger's battles, with 95% intervals, CI-aware ranks,
    /// votes to flip and the best-of-N adjustment.
    Scores(stats_cmds::ScoresArgs),
    /// Convert public Arena data into event JSON Lines for `fairboard append` (nothing is signed).
    Import {
        /// The input's format.
        #[arg(long, value_enum)]
        format: stats_cmds::ImportFormat,
        /// Model metadata CSV (`model,provider,license`, or an LMSYS leaderboard table): emits
        /// `provider_registered` and `model_registered` for the models in the battles.
        #[arg(long, value_name = "META.csv")]
        models: Option<PathBuf>,
        /// Start of the one period all battles are recorded in (required for pairs, and for FastChat
        /// records without `tstamp`/`anony`).
        #[arg(long, requires = "period_end")]
        period_start: Option<String>,
        /// End of that period.
        #[arg(long, requires = "period_start")]
        period_end: Option<String>,
        /// The input file; `-` reads stdin.
        file: PathBuf,
    },
    /// Compare the active-sampling recommendation (Chiang et al. Eq. 9) with the configured and the
    /// realised sampling, per model and per provider.
    Sampling {
        /// The ledger file.
        #[arg(long)]
        ledger: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = stats_cmds::SamplingFormat::Table)]
        format: stats_cmds::SamplingFormat,
    },
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_USAGE } else { 0 });
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            use std::io::Write as _;
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "error: {}", e.message);
            if let Some(hint) = &e.hint {
                let _ = writeln!(err, "help: {hint}");
            }
            ExitCode::from(e.code)
        }
    }
}

fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Check { ledger, policy, at, format, policy_override, plan, as_provider, findings } => match plan {
            Some(plan) => {
                policy_cmds::what_if(&ledger, &policy, &plan, as_provider.as_deref(), format, policy_override)
            }
            None => policy_cmds::check(&ledger, &policy, at.as_deref(), format, policy_override, findings),
        },
        Command::Audit {
            ledger,
            log,
            trust,
            policy,
            checkpoint,
            format,
            out,
            policy_override,
            findings,
            all_ratings,
        } => {
            let fetched = match &log {
                Some(log) => Some(tlog_cmds::fetch_for_audit(log, &trust)?),
                None => None,
            };
            let Some(ledger) = ledger.or_else(|| fetched.as_ref().map(|f| f.0.clone())) else {
                return Err(CliError::usage("audit: give --ledger FILE or --log DIR_OR_URL"));
            };
            let files = audit_cmds::AuditFiles {
                ledger: &ledger,
                trust: &trust,
                policy: &policy,
                checkpoint: checkpoint.as_deref(),
            };
            let output = audit_cmds::Output { format, out: out.as_deref(), findings, all_ratings };
            audit_cmds::audit(&files, &output, policy_override)
        }
        Command::Demo { scenario, out, seed, findings } => {
            demo_cmds::demo(scenario.as_deref(), out.as_deref(), seed, findings)
        }
        Command::Policy(PolicyCommand::Test { dir, policy }) => policy_cmds::test(&dir, policy.as_deref()),
        Command::Keygen { out } => ledger_cmds::keygen(&out),
        Command::Seal { model, provider, artifact, salt } => {
            ledger_cmds::seal(&model, &provider, artifact.as_deref(), salt.as_deref())
        }
        Command::Init { ledger, key, leaderboard, time } => {
            ledger_cmds::init(&ledger, &key, &leaderboard, time.as_deref())
        }
        Command::Append { ledger, key, time, policy, policy_override, events } => {
            ledger_cmds::append(&ledger, &key, time.as_deref(), &events, policy.as_deref(), policy_override)
        }
        Command::Recover { ledger } => ledger_cmds::recover(&ledger),
        Command::Verify { ledger, log, state, policy_file, trust, format, checkpoint } => match (ledger, log) {
            (_, Some(log)) => tlog_cmds::verify_log(&log, &trust, state.as_deref(), policy_file.as_deref()),
            (Some(ledger), None) => {
                ledger_cmds::verify(&ledger, &trust, format, checkpoint.as_deref())?;
                match (checkpoint, policy_file) {
                    (Some(cp), Some(p)) => tlog_cmds::check_checkpoint_quorum(&cp, &trust, &p),
                    (None, Some(_)) => Err(CliError::usage("--policy-file needs --checkpoint CP (or --log)")),
                    _ => Ok(()),
                }
            }
            (None, None) => Err(CliError::usage("verify: give --ledger FILE or --log DIR_OR_URL")),
        },
        Command::Checkpoint { log } => transparency_cmds::checkpoint(&log.ledger, &log.key, &log.origin),
        Command::Vkey { public, name, cosigner: false } => transparency_cmds::vkey(&public, &name),
        Command::Vkey { public, name, cosigner: true } => tlog_cmds::cosigner_vkey(&public, &name),
        Command::Publish { log, out } => tlog_cmds::publish(&log.ledger, &log.key, &log.origin, &out),
        Command::Witness { command: WitnessCommand::Serve { key, name, logs, db, listen, workers } } => {
            tlog_cmds::serve(&key, &name, &logs, &db, &listen, workers)
        }
        Command::Witness { command: WitnessCommand::Push { log, witness, policy_file } } => {
            tlog_cmds::push(&log, &witness, policy_file.as_deref())
        }
        Command::Prove { ledger, log, trust, seq, checkpoint, consistency: _, from, to, witness_body } => {
            match (ledger, seq, checkpoint, from, to) {
                (None, Some(seq), None, None, None) => match (log, trust) {
                    (Some(log), Some(trust)) => tlog_cmds::prove_log(&log, &trust, seq),
                    _ => Err(CliError::usage("prove: --log needs --trust OP.pub and --seq N")),
                },
                (Some(ledger), Some(seq), Some(cp), None, None) => {
                    transparency_cmds::prove_inclusion(&ledger, seq, &cp)
                }
                (Some(ledger), None, None, Some(from), Some(to)) => {
                    transparency_cmds::prove_consistency(&ledger, &from, &to, witness_body)
                }
                _ => Err(CliError::usage(
                    "prove: give either --seq N --checkpoint CP, or --consistency --from OLD --to NEW",
                )),
            }
        }
        Command::VerifyProof { proof, vkey, old } => transparency_cmds::verify_proof(&proof, &vkey, old.as_deref()),
        Command::Scores(args) => stats_cmds::scores(&args),
        Command::Import { format, models, period_start, period_end, file } => {
            stats_cmds::import(format, models.as_deref(), period_start.as_deref(), period_end.as_deref(), &file)
        }
        Command::Sampling { ledger, format } => stats_cmds::sampling(&ledger, format),
    }
}
