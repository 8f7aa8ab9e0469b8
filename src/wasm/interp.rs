//! `Interpreter`: runs any `.tflite` file we write or import (DESIGN.md, "Public JS API").
