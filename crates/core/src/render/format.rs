//! Numbers and short phrases as every rendering spells them, so that table, Markdown and HTML agree
//! (one interval spelling, one percentage, one way to list evidence).

/// A 95% interval: `1234.5 to 1250.1`.
pub fn interval(low: f64, high: f64) -> String {
    format!("{low:.1} to {high:.1}")
}

/// A rating: one decimal.
pub fn rating(x: f64) -> String {
    format!("{x:.1}")
}

/// A share as a percentage with one decimal: `20.4%`.
pub fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// An optional number with one decimal, `-` when absent.
pub fn opt(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), rating)
}

/// Evidence seqs for people: all of them up to 12, else the first 10 and a count.
pub fn evidence(seqs: &[u64]) -> String {
    let shown: Vec<String> = seqs.iter().take(if seqs.len() > 12 { 10 } else { 12 }).map(u64::to_string).collect();
    let mut s = shown.join(", ");
    if seqs.len() > 12 {
        s.push_str(&format!(", … ({} in all)", seqs.len()));
    }
    s
}

/// `s` with its first letter in upper case.
pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
}

/// The first sentence of `text`, for summaries: up to the first `. ` outside parentheses that does
/// not end an abbreviation (`et al.`, `e.g.`), or the whole text.
pub fn first_sentence(text: &str) -> &str {
    const ABBREVIATIONS: [&str; 7] = ["al", "e.g", "i.e", "cf", "vs", "etc", "approx"];
    let text = text.trim();
    let mut depth = 0i32;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            '.' if depth <= 0 && text[i + 1..].starts_with(' ') => {
                let word = text[..i].rsplit([' ', '(']).next().unwrap_or_default();
                if !ABBREVIATIONS.contains(&word) {
                    return &text[..=i];
                }
            }
            _ => {}
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings() {
        assert_eq!(interval(1.04, 2.06), "1.0 to 2.1");
        assert_eq!(pct(0.2044), "20.4%");
        assert_eq!(opt(None), "-");
        assert_eq!(evidence(&[1, 2]), "1, 2");
        assert_eq!(evidence(&(0..13).collect::<Vec<_>>()), "0, 1, 2, 3, 4, 5, 6, 7, 8, 9, … (13 in all)");
        assert_eq!(first_sentence("One. Two."), "One.");
        assert_eq!(first_sentence("No stop"), "No stop");
        assert_eq!(first_sentence("Fair (see Chiang et al. 2024). More."), "Fair (see Chiang et al. 2024).");
        assert_eq!(
            first_sentence("Rates (e.g. 3.5 a day. Or less) differ. More."),
            "Rates (e.g. 3.5 a day. Or less) differ."
        );
        assert_eq!(capitalise("votes"), "Votes");
    }
}
