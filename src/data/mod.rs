//! Datasets for training, calibration and evaluation: `.npy` and `.csv` loaders, the
//! built-in datasets (seed-style random data, scikit-learn's digits) and a seeded
//! train / test split.
//!
//! Every loader returns a [`Dataset`]: row-major float32 features and int32 class labels.
//! Bad input is an [`Error`] whose message names the file, the row and the column, so the
//! page can show it next to the control that received the file.

mod builtin;
mod csv;
mod npy;
mod npy_header;

pub use builtin::{digits, random, DIGITS_FEATURES, DIGITS_ROWS};
pub use csv::{load_csv, CsvOptions, LabelColumn};
pub use npy::{load_npy, load_npy_unlabelled, npy_features, npy_labels, npy_sample_shape};

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::error::{Error, Result};

/// A dataset: `rows × features` float32 values (row-major) and one label per row, or no
/// labels at all (`y` empty, `classes` 0): representative data for calibration only.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    pub x: Vec<f32>,
    pub y: Vec<i32>,
    pub features: usize,
    /// `max(label) + 1` (or the number of class names).
    pub classes: usize,
    /// Column names (from a CSV header); empty when the source has none.
    pub feature_names: Vec<String>,
    /// Class names when the labels were text (index = class id); empty otherwise.
    pub class_names: Vec<String>,
}

impl Dataset {
    /// Builds a dataset, checking lengths, finiteness and labels (non-negative).
    pub fn new(x: Vec<f32>, y: Vec<i32>, features: usize) -> Result<Self> {
        if features == 0 {
            return Err(Error::invalid("the data has no feature columns"));
        }
        if y.is_empty() {
            return Err(Error::invalid("the data has no rows"));
        }
        if x.len() != y.len() * features {
            return Err(Error::invalid(format!(
                "{} feature rows but {} labels",
                x.len() / features,
                y.len()
            )));
        }
        if let Some(i) = x.iter().position(|v| !v.is_finite()) {
            return Err(Error::invalid(format!(
                "row {}, column {}: {} is not a finite number",
                i / features + 1,
                i % features + 1,
                x[i]
            )));
        }
        if let Some(i) = y.iter().position(|&v| v < 0) {
            return Err(Error::invalid(format!(
                "label {} at row {} is negative: labels are class indices 0, 1, 2, …",
                y[i],
                i + 1
            )));
        }
        let classes = y.iter().copied().max().unwrap_or(0) as usize + 1;
        Ok(Dataset {
            x,
            y,
            features,
            classes,
            feature_names: Vec::new(),
            class_names: Vec::new(),
        })
    }

    /// Features only, no labels: representative data for calibration (and for comparing
    /// a quantized model with its float reference, which needs no labels either).
    pub fn unlabelled(x: Vec<f32>, features: usize) -> Result<Self> {
        if features == 0 {
            return Err(Error::invalid("the data has no feature columns"));
        }
        if x.is_empty() || !x.len().is_multiple_of(features) {
            return Err(Error::invalid(format!(
                "{} values do not make whole rows of {features} features",
                x.len()
            )));
        }
        if let Some(i) = x.iter().position(|v| !v.is_finite()) {
            return Err(Error::invalid(format!(
                "row {}, column {}: {} is not a finite number",
                i / features + 1,
                i % features + 1,
                x[i]
            )));
        }
        Ok(Dataset {
            x,
            y: Vec::new(),
            features,
            classes: 0,
            feature_names: Vec::new(),
            class_names: Vec::new(),
        })
    }

    pub fn rows(&self) -> usize {
        self.x.len().checked_div(self.features).unwrap_or(0)
    }

    /// True when every row has a label.
    pub fn labelled(&self) -> bool {
        !self.y.is_empty()
    }

    /// Checks that the data fits a model with `features` inputs and `classes` outputs.
    pub fn check_for_model(&self, features: usize, classes: usize) -> Result<()> {
        check_for_model(&self.y, self.features, features, classes)
    }

    /// The rows at `idx`, in that order.
    pub fn select(&self, idx: &[usize]) -> Dataset {
        let f = self.features;
        let mut x = Vec::with_capacity(idx.len() * f);
        for &i in idx {
            x.extend_from_slice(&self.x[i * f..(i + 1) * f]);
        }
        Dataset {
            x,
            y: if self.labelled() {
                idx.iter().map(|&i| self.y[i]).collect()
            } else {
                Vec::new()
            },
            features: f,
            classes: self.classes,
            feature_names: self.feature_names.clone(),
            class_names: self.class_names.clone(),
        }
    }
}

/// Checks labels `y` and a feature count against a model with `model_features` inputs and
/// `model_classes` outputs.
pub fn check_for_model(
    y: &[i32],
    features: usize,
    model_features: usize,
    model_classes: usize,
) -> Result<()> {
    if features != model_features {
        return Err(Error::invalid(format!(
            "the data has {features} features per row, the model takes {model_features}"
        )));
    }
    if let Some(i) = y.iter().position(|&l| l < 0 || l as usize >= model_classes) {
        return Err(Error::invalid(format!(
            "label {} at row {} is outside 0..{} (the model has {} outputs)",
            y[i],
            i + 1,
            model_classes.saturating_sub(1),
            model_classes
        )));
    }
    Ok(())
}

/// Shuffles the rows with `seed` and splits them: `(train, test)` with
/// `round(rows · test_fraction)` test rows (at least 1 and at most rows − 1 when
/// `0 < test_fraction < 1`).
pub fn train_test_split(ds: &Dataset, test_fraction: f64, seed: u64) -> Result<(Dataset, Dataset)> {
    if !(0.0..1.0).contains(&test_fraction) {
        return Err(Error::invalid(format!(
            "test fraction {test_fraction} must be in [0, 1)"
        )));
    }
    let n = ds.rows();
    let mut n_test = (n as f64 * test_fraction).round() as usize;
    if test_fraction > 0.0 {
        if n < 2 {
            return Err(Error::invalid(format!(
                "cannot split {n} row(s) into a training and a test set"
            )));
        }
        n_test = n_test.clamp(1, n - 1);
    }
    let mut idx: Vec<usize> = (0..n).collect();
    idx.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let (test, train) = idx.split_at(n_test);
    Ok((ds.select(train), ds.select(test)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ds(n: usize) -> Dataset {
        let x = (0..n * 2).map(|v| v as f32).collect();
        let y = (0..n).map(|v| (v % 3) as i32).collect();
        Dataset::new(x, y, 2).unwrap()
    }

    #[test]
    fn unlabelled_data_splits_and_checks() {
        let d = Dataset::unlabelled((0..12).map(|v| v as f32).collect(), 3).unwrap();
        assert_eq!((d.rows(), d.labelled(), d.classes), (4, false, 0));
        let (a, b) = train_test_split(&d, 0.25, 1).unwrap();
        assert_eq!((a.rows(), b.rows(), a.y.len()), (3, 1, 0));
        let e = Dataset::unlabelled(vec![0.0; 5], 2).unwrap_err();
        assert!(
            e.to_string()
                .contains("5 values do not make whole rows of 2"),
            "{e}"
        );
        let e = Dataset::unlabelled(vec![0.0, f32::NAN], 2).unwrap_err();
        assert!(e.to_string().contains("row 1, column 2: NaN"), "{e}");
    }

    #[test]
    fn split_is_seeded_and_partitions_rows() {
        let d = ds(10);
        let (a, b) = train_test_split(&d, 0.2, 7).unwrap();
        assert_eq!((a.rows(), b.rows()), (8, 2));
        let (a2, b2) = train_test_split(&d, 0.2, 7).unwrap();
        assert_eq!((a.clone(), b.clone()), (a2, b2));
        let (a3, _) = train_test_split(&d, 0.2, 8).unwrap();
        assert_ne!(a.x, a3.x);
        let mut firsts: Vec<i64> =
            a.x.chunks(2)
                .chain(b.x.chunks(2))
                .map(|r| r[0] as i64)
                .collect();
        firsts.sort();
        assert_eq!(firsts, (0..10).map(|v| v * 2).collect::<Vec<_>>());
        // rows keep their label
        for (r, &l) in a.x.chunks(2).zip(&a.y) {
            assert_eq!(((r[0] as usize) / 2 % 3) as i32, l);
        }
        assert_eq!(train_test_split(&d, 0.0, 1).unwrap().1.rows(), 0);
        assert!(train_test_split(&d, 1.0, 1).is_err());
        assert_eq!(train_test_split(&ds(2), 0.01, 1).unwrap().1.rows(), 1);
    }

    #[test]
    fn model_checks_say_what_is_wrong() {
        let d = ds(5);
        let e = d.check_for_model(3, 10).unwrap_err().to_string();
        assert!(e.contains("2 features per row, the model takes 3"), "{e}");
        let e = d.check_for_model(2, 2).unwrap_err().to_string();
        assert!(e.contains("label 2 at row 3 is outside 0..1"), "{e}");
        d.check_for_model(2, 3).unwrap();
    }

    #[test]
    fn dataset_rejects_bad_values() {
        assert!(Dataset::new(vec![f32::NAN, 1.0], vec![0], 2)
            .unwrap_err()
            .to_string()
            .contains("row 1, column 1"));
        assert!(Dataset::new(vec![1.0, 1.0], vec![-1], 2)
            .unwrap_err()
            .to_string()
            .contains("negative"));
        assert!(Dataset::new(vec![1.0; 3], vec![0], 2).is_err());
    }
}
