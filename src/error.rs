//! One error type for the whole crate. Every message names what was wrong and where
//! (layer, tensor, op, byte offset); the wasm facade turns it into a JS `Error`.

use std::fmt;

/// Everything that can go wrong in litequant, with enough context to act on it.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// A caller passed something that does not fit: wrong length, bad option, bad label.
    InvalidArgument(String),
    /// Data contains NaN or infinity.
    NonFinite { what: String, index: usize },
    /// A shape did not match what was expected.
    Shape {
        what: String,
        expected: String,
        got: String,
    },
    /// Option combination that TensorFlow's converter rejects too.
    Converter(String),
    /// A `.tflite` file is malformed.
    Format { what: String, offset: Option<usize> },
    /// An operator (or op version) this build cannot handle.
    Unsupported(String),
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::InvalidArgument(msg.into())
    }
    pub fn shape(what: impl Into<String>, expected: impl fmt::Debug, got: impl fmt::Debug) -> Self {
        Error::Shape {
            what: what.into(),
            expected: format!("{expected:?}"),
            got: format!("{got:?}"),
        }
    }
    pub fn format(what: impl Into<String>) -> Self {
        Error::Format {
            what: what.into(),
            offset: None,
        }
    }
    pub fn unsupported(msg: impl Into<String>) -> Self {
        Error::Unsupported(msg.into())
    }
    pub fn converter(msg: impl Into<String>) -> Self {
        Error::Converter(msg.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidArgument(m) => write!(f, "invalid argument: {m}"),
            Error::NonFinite { what, index } => {
                write!(
                    f,
                    "{what} contains a non-finite value (NaN or Inf) at index {index}"
                )
            }
            Error::Shape {
                what,
                expected,
                got,
            } => {
                write!(
                    f,
                    "shape mismatch in {what}: expected {expected}, got {got}"
                )
            }
            Error::Converter(m) => write!(f, "converter: {m}"),
            Error::Format {
                what,
                offset: Some(o),
            } => {
                write!(f, "malformed .tflite file: {what} (at byte offset {o})")
            }
            Error::Format { what, offset: None } => write!(f, "malformed .tflite file: {what}"),
            Error::Unsupported(m) => write!(f, "unsupported: {m}"),
        }
    }
}

impl std::error::Error for Error {}

/// Fails with [`Error::NonFinite`] at the first NaN/Inf in `data`.
pub fn check_finite(what: &str, data: &[f32]) -> Result<()> {
    match data.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(Error::NonFinite {
            what: what.to_string(),
            index,
        }),
        None => Ok(()),
    }
}
