//! The anchor: which constant pins the ratings.
//!
//! Bradley–Terry ratings are identifiable only up to a common shift. FastChat pins
//! `mixtral-8x7b-instruct-v0.1` at 1114 when it is on the board; otherwise its fit starts every model
//! at 0 log-odds, which keeps their mean at 0, i.e. the mean rating at 1000. fairboard follows the
//! same rules unless `--anchor MODEL=RATING` declares another, and always says which one it used.

use std::fmt;
use std::str::FromStr;

use super::{DEFAULT_ANCHOR_MODEL, DEFAULT_ANCHOR_RATING, INIT};

/// A bad anchor declaration or an anchor that cannot be applied (exit 2).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnchorError {
    /// Not `MODEL=RATING`.
    #[error("anchor `{given}`: expected MODEL=RATING with a finite number, e.g. mixtral-8x7b-instruct-v0.1=1114")]
    Syntax {
        /// What was given.
        given: String,
    },
    /// The declared anchor model has no rating in this data.
    #[error("anchor model `{model}` {why}, so it cannot anchor the ratings")]
    NotRated {
        /// The model.
        model: String,
        /// Why it has no rating (e.g. `has no battles`, `is unrateable: no losses`).
        why: String,
    },
}

/// The anchor asked for.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum AnchorSpec {
    /// FastChat's convention: [`DEFAULT_ANCHOR_MODEL`] = [`DEFAULT_ANCHOR_RATING`] when it is rated,
    /// else mean [`INIT`].
    #[default]
    Default,
    /// `--anchor MODEL=RATING`.
    Model {
        /// The model pinned.
        model: String,
        /// Its rating.
        rating: f64,
    },
}

impl FromStr for AnchorSpec {
    type Err = AnchorError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let syntax = || AnchorError::Syntax { given: s.to_owned() };
        let (model, rating) = s.rsplit_once('=').ok_or_else(syntax)?;
        let rating: f64 = rating.trim().parse().map_err(|_| syntax())?;
        if model.is_empty() || !rating.is_finite() {
            return Err(syntax());
        }
        Ok(Self::Model { model: model.to_owned(), rating })
    }
}

/// The anchor applied to a set of ratings.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Anchor {
    /// FastChat's default anchor model, present and rated.
    DefaultModel {
        /// The model.
        model: String,
        /// Its rating.
        rating: f64,
    },
    /// Declared with `--anchor`.
    Declared {
        /// The model.
        model: String,
        /// Its rating.
        rating: f64,
    },
    /// No anchor model: the mean rating of the rated models is `rating`.
    Mean {
        /// The mean.
        rating: f64,
        /// Why the default anchor model was not used: `absent` or `unrateable`.
        default_model: &'static str,
    },
}

impl Anchor {
    /// A short machine-readable name: `default`, `declared` or `mean`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::DefaultModel { .. } => "default",
            Self::Declared { .. } => "declared",
            Self::Mean { .. } => "mean",
        }
    }

    /// The anchor model, if any.
    pub fn model(&self) -> Option<&str> {
        match self {
            Self::DefaultModel { model, .. } | Self::Declared { model, .. } => Some(model),
            Self::Mean { .. } => None,
        }
    }

    /// The pinned rating (of the model, or of the mean).
    pub fn rating(&self) -> f64 {
        match self {
            Self::DefaultModel { rating, .. } | Self::Declared { rating, .. } | Self::Mean { rating, .. } => *rating,
        }
    }
}

impl fmt::Display for Anchor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DefaultModel { model, rating } => write!(f, "{model} = {rating} (FastChat's default anchor)"),
            Self::Declared { model, rating } => write!(f, "{model} = {rating} (declared)"),
            Self::Mean { rating, default_model } => write!(
                f,
                "mean of the rated models = {rating} ({DEFAULT_ANCHOR_MODEL} is {default_model}, so no anchor model)"
            ),
        }
    }
}

/// Resolves `spec` against the rated models: `position(model)` gives a rated model's position, and
/// `why_not(model)` why an unrated model has no rating (`None` when it has no battles at all).
/// Returns the anchor and the position of its model, if any.
pub fn resolve(
    spec: &AnchorSpec,
    position: impl Fn(&str) -> Option<usize>,
    why_not: impl Fn(&str) -> Option<String>,
) -> Result<(Anchor, Option<usize>), AnchorError> {
    match spec {
        AnchorSpec::Model { model, rating } => match position(model) {
            Some(k) => Ok((Anchor::Declared { model: model.clone(), rating: *rating }, Some(k))),
            None => Err(AnchorError::NotRated {
                model: model.clone(),
                why: why_not(model).map_or_else(|| "has no battles".to_owned(), |w| format!("is unrateable ({w})")),
            }),
        },
        AnchorSpec::Default => match position(DEFAULT_ANCHOR_MODEL) {
            Some(k) => Ok((
                Anchor::DefaultModel { model: DEFAULT_ANCHOR_MODEL.to_owned(), rating: DEFAULT_ANCHOR_RATING },
                Some(k),
            )),
            None => {
                let default_model = if why_not(DEFAULT_ANCHOR_MODEL).is_some() { "unrateable" } else { "absent" };
                Ok((Anchor::Mean { rating: INIT, default_model }, None))
            }
        },
    }
}

/// Ratings from log-odds `theta` (natural units): scaled to rating points, then shifted so the anchor
/// model (position `at`) has `value`, or so the mean is `value`.
pub fn apply(theta: &[f64], at: Option<usize>, value: f64) -> Vec<f64> {
    let k = super::points_per_nat();
    let mut r: Vec<f64> = theta.iter().map(|t| k * t).collect();
    let shift = match at {
        Some(i) => value - r[i],
        None if r.is_empty() => 0.0,
        None => value - r.iter().sum::<f64>() / r.len() as f64,
    };
    r.iter_mut().for_each(|x| *x += shift);
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_model_equals_rating() {
        assert_eq!(
            "a=b=1200.5".parse::<AnchorSpec>().unwrap(),
            AnchorSpec::Model { model: "a=b".into(), rating: 1200.5 }
        );
        for bad in ["gpt-4", "=1000", "m=", "m=abc", "m=inf", "m=NaN"] {
            assert!(matches!(bad.parse::<AnchorSpec>(), Err(AnchorError::Syntax { .. })), "{bad}");
        }
    }

    #[test]
    fn default_pins_mixtral_when_rated_and_falls_back_to_the_mean() {
        let rated = |m: &str| (m == DEFAULT_ANCHOR_MODEL).then_some(3);
        let (a, at) = resolve(&AnchorSpec::Default, rated, |_| None).unwrap();
        assert_eq!((a.kind(), at, a.rating()), ("default", Some(3), 1114.0));
        let (a, at) = resolve(&AnchorSpec::Default, |_| None, |_| None).unwrap();
        assert_eq!((a.kind(), at, a.rating()), ("mean", None, 1000.0));
        assert!(a.to_string().contains("absent"), "{a}");
        let (a, _) = resolve(&AnchorSpec::Default, |_| None, |_| Some("no losses".into())).unwrap();
        assert!(a.to_string().contains("unrateable"), "{a}");
        let declared = AnchorSpec::Model { model: "x".into(), rating: 1.0 };
        let err = resolve(&declared, |_| None, |_| Some("no wins".into())).unwrap_err();
        assert_eq!(err.to_string(), "anchor model `x` is unrateable (no wins), so it cannot anchor the ratings");
    }

    #[test]
    fn apply_shifts_to_the_anchor_or_the_mean() {
        let theta = [0.0, 10f64.ln()]; // one unit of base-10 log-odds apart = 400 points
        let r = apply(&theta, Some(0), 1114.0);
        assert!((r[0] - 1114.0).abs() < 1e-9 && (r[1] - 1514.0).abs() < 1e-9, "{r:?}");
        let r = apply(&theta, None, 1000.0);
        assert!((r[0] - 800.0).abs() < 1e-9 && (r[1] - 1200.0).abs() < 1e-9, "{r:?}");
    }
}
