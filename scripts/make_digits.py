#!/usr/bin/env python3
"""Build data/digits.bin from scikit-learn's bundled copy of the digits data set.

    python3 scripts/make_digits.py [SOURCE] [--out data/digits.bin]

SOURCE is a scikit-learn wheel (.whl) or its `digits.csv.gz`. Without SOURCE the
script runs `pip download --no-deps scikit-learn` into a temporary folder and reads the
wheel from there (nothing is installed). Only the standard library is used.

Output format (see data/README.md): 1797*64 pixel values (0..16) as u8, row-major,
then 1797 labels (0..9) as u8; 116,805 bytes, no header.
"""
import argparse
import csv
import gzip
import io
import os
import subprocess
import sys
import tempfile
import zipfile

MEMBER = "sklearn/datasets/data/digits.csv.gz"
N_ROWS, N_PIXELS = 1797, 64


def read_csv_gz(source):
    if source.endswith(".whl"):
        with zipfile.ZipFile(source) as wheel:
            return wheel.read(MEMBER)
    with open(source, "rb") as f:
        return f.read()


def download_wheel(folder):
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                    "-d", folder, "scikit-learn"], check=True)
    wheels = [n for n in os.listdir(folder) if n.endswith(".whl")]
    if len(wheels) != 1:
        sys.exit(f"expected one scikit-learn wheel in {folder}, found {wheels}")
    return os.path.join(folder, wheels[0])


def convert(csv_gz):
    text = gzip.decompress(csv_gz).decode("ascii")
    rows = [list(map(int, r)) for r in csv.reader(io.StringIO(text)) if r]
    if len(rows) != N_ROWS or any(len(r) != N_PIXELS + 1 for r in rows):
        sys.exit(f"unexpected digits.csv shape: {len(rows)} rows")
    pixels = bytearray(v for r in rows for v in r[:N_PIXELS])
    labels = bytearray(r[N_PIXELS] for r in rows)
    if max(pixels) > 16 or max(labels) > 9:
        sys.exit("pixel values must be 0..16 and labels 0..9")
    return bytes(pixels + labels)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source", nargs="?", help="scikit-learn wheel or digits.csv.gz")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "data", "digits.bin"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source = args.source or download_wheel(tmp)
        blob = convert(read_csv_gz(source))
    with open(args.out, "wb") as f:
        f.write(blob)
    print(f"wrote {os.path.normpath(args.out)}: {len(blob)} bytes ({N_ROWS}x{N_PIXELS} pixels + {N_ROWS} labels)")


if __name__ == "__main__":
    main()
