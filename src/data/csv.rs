//! `.csv` datasets (read with the `csv` crate): one row per sample, numeric feature columns
//! and one label column chosen by name or index. A header row is detected (a first row with
//! a field that is not a number) or forced. Labels are class indices, or text class names
//! mapped to 0, 1, 2, … in sorted order. Rows are counted as in a spreadsheet: row 1 is the
//! first line of the file (the header, when there is one).

use std::collections::BTreeSet;

use super::Dataset;
use crate::error::{Error, Result};

/// Which column holds the labels.
#[derive(Clone, Debug, PartialEq)]
pub enum LabelColumn {
    /// The last column (the default).
    Last,
    /// By 0-based index; negative counts from the end (−1 is the last column).
    Index(i64),
    /// By header name.
    Name(String),
    /// No label column: every column is a feature (representative data only).
    None,
}

/// How to read a CSV file.
#[derive(Clone, Debug, PartialEq)]
pub struct CsvOptions {
    pub label: LabelColumn,
    /// `None`: detect; `Some(true)`: the first row is a header; `Some(false)`: it is data.
    pub header: Option<bool>,
    pub delimiter: u8,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            label: LabelColumn::Last,
            header: None,
            delimiter: b',',
        }
    }
}

fn is_number(s: &str) -> bool {
    s.trim().parse::<f64>().is_ok()
}

/// Reads a labelled dataset from CSV bytes; `what` names the file in messages.
pub fn load_csv(what: &str, bytes: &[u8], opts: &CsvOptions) -> Result<Dataset> {
    let mut rdr = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(opts.delimiter)
        .trim(::csv::Trim::All)
        .from_reader(bytes);
    let mut rows: Vec<(u64, Vec<String>)> = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| Error::invalid(format!("{what}: {}", csv_error(&e))))?;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        // Skip blank lines (a trailing newline at the end of the file is not a row).
        if rec.len() == 1 && rec[0].is_empty() {
            continue;
        }
        rows.push((line, rec.iter().map(str::to_string).collect()));
    }
    let Some((_, first)) = rows.first() else {
        return Err(Error::invalid(format!("{what}: the file has no rows")));
    };
    let width = first.len();
    let header = opts
        .header
        .unwrap_or_else(|| first.iter().any(|f| !is_number(f)));
    let names: Vec<String> = if header {
        first.clone()
    } else {
        (1..=width).map(|i| format!("column {i}")).collect()
    };
    let unlabelled = opts.label == LabelColumn::None;
    if width < 2 && !unlabelled {
        return Err(Error::invalid(format!(
            "{what}: row 1 has {width} field(s): a dataset needs at least one feature column and a label column"
        )));
    }
    let label = match &opts.label {
        LabelColumn::None => usize::MAX,
        LabelColumn::Last => width - 1,
        LabelColumn::Index(i) => {
            let k = if *i < 0 { width as i64 + i } else { *i };
            if k < 0 || k >= width as i64 {
                return Err(Error::invalid(format!(
                    "{what}: label column index {i} is outside the {width} columns (0..{})",
                    width - 1
                )));
            }
            k as usize
        }
        LabelColumn::Name(n) => {
            if !header {
                return Err(Error::invalid(format!(
                    "{what}: the label column is named '{n}', but the file has no header row"
                )));
            }
            names.iter().position(|h| h == n).ok_or_else(|| {
                Error::invalid(format!(
                    "{what}: no column named '{n}' (the header has: {})",
                    names.join(", ")
                ))
            })?
        }
    };
    let data = &rows[usize::from(header)..];
    if data.is_empty() {
        return Err(Error::invalid(format!(
            "{what}: the file has a header but no data rows"
        )));
    }
    let features = if unlabelled { width } else { width - 1 };
    let mut x = Vec::with_capacity(data.len() * features);
    let mut raw_labels = Vec::with_capacity(data.len());
    for (line, rec) in data {
        if rec.len() != width {
            return Err(Error::invalid(format!(
                "{what}: row {line} has {} fields, expected {width}",
                rec.len()
            )));
        }
        for (c, field) in rec.iter().enumerate() {
            if c == label {
                raw_labels.push((line, field.as_str()));
                continue;
            }
            let col = &names[c];
            if field.is_empty() {
                return Err(Error::invalid(format!(
                    "{what}: row {line}, column '{col}' is empty"
                )));
            }
            let v: f64 = field.parse().map_err(|_| {
                Error::invalid(format!(
                    "{what}: row {line}, column '{col}': '{field}' is not a number"
                ))
            })?;
            if !v.is_finite() || !(v as f32).is_finite() {
                return Err(Error::invalid(format!(
                    "{what}: row {line}, column '{col}': '{field}' is not a finite number"
                )));
            }
            x.push(v as f32);
        }
    }
    if unlabelled {
        let mut d =
            Dataset::unlabelled(x, features).map_err(|e| Error::invalid(format!("{what}: {e}")))?;
        if header {
            d.feature_names = names;
        }
        return Ok(d);
    }
    // Labels: whole numbers ≥ 0, or class names.
    let numeric = raw_labels.iter().all(|(_, l)| is_number(l));
    let label_name = &names[label];
    let (y, class_names) = if numeric {
        let mut y = Vec::with_capacity(raw_labels.len());
        for (line, l) in &raw_labels {
            let v: f64 = l.parse().unwrap_or(f64::NAN);
            if v.fract() != 0.0 || v < 0.0 || v > i32::MAX as f64 {
                return Err(Error::invalid(format!(
                    "{what}: row {line}, label column '{label_name}': '{l}' is not a class index (0, 1, 2, …)"
                )));
            }
            y.push(v as i32);
        }
        (y, Vec::new())
    } else {
        if let Some((line, _)) = raw_labels.iter().find(|(_, l)| l.is_empty()) {
            return Err(Error::invalid(format!(
                "{what}: row {line}, label column '{label_name}' is empty"
            )));
        }
        let classes: Vec<String> = raw_labels
            .iter()
            .map(|(_, l)| l.to_string())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let y = raw_labels
            .iter()
            .map(|(_, l)| classes.iter().position(|c| c == l).unwrap_or(0) as i32)
            .collect();
        (y, classes)
    };
    let mut d = Dataset::new(x, y, features).map_err(|e| Error::invalid(format!("{what}: {e}")))?;
    if !class_names.is_empty() {
        d.classes = class_names.len();
    }
    d.class_names = class_names;
    if header {
        d.feature_names = names
            .iter()
            .enumerate()
            .filter(|&(c, _)| c != label)
            .map(|(_, n)| n.clone())
            .collect();
    }
    Ok(d)
}

fn csv_error(e: &::csv::Error) -> String {
    match e.kind() {
        ::csv::ErrorKind::Utf8 { pos, .. } => format!(
            "row {}: the file is not UTF-8 text (is it a CSV file?)",
            pos.as_ref().map(|p| p.line()).unwrap_or(0)
        ),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(s: &str, label: LabelColumn) -> Result<Dataset> {
        load_csv(
            "data.csv",
            s.as_bytes(),
            &CsvOptions {
                label,
                ..Default::default()
            },
        )
    }

    #[test]
    fn no_label_column_makes_representative_data() {
        let d = load("x\n0.5\n6.25\n", LabelColumn::None).unwrap();
        assert_eq!((d.x.clone(), d.features, d.rows()), (vec![0.5, 6.25], 1, 2));
        assert!(!d.labelled());
        assert_eq!(d.feature_names, vec!["x"]);
        let e = load("a,b\n1,2\n3,x\n", LabelColumn::None).unwrap_err();
        assert!(
            e.to_string()
                .contains("row 3, column 'b': 'x' is not a number"),
            "{e}"
        );
    }

    #[test]
    fn header_label_by_name_index_and_last() {
        let s = "x1,label,x2\n1,0,2\n3,2,4.5\n\n";
        let d = load(s, LabelColumn::Name("label".into())).unwrap();
        assert_eq!(
            (d.x.clone(), d.y.clone(), d.features, d.classes),
            (vec![1., 2., 3., 4.5], vec![0, 2], 2, 3)
        );
        assert_eq!(d.feature_names, vec!["x1", "x2"]);
        assert_eq!(load(s, LabelColumn::Index(1)).unwrap(), d);
        assert_eq!(load(s, LabelColumn::Index(-2)).unwrap(), d);
        let n = load("1,2,0\n3,4,1\n", LabelColumn::Last).unwrap();
        assert_eq!(
            (n.x.clone(), n.y.clone(), n.rows()),
            (vec![1., 2., 3., 4.], vec![0, 1], 2)
        );
        assert!(n.feature_names.is_empty());
        let forced = load_csv(
            "d",
            b"1,2,0\n3,4,1\n",
            &CsvOptions {
                header: Some(true),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(forced.rows(), 1);
    }

    #[test]
    fn text_labels_become_sorted_classes() {
        let d = load(
            "a,b,species\n1,2,virginica\n3,4,setosa\n5,6,virginica\n",
            LabelColumn::Last,
        )
        .unwrap();
        assert_eq!(d.y, vec![1, 0, 1]);
        assert_eq!(d.class_names, vec!["setosa", "virginica"]);
        assert_eq!(d.classes, 2);
    }

    #[test]
    fn bad_csv_says_where() {
        let e = |s: &str| load(s, LabelColumn::Last).unwrap_err().to_string();
        assert!(e("a,b,c\n1,2,0\n1,2\n").contains("data.csv: row 3 has 2 fields, expected 3"));
        let t = e("x1,x2,x3,y\n1,2,3,0\n1,2,3,1\n4,5,abc,1\n");
        assert!(
            t.contains("row 4, column 'x3': 'abc' is not a number"),
            "{t}"
        );
        assert!(e("a,b,y\n1,nan,0\n").contains("row 2, column 'b': 'nan' is not a finite number"));
        assert!(e("a,b,y\n1,,0\n").contains("row 2, column 'b' is empty"));
        assert!(e("a,b,y\n1,2,0.5\n").contains("'0.5' is not a class index"));
        assert!(e("a,b,y\n1,2,-1\n").contains("'-1' is not a class index"));
        assert!(e("").contains("no rows"));
        assert!(e("a,b,y\n").contains("no data rows"));
        assert!(e("1\n2\n").contains("at least one feature column"));
        let n = load("a,b,y\n1,2,0\n", LabelColumn::Name("label".into()))
            .unwrap_err()
            .to_string();
        assert!(
            n.contains("no column named 'label' (the header has: a, b, y)"),
            "{n}"
        );
        assert!(load("1,2,0\n", LabelColumn::Index(5))
            .unwrap_err()
            .to_string()
            .contains("outside the 3 columns"));
        let bin = load_csv(
            "x.csv",
            &[0x93, b'N', 0xff, 0xfe, b'\n'],
            &CsvOptions::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(bin.contains("not UTF-8"), "{bin}");
    }
}
