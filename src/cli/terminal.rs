//! Terminal output: the summary-first form on a terminal (or when `--findings` asks for it), the
//! complete table on a pipe.

use std::io::IsTerminal;
use std::str::FromStr;

use crate::render::summary::{Shown, TextOptions};

/// Findings shown per rule when stdout is a terminal and `--findings` is not given.
pub const DEFAULT_FINDINGS: usize = 3;

/// `--findings N|all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FindingsArg(pub Shown);

impl FromStr for FindingsArg {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "all" {
            return Ok(Self(Shown::All));
        }
        s.parse::<usize>()
            .map(|n| Self(Shown::First(n)))
            .map_err(|_| format!("expected a number of findings per rule or `all`, got `{s}`"))
    }
}

/// The summary-first options when the summary form applies: stdout is a terminal or `--findings`
/// was given. `None`: print the complete table (a pipe or a file gets every finding, unchanged).
pub fn summary_options(findings: Option<FindingsArg>) -> Option<TextOptions> {
    let stdout = std::io::stdout();
    if findings.is_none() && !stdout.is_terminal() {
        return None;
    }
    let width = terminal_size::terminal_size_of(&stdout)
        .map(|(w, _)| usize::from(w.0))
        .or_else(|| std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()))
        .unwrap_or(100);
    Some(TextOptions { findings: findings.map_or(Shown::First(DEFAULT_FINDINGS), |f| f.0), width })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_counts_and_all() {
        assert_eq!("all".parse::<FindingsArg>().unwrap().0, Shown::All);
        assert_eq!("5".parse::<FindingsArg>().unwrap().0, Shown::First(5));
        assert!("x".parse::<FindingsArg>().unwrap_err().contains("`all`"));
    }
}
