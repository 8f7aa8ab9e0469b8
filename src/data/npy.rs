//! `.npy` files (NumPy's format, read with the `npyz` crate): features `[N, F]` (or
//! `[N, d1, d2, …]`, flattened per row) of float32/float64/int/uint/bool, and labels `[N]`
//! (or `[N, 1]`) of integers (or floats holding whole numbers).

use npyz::{DType, NpyFile, NpyHeader, Order, TypeChar};

use super::Dataset;
use crate::error::{Error, Result};

fn header(what: &str, bytes: &[u8]) -> Result<(NpyHeader, usize)> {
    if !bytes.starts_with(b"\x93NUMPY") {
        return Err(Error::invalid(format!(
            "{what}: not a .npy file (it does not start with the \\x93NUMPY magic)"
        )));
    }
    let mut r: &[u8] = bytes;
    let h = NpyHeader::from_reader(&mut r)
        .map_err(|e| Error::invalid(format!("{what}: bad .npy header: {e}")))?;
    Ok((h, bytes.len() - r.len()))
}

/// Values of any supported numeric dtype, as f64 (exact for every integer a label can be
/// and every float32/float64), in C order.
fn values(what: &str, bytes: &[u8]) -> Result<(Vec<f64>, Vec<u64>, TypeChar)> {
    let (h, offset) = header(what, bytes)?;
    let DType::Plain(ts) = h.dtype() else {
        return Err(Error::invalid(format!(
            "{what}: structured .npy arrays are not supported; save a plain numeric array"
        )));
    };
    let (tc, size) = (ts.type_char(), ts.size_field());
    let supported = matches!(
        (tc, size),
        (TypeChar::Float, 4 | 8)
            | (TypeChar::Int | TypeChar::Uint, 1 | 2 | 4 | 8)
            | (TypeChar::Bool, 1)
    );
    if !supported {
        return Err(Error::invalid(format!(
            "{what}: unsupported .npy dtype '{ts}': use float32, float64, int8–int64, uint8–uint64 or bool"
        )));
    }
    let shape = h.shape().to_vec();
    let n = h.len() as usize;
    let need = n.checked_mul(size as usize);
    let have = bytes.len() - offset;
    if need.is_none_or(|need| need > have) {
        return Err(Error::invalid(format!(
            "{what}: the file is truncated: shape {shape:?} of '{ts}' needs {} bytes of data, the file has {have}",
            n.saturating_mul(size as usize)
        )));
    }
    let order = h.order();
    let file = NpyFile::with_header(h, &bytes[offset..]);
    let io = |e: std::io::Error| Error::invalid(format!("{what}: cannot read the data: {e}"));
    let mut v: Vec<f64> = match (tc, size) {
        (TypeChar::Float, 4) => file
            .into_vec::<f32>()
            .map_err(io)?
            .into_iter()
            .map(f64::from)
            .collect(),
        (TypeChar::Float, _) => file.into_vec::<f64>().map_err(io)?,
        (TypeChar::Int, 1) => file
            .into_vec::<i8>()
            .map_err(io)?
            .into_iter()
            .map(f64::from)
            .collect(),
        (TypeChar::Int, 2) => file
            .into_vec::<i16>()
            .map_err(io)?
            .into_iter()
            .map(f64::from)
            .collect(),
        (TypeChar::Int, 4) => file
            .into_vec::<i32>()
            .map_err(io)?
            .into_iter()
            .map(f64::from)
            .collect(),
        (TypeChar::Int, _) => file
            .into_vec::<i64>()
            .map_err(io)?
            .into_iter()
            .map(|v| v as f64)
            .collect(),
        (TypeChar::Uint, 1) => file
            .into_vec::<u8>()
            .map_err(io)?
            .into_iter()
            .map(f64::from)
            .collect(),
        (TypeChar::Uint, 2) => file
            .into_vec::<u16>()
            .map_err(io)?
            .into_iter()
            .map(f64::from)
            .collect(),
        (TypeChar::Uint, 4) => file
            .into_vec::<u32>()
            .map_err(io)?
            .into_iter()
            .map(f64::from)
            .collect(),
        (TypeChar::Uint, _) => file
            .into_vec::<u64>()
            .map_err(io)?
            .into_iter()
            .map(|v| v as f64)
            .collect(),
        _ => file
            .into_vec::<bool>()
            .map_err(io)?
            .into_iter()
            .map(|b| f64::from(u8::from(b)))
            .collect(),
    };
    if order == Order::Fortran && shape.len() > 1 {
        v = fortran_to_c(&v, &shape);
    }
    Ok((v, shape, tc))
}

/// Reorders a Fortran-order (column-major) array into C order.
fn fortran_to_c(v: &[f64], shape: &[u64]) -> Vec<f64> {
    let dims: Vec<usize> = shape.iter().map(|&d| d as usize).collect();
    let mut out = vec![0.0; v.len()];
    let mut idx = vec![0usize; dims.len()];
    for (c, slot) in out.iter_mut().enumerate() {
        // c → multi-index (C order) → Fortran offset
        let mut rem = c;
        for k in (0..dims.len()).rev() {
            idx[k] = rem % dims[k];
            rem /= dims[k];
        }
        let mut f = 0;
        for k in (0..dims.len()).rev() {
            f = f * dims[k] + idx[k];
        }
        *slot = v[f];
    }
    out
}

/// Features from a `.npy` file: `(values, rows, features)`.
pub fn npy_features(what: &str, bytes: &[u8]) -> Result<(Vec<f32>, usize, usize)> {
    let (v, shape, _) = values(what, bytes)?;
    if shape.len() < 2 {
        return Err(Error::invalid(format!(
            "{what}: features must be a 2-D array [rows, features], got shape {shape:?}"
        )));
    }
    let rows = shape[0] as usize;
    let features = shape[1..].iter().product::<u64>() as usize;
    if rows == 0 || features == 0 {
        return Err(Error::invalid(format!(
            "{what}: the array is empty (shape {shape:?})"
        )));
    }
    let x: Vec<f32> = v.iter().map(|&f| f as f32).collect();
    if let Some(i) = x.iter().position(|f| !f.is_finite()) {
        return Err(Error::invalid(format!(
            "{what}: row {}, column {}: {} is not a finite number",
            i / features + 1,
            i % features + 1,
            v[i]
        )));
    }
    Ok((x, rows, features))
}

/// Class labels from a `.npy` file: `[N]` or `[N, 1]`, integers ≥ 0 (floats must be whole).
pub fn npy_labels(what: &str, bytes: &[u8]) -> Result<Vec<i32>> {
    let (v, shape, tc) = values(what, bytes)?;
    let ok_shape = shape.len() == 1 || (shape.len() == 2 && shape[1] == 1);
    if !ok_shape {
        return Err(Error::invalid(format!(
            "{what}: labels must be a 1-D array [rows] of class indices, got shape {shape:?}"
        )));
    }
    v.iter()
        .enumerate()
        .map(|(i, &l)| {
            if l.fract() != 0.0 || !l.is_finite() {
                Err(Error::invalid(format!(
                    "{what}: label {l} at row {} is not a whole number (labels are class indices{})",
                    i + 1,
                    if tc == TypeChar::Float { "; the array is float" } else { "" }
                )))
            } else if l < 0.0 || l > i32::MAX as f64 {
                Err(Error::invalid(format!(
                    "{what}: label {l} at row {} is out of range: labels are class indices 0, 1, 2, …",
                    i + 1
                )))
            } else {
                Ok(l as i32)
            }
        })
        .collect()
}

/// A dataset from a features `.npy` and a labels `.npy`.
pub fn load_npy(x_bytes: &[u8], y_bytes: &[u8]) -> Result<Dataset> {
    let (x, rows, features) = npy_features("features .npy", x_bytes)?;
    let y = npy_labels("labels .npy", y_bytes)?;
    if y.len() != rows {
        return Err(Error::invalid(format!(
            "the features .npy has {rows} rows but the labels .npy has {} labels",
            y.len()
        )));
    }
    Dataset::new(x, y, features)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal .npy (version 1.0) with the given descr, shape and raw data.
    pub(crate) fn npy(descr: &str, shape: &[usize], fortran: bool, data: &[u8]) -> Vec<u8> {
        let shape_s = match shape.len() {
            1 => format!("({},)", shape[0]),
            _ => format!(
                "({})",
                shape
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let mut h = format!(
            "{{'descr': '{descr}', 'fortran_order': {}, 'shape': {shape_s}, }}",
            if fortran { "True" } else { "False" }
        );
        while (10 + h.len() + 1) % 64 != 0 {
            h.push(' ');
        }
        h.push('\n');
        let mut out = b"\x93NUMPY\x01\x00".to_vec();
        out.extend_from_slice(&(h.len() as u16).to_le_bytes());
        out.extend_from_slice(h.as_bytes());
        out.extend_from_slice(data);
        out
    }

    fn f32s(v: &[f32]) -> Vec<u8> {
        v.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    #[test]
    fn reads_float_int_and_uint_features() {
        let x = npy("<f4", &[2, 3], false, &f32s(&[1., 2., 3., 4., 5., 6.]));
        assert_eq!(
            npy_features("x", &x).unwrap(),
            (vec![1., 2., 3., 4., 5., 6.], 2, 3)
        );
        let f64s: Vec<u8> = [0.5f64, -1.0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        assert_eq!(
            npy_features("x", &npy("<f8", &[1, 2], false, &f64s))
                .unwrap()
                .0,
            vec![0.5, -1.0]
        );
        let big: Vec<u8> = [7i32, -3].iter().flat_map(|v| v.to_be_bytes()).collect();
        assert_eq!(
            npy_features("x", &npy(">i4", &[2, 1], false, &big))
                .unwrap()
                .0,
            vec![7., -3.]
        );
        assert_eq!(
            npy_features("x", &npy("|u1", &[1, 2, 2], false, &[1, 2, 3, 4])).unwrap(),
            (vec![1., 2., 3., 4.], 1, 4)
        );
        // Fortran order [[1,2,3],[4,5,6]] is stored column by column
        let f = npy("<f4", &[2, 3], true, &f32s(&[1., 4., 2., 5., 3., 6.]));
        assert_eq!(
            npy_features("x", &f).unwrap().0,
            vec![1., 2., 3., 4., 5., 6.]
        );
    }

    #[test]
    fn reads_labels_and_a_dataset() {
        let y = npy(
            "<i8",
            &[2],
            false,
            &[1, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0],
        );
        assert_eq!(npy_labels("y", &y).unwrap(), vec![1, 3]);
        let yf = npy("<f4", &[2, 1], false, &f32s(&[2.0, 0.0]));
        assert_eq!(npy_labels("y", &yf).unwrap(), vec![2, 0]);
        let x = npy("<f4", &[2, 2], false, &f32s(&[0., 1., 2., 3.]));
        let d = load_npy(&x, &y).unwrap();
        assert_eq!((d.rows(), d.features, d.classes), (2, 2, 4));
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        let err = |r: Result<_>| {
            r.map(|_: (Vec<f32>, usize, usize)| ())
                .unwrap_err()
                .to_string()
        };
        assert!(err(npy_features("x", b"a,b\n1,2\n")).contains("not a .npy file"));
        let c = npy("<c8", &[1, 1], false, &[0; 8]);
        let e = err(npy_features("x", &c));
        assert!(e.contains("unsupported .npy dtype '<c8'"), "{e}");
        let s = npy("<U3", &[1, 1], false, &[0; 12]);
        assert!(err(npy_features("x", &s)).contains("unsupported .npy dtype"));
        let h = npy("<f2", &[1, 1], false, &[0; 2]);
        assert!(err(npy_features("x", &h)).contains("'<f2'"));
        let t = npy("<f4", &[4, 4], false, &[0; 12]);
        let e = err(npy_features("x", &t));
        assert!(
            e.contains("truncated") && e.contains("needs 64 bytes"),
            "{e}"
        );
        let one_d = npy("<f4", &[2], false, &f32s(&[1., 2.]));
        assert!(err(npy_features("x", &one_d)).contains("2-D"));
        let nan = npy("<f4", &[1, 2], false, &f32s(&[1., f32::NAN]));
        assert!(err(npy_features("x", &nan)).contains("row 1, column 2"));
        let yf = npy("<f4", &[1], false, &f32s(&[1.5]));
        assert!(npy_labels("y", &yf)
            .unwrap_err()
            .to_string()
            .contains("not a whole number"));
        let yn = npy("|i1", &[1], false, &[255]);
        assert!(npy_labels("y", &yn)
            .unwrap_err()
            .to_string()
            .contains("out of range"));
        let x = npy("<f4", &[3, 1], false, &f32s(&[0., 1., 2.]));
        let y = npy("|u1", &[2], false, &[0, 1]);
        assert!(load_npy(&x, &y)
            .unwrap_err()
            .to_string()
            .contains("3 rows but the labels .npy has 2"));
        let header_garbage = b"\x93NUMPY\x01\x00\x04\x00{zz}".to_vec();
        assert!(err(npy_features("x", &header_garbage)).contains("bad .npy header"));
    }
}
