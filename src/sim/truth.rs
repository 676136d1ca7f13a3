//! The hidden truth behind a simulated ledger, for reports that show what the ledger alone cannot:
//! how far best-of-N selection lifted a released model's disclosed score above its true skill.
//!
//! Publishing the best of N variants inflates the score by about `σ·sqrt(2 ln N)`, σ the score's
//! standard error (LI App. I; `../shared/background.md`, "Best-of-N inflation"). The
//! selection-adjusted rating subtracts that expectation from the disclosed one.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::ledger::event::License;

/// Width of a 95% normal interval in standard errors (2 × 1.96, as the brief of the demo reads σ off
/// a disclosed interval).
pub const CI95_WIDTH_IN_SE: f64 = 3.92;

/// The truth of one simulation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Truth {
    /// Every model's hidden skill (Elo scale, as drawn), by model id.
    pub skills: BTreeMap<String, f64>,
    /// Every model released from a private programme, in order of release.
    pub releases: Vec<ReleaseTruth>,
}

/// A released model: what was disclosed at its release, and what was true.
#[derive(Debug, Clone, PartialEq)]
pub struct ReleaseTruth {
    /// The released variant's model id.
    pub model: String,
    /// The name it is listed under.
    pub public_name: String,
    /// Its provider.
    pub provider: String,
    /// Its license class.
    pub license: License,
    /// Variants the provider tested in the programme (N).
    pub variants_tested: u32,
    /// Its hidden skill as drawn.
    pub true_skill: f64,
    /// Its hidden skill on the disclosure's scale: shifted like the fit, so that the rated models'
    /// mean hidden skill is 1000.
    pub true_rating: f64,
    /// The rating disclosed at release.
    pub disclosed_rating: f64,
    /// Lower end of the disclosed 95% interval.
    pub ci_low: f64,
    /// Upper end of the disclosed 95% interval.
    pub ci_high: f64,
    /// Recorded battles behind the disclosure.
    pub battles: u64,
    /// `disclosed − σ·sqrt(2 ln N)`, σ = `(ci_high − ci_low) / 3.92`.
    pub selection_adjusted: f64,
    /// When the score was disclosed.
    pub disclosed_at: DateTime<Utc>,
}

impl ReleaseTruth {
    /// How far the disclosed rating lies above the true one.
    pub fn inflation(&self) -> f64 {
        self.disclosed_rating - self.true_rating
    }
}

/// The selection-adjusted rating `rating − σ·sqrt(2 ln N)` of the best of `n` variants, with σ read
/// from a 95% interval; for `n ≤ 1` the rating itself.
pub fn selection_adjusted(rating: f64, ci_low: f64, ci_high: f64, n: u32) -> f64 {
    let sigma = (ci_high - ci_low) / CI95_WIDTH_IN_SE;
    rating - crate::stats::selection::inflation(u64::from(n), sigma)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adjustment_matches_the_background_figures() {
        // σ = 6.34 (3,000 votes): about +16 for N = 27.
        let (lo, hi) = (1000.0 - 1.96 * 6.34, 1000.0 + 1.96 * 6.34);
        assert!((1000.0 - selection_adjusted(1000.0, lo, hi, 27) - 16.2).abs() < 0.1);
        assert_eq!(selection_adjusted(1000.0, lo, hi, 1), 1000.0);
    }
}
