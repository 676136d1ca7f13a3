//! What the page inlines: the vendored Vega and Vega-Lite bundles (`crates/core/assets/vega/`,
//! byte-identical to the npm packages, checked by `SHA256SUMS`), the glue that draws the charts
//! and opens linked records, and the style.

/// The page's Content-Security-Policy: nothing may be loaded; inline scripts run (Vega compiles its
/// expressions with `Function`, hence `'unsafe-eval'`), inline styles and `data:` images apply.
pub const CSP: &str =
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:";

/// The vendored Vega version.
pub const VEGA_VERSION: &str = "6.4.0";
/// The vendored Vega-Lite version.
pub const VEGA_LITE_VERSION: &str = "6.5.0";

const VEGA: &str = include_str!("../../../assets/vega/vega.min.js");
const VEGA_LITE: &str = include_str!("../../../assets/vega/vega-lite.min.js");

/// The glue: draws each chart, counts its marks, opens the target of a link.
pub const JS: &str = include_str!("report.js");
/// The style, for screen and print.
pub const CSS: &str = include_str!("report.css");

/// `bundle` without a trailing `//# sourceMappingURL=` line (the map is not shipped, and a tool that
/// followed it would make a request). A bundle must not close its `<script>` element.
fn inline(bundle: &'static str) -> &'static str {
    let body = bundle.trim_end();
    match body.rfind("\n//# sourceMappingURL=") {
        Some(i) => &body[..i],
        None => body,
    }
}

/// Vega, ready to inline.
pub fn vega() -> &'static str {
    inline(VEGA)
}

/// Vega-Lite, ready to inline.
pub fn vega_lite() -> &'static str {
    inline(VEGA_LITE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundles_are_safe_to_inline() {
        for b in [vega(), vega_lite(), JS] {
            assert!(!b.to_ascii_lowercase().contains("</script"));
            assert!(!b.contains("sourceMappingURL"));
        }
        assert!(vega().contains(&format!("version=\"{VEGA_VERSION}\"")));
        assert!(vega_lite().contains(&format!("\"{VEGA_LITE_VERSION}\"")));
        assert!(!CSS.contains("url(") && !CSS.contains("@import"));
    }
}
