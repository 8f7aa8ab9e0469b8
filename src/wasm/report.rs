//! Calibration and inspection reports for the app (`calibrationReport()`).
