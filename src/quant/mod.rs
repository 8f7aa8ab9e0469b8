//! Post-training quantization: calibration, parameter math and the conversion passes that
//! turn a float32 Graph into what TensorFlow's `TFLiteConverter` writes.

pub mod calibrate;
pub mod convert;
pub mod debugger;
pub mod finalize;
pub mod histogram;
pub mod method;
pub mod params;
pub mod propagate;
pub mod selective;

pub use calibrate::{calibrate, calibrate_with, Ranges};
pub use convert::{
    convert, f16_saturating, BiasType, ConverterOptions, IoType, Mode, RepresentativeDataset,
};
pub use method::{CalibrationConfig, Method, MethodSpec, Override};
pub mod report;
