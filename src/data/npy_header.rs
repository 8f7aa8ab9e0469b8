//! The `.npy` header: a preamble (`\x93NUMPY`, major, minor, header length as u16 LE in
//! version 1.0 or u32 LE in 2.0/3.0) and a Python dict literal padded with spaces and a
//! newline, e.g. `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
//!
//! The parser is strict and small: the dict must have exactly the keys `descr` (a string),
//! `fortran_order` (`True`/`False`) and `shape` (a tuple of non-negative integers: `()`,
//! `(n,)`, `(n, m)`, …), each once, in any order, with an optional trailing comma.
//! Unknown keys are rejected, as NumPy's own reader does (NumPy never writes others).
//! Python 2's `L` suffix on integers (`(3L, 4L)`, written by old NumPy) is accepted. Only
//! ASCII text is parsed; whitespace (spaces, tabs, newlines) may separate tokens, and only
//! whitespace may follow the closing brace.

/// What the header says.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Header {
    /// The `descr` string, e.g. `<f4`; see [`Dtype::parse`].
    pub descr: String,
    pub fortran_order: bool,
    pub shape: Vec<u64>,
    /// Where the array data starts in the file.
    pub data_offset: usize,
}

/// The kind of a supported plain dtype.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Float,
    Int,
    Uint,
    Bool,
}

/// A supported plain dtype: kind, size in bytes and byte order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Dtype {
    pub kind: Kind,
    pub size: usize,
    pub big_endian: bool,
}

impl Dtype {
    /// `<f4 <f8 |i1 <i2 <i4 <i8 |u1 <u2 <u4 <u8 |b1 ?` and their big-endian (`>`) forms;
    /// single-byte types also take `<`, `>`, `=` or no byte-order character. `None` for
    /// anything else (complex, half floats, strings, dates, objects, …).
    pub fn parse(descr: &str) -> Option<Dtype> {
        let (order, rest) = match descr.as_bytes().first()? {
            b @ (b'<' | b'>' | b'|' | b'=') => (Some(*b), &descr[1..]),
            _ => (None, descr),
        };
        let (kind, size) = match rest {
            "f4" => (Kind::Float, 4),
            "f8" => (Kind::Float, 8),
            "i1" => (Kind::Int, 1),
            "i2" => (Kind::Int, 2),
            "i4" => (Kind::Int, 4),
            "i8" => (Kind::Int, 8),
            "u1" => (Kind::Uint, 1),
            "u2" => (Kind::Uint, 2),
            "u4" => (Kind::Uint, 4),
            "u8" => (Kind::Uint, 8),
            "b1" | "?" => (Kind::Bool, 1),
            _ => return None,
        };
        // Multi-byte types must say their byte order; NumPy always writes '<' or '>'.
        let big_endian = match (order, size) {
            (Some(b'<'), _) => false,
            (Some(b'>'), _) => true,
            (_, 1) => false,
            _ => return None,
        };
        Some(Dtype {
            kind,
            size,
            big_endian,
        })
    }
}

/// The `\x93NUMPY` magic every `.npy` file starts with.
pub(super) const MAGIC: &[u8] = b"\x93NUMPY";

/// Parses the preamble and the header dict of `bytes` (a whole `.npy` file). The shape's
/// element count is checked to fit in `usize` (ignoring zero dimensions, so every partial
/// product does too); whether the data is all there is the caller's business.
pub(super) fn parse(bytes: &[u8]) -> Result<Header, String> {
    if !bytes.starts_with(MAGIC) {
        return Err("the file does not start with the \\x93NUMPY magic".into());
    }
    let (Some(&major), Some(&minor)) = (bytes.get(6), bytes.get(7)) else {
        return Err("truncated: the file ends inside the format version".into());
    };
    let len_size = match (major, minor) {
        (1, 0) => 2,
        (2, 0) | (3, 0) => 4,
        _ => {
            return Err(format!(
                "unsupported .npy format version {major}.{minor} (1.0, 2.0 and 3.0 are)"
            ))
        }
    };
    let start = 8 + len_size;
    let Some(len_bytes) = bytes.get(8..start) else {
        return Err("truncated: the file ends inside the header length".into());
    };
    let header_len = len_bytes
        .iter()
        .rev()
        .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
    let text = start
        .checked_add(header_len)
        .and_then(|end| bytes.get(start..end))
        .ok_or_else(|| {
            format!(
                "truncated: the header is {header_len} bytes long, the file has {} after the preamble",
                bytes.len() - start
            )
        })?;
    let mut p = Parser { s: text, i: 0 };
    let (descr, fortran_order, shape) = p.dict()?;
    p.ws();
    if p.i != text.len() {
        return Err(format!(
            "unexpected text after the header dict at byte {}",
            start + p.i
        ));
    }
    let fits = shape
        .iter()
        .filter(|&&d| d != 0)
        .try_fold(1usize, |acc, &d| acc.checked_mul(usize::try_from(d).ok()?));
    if fits.is_none() {
        return Err(format!("shape {shape:?} has too many elements"));
    }
    Ok(Header {
        descr,
        fortran_order,
        shape,
        data_offset: start + header_len,
    })
}

/// A cursor over the header text.
struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    /// Skips whitespace, then consumes `c` if it is next.
    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        let hit = self.peek() == Some(c);
        if hit {
            self.i += 1;
        }
        hit
    }

    /// What is at the cursor, for error messages.
    fn found(&self) -> String {
        match self.peek() {
            None => "the end of the header".into(),
            Some(_) => {
                let rest = &self.s[self.i..];
                let snippet = String::from_utf8_lossy(&rest[..rest.len().min(12)]);
                format!("'{}'", snippet.trim_end())
            }
        }
    }

    fn expect(&mut self, c: u8, what: &str) -> Result<(), String> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(format!("expected {what} but found {}", self.found()))
        }
    }

    fn dict(&mut self) -> Result<(String, bool, Vec<u64>), String> {
        if !self.eat(b'{') {
            return Err(format!(
                "header is not a dict: it starts with {}",
                self.found()
            ));
        }
        let (mut descr, mut fortran, mut shape) = (None, None, None);
        while !self.eat(b'}') {
            let key = self.string("a key")?;
            self.expect(b':', &format!("':' after '{key}'"))?;
            let dup = match key.as_str() {
                "descr" => descr.replace(self.descr()?).is_some(),
                "fortran_order" => fortran.replace(self.boolean()?).is_some(),
                "shape" => shape.replace(self.shape()?).is_some(),
                _ => {
                    return Err(format!(
                        "unknown key '{key}' (a .npy header has only 'descr', 'fortran_order' and 'shape')"
                    ))
                }
            };
            if dup {
                return Err(format!("the key '{key}' appears twice"));
            }
            if !self.eat(b',') {
                self.expect(b'}', "',' or '}'")?;
                break;
            }
        }
        let missing = |k: &str| format!("the header has no '{k}' key");
        Ok((
            descr.ok_or_else(|| missing("descr"))?,
            fortran.ok_or_else(|| missing("fortran_order"))?,
            shape.ok_or_else(|| missing("shape"))?,
        ))
    }

    /// A quoted string without escapes.
    fn string(&mut self, what: &str) -> Result<String, String> {
        self.ws();
        let Some(q @ (b'\'' | b'"')) = self.peek() else {
            return Err(format!(
                "expected {what} (a quoted string) but found {}",
                self.found()
            ));
        };
        let start = self.i + 1;
        let Some(len) = self.s[start..].iter().position(|&c| c == q) else {
            return Err(format!("unterminated string in {what}"));
        };
        let body = &self.s[start..start + len];
        if body.contains(&b'\\') || body.contains(&b'\n') {
            return Err(format!("unsupported escape or newline in {what}"));
        }
        self.i = start + len + 1;
        Ok(String::from_utf8_lossy(body).into_owned())
    }

    fn descr(&mut self) -> Result<String, String> {
        self.ws();
        if self.peek() == Some(b'[') {
            return Err(
                "structured .npy arrays (a list 'descr') are not supported; save a plain numeric array"
                    .into(),
            );
        }
        self.string("'descr'")
    }

    fn boolean(&mut self) -> Result<bool, String> {
        self.ws();
        let rest = &self.s[self.i..];
        for (word, v) in [(&b"True"[..], true), (b"False", false)] {
            let ident_follows = rest
                .get(word.len())
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_');
            if rest.starts_with(word) && !ident_follows {
                self.i += word.len();
                return Ok(v);
            }
        }
        Err(format!(
            "'fortran_order' must be True or False, found {}",
            self.found()
        ))
    }

    fn shape(&mut self) -> Result<Vec<u64>, String> {
        self.expect(b'(', "'shape' as a tuple '('")?;
        let mut dims = Vec::new();
        loop {
            if self.eat(b')') {
                return Ok(dims);
            }
            dims.push(self.dim()?);
            if self.eat(b',') {
                continue;
            }
            self.expect(b')', "',' or ')' in 'shape'")?;
            if dims.len() == 1 {
                // `(3)` is the integer 3 in Python, not a tuple.
                return Err(format!(
                    "'shape' must be a tuple: a 1-D shape is written ({},)",
                    dims[0]
                ));
            }
            return Ok(dims);
        }
    }

    fn dim(&mut self) -> Result<u64, String> {
        self.ws();
        if self.peek() == Some(b'-') {
            return Err("'shape' has a negative dimension".into());
        }
        let start = self.i;
        let mut v: u64 = 0;
        while let Some(c @ b'0'..=b'9') = self.peek() {
            v = v
                .checked_mul(10)
                .and_then(|v| v.checked_add(u64::from(c - b'0')))
                .ok_or("a 'shape' dimension is too large")?;
            self.i += 1;
        }
        if self.i == start {
            return Err(format!(
                "'shape' must hold integers, found {}",
                self.found()
            ));
        }
        if self.peek() == Some(b'L') {
            self.i += 1;
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `.npy` file of the given version with `dict` as the header text (padded like
    /// NumPy: to a multiple of 64 bytes, ending in a newline) followed by `data`.
    pub(crate) fn file(major: u8, dict: &str, data: &[u8]) -> Vec<u8> {
        let pre = if major == 1 { 10 } else { 12 };
        let mut h = dict.to_string();
        while !(pre + h.len() + 1).is_multiple_of(64) {
            h.push(' ');
        }
        h.push('\n');
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&[major, 0]);
        if major == 1 {
            out.extend_from_slice(&(h.len() as u16).to_le_bytes());
        } else {
            out.extend_from_slice(&(h.len() as u32).to_le_bytes());
        }
        out.extend_from_slice(h.as_bytes());
        out.extend_from_slice(data);
        out
    }

    fn ok(major: u8, dict: &str) -> Header {
        parse(&file(major, dict, &[])).unwrap_or_else(|e| panic!("{dict}: {e}"))
    }

    fn err(dict: &str) -> String {
        parse(&file(1, dict, &[])).unwrap_err()
    }

    #[test]
    fn reads_the_three_versions() {
        let d = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }";
        for major in [1, 2, 3] {
            let f = file(major, d, &[]);
            let h = parse(&f).unwrap();
            assert_eq!(h.descr, "<f4");
            assert!(!h.fortran_order);
            assert_eq!(h.shape, vec![3, 4]);
            assert_eq!((h.data_offset, f.len() % 64), (f.len(), 0));
        }
        let e = parse(b"\x93NUMPY\x04\x00\x00\x00").unwrap_err();
        assert!(e.contains("version 4.0"), "{e}");
        let e = parse(b"\x93NUMPY\x01\x01\x00\x00").unwrap_err();
        assert!(e.contains("version 1.1"), "{e}");
        assert!(parse(b"PK\x03\x04").unwrap_err().contains("magic"));
    }

    #[test]
    fn reads_orders_shapes_and_spellings() {
        let h = ok(
            1,
            "{'descr': '>f8', 'fortran_order': True, 'shape': (2, 3, 4), }",
        );
        assert!(h.fortran_order);
        assert_eq!(h.shape, vec![2, 3, 4]);
        assert_eq!(
            ok(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }").shape,
            Vec::<u64>::new()
        );
        assert_eq!(
            ok(
                1,
                "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }"
            )
            .shape,
            vec![5]
        );
        // key order, double quotes, no trailing comma, Python 2 longs, odd whitespace
        let h = ok(
            2,
            "{\"shape\":(3L,4L),\"fortran_order\":False,\"descr\":\"|u1\"}",
        );
        assert_eq!((h.descr.as_str(), h.shape), ("|u1", vec![3, 4]));
        let h = ok(
            3,
            " {\n'descr' : '<i8' ,\t'fortran_order' : True , 'shape' : ( 0 , 7 , ) }",
        );
        assert_eq!(h.shape, vec![0, 7]);
    }

    #[test]
    fn parses_dtypes() {
        let d = |s| Dtype::parse(s);
        let dt = |kind, size, big_endian| {
            Some(Dtype {
                kind,
                size,
                big_endian,
            })
        };
        assert_eq!(d("<f4"), dt(Kind::Float, 4, false));
        assert_eq!(d(">f8"), dt(Kind::Float, 8, true));
        assert_eq!(d(">i2"), dt(Kind::Int, 2, true));
        assert_eq!(d("|i1"), dt(Kind::Int, 1, false));
        assert_eq!(d("<u8"), dt(Kind::Uint, 8, false));
        assert_eq!(d("|b1"), dt(Kind::Bool, 1, false));
        assert_eq!(d("?"), dt(Kind::Bool, 1, false));
        assert_eq!(d("u1"), dt(Kind::Uint, 1, false));
        for bad in [
            "", "<", "<c8", "<f2", "<U3", "|O", "<M8[ns]", "|i4", "f4", "=f8", "<f4 ",
        ] {
            assert_eq!(d(bad), None, "{bad}");
        }
    }

    #[test]
    fn bad_headers_say_what_is_wrong() {
        let has = |dict: &str, want: &str| {
            let e = err(dict);
            assert!(e.contains(want), "{dict}: {e}");
        };
        has("['descr', '<f4']", "header is not a dict");
        has("{'descr': '<f4', 'fortran_order': False}", "no 'shape' key");
        has("{'fortran_order': False, 'shape': (1,)}", "no 'descr' key");
        has("{'descr': '<f4', 'shape': (1,)}", "no 'fortran_order' key");
        has(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}",
            "unknown key 'extra'",
        );
        has(
            "{'descr': '<f4', 'descr': '<f8', 'fortran_order': False, 'shape': (1,)}",
            "appears twice",
        );
        has(
            "{'descr': '<f4', 'fortran_order': false, 'shape': (1,)}",
            "True or False",
        );
        has(
            "{'descr': '<f4', 'fortran_order': Falsey, 'shape': (1,)}",
            "True or False",
        );
        has(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (a, 2)}",
            "must hold integers",
        );
        has(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1.5,)}",
            "',' or ')'",
        );
        has(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3)}",
            "negative dimension",
        );
        has(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}",
            "too large",
        );
        has(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296)}",
            "too many elements",
        );
        has(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 18446744073709551615, 18446744073709551615)}",
            "too many elements",
        );
        has(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (3)}",
            "(3,)",
        );
        has(
            "{'descr': '<f4', 'fortran_order': False, 'shape': [3]}",
            "tuple",
        );
        has(
            "{'descr': 3, 'fortran_order': False, 'shape': (3,)}",
            "quoted string",
        );
        has(
            "{'descr' '<f4', 'fortran_order': False, 'shape': (3,)}",
            "expected ':'",
        );
        has(
            "{'descr': '<f4, 'fortran_order': False, 'shape': (3,)}",
            "',' or '}'",
        );
        has("{'descr': '<f4}", "unterminated string");
        has(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (3,)",
            "',' or '}'",
        );
        has(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (3,)} x",
            "after the header dict",
        );
        has(
            "{'descr': '<\\x66', 'fortran_order': False, 'shape': (3,)}",
            "escape",
        );
        has(
            "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3,)}",
            "structured",
        );
        // header length past the end of the file
        let mut f = file(
            1,
            "{'descr': '<f4', 'fortran_order': False, 'shape': (3,)}",
            &[],
        );
        f.truncate(40);
        let e = parse(&f).unwrap_err();
        assert!(
            e.contains(
                "truncated: the header is 118 bytes long, the file has 30 after the preamble"
            ),
            "{e}"
        );
    }

    #[test]
    fn every_prefix_of_a_file_is_an_error() {
        for major in [1, 2, 3] {
            let f = file(
                major,
                "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
                &[0; 24],
            );
            let whole = parse(&f).unwrap();
            for n in 0..whole.data_offset {
                assert!(parse(&f[..n]).is_err(), "v{major}, {n} bytes");
            }
            for n in whole.data_offset..=f.len() {
                assert_eq!(parse(&f[..n]).as_ref(), Ok(&whole));
            }
        }
    }

    #[test]
    fn garbage_never_panics() {
        // Every single-byte corruption of a valid header parses or fails cleanly.
        let f = file(
            1,
            "{'descr': '<i2', 'fortran_order': True, 'shape': (2, 3), }",
            &[0; 12],
        );
        for i in 0..f.len() {
            for b in [
                0u8, b' ', b'\'', b'"', b'(', b')', b',', b'}', b'-', b'9', 0xff,
            ] {
                let mut g = f.clone();
                g[i] = b;
                let _ = parse(&g);
            }
        }
    }
}
