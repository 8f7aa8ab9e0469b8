//! The `weightsManifest` of a TF.js `model.json` and the bytes of its shards, decoded into
//! named float32 arrays as TF.js's `io.decodeWeights` (tfjs-core 4.22, `io_utils.ts`) does.
//!
//! The manifest is a list of groups `{paths: [files], weights: [{name, shape, dtype,
//! quantization?, group?}]}`. A group's files, concatenated in `paths` order, hold its weights
//! one after the other (little-endian, row-major, no padding); all groups' files concatenated
//! in manifest order are what `tf.io.fromMemory` takes as one buffer.
//!
//! | manifest | bytes per value | decoded (float32) |
//! |---|---|---|
//! | `dtype: "float32"` | 4 | as stored |
//! | `quantization: {dtype: "uint8", scale, min}` | 1 | `f32(q · scale + min)`, the product and sum in f64 (JS numbers) |
//! | `quantization: {dtype: "uint16", scale, min}` | 2 | the same |
//! | `quantization: {dtype: "float16"}` | 2 | the IEEE half value, exactly (TF.js's table decoder is exact for every bit pattern) |
//!
//! `tensorflowjs_converter --quantize_uint8 / --quantize_uint16 / --quantize_float16` write
//! the quantized forms. Other dtypes (`int32`, `bool`, `string`, `complex64`) hold no layer
//! weights of the models litequant reads and are refused by name.

use serde_json::Value;

use crate::error::{Error, Result};

/// The weight files of a TF.js model.
#[derive(Clone, Debug)]
pub enum Shards<'a> {
    /// Every shard of every group, concatenated in manifest order (`tf.io.fromMemory`).
    Concatenated(&'a [u8]),
    /// Files by path: the manifest's `paths`, or their last component (a file picked in a
    /// browser has only its name).
    Files(Vec<(String, &'a [u8])>),
}

/// How a weight is stored.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Storage {
    Float32,
    /// `f32(q · scale + min)` for `q` in 0..=255.
    Uint8 {
        scale: f64,
        min: f64,
    },
    /// `f32(q · scale + min)` for `q` in 0..=65535.
    Uint16 {
        scale: f64,
        min: f64,
    },
    Float16,
    /// int32 optimizer state (read past, never decoded).
    Int32,
}

impl Storage {
    fn bytes_per_value(self) -> usize {
        match self {
            Storage::Float32 | Storage::Int32 => 4,
            Storage::Uint8 { .. } => 1,
            Storage::Uint16 { .. } | Storage::Float16 => 2,
        }
    }

    /// The manifest's name of the stored type.
    pub fn name(self) -> &'static str {
        match self {
            Storage::Float32 => "float32",
            Storage::Uint8 { .. } => "uint8",
            Storage::Uint16 { .. } => "uint16",
            Storage::Float16 => "float16",
            Storage::Int32 => "int32",
        }
    }
}

/// One manifest entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// `<layer>/<weight>` as TF.js and Keras name it (`conv1/kernel`).
    pub name: String,
    pub shape: Vec<usize>,
    pub storage: Storage,
    /// `"optimizer"` for optimizer state saved by TF.js (`includeOptimizer`): read past, not
    /// loaded into the model, as `tf.loadLayersModel` does.
    pub group: Option<String>,
    /// Index of the manifest group.
    pub group_index: usize,
}

impl Entry {
    fn values(&self) -> usize {
        self.shape.iter().product()
    }
}

/// One manifest group: its files and entries.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    pub paths: Vec<String>,
    pub entries: Vec<Entry>,
}

/// A decoded weight.
#[derive(Clone, Debug, PartialEq)]
pub struct Weight {
    pub entry: Entry,
    pub values: Vec<f32>,
}

fn bad(msg: String) -> Error {
    Error::invalid(format!("model.json weightsManifest: {msg}"))
}

/// Values of a shape, refusing overflow and anything above `max_values`.
fn count(what: &str, shape: &[usize], max_values: u64) -> Result<usize> {
    let n = shape
        .iter()
        .try_fold(1u64, |p, &d| p.checked_mul(d as u64))
        .filter(|&n| n <= max_values)
        .ok_or_else(|| {
            bad(format!(
                "{what}: shape {shape:?} holds more than {max_values} values (the model limit)"
            ))
        })?;
    Ok(n as usize)
}

fn number(what: &str, key: &str, v: Option<&Value>) -> Result<f64> {
    let x = v
        .and_then(Value::as_f64)
        .ok_or_else(|| bad(format!("{what}: quantization.{key} must be a number")))?;
    if !x.is_finite() {
        return Err(bad(format!(
            "{what}: quantization.{key} must be finite, got {x}"
        )));
    }
    Ok(x)
}

fn entry(group_index: usize, k: usize, v: &Value, max_values: u64) -> Result<Entry> {
    let o = v.as_object().ok_or_else(|| {
        bad(format!(
            "group {group_index} weight {k}: expected {{name, shape, dtype}}, got {v}"
        ))
    })?;
    let name = o
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| bad(format!("group {group_index} weight {k}: name is missing")))?
        .to_string();
    let what = format!("weight '{name}'");
    let shape = match o.get("shape") {
        Some(Value::Array(a)) => a
            .iter()
            .map(|d| {
                d.as_u64()
                    .and_then(|d| usize::try_from(d).ok())
                    .ok_or_else(|| bad(format!("{what}: shape {v} must list sizes >= 0")))
            })
            .collect::<Result<Vec<_>>>()?,
        _ => return Err(bad(format!("{what}: shape must be an array of sizes"))),
    };
    count(&what, &shape, max_values)?;
    let group = match o.get("group") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(g) => return Err(bad(format!("{what}: group must be a string, got {g}"))),
    };
    let dtype = o
        .get("dtype")
        .and_then(Value::as_str)
        .ok_or_else(|| bad(format!("{what}: dtype is missing")))?;
    // Optimizer state is read past: TF.js saves Adam's step count as int32.
    let optimizer = group.as_deref() == Some("optimizer");
    if dtype == "int32" && optimizer && o.get("quantization").is_none_or(Value::is_null) {
        return Ok(Entry {
            name,
            shape,
            storage: Storage::Int32,
            group,
            group_index,
        });
    }
    if dtype != "float32" {
        return Err(Error::unsupported(format!(
            "model.json weightsManifest: {what} has dtype {dtype:?}; layer weights must be \
             \"float32\" (stored as float32, or quantized as uint8, uint16 or float16)"
        )));
    }
    let storage = match o.get("quantization").filter(|q| !q.is_null()) {
        None => Storage::Float32,
        Some(q) => {
            let q = q.as_object().ok_or_else(|| {
                bad(format!(
                    "{what}: quantization must be {{dtype, scale, min}}, got {q}"
                ))
            })?;
            match q.get("dtype").and_then(Value::as_str) {
                Some("uint8") => Storage::Uint8 {
                    scale: number(&what, "scale", q.get("scale"))?,
                    min: number(&what, "min", q.get("min"))?,
                },
                Some("uint16") => Storage::Uint16 {
                    scale: number(&what, "scale", q.get("scale"))?,
                    min: number(&what, "min", q.get("min"))?,
                },
                Some("float16") => Storage::Float16,
                other => {
                    return Err(Error::unsupported(format!(
                        "model.json weightsManifest: {what} is quantized as {}; TF.js \
                         quantization dtypes are \"uint8\", \"uint16\" and \"float16\"",
                        other.map_or("(no dtype)".to_string(), |d| format!("{d:?}"))
                    )))
                }
            }
        }
    };
    Ok(Entry {
        name,
        shape,
        storage,
        group,
        group_index,
    })
}

/// Parses `weightsManifest`. `max_values` bounds each weight's size.
pub fn manifest(v: &Value, max_values: u64) -> Result<Vec<Group>> {
    let groups = v
        .as_array()
        .ok_or_else(|| bad(format!("expected an array of {{paths, weights}}, got {v}")))?;
    groups
        .iter()
        .enumerate()
        .map(|(g, gv)| {
            let o = gv
                .as_object()
                .ok_or_else(|| bad(format!("group {g}: expected {{paths, weights}}, got {gv}")))?;
            let paths = match o.get("paths") {
                Some(Value::Array(a)) => a
                    .iter()
                    .map(|p| {
                        p.as_str().map(str::to_string).ok_or_else(|| {
                            bad(format!("group {g}: paths must be file names, got {p}"))
                        })
                    })
                    .collect::<Result<Vec<_>>>()?,
                _ => return Err(bad(format!("group {g}: paths must be an array of files"))),
            };
            let entries = match o.get("weights") {
                Some(Value::Array(a)) => a
                    .iter()
                    .enumerate()
                    .map(|(k, e)| entry(g, k, e, max_values))
                    .collect::<Result<Vec<_>>>()?,
                _ => return Err(bad(format!("group {g}: weights must be an array"))),
            };
            Ok(Group { paths, entries })
        })
        .collect()
}

/// The last component of a path or URL (`./a/b.bin` → `b.bin`).
fn basename(p: &str) -> &str {
    p.rsplit(['/', '\\']).next().unwrap_or(p)
}

/// The bytes of one shard file: by exact path, else by its file name when exactly one
/// file has that name.
fn find_file<'a>(files: &[(String, &'a [u8])], path: &str) -> Option<&'a [u8]> {
    if let Some((_, b)) = files.iter().find(|(p, _)| p == path) {
        return Some(b);
    }
    let base = basename(path);
    let mut hits = files.iter().filter(|(p, _)| basename(p) == base);
    match (hits.next(), hits.next()) {
        (Some((_, b)), None) => Some(b),
        _ => None,
    }
}

/// Decodes `n` values stored as `storage` from `bytes` (exactly `n` × bytes per value).
fn decode(storage: Storage, bytes: &[u8]) -> Vec<f32> {
    match storage {
        Storage::Float32 => bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
        // tfjs-core `decodeWeights`: `values[i] = v * quantization.scale + quantization.min`
        // into a Float32Array — JS numbers (f64), one rounding to f32 at the store.
        Storage::Uint8 { scale, min } => bytes
            .iter()
            .map(|&q| (f64::from(q) * scale + min) as f32)
            .collect(),
        Storage::Uint16 { scale, min } => bytes
            .chunks_exact(2)
            .map(|b| (f64::from(u16::from_le_bytes([b[0], b[1]])) * scale + min) as f32)
            .collect(),
        Storage::Float16 => bytes
            .chunks_exact(2)
            .map(|b| half::f16::from_bits(u16::from_le_bytes([b[0], b[1]])).to_f32())
            .collect(),
        Storage::Int32 => unreachable!("int32 entries are optimizer state, never decoded"),
    }
}

/// Reads every weight of `groups` from `shards`. Optimizer weights are read past and left
/// out. A group whose files hold more or fewer bytes than its weights need is refused,
/// naming the files.
pub fn read(groups: &[Group], shards: &Shards) -> Result<Vec<Weight>> {
    let need = |g: &Group| -> usize {
        g.entries
            .iter()
            .map(|e| e.values().saturating_mul(e.storage.bytes_per_value()))
            .fold(0usize, usize::saturating_add)
    };
    let mut out = Vec::new();
    let mut take = |g: &Group, bytes: &[u8]| {
        let mut at = 0;
        for e in &g.entries {
            let len = e.values() * e.storage.bytes_per_value();
            if e.group.as_deref() != Some("optimizer") {
                out.push(Weight {
                    entry: e.clone(),
                    values: decode(e.storage, &bytes[at..at + len]),
                });
            }
            at += len;
        }
    };
    match shards {
        Shards::Concatenated(all) => {
            let total = groups.iter().map(need).fold(0usize, usize::saturating_add);
            if all.len() != total {
                return Err(bad(format!(
                    "the weights need {total} bytes ({} weights in {} group(s)), the weight \
                     data holds {} bytes",
                    groups.iter().map(|g| g.entries.len()).sum::<usize>(),
                    groups.len(),
                    all.len()
                )));
            }
            let mut at = 0;
            for g in groups {
                let n = need(g);
                take(g, &all[at..at + n]);
                at += n;
            }
        }
        Shards::Files(files) => {
            for (gi, g) in groups.iter().enumerate() {
                let mut bytes = Vec::new();
                let mut missing = Vec::new();
                for p in &g.paths {
                    match find_file(files, p) {
                        Some(b) => bytes.extend_from_slice(b),
                        None => missing.push(p.as_str()),
                    }
                }
                if !missing.is_empty() {
                    let names: Vec<&str> = g.entries.iter().map(|e| e.name.as_str()).collect();
                    let given: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
                    return Err(Error::invalid(format!(
                        "model.json weightsManifest group {gi}: weight file(s) {} missing \
                         (they hold {}; files given: {})",
                        missing
                            .iter()
                            .map(|m| format!("'{m}'"))
                            .collect::<Vec<_>>()
                            .join(", "),
                        abbreviate(&names),
                        if given.is_empty() {
                            "none".to_string()
                        } else {
                            given
                                .iter()
                                .map(|m| format!("'{m}'"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        }
                    )));
                }
                let n = need(g);
                if bytes.len() != n {
                    return Err(bad(format!(
                        "group {gi}: the weights need {n} bytes, the file(s) {} hold {} bytes",
                        g.paths
                            .iter()
                            .map(|m| format!("'{m}'"))
                            .collect::<Vec<_>>()
                            .join(", "),
                        bytes.len()
                    )));
                }
                take(g, &bytes);
            }
        }
    }
    Ok(out)
}

/// `a, b, c` or `a, b, … (N in all)`.
pub(crate) fn abbreviate(names: &[&str]) -> String {
    const SHOW: usize = 6;
    let quoted: Vec<String> = names.iter().take(SHOW).map(|n| format!("'{n}'")).collect();
    if names.len() > SHOW {
        format!("{}, … ({} in all)", quoted.join(", "), names.len())
    } else {
        quoted.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decodes_each_storage_as_tfjs() {
        // uint8: TF.js computes q·scale + min in doubles, then stores f32.
        let s = Storage::Uint8 {
            scale: 0.0012771633033658945,
            min: -0.10983604408946693,
        };
        let v = decode(s, &[0, 1, 86, 255]);
        for (q, got) in [0u8, 1, 86, 255].iter().zip(&v) {
            assert_eq!(
                *got,
                (f64::from(*q) * 0.0012771633033658945 - 0.10983604408946693) as f32
            );
        }
        // 86 is the code of 0 in this (nudged) range: its value is 0 up to f64 rounding.
        assert!(v[2].abs() < 1e-9);
        let v = decode(
            Storage::Uint16 {
                scale: 0.5,
                min: -1.0,
            },
            &[0, 0, 3, 0, 255, 255],
        );
        assert_eq!(v, [-1.0, 0.5, 32766.5]);
        // float16: 1.0, -2.0, the smallest subnormal, +inf.
        let v = decode(
            Storage::Float16,
            &[0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00, 0x00, 0x7c],
        );
        assert_eq!(v, [1.0, -2.0, 5.960_464_5e-8, f32::INFINITY]);
        let v = decode(Storage::Float32, &1.5f32.to_le_bytes());
        assert_eq!(v, [1.5]);
    }

    fn group(paths: &[&str], weights: Value) -> Value {
        json!([{"paths": paths, "weights": weights}])
    }

    #[test]
    fn files_by_path_or_name_and_the_optimizer_group_skipped() {
        let m = manifest(
            &group(
                &["./w/a.bin", "./w/b.bin"],
                json!([
                    {"name": "d/kernel", "shape": [2], "dtype": "float32"},
                    {"name": "opt/iter", "shape": [1], "dtype": "float32", "group": "optimizer"},
                    {"name": "d/bias", "shape": [2], "dtype": "float32",
                     "quantization": {"dtype": "uint8", "scale": 1.0, "min": -1.0}}
                ]),
            ),
            1 << 20,
        )
        .unwrap();
        let mut bytes = Vec::new();
        for f in [1.0f32, 2.0, 9.0] {
            bytes.extend_from_slice(&f.to_le_bytes());
        }
        bytes.extend_from_slice(&[0, 3]);
        let (a, b) = bytes.split_at(5);
        let files = Shards::Files(vec![("a.bin".into(), a), ("./w/b.bin".into(), b)]);
        let w = read(&m, &files).unwrap();
        let got: Vec<(&str, &[f32])> = w
            .iter()
            .map(|w| (w.entry.name.as_str(), w.values.as_slice()))
            .collect();
        assert_eq!(
            got,
            [("d/kernel", &[1.0, 2.0][..]), ("d/bias", &[-1.0, 2.0][..])]
        );
        assert_eq!(read(&m, &Shards::Concatenated(&bytes)).unwrap(), w);
    }

    #[test]
    fn bad_manifests_and_files_are_named() {
        let m = |w: Value| manifest(&group(&["g.bin"], w), 1 << 20);
        let e = m(json!([{"name": "c/kernel", "shape": [2], "dtype": "int32"}]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("weight 'c/kernel'") && e.contains("\"int32\""),
            "{e}"
        );
        let e = m(
            json!([{"name": "c/kernel", "shape": [2], "dtype": "float32",
                          "quantization": {"dtype": "int8", "scale": 1, "min": 0}}]),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("weight 'c/kernel'") && e.contains("\"int8\""),
            "{e}"
        );
        let e = m(
            json!([{"name": "c/kernel", "shape": [2], "dtype": "float32",
                          "quantization": {"dtype": "uint8", "min": 0}}]),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("quantization.scale"), "{e}");
        let e = m(json!([{"name": "c/kernel", "shape": [1 << 20, 1 << 20], "dtype": "float32"}]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("weight 'c/kernel'") && e.contains("more than"),
            "{e}"
        );
        let e = m(json!([{"name": "c/kernel", "shape": [2, -1], "dtype": "float32"}]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("weight 'c/kernel'") && e.contains("shape"),
            "{e}"
        );

        let g = m(json!([{"name": "c/kernel", "shape": [3], "dtype": "float32"}])).unwrap();
        let e = read(
            &g,
            &Shards::Files(vec![("other.bin".into(), &[0u8; 12][..])]),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("'g.bin' missing") && e.contains("'c/kernel'") && e.contains("'other.bin'"),
            "{e}"
        );
        let e = read(&g, &Shards::Files(vec![("g.bin".into(), &[0u8; 11][..])]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("need 12 bytes") && e.contains("'g.bin' hold 11"),
            "{e}"
        );
        let e = read(&g, &Shards::Concatenated(&[0u8; 16]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("need 12 bytes") && e.contains("holds 16"), "{e}");
        // Two files with the same name in different folders: the name alone is ambiguous.
        let e = read(
            &g,
            &Shards::Files(vec![
                ("a/g.bin".into(), &[0u8; 12][..]),
                ("b/g.bin".into(), &[0u8; 12][..]),
            ]),
        );
        assert!(e.is_err());
    }
}
