//! The canonical JSON form that signatures cover: RFC 8785 (JSON Canonicalization Scheme),
//! restricted to integers.
//!
//! - object members sorted by their names compared as UTF-16 code units (RFC 8785 §3.2.3);
//! - no whitespace anywhere;
//! - strings as ECMAScript's `JSON.stringify` writes them: `\"`, `\\`, `\b`, `\f`, `\n`,
//!   `\r`, `\t`, other control characters as `\u00xx` (lower-case hex), everything else as is
//!   (UTF-8, `/` not escaped) — which is what serde_json writes;
//! - numbers: integers only, from -(2^53 - 1) to 2^53 - 1, in decimal without a sign for
//!   positives, leading zeros or exponent. A number with a fraction or exponent, or out of
//!   that range, is refused: the bodies we sign never need one, and refusing them spares us
//!   ECMAScript's float-to-text rules, where implementations differ. With that restriction the
//!   output is byte for byte what an RFC 8785 implementation writes.

use std::fmt::Write;

use serde_json::Value;

/// The largest integer an IEEE double holds exactly (2^53 - 1).
pub const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {reason}")]
pub struct CanonicalError {
    /// Where in the value, as a JSON Pointer (RFC 6901), e.g. `/body/count`.
    pub path: String,
    pub reason: String,
}

/// Writes `value` in canonical form.
pub fn to_canonical(value: &Value) -> Result<String, CanonicalError> {
    let mut out = String::new();
    write_value(value, &mut out, &mut String::new())?;
    Ok(out)
}

fn write_value(value: &Value, out: &mut String, path: &mut String) -> Result<(), CanonicalError> {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            let int = n.as_i64().filter(|i| i.abs() <= MAX_SAFE_INTEGER);
            match int {
                Some(i) => {
                    let _ = write!(out, "{i}");
                }
                None => {
                    return Err(CanonicalError {
                        path: path.clone(),
                        reason: format!(
                            "{n} is not an integer from -(2^53 - 1) to 2^53 - 1 (the only numbers a message may carry)"
                        ),
                    });
                }
            }
        }
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let len = path.len();
                let _ = write!(path, "/{i}");
                write_value(item, out, path)?;
                path.truncate(len);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, (name, member)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(name, out);
                out.push(':');
                let len = path.len();
                path.push('/');
                path.push_str(&name.replace('~', "~0").replace('/', "~1"));
                write_value(member, out, path)?;
                path.truncate(len);
            }
            out.push('}');
        }
    }
    Ok(())
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn members_are_sorted_and_whitespace_is_gone() {
        let v: Value =
            serde_json::from_str("{ \"b\" : [1, 2, {\"z\": null, \"a\": true}], \"a\": \"x\" }")
                .expect("json");
        assert_eq!(
            to_canonical(&v).expect("canonical"),
            r#"{"a":"x","b":[1,2,{"a":true,"z":null}]}"#
        );
    }

    #[test]
    fn names_sort_by_utf16_code_units_as_rfc_8785_says() {
        // RFC 8785 §3.2.3's example: U+1F600 (surrogates D83D DE00) sorts before U+FB33,
        // although its UTF-8 bytes sort after.
        let v = json!({"\u{fb33}": 1, "\u{1f600}": 2, "\r": 3, "1": 4, "\u{80}": 5, "ö": 6});
        assert_eq!(
            to_canonical(&v).expect("canonical"),
            "{\"\\r\":3,\"1\":4,\"\u{80}\":5,\"ö\":6,\"\u{1f600}\":2,\"\u{fb33}\":1}"
        );
    }

    #[test]
    fn strings_are_escaped_as_json_stringify_does() {
        let v = json!("a\"b\\c/d\u{1}\u{1f}\n\t\u{8}\u{c}\r é€😀");
        assert_eq!(
            to_canonical(&v).expect("canonical"),
            "\"a\\\"b\\\\c/d\\u0001\\u001f\\n\\t\\b\\f\\r é€😀\""
        );
    }

    #[test]
    fn only_safe_integers_are_numbers() {
        assert_eq!(
            to_canonical(&json!([0, -1, MAX_SAFE_INTEGER])).expect("ints"),
            "[0,-1,9007199254740991]"
        );
        let float = to_canonical(&json!({"body": {"n": 1.5}})).expect_err("a float");
        assert_eq!(float.path, "/body/n");
        assert!(
            to_canonical(&json!(MAX_SAFE_INTEGER + 1)).is_err(),
            "2^53 is not exact in every reader"
        );
        assert!(to_canonical(&json!(u64::MAX)).is_err());
        let parsed: Value = serde_json::from_str("1e3").expect("json");
        assert!(to_canonical(&parsed).is_err(), "an exponent is a float");
    }
}
