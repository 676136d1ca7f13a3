//! The standard normal distribution, as far as the statistics need it.

/// The standard normal density φ(x).
pub fn density(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// The standard normal distribution function Φ(x), from `erfc` (accurate in both tails).
pub fn cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

/// E[max of `n` independent standard normals] = ∫ x · n φ(x) Φ(x)^(n−1) dx, by composite Simpson's
/// rule on [−12, 12] (the integrand is below 1e-30 outside it for every n up to 10⁹); accurate to
/// about 1e-10. 0 for `n` ≤ 1.
pub fn expected_maximum(n: u64) -> f64 {
    if n <= 1 {
        return 0.0;
    }
    const STEPS: usize = 4800; // even
    let (a, b) = (-12.0f64, 12.0f64);
    let h = (b - a) / STEPS as f64;
    let nf = n as f64;
    let f = |x: f64| {
        let c = cdf(x);
        if c <= 0.0 { 0.0 } else { x * nf * density(x) * ((nf - 1.0) * c.ln()).exp() }
    };
    let mut sum = f(a) + f(b);
    for i in 1..STEPS {
        let x = a + i as f64 * h;
        sum += if i % 2 == 1 { 4.0 } else { 2.0 } * f(x);
    }
    sum * h / 3.0
}

/// ln Φ(x), without cancellation in either tail: from `erfc` below −5, from `ln_1p` above, and
/// from the asymptotic series (Abramowitz & Stegun 26.2.12, four terms) below −30, where Φ itself
/// underflows.
pub fn log_cdf(x: f64) -> f64 {
    if x < -30.0 {
        let r = 1.0 / (x * x);
        -0.5 * x * x - (-x).ln() - 0.5 * (2.0 * std::f64::consts::PI).ln()
            + (1.0 - r + 3.0 * r * r - 15.0 * r * r * r).ln()
    } else if x < -5.0 {
        (0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)).ln()
    } else {
        (-0.5 * libm::erfc(x / std::f64::consts::SQRT_2)).ln_1p()
    }
}

/// Composite Simpson's rule of `f` over `[lo, hi]` with step at most `h` (the step count rounded up
/// to an even number and held to `[64, 20_000]`).
fn simpson(lo: f64, hi: f64, h: f64, f: impl Fn(f64) -> f64) -> f64 {
    let span = hi - lo;
    if span.is_nan() || span <= 0.0 {
        return 0.0;
    }
    let wanted = (span / h).ceil();
    let steps = if wanted.is_finite() { (wanted as usize).clamp(64, 20_000) } else { 20_000 };
    let steps = steps + steps % 2;
    let h = span / steps as f64;
    let mut sum = f(lo) + f(hi);
    for i in 1..steps {
        sum += if i % 2 == 1 { 4.0 } else { 2.0 } * f(lo + i as f64 * h);
    }
    sum * h / 3.0
}

/// E[max_i X_i] for independent X_i ~ N(`mu[i]`, `sd[i]`²): `lo + ∫_lo^hi (1 − Π Φ((x − μ_i)/s_i)) dx`
/// on `[max(μ − 9s), max(μ + 9s)]`, where the integrand is formed as `−expm1(Σ ln Φ)` so that it
/// keeps its digits near 1 − G(x) ≈ 0. Step `min s / 8`; accurate to about 1e-11 · min s (checked
/// against Clark's closed form for two normals and the equal case [`expected_maximum`]). `None`
/// when the lists are empty, differ in length, or a standard deviation is not positive and finite.
pub fn expected_maximum_of(mu: &[f64], sd: &[f64]) -> Option<f64> {
    if mu.is_empty() || mu.len() != sd.len() || sd.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
        return None;
    }
    if mu.iter().any(|m| !m.is_finite()) {
        return None;
    }
    let lo = mu.iter().zip(sd).map(|(m, s)| m - 9.0 * s).fold(f64::NEG_INFINITY, f64::max);
    let hi = mu.iter().zip(sd).map(|(m, s)| m + 9.0 * s).fold(f64::NEG_INFINITY, f64::max);
    let h = sd.iter().copied().fold(f64::INFINITY, f64::min) / 8.0;
    let tail = |x: f64| -(mu.iter().zip(sd).map(|(m, s)| log_cdf((x - m) / s)).sum::<f64>()).exp_m1();
    Some(lo + simpson(lo, hi, h, tail))
}

/// The ex-ante expected error of the selected score, E[Y_I − μ_I] with I = argmax Y_i, when
/// Y_i = μ_i + e_i, μ_i ~ N(m, τ²) and e_i ~ N(0, s_i²) all independent:
/// `Σ_i B_i ∫ y φ(y/r_i)/r_i Π_{j≠i} Φ(y/r_j) dy` with r_i² = s_i² + τ², B_i = s_i²/r_i² (m drops
/// out). With τ = 0 and equal s this is s·E[max of N standard normals]. `None` on bad input as for
/// [`expected_maximum_of`] (τ must be finite and not negative).
pub fn expected_selected_error(sd: &[f64], tau: f64) -> Option<f64> {
    if sd.is_empty() || sd.iter().any(|s| !(s.is_finite() && *s > 0.0)) || !(tau.is_finite() && tau >= 0.0) {
        return None;
    }
    if sd.len() == 1 {
        return Some(0.0);
    }
    let r: Vec<f64> = sd.iter().map(|s| (s * s + tau * tau).sqrt()).collect();
    let b: Vec<f64> = sd.iter().zip(&r).map(|(s, r)| s * s / (r * r)).collect();
    let r_max = r.iter().copied().fold(0.0, f64::max);
    let r_min = r.iter().copied().fold(f64::INFINITY, f64::min);
    let f = |y: f64| {
        let logs: Vec<f64> = r.iter().map(|ri| log_cdf(y / ri)).collect();
        let total: f64 = logs.iter().sum();
        r.iter()
            .zip(&b)
            .zip(&logs)
            .map(|((ri, bi), li)| bi * y * density(y / ri) / ri * (total - li).exp())
            .sum::<f64>()
    };
    Some(simpson(-9.0 * r_max, 9.0 * r_max, r_min / 8.0, f))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert!((cdf(0.0) - 0.5).abs() < 1e-15);
        assert!((cdf(1.959_963_984_540_054) - 0.975).abs() < 1e-12);
        assert!((cdf(-8.0) / 6.220_960_574_271_74e-16 - 1.0).abs() < 1e-12);
        // E[max] of 2 normals is 1/√π; of 3 is 3/(2√π).
        let pi_sqrt = std::f64::consts::PI.sqrt();
        assert!((expected_maximum(2) - 1.0 / pi_sqrt).abs() < 1e-10);
        assert!((expected_maximum(3) - 1.5 / pi_sqrt).abs() < 1e-10);
        // Reference values from adaptive quadrature (SciPy `quad`): n = 10, 27, 50.
        assert!((expected_maximum(10) - 1.538_752_730_835).abs() < 1e-9);
        assert!((expected_maximum(27) - 1.998_269_302_017).abs() < 1e-9);
        assert!((expected_maximum(50) - 2.249_073_629_390).abs() < 1e-9);
        assert_eq!(expected_maximum(1), 0.0);
    }

    #[test]
    fn log_cdf_holds_its_digits_in_both_tails() {
        assert!((log_cdf(0.0) - 0.5f64.ln()).abs() < 1e-15);
        assert!((log_cdf(-8.0) - 6.220_960_574_271_74e-16f64.ln()).abs() < 1e-12);
        assert!((log_cdf(-30.0) + 454.321_243_956_343_1).abs() < 1e-9, "{}", log_cdf(-30.0));
        assert!((log_cdf(-30.000_001) - log_cdf(-29.999_999)).abs() < 1e-4, "continuous at the switch");
        assert!((log_cdf(-36.0) + 652.503_227_593_798_3).abs() < 1e-9);
        assert!(log_cdf(-1e6).is_finite());
        assert!((log_cdf(8.0) + 6.220_960_574_271_74e-16).abs() < 1e-27);
    }

    /// Clark (1961): E[max(X1, X2)] = μ1 Φ(α) + μ2 Φ(−α) + θ φ(α), θ² = s1² + s2², α = (μ1 − μ2)/θ.
    fn clark(m1: f64, s1: f64, m2: f64, s2: f64) -> f64 {
        let t = (s1 * s1 + s2 * s2).sqrt();
        let a = (m1 - m2) / t;
        m1 * cdf(a) + m2 * cdf(-a) + t * density(a)
    }

    #[test]
    fn expected_maximum_of_unequal_normals() {
        for &(m1, s1, m2, s2) in
            &[(0.0, 1.0, 0.0, 1.0), (3.0, 2.0, -1.0, 0.5), (10.0, 7.0, 12.0, 6.0), (0.0, 200.0, 1.0, 1.0)]
        {
            let got = expected_maximum_of(&[m1, m2], &[s1, s2]).unwrap();
            let want = clark(m1, s1, m2, s2);
            assert!((got - want).abs() < 1e-9 * s1.min(s2).max(1.0), "{got} {want}");
        }
        for n in [2u64, 3, 10, 27] {
            let got = expected_maximum_of(&vec![0.0; n as usize], &vec![1.0; n as usize]).unwrap();
            assert!((got - expected_maximum(n)).abs() < 1e-9, "{n}: {got}");
        }
        // shift and scale equivariance, permutation invariance
        let (mu, sd) = ([1.0, -2.0, 0.5, 3.0], [1.0, 2.0, 0.7, 1.5]);
        let base = expected_maximum_of(&mu, &sd).unwrap();
        let moved = expected_maximum_of(&mu.map(|m| 5.0 + 3.0 * m), &sd.map(|s| 3.0 * s)).unwrap();
        assert!((moved - (5.0 + 3.0 * base)).abs() < 1e-9);
        let swapped = expected_maximum_of(&[3.0, 0.5, -2.0, 1.0], &[1.5, 0.7, 2.0, 1.0]).unwrap();
        assert!((swapped - base).abs() < 1e-12);
        assert_eq!(expected_maximum_of(&[1.0], &[0.0]), None);
        assert_eq!(expected_maximum_of(&[], &[]), None);
    }

    #[test]
    fn expected_selected_error_reduces_to_the_equal_case() {
        for n in [2usize, 10, 27] {
            let s = 5.5;
            let tau = 3.0;
            let got = expected_selected_error(&vec![s; n], tau).unwrap();
            let want = s * s / (s * s + tau * tau).sqrt() * expected_maximum(n as u64);
            assert!((got - want).abs() < 1e-9, "{n}: {got} {want}");
            let no_spread = expected_selected_error(&vec![s; n], 0.0).unwrap();
            assert!((no_spread - s * expected_maximum(n as u64)).abs() < 1e-9);
        }
        assert_eq!(expected_selected_error(&[4.0], 2.0), Some(0.0));
        assert_eq!(expected_selected_error(&[4.0, 1.0], -1.0), None);
    }
}
