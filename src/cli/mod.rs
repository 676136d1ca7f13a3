//! The `fairboard` command line: argument definitions and the mapping from outcomes to exit codes.
//!
//! Exit codes: 0 success; 1 a failed verification, a refused append or a deny finding; 2 bad usage
//! or bad input. Every command lives in its own submodule and returns a [`CliError`] on failure.

mod ledger_cmds;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Exit status for a failed verification, a refused append or a deny finding.
pub const EXIT_FAIL: u8 = 1;
/// Exit status for bad usage or bad input.
pub const EXIT_USAGE: u8 = 2;

/// A command's failure: the message for stderr and the exit code it maps to.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct CliError {
    /// Exit code (1 or 2).
    pub code: u8,
    /// What went wrong, with file, line and pointer where they apply.
    pub message: String,
}

impl CliError {
    /// A bad-usage or bad-input error (exit 2).
    pub fn usage(message: impl std::fmt::Display) -> Self {
        Self { code: EXIT_USAGE, message: message.to_string() }
    }

    /// A failed verification or refusal (exit 1).
    pub fn fail(message: impl std::fmt::Display) -> Self {
        Self { code: EXIT_FAIL, message: message.to_string() }
    }
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

#[derive(Debug, Subcommand)]
enum Command {
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
        /// A file with one JSON event object or JSON Lines of events; `-` reads stdin.
        events: PathBuf,
    },
    /// Verify a ledger against the operator's public key.
    Verify {
        /// The ledger file.
        #[arg(long)]
        ledger: PathBuf,
        /// The operator's public key (SPKI PEM), obtained out of band.
        #[arg(long)]
        trust: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = VerifyFormat::Text)]
        format: VerifyFormat,
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
            eprintln!("error: {}", e.message);
            ExitCode::from(e.code)
        }
    }
}

fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Keygen { out } => ledger_cmds::keygen(&out),
        Command::Init { ledger, key, leaderboard, time } => {
            ledger_cmds::init(&ledger, &key, &leaderboard, time.as_deref())
        }
        Command::Append { ledger, key, time, events } => ledger_cmds::append(&ledger, &key, time.as_deref(), &events),
        Command::Verify { ledger, trust, format } => ledger_cmds::verify(&ledger, &trust, format),
    }
}
