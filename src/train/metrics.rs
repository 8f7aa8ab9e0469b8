//! Metrics: `"accuracy"` with integer labels, i.e. Keras's `sparse_categorical_accuracy`
//! (`argmax(y_pred) == y_true`), computed on the model output of the forward pass.

/// Index of the largest value; ties go to the first, as `tf.argmax` does on CPU.
pub(crate) fn argmax(row: &[f32]) -> usize {
    let mut best = 0;
    for (j, &v) in row.iter().enumerate().skip(1) {
        if v > row[best] {
            best = j;
        }
    }
    best
}

/// How many rows of `outputs` (`[n, classes]`) have their argmax equal to the label.
pub(crate) fn count_correct(outputs: &[f32], labels: &[i32], classes: usize) -> usize {
    outputs
        .chunks_exact(classes)
        .zip(labels)
        .filter(|(row, &label)| argmax(row) as i64 == i64::from(label))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argmax_first_on_ties() {
        assert_eq!(argmax(&[0.1, 0.7, 0.2]), 1);
        assert_eq!(argmax(&[0.4, 0.4, 0.2]), 0);
        assert_eq!(argmax(&[0.2, 0.4, 0.4]), 1);
        assert_eq!(argmax(&[5.0]), 0);
    }

    #[test]
    fn counts() {
        let out = [0.9, 0.1, 0.3, 0.7, 0.5, 0.5];
        assert_eq!(count_correct(&out, &[0, 1, 1], 2), 2);
    }
}
