//! The `CONVERSION_METADATA` entry TensorFlow's converter puts in every `.tflite` file: a
//! small flatbuffer (`schema/conversion_metadata.fbs`, no file identifier) saying which
//! converter made the file and which optimizations it applied.

use super::conversion_metadata_generated::tflite::conversion as cm;
use crate::error::{Error, Result};
use planus::ReadAsRoot;

/// Name of the model metadata entry holding these bytes.
pub const METADATA_NAME: &str = "CONVERSION_METADATA";

/// `ModelOptimizationMode` values (`ConversionOptions.model_optimization_modes`).
pub mod optimization_mode {
    use super::cm::ModelOptimizationMode as M;
    pub const PTQ_FLOAT16: i32 = M::PtqFloat16 as i32;
    pub const PTQ_DYNAMIC_RANGE: i32 = M::PtqDynamicRange as i32;
    pub const PTQ_FULL_INTEGER: i32 = M::PtqFullInteger as i32;
    pub const PTQ_INT16: i32 = M::PtqInt16 as i32;
    pub const QUANTIZATION_AWARE_TRAINING: i32 = M::QuantizationAwareTraining as i32;
}

/// `ModelType` values (`Environment.model_type`): the original model format.
pub mod model_type {
    use super::cm::ModelType as T;
    pub const NONE: i32 = T::None as i32;
    pub const TF_SAVED_MODEL: i32 = T::TfSavedModel as i32;
    pub const KERAS_MODEL: i32 = T::KerasModel as i32;
    pub const TF_CONCRETE_FUNCTIONS: i32 = T::TfConcreteFunctions as i32;
    pub const TF_GRAPH_DEF: i32 = T::TfGraphDef as i32;
    pub const TF_SESSION: i32 = T::TfSession as i32;
    pub const JAX: i32 = T::Jax as i32;
    pub const PYTORCH: i32 = T::Pytorch as i32;
}

/// Decoded `CONVERSION_METADATA` (sparsity block sizes are not modelled).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ConversionMetadata {
    /// `Environment.tensorflow_version`: the converter's version string. TF writes its own
    /// version ("2.21.0"); litequant files name litequant instead.
    pub version_string: String,
    /// `Environment.api_version` (TF 2.x writes 2).
    pub api_version: u32,
    /// `Environment.model_type`, one of [`model_type`].
    pub model_type: i32,
    /// `Environment.model_hash`.
    pub model_hash: u64,
    /// `ConversionOptions.model_optimization_modes`, values of [`optimization_mode`].
    pub optimization_modes: Vec<i32>,
    pub allow_custom_ops: bool,
    pub enable_select_tf_ops: bool,
    pub force_select_tf_ops: bool,
}

impl ConversionMetadata {
    /// Serializes to the flatbuffer bytes stored in the metadata buffer.
    pub fn encode(&self) -> Vec<u8> {
        let table = cm::ConversionMetadata {
            environment: Some(Box::new(cm::Environment {
                tensorflow_version: Some(self.version_string.clone()),
                api_version: self.api_version,
                model_type: self.model_type,
                model_hash: self.model_hash,
            })),
            options: Some(Box::new(cm::ConversionOptions {
                model_optimization_modes: Some(self.optimization_modes.clone()),
                allow_custom_ops: self.allow_custom_ops,
                enable_select_tf_ops: self.enable_select_tf_ops,
                force_select_tf_ops: self.force_select_tf_ops,
                sparsity_block_sizes: None,
            })),
        };
        planus::Builder::new().finish(&table, None).to_vec()
    }

    /// Parses the bytes of a `CONVERSION_METADATA` entry.
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        let err = |field: &str, e: planus::Error| {
            let at = e.source_location.byte_offset;
            Error::Format {
                what: format!("CONVERSION_METADATA {field}: {}", e.error_kind),
                offset: (at != usize::MAX).then_some(at),
            }
        };
        let root = cm::ConversionMetadataRef::read_as_root(bytes).map_err(|e| err("root", e))?;
        let mut out = ConversionMetadata::default();
        if let Some(env) = root.environment().map_err(|e| err("environment", e))? {
            out.version_string = env
                .tensorflow_version()
                .map_err(|e| err("tensorflow_version", e))?
                .unwrap_or("")
                .to_string();
            out.api_version = env.api_version().map_err(|e| err("api_version", e))?;
            out.model_type = env.model_type().map_err(|e| err("model_type", e))?;
            out.model_hash = env.model_hash().map_err(|e| err("model_hash", e))?;
        }
        if let Some(opts) = root.options().map_err(|e| err("options", e))? {
            if let Some(modes) = opts
                .model_optimization_modes()
                .map_err(|e| err("model_optimization_modes", e))?
            {
                out.optimization_modes = modes.iter().collect();
            }
            out.allow_custom_ops = opts
                .allow_custom_ops()
                .map_err(|e| err("allow_custom_ops", e))?;
            out.enable_select_tf_ops = opts
                .enable_select_tf_ops()
                .map_err(|e| err("enable_select_tf_ops", e))?;
            out.force_select_tf_ops = opts
                .force_select_tf_ops()
                .map_err(|e| err("force_select_tf_ops", e))?;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_values_match_tensorflow() {
        assert_eq!(optimization_mode::PTQ_FLOAT16, 1001);
        assert_eq!(optimization_mode::PTQ_DYNAMIC_RANGE, 1002);
        assert_eq!(optimization_mode::PTQ_FULL_INTEGER, 1003);
        assert_eq!(optimization_mode::PTQ_INT16, 1004);
        assert_eq!(optimization_mode::QUANTIZATION_AWARE_TRAINING, 2000);
        assert_eq!(model_type::KERAS_MODEL, 2);
        assert_eq!(model_type::PYTORCH, 7);
    }

    #[test]
    fn encode_decode_roundtrip() {
        let m = ConversionMetadata {
            version_string: "litequant 0.1.0".into(),
            api_version: 2,
            model_type: model_type::KERAS_MODEL,
            model_hash: 0x0123_4567_89ab_cdef,
            optimization_modes: vec![optimization_mode::PTQ_FULL_INTEGER],
            allow_custom_ops: false,
            enable_select_tf_ops: true,
            force_select_tf_ops: false,
        };
        assert_eq!(ConversionMetadata::decode(&m.encode()).unwrap(), m);
        assert!(ConversionMetadata::decode(&[1, 2, 3]).is_err());
    }
}
