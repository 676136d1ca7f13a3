//! One escaping rule per output context. HTML text and attributes are escaped by maud's types
//! (`(expr)` escapes; raw markup needs an explicit `PreEscaped`), so only the other contexts are here.

/// Markdown table cell text: `|` escaped, newlines folded to spaces.
pub fn markdown(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// JSON to embed in `<script type="application/json">`: serde_json's text with `<`, `>`, `&` and
/// U+2028/U+2029 written as `\u` escapes, so no value can close the element or open a comment, and
/// `JSON.parse` of the element's text gives back the value unchanged.
pub fn json_in_script(value: &serde_json::Value) -> String {
    let text = value.to_string();
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Terminal text: control characters (which could move the cursor or recolour the terminal; model
/// ids and messages are free text) shown as `\u{..}`; newlines and tabs kept.
pub fn terminal(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return s.into();
    }
    s.chars()
        .map(
            |c| if c.is_control() && c != '\n' && c != '\t' { format!("\\u{{{:x}}}", c as u32) } else { c.to_string() },
        )
        .collect::<String>()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_cannot_close_the_element() {
        let v = serde_json::json!({"model": "</script><!--&\u{2028}"});
        let s = json_in_script(&v);
        assert!(!s.contains('<') && !s.contains('>') && !s.contains('&'));
        assert_eq!(serde_json::from_str::<serde_json::Value>(&s).unwrap(), v);
    }

    #[test]
    fn terminal_control_characters() {
        assert_eq!(terminal("a\u{1b}[31mb\n"), "a\\u{1b}[31mb\n");
        assert_eq!(terminal("plain"), "plain");
        assert_eq!(markdown("a|b\nc"), "a\\|b c");
    }
}
