//! Datasets for the page: `.npy` / `.csv` loaders, built-in data, train/test split.
//! Each returns `{x: Float32Array, y: Int32Array, rows, features, classes, featureNames,
//! classNames, labelled}` (`y` empty and `classes` 0 for representative data without
//! labels); bad input throws an `Error` naming the file, row and column.

use js_sys::{Array, Float32Array, Int32Array, Object, Reflect};
use wasm_bindgen::prelude::*;

use super::{bad, js_err};
use crate::data::{self, CsvOptions, Dataset, LabelColumn};

fn set(o: &Object, k: &str, v: &JsValue) {
    let _ = Reflect::set(o, &k.into(), v);
}

fn strings(v: &[String]) -> Array {
    v.iter().map(|s| JsValue::from(s.as_str())).collect()
}

fn to_js(d: &Dataset) -> JsValue {
    let o = Object::new();
    set(&o, "x", &Float32Array::from(&d.x[..]).into());
    set(&o, "y", &Int32Array::from(&d.y[..]).into());
    set(&o, "rows", &JsValue::from(d.rows() as u32));
    set(&o, "features", &JsValue::from(d.features as u32));
    set(&o, "classes", &JsValue::from(d.classes as u32));
    set(&o, "featureNames", &strings(&d.feature_names).into());
    set(&o, "classNames", &strings(&d.class_names).into());
    set(&o, "labelled", &JsValue::from(d.labelled()));
    o.into()
}

fn from_parts(x: Vec<f32>, y: Vec<i32>, features: usize) -> Result<Dataset, JsError> {
    if y.is_empty() {
        return Dataset::unlabelled(x, features).map_err(js_err);
    }
    Dataset::new(x, y, features).map_err(js_err)
}

/// `loadNpy(featuresBytes, labelsBytes?)`: features `[N, F]` (or `[N, d1, …]`, flattened
/// per row) and labels `[N]` `.npy` files; without labels (`null`), representative data
/// only. The result also has `sampleShape`: one sample's shape in the file (`[F]`, or
/// `[d1, …]` when it was flattened to `F = d1·…` features).
#[wasm_bindgen(js_name = loadNpy)]
pub fn load_npy(x: &[u8], y: Option<Vec<u8>>) -> Result<JsValue, JsError> {
    let d = match y {
        Some(y) => data::load_npy(x, &y).map_err(js_err)?,
        None => data::load_npy_unlabelled(x).map_err(js_err)?.0,
    };
    let shape = data::npy_sample_shape(x).map_err(js_err)?;
    let o = to_js(&d);
    let dims: Array = shape.iter().map(|&s| JsValue::from(s as u32)).collect();
    let _ = Reflect::set(&o, &"sampleShape".into(), &dims);
    Ok(o)
}

/// `loadCsv(bytes, {name, label: "column name" | index | undefined (last), labelled: false
/// (no label column: every column is a feature), header: true | false | undefined (detect)})`.
#[wasm_bindgen(js_name = loadCsv)]
pub fn load_csv(bytes: &[u8], options: JsValue) -> Result<JsValue, JsError> {
    let mut opts = CsvOptions::default();
    let mut name = "the CSV file".to_string();
    if options.is_object() {
        let get = |k: &str| Reflect::get(&options, &k.into()).unwrap_or(JsValue::UNDEFINED);
        if let Some(n) = get("name").as_string() {
            name = n;
        }
        let label = get("label");
        if let Some(s) = label.as_string() {
            let s = s.trim().to_string();
            opts.label = match s.parse::<i64>() {
                Ok(i) => LabelColumn::Index(i),
                Err(_) if s.is_empty() => LabelColumn::Last,
                Err(_) => LabelColumn::Name(s),
            };
        } else if let Some(i) = label.as_f64() {
            if i.fract() != 0.0 {
                return Err(bad(format!(
                    "loadCsv: label column index {i} is not an integer"
                )));
            }
            opts.label = LabelColumn::Index(i as i64);
        }
        opts.header = get("header").as_bool();
        if get("labelled").as_bool() == Some(false) {
            opts.label = LabelColumn::None;
        }
    }
    Ok(to_js(&data::load_csv(&name, bytes, &opts).map_err(js_err)?))
}

/// `digitsDataset(bytes)`: scikit-learn's digits from `data/digits.bin`.
#[wasm_bindgen(js_name = digitsDataset)]
pub fn digits_dataset(bytes: &[u8]) -> Result<JsValue, JsError> {
    Ok(to_js(&data::digits(bytes).map_err(js_err)?))
}

/// `randomDataset(rows, features, classes, seed)`: the seed program's random data.
#[wasm_bindgen(js_name = randomDataset)]
pub fn random_dataset(
    rows: usize,
    features: usize,
    classes: usize,
    seed: u32,
) -> Result<JsValue, JsError> {
    Ok(to_js(
        &data::random(rows, features, classes, seed as u64).map_err(js_err)?,
    ))
}

/// `trainTestSplit(x, y, features, testFraction, seed)` →
/// `{train: dataset, test: dataset}` (rows shuffled with the seed). `y` may be empty
/// (data without labels).
#[wasm_bindgen(js_name = trainTestSplit)]
pub fn train_test_split(
    x: Vec<f32>,
    y: Vec<i32>,
    features: usize,
    test_fraction: f64,
    seed: u32,
) -> Result<JsValue, JsError> {
    let classes = y.iter().copied().max().map_or(0, |m| m.max(0) as usize + 1);
    let mut d = from_parts(x, y, features)?;
    d.classes = classes;
    let (train, test) = data::train_test_split(&d, test_fraction, seed as u64).map_err(js_err)?;
    let o = Object::new();
    set(&o, "train", &to_js(&train));
    set(&o, "test", &to_js(&test));
    Ok(o.into())
}

/// `checkDataset(y, features, modelFeatures, modelClasses)`: throws when the data does not
/// fit the model (feature count, labels out of range).
#[wasm_bindgen(js_name = checkDataset)]
pub fn check_dataset(
    y: &[i32],
    features: usize,
    model_features: usize,
    model_classes: usize,
) -> Result<(), JsError> {
    data::check_for_model(y, features, model_features, model_classes).map_err(js_err)
}
