//! The hidden truth behind a simulated ledger, for reports that show what the ledger alone cannot:
//! how far best-of-N selection lifted a released model's disclosed score above its true skill.
//!
//! The ledger alone gives the audit's selection-adjusted rating (`stats::selection`); the truth
//! lets the demo and the calibration tests hold it to the true skill.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::ledger::event::License;

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
    /// When the score was disclosed.
    pub disclosed_at: DateTime<Utc>,
}

impl ReleaseTruth {
    /// How far the disclosed rating lies above the true one.
    pub fn inflation(&self) -> f64 {
        self.disclosed_rating - self.true_rating
    }
}
