//! Plain-text building blocks shared by the terminal renderings.

/// A left-aligned text table: columns two spaces apart, no trailing blanks.
pub fn table<R: AsRef<[String]>>(header: &[&str], rows: &[R]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row.as_ref()) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        padded.join("  ").trim_end().to_owned() + "\n"
    };
    let mut out = line(header.to_vec());
    for row in rows {
        out.push_str(&line(row.as_ref().iter().map(String::as_str).collect()));
    }
    out
}

/// [`table`], with the cells of column `flexible` cut (ending in `…`) so that no line is wider than
/// `width` where that is possible (cells keep at least 8 characters): for the terminal summary,
/// whose full tables are in the complete forms.
pub fn table_fitting<R: AsRef<[String]>>(header: &[&str], rows: &[R], width: usize, flexible: usize) -> String {
    let widths = |cells: &dyn Fn(usize) -> usize| -> usize {
        (0..header.len()).map(cells).sum::<usize>() + 2 * header.len().saturating_sub(1)
    };
    let col = |c: usize| {
        rows.iter()
            .map(|r| r.as_ref().get(c).map_or(0, |s| s.chars().count()))
            .chain(std::iter::once(header.get(c).map_or(0, |h| h.chars().count())))
            .max()
            .unwrap_or(0)
    };
    let total = widths(&col);
    if total <= width {
        return table(header, rows);
    }
    let keep = col(flexible).saturating_sub(total - width).max(8);
    let cut: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            r.as_ref()
                .iter()
                .enumerate()
                .map(|(c, s)| {
                    if c == flexible && s.chars().count() > keep {
                        s.chars().take(keep - 1).collect::<String>() + "…"
                    } else {
                        s.clone()
                    }
                })
                .collect()
        })
        .collect();
    table(header, &cut)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fitting_table_cuts_only_its_flexible_column() {
        let rows = vec![vec!["1".to_owned(), "sealed-937f5fbb7ae1f1021bf026ab".to_owned(), "1210.3".to_owned()]];
        let t = table_fitting(&["rank", "model", "rating"], &rows, 30, 1);
        assert!(t.lines().all(|l| l.chars().count() <= 30), "{t}");
        assert!(t.contains("sealed-937f5fbb…"), "{t}");
        assert_eq!(
            table_fitting(&["rank", "model", "rating"], &rows, 100, 1),
            table(&["rank", "model", "rating"], &rows)
        );
    }
}
