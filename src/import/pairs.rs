//! Per-pair counts: a CSV `model_a,model_b,a_wins,b_wins,ties,ties_bothbad`, as the leaderbot
//! package publishes Chatbot Arena's battles (`ties_bothbad` may be left out). Both tie columns count
//! as ties. The counts carry no dates, so they are recorded as one period, which must be given. A pair listed twice (in either orientation) is added up.

use std::io::Read;

use super::{Battles, ImportError, Span};

const COLUMNS: [&str; 6] = ["model_a", "model_b", "a_wins", "b_wins", "ties", "ties_bothbad"];

/// Reads pair counts from `reader` (named `file` in errors) into one `period`.
pub fn read(file: &str, reader: impl Read, period: Option<Span>) -> Result<Battles, ImportError> {
    let Some(span) = period else {
        return Err(ImportError::NoPeriod { file: file.to_owned(), why: "pair counts carry no dates".into() });
    };
    let bad =
        |line: u64, message: String| ImportError::Record { file: file.to_owned(), at: format!("line {line}"), message };
    let mut csv = csv::ReaderBuilder::new().has_headers(true).trim(csv::Trim::All).from_reader(reader);
    let headers = csv.headers().map_err(|e| bad(1, format!("unreadable CSV header: {e}")))?.clone();
    let mut index = [usize::MAX; 6];
    for (k, name) in COLUMNS.iter().enumerate() {
        match headers.iter().position(|h| h == *name) {
            Some(i) => index[k] = i,
            None if *name == "ties_bothbad" => {}
            None => return Err(bad(1, format!("expected the header `{}`; `{name}` is missing", COLUMNS.join(",")))),
        }
    }
    let mut battles = Battles::default();
    for row in csv.records() {
        let row = row.map_err(|e| bad(e.position().map_or(0, |p| p.line()), format!("malformed CSV row: {e}")))?;
        let line = row.position().map_or(0, |p| p.line());
        let cell = |k: usize| row.get(index[k]).unwrap_or("");
        let count = |k: usize| -> Result<u64, ImportError> {
            if index[k] == usize::MAX {
                return Ok(0);
            }
            cell(k)
                .parse()
                .map_err(|_| bad(line, format!("`{}` is `{}`; expected a non-negative integer", COLUMNS[k], cell(k))))
        };
        let (a, b) = (cell(0), cell(1));
        super::check_model_id(file, || format!("line {line}"), "model_a", a)?;
        super::check_model_id(file, || format!("line {line}"), "model_b", b)?;
        let ties = count(4)?.checked_add(count(5)?).ok_or_else(|| bad(line, "tie counts overflow".into()))?;
        battles.add(span, a, b, count(2)?, count(3)?, ties);
    }
    Ok(battles)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_counts_into_one_period() {
        let input = "model_a,model_b,a_wins,b_wins,ties,ties_bothbad\nx,y,3,1,2,1\ny,x,1,0,0,0\n";
        let b = read("p.csv", input.as_bytes(), Some((0, 1000))).unwrap();
        assert_eq!(b.periods[&(0, 1000)][&("x".to_owned(), "y".to_owned())], (3, 2, 3));
        assert_eq!(b.kept, 8);
        let no_bothbad =
            read("p.csv", "model_a,model_b,a_wins,b_wins,ties\nx,y,3,1,2\n".as_bytes(), Some((0, 1))).unwrap();
        assert_eq!(no_bothbad.kept, 6);
    }

    #[test]
    fn errors_name_the_line_and_what_was_expected() {
        let err =
            read("p.csv", "model_a,model_b,a_wins,b_wins,ties\nx,y,3,-1,2\n".as_bytes(), Some((0, 1))).unwrap_err();
        assert_eq!(err.to_string(), "p.csv: line 2: `b_wins` is `-1`; expected a non-negative integer");
        let err = read("p.csv", "a,b\n".as_bytes(), Some((0, 1))).unwrap_err().to_string();
        assert!(err.starts_with("p.csv: line 1: expected the header"), "{err}");
        let err = read("p.csv", "model_a,model_b,a_wins,b_wins,ties\n".as_bytes(), None).unwrap_err().to_string();
        assert!(err.contains("the period the data covers must be given"), "{err}");
        let err = read("p.csv", "model_a,model_b,a_wins,b_wins,ties\nx,y,1\n".as_bytes(), Some((0, 1)))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("p.csv: line 2: malformed CSV row"), "{err}");
    }
}
