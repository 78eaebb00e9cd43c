//! The text and number forms of old protocols and long ints: two's complement longs,
//! decimal int text (bounded as CPython bounds it), Python 2 str literals and
//! `raw-unicode-escape`, and Python 2 module names.

use num_bigint::{BigInt, Sign};

use super::err;
use crate::error::Result;
use crate::value::{Global, Value};

/// Two's complement little-endian integer (LONG1/LONG4).
pub(super) fn long_from_le(b: &[u8]) -> Value {
    if b.is_empty() {
        return Value::Int(0);
    }
    if b.len() <= 8 {
        let fill = if b[b.len() - 1] & 0x80 != 0 { 0xff } else { 0 };
        let mut buf = [fill; 8];
        buf[..b.len()].copy_from_slice(b);
        return Value::Int(i64::from_le_bytes(buf));
    }
    Value::from(BigInt::from_signed_bytes_le(b))
}

/// CPython's `sys.int_info.default_max_str_digits`: it refuses to convert longer decimal
/// text (the conversion takes quadratic time), so no CPython pickle holds such an int.
pub(super) const MAX_INT_DIGITS: usize = 4300;

pub(super) fn parse_int_text(s: &str) -> Result<Value> {
    let s = s.trim();
    if let Ok(i) = s.parse::<i64>() {
        return Ok(Value::Int(i));
    }
    let (sign, digits) = match s.strip_prefix('-') {
        Some(d) => (Sign::Minus, d),
        None => (Sign::Plus, s.strip_prefix('+').unwrap_or(s)),
    };
    if digits.len() > MAX_INT_DIGITS {
        return Err(err(format!(
            "integer text of {} digits exceeds the limit of {MAX_INT_DIGITS} digits",
            digits.len()
        )));
    }
    BigInt::parse_bytes(digits.as_bytes(), 10)
        .map(|b| Value::from(if sign == Sign::Minus { -b } else { b }))
        .ok_or_else(|| err(format!("bad integer text {s:?}")))
}

/// Python 2 `str` values (STRING/BINSTRING/SHORT_BINSTRING) load as `str` when they are
/// ASCII (CPython's default `encoding="ASCII"`) and as bytes otherwise.
pub(super) fn py2_str(raw: Vec<u8>) -> Value {
    if raw.is_ascii() {
        Value::Str(String::from_utf8(raw).expect("ascii"))
    } else {
        Value::Bytes(raw.into())
    }
}

/// The `repr` of a Python 2 str as written by protocol 0's STRING opcode.
pub(super) fn python_string_literal(l: &[u8]) -> Result<Vec<u8>> {
    let q = *l.first().ok_or_else(|| err("empty STRING literal"))?;
    if l.len() < 2 || (q != b'\'' && q != b'"') || l[l.len() - 1] != q {
        return Err(err("STRING literal is not quoted"));
    }
    let body = &l[1..l.len() - 1];
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let c = body[i];
        i += 1;
        if c != b'\\' {
            out.push(c);
            continue;
        }
        let e = *body
            .get(i)
            .ok_or_else(|| err("dangling escape in STRING"))?;
        i += 1;
        match e {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'0'..=b'7' => {
                let mut v = (e - b'0') as u32;
                for _ in 0..2 {
                    match body.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            v = v * 8 + (d - b'0') as u32;
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.push(v as u8);
            }
            b'x' => {
                let h = body.get(i..i + 2).ok_or_else(|| err("short \\x escape"))?;
                let h = std::str::from_utf8(h).map_err(|_| err("bad \\x escape"))?;
                out.push(u8::from_str_radix(h, 16).map_err(|_| err("bad \\x escape"))?);
                i += 2;
            }
            b'\\' | b'\'' | b'"' => out.push(e),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'v' => out.push(11),
            other => {
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    Ok(out)
}

/// Decodes Python's `raw-unicode-escape` (protocol 0 UNICODE): latin-1 bytes with
/// `\uXXXX` and `\UXXXXXXXX` escapes.
pub(super) fn raw_unicode_escape(l: &[u8]) -> Result<String> {
    let mut out = String::with_capacity(l.len());
    let mut i = 0;
    while i < l.len() {
        if l[i] == b'\\' && i + 1 < l.len() && (l[i + 1] == b'u' || l[i + 1] == b'U') {
            let n = if l[i + 1] == b'u' { 4 } else { 8 };
            let hex = l
                .get(i + 2..i + 2 + n)
                .ok_or_else(|| err("short \\u escape in UNICODE"))?;
            let hex = std::str::from_utf8(hex).map_err(|_| err("bad \\u escape"))?;
            let cp = u32::from_str_radix(hex, 16).map_err(|_| err("bad \\u escape"))?;
            out.push(char::from_u32(cp).ok_or_else(|| err("bad code point in UNICODE"))?);
            i += 2 + n;
        } else {
            out.push(l[i] as char);
            i += 1;
        }
    }
    Ok(out)
}

/// Python 2 module names that CPython maps to their Python 3 homes (`fix_imports`).
pub(super) fn fix_py2_global(module: String, name: String) -> Global {
    let module = match module.as_str() {
        "__builtin__" => "builtins".to_owned(),
        "copy_reg" => "copyreg".to_owned(),
        _ => module,
    };
    let name = match (module.as_str(), name.as_str()) {
        ("builtins", "unicode") => "str".to_owned(),
        ("builtins", "xrange") => "range".to_owned(),
        _ => name,
    };
    Global::new(module, name)
}
