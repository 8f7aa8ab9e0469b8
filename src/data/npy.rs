//! `.npy` files (NumPy's format; header parsed by [`super::npy_header`]): features `[N, F]`
//! (or `[N, d1, d2, …]`, flattened per row) of float32/float64/int/uint/bool, and labels
//! `[N]` (or `[N, 1]`) of integers (or floats holding whole numbers). Bytes after the data
//! are ignored, as NumPy does.

use super::npy_header::{self, Dtype, Kind};
use super::Dataset;
use crate::error::{Error, Result};

/// Values of any supported numeric dtype, as f64 (exact for every integer a label can be
/// and every float32/float64), in C order.
fn values(what: &str, bytes: &[u8]) -> Result<(Vec<f64>, Vec<u64>, Kind)> {
    if !bytes.starts_with(npy_header::MAGIC) {
        return Err(Error::invalid(format!(
            "{what}: not a .npy file (it does not start with the \\x93NUMPY magic)"
        )));
    }
    let h = npy_header::parse(bytes)
        .map_err(|e| Error::invalid(format!("{what}: bad .npy header: {e}")))?;
    let Some(dt) = Dtype::parse(&h.descr) else {
        return Err(Error::invalid(format!(
            "{what}: unsupported .npy dtype '{}': use float32, float64, int8–int64, uint8–uint64 or bool",
            h.descr
        )));
    };
    let shape = h.shape;
    // The header parser checked that the element count fits in usize.
    let n = shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(usize::try_from(d).ok()?));
    let have = bytes.len() - h.data_offset;
    let need = n.and_then(|n| n.checked_mul(dt.size));
    let Some(need) = need.filter(|&need| need <= have) else {
        let needs = match need {
            Some(b) => format!("{b} bytes"),
            None => "more bytes than fit in memory".into(),
        };
        return Err(Error::invalid(format!(
            "{what}: the file is truncated: shape {shape:?} of '{}' needs {needs} of data, the file has {have}",
            h.descr
        )));
    };
    let data = &bytes[h.data_offset..h.data_offset + need];
    let mut v = decode(what, dt, data)?;
    if h.fortran_order && shape.len() > 1 {
        v = fortran_to_c(&v, &shape);
    }
    Ok((v, shape, dt.kind))
}

/// Decodes `data` (a whole number of `dt` elements) into f64s: each element is read into a
/// u64 (byte-swapped if big-endian), then reinterpreted as its kind.
fn decode(what: &str, dt: Dtype, data: &[u8]) -> Result<Vec<f64>> {
    if dt.kind == Kind::Bool {
        if let Some(i) = data.iter().position(|&b| b > 1) {
            return Err(Error::invalid(format!(
                "{what}: element {} of the bool array is {}, not 0 or 1",
                i + 1,
                data[i]
            )));
        }
    }
    let unused_bits = 64 - 8 * dt.size as u32;
    Ok(data
        .chunks_exact(dt.size)
        .map(|c| {
            let mut b = [0u8; 8];
            b[..c.len()].copy_from_slice(c);
            if dt.big_endian {
                b[..c.len()].reverse();
            }
            let bits = u64::from_le_bytes(b);
            match (dt.kind, dt.size) {
                (Kind::Float, 4) => f64::from(f32::from_bits(bits as u32)),
                (Kind::Float, _) => f64::from_bits(bits),
                // sign-extend from the element's width
                (Kind::Int, _) => ((bits << unused_bits) as i64 >> unused_bits) as f64,
                _ => bits as f64,
            }
        })
        .collect())
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
                    if tc == Kind::Float { "; the array is float" } else { "" }
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

/// Representative data without labels from a features `.npy` (`[N, F]` or `[N, d1, …]`),
/// and the shape of one sample (`[F]` or `[d1, …]`: callers say when they flatten it).
pub fn load_npy_unlabelled(x_bytes: &[u8]) -> Result<(Dataset, Vec<usize>)> {
    let (x, _, features) = npy_features("features .npy", x_bytes)?;
    Ok((
        Dataset::unlabelled(x, features)?,
        npy_sample_shape(x_bytes)?,
    ))
}

/// The shape of one sample of a features `.npy` (its shape without the first dimension).
pub fn npy_sample_shape(x_bytes: &[u8]) -> Result<Vec<usize>> {
    let h = npy_header::parse(x_bytes)
        .map_err(|e| Error::invalid(format!("features .npy: bad .npy header: {e}")))?;
    Ok(h.shape.iter().skip(1).map(|&d| d as usize).collect())
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

    /// `.npy` bytes written by the `npyz` crate (a dev-dependency): `data` in file order.
    fn npyz_file<T: npyz::Serialize + Copy>(
        descr: &str,
        shape: &[u64],
        fortran: bool,
        data: &[T],
    ) -> Vec<u8> {
        use npyz::WriterBuilder;
        let dtype = npyz::DType::parse(&format!("'{descr}'")).unwrap();
        let order = if fortran {
            npyz::Order::Fortran
        } else {
            npyz::Order::C
        };
        let mut buf = Vec::new();
        let mut w = npyz::WriteOptions::<T>::new()
            .dtype(dtype)
            .shape(shape)
            .order(order)
            .writer(&mut buf)
            .begin_nd()
            .unwrap();
        w.extend(data.iter().copied()).unwrap();
        w.finish().unwrap();
        buf
    }

    #[test]
    fn reads_what_npyz_writes_in_every_dtype_order_and_byte_order() {
        // [[1, 2, 3], [4, 5, 6]]: C order and Fortran order (column by column)
        let want = vec![1., 2., 3., 4., 5., 6.];
        let (c, f) = ([1, 2, 3, 4, 5, 6], [1, 4, 2, 5, 3, 6]);
        macro_rules! check {
            ($t:ty, $($descr:literal),+) => {$(
                for (fortran, data) in [(false, c), (true, f)] {
                    let data: Vec<$t> = data.iter().map(|&v| v as $t).collect();
                    let bytes = npyz_file($descr, &[2, 3], fortran, &data);
                    let got = npy_features("x", &bytes).unwrap();
                    assert_eq!(got, (want.clone(), 2, 3), "{} fortran={fortran}", $descr);
                }
            )+};
        }
        check!(f32, "<f4", ">f4");
        check!(f64, "<f8", ">f8");
        check!(i8, "|i1");
        check!(i16, "<i2", ">i2");
        check!(i32, "<i4", ">i4");
        check!(i64, "<i8", ">i8");
        check!(u8, "|u1");
        check!(u16, "<u2", ">u2");
        check!(u32, "<u4", ">u4");
        check!(u64, "<u8", ">u8");
        let b = npyz_file("|b1", &[2, 2], true, &[true, false, true, true]);
        assert_eq!(npy_features("x", &b).unwrap().0, vec![1., 1., 0., 1.]);
        let y = npyz_file(">i8", &[3], false, &[2i64, 0, 7]);
        assert_eq!(npy_labels("y", &y).unwrap(), vec![2, 0, 7]);
        // extremes survive the byte swaps
        let e = npyz_file("|i1", &[1, 2], false, &[i8::MIN, -1]);
        assert_eq!(npy_features("x", &e).unwrap().0, vec![-128., -1.]);
        let e = npyz_file(">i2", &[1, 2], false, &[i16::MIN, -2]);
        assert_eq!(npy_features("x", &e).unwrap().0, vec![-32768., -2.]);
        let e = npyz_file("<i4", &[1, 2], false, &[i32::MIN, -5]);
        assert_eq!(npy_features("x", &e).unwrap().0, vec![i32::MIN as f32, -5.]);
        let e = npyz_file(">u2", &[1, 2], false, &[u16::MAX, 0]);
        assert_eq!(npy_features("x", &e).unwrap().0, vec![65535., 0.]);
        let e = npyz_file(">i8", &[1, 2], false, &[i64::MIN, -1]);
        assert_eq!(npy_features("x", &e).unwrap().0, vec![i64::MIN as f32, -1.]);
        let e = npyz_file(">u4", &[1, 2], false, &[u32::MAX, 1]);
        assert_eq!(npy_features("x", &e).unwrap().0, vec![u32::MAX as f32, 1.]);
    }

    #[test]
    fn every_prefix_of_a_file_fails_cleanly() {
        let x = npyz_file("<f8", &[2, 3], false, &[1.0f64, 2., 3., 4., 5., 6.]);
        assert!(npy_features("x", &x).is_ok());
        for n in 0..x.len() {
            let e = npy_features("x", &x[..n]).unwrap_err().to_string();
            assert!(
                e.contains("not a .npy file")
                    || e.contains("bad .npy header")
                    || e.contains("truncated"),
                "{n} bytes: {e}"
            );
        }
    }

    #[test]
    fn bad_bool_and_huge_shapes() {
        let b = npy("|b1", &[1, 2], false, &[1, 2]);
        let e = npy_features("x", &b).unwrap_err().to_string();
        assert!(e.contains("element 2 of the bool array is 2"), "{e}");
        // a shape that would need far more memory than the file has: an error, no allocation
        let h = npy("<f8", &[1 << 30, 1 << 30], false, &[0; 16]);
        let e = npy_features("x", &h).unwrap_err().to_string();
        assert!(
            e.contains("truncated") && e.contains("the file has 16"),
            "{e}"
        );
        let z = npy("<f4", &[0, 3], false, &[]);
        let e = npy_features("x", &z).unwrap_err().to_string();
        assert!(e.contains("empty"), "{e}");
        let s = npy("<f4", &[], false, &[0; 4]);
        let e = npy_features("x", &s).unwrap_err().to_string();
        assert!(e.contains("2-D") && e.contains("[]"), "{e}");
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
