//! C array export (`model.h` / `model.cc`): the array is what `xxd -i` prints for the same
//! file (golden from `tests/fixtures/scripts/gen_c_array.sh`), and the two files compile
//! with a C++ compiler into an array that is 16-byte aligned and holds the file's bytes.

use litequant::tflite::c_array::c_array;
use std::path::PathBuf;
use std::process::Command;

fn fixture(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(p)
}

fn model_bytes() -> Vec<u8> {
    std::fs::read(fixture("fixed_mlp/model_int8.tflite")).unwrap()
}

#[test]
fn the_array_is_laid_out_as_xxd_prints_it() {
    let bytes = model_bytes();
    let c = c_array(&bytes, "model_int8");
    let xxd = std::fs::read_to_string(fixture("c_array/model_int8.xxd")).unwrap();
    // Ours minus the `#include`, `alignas(16)` and `const` is xxd's text, byte for byte.
    let ours = c
        .source
        .strip_prefix("#include \"model_int8.h\"\n\n")
        .unwrap()
        .replace("alignas(16) const unsigned char", "unsigned char")
        .replace("const unsigned int", "unsigned int");
    assert_eq!(ours, xxd);
    assert_eq!(c.name, "model_int8_tflite");
}

#[test]
fn the_files_compile_to_an_aligned_copy_of_the_model() {
    let Ok(out) = Command::new("c++").arg("--version").output() else {
        eprintln!("SKIPPED: no C++ compiler (c++) on PATH");
        return;
    };
    assert!(out.status.success());
    let bytes = model_bytes();
    let c = c_array(&bytes, "model");
    let dir = std::env::temp_dir().join(format!("litequant_c_array_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("model.h"), &c.header).unwrap();
    std::fs::write(dir.join("model.cc"), &c.source).unwrap();
    // Prints the length, the address modulo 16 and an FNV-1a hash of the array.
    std::fs::write(
        dir.join("main.cc"),
        "#include <cstdint>\n#include <cstdio>\n#include \"model.h\"\n\
         int main() {\n\
           uint64_t h = 14695981039346656037ull;\n\
           for (unsigned i = 0; i < model_tflite_len; ++i) { h ^= model_tflite[i]; h *= 1099511628211ull; }\n\
           std::printf(\"%u %u %llu\\n\", model_tflite_len,\n\
                       (unsigned)(reinterpret_cast<uintptr_t>(model_tflite) % 16),\n\
                       (unsigned long long)h);\n\
         }\n",
    )
    .unwrap();
    let exe = dir.join("main");
    let status = Command::new("c++")
        .args(["-std=c++11", "-Wall", "-Werror", "-o"])
        .arg(&exe)
        .arg(dir.join("main.cc"))
        .arg(dir.join("model.cc"))
        .status()
        .unwrap();
    assert!(status.success(), "c++ failed on the generated files");
    let run = Command::new(&exe).output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let mut h: u64 = 14695981039346656037;
    for &b in &bytes {
        h ^= b as u64;
        h = h.wrapping_mul(1099511628211);
    }
    assert_eq!(
        String::from_utf8(run.stdout).unwrap(),
        format!("{} 0 {h}\n", bytes.len())
    );
}
