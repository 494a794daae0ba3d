//! Small shared encoders for the files: hex as drand writes it, and a TOML writer that emits
//! exactly what Go's BurntSushi encoder emits for drand's structs (scalars first in struct
//! order, then `[[tables]]` / `[table]` each after a blank line with two-space indented keys).

use super::FilesError;

/// Decodes hex as Go's `hex.DecodeString` does (either case, even length, nothing else),
/// refusing more than `max_bytes` before decoding anything.
pub(crate) fn decode_hex(field: &str, text: &str, max_bytes: usize) -> Result<Vec<u8>, FilesError> {
    if text.len() > max_bytes.saturating_mul(2) {
        return Err(FilesError::field(
            field,
            format!(
                "{} hex digits is longer than the {max_bytes}-byte maximum",
                text.len()
            ),
        ));
    }
    if !text.len().is_multiple_of(2) {
        return Err(FilesError::field(field, "odd number of hex digits"));
    }
    let mut out = Vec::with_capacity(text.len() / 2);
    for pair in text.as_bytes().chunks_exact(2) {
        match (
            pair.first().and_then(|c| nibble(*c)),
            pair.get(1).and_then(|c| nibble(*c)),
        ) {
            (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
            _ => return Err(FilesError::field(field, "not a hex digit")),
        }
    }
    Ok(out)
}

/// Decodes hex that must be exactly `len` bytes (`what` names the expected value).
pub(crate) fn decode_hex_exact(
    field: &str,
    text: &str,
    len: usize,
    what: &str,
) -> Result<Vec<u8>, FilesError> {
    let bytes = decode_hex(field, text, len.max(1024))?;
    if bytes.len() != len {
        return Err(FilesError::field(
            field,
            format!("{} bytes, but {what} is {len} bytes", bytes.len()),
        ));
    }
    Ok(bytes)
}

fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Lowercase hex, as drand writes keys and signatures.
pub(crate) fn hex(bytes: &[u8]) -> String {
    drand_lite::hex::encode(bytes)
}

/// A TOML basic string, quoted and escaped the way BurntSushi's encoder does.
pub(crate) fn toml_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A TOML array of strings on one line: `["a", "b"]`.
pub(crate) fn toml_string_array<S: AsRef<str>>(values: &[S]) -> String {
    let items: Vec<String> = values.iter().map(|v| toml_string(v.as_ref())).collect();
    format!("[{}]", items.join(", "))
}

/// Builds a TOML document line by line in BurntSushi's layout.
#[derive(Default)]
pub(crate) struct TomlWriter {
    out: String,
    indent: &'static str,
}

impl TomlWriter {
    /// A `Key = value` line (value already encoded).
    pub(crate) fn raw(&mut self, key: &str, value: &str) {
        self.out.push_str(self.indent);
        self.out.push_str(key);
        self.out.push_str(" = ");
        self.out.push_str(value);
        self.out.push('\n');
    }
    /// A string value.
    pub(crate) fn string(&mut self, key: &str, value: &str) {
        self.raw(key, &toml_string(value));
    }
    /// An integer value.
    pub(crate) fn int(&mut self, key: &str, value: impl core::fmt::Display) {
        self.raw(key, &value.to_string());
    }
    /// An array of strings.
    pub(crate) fn strings<S: AsRef<str>>(&mut self, key: &str, values: &[S]) {
        self.raw(key, &toml_string_array(values));
    }
    /// Starts a `[[name]]` array-of-tables entry.
    pub(crate) fn array_table(&mut self, name: &str) {
        self.out.push_str(&format!("\n[[{name}]]\n"));
        self.indent = "  ";
    }
    /// Starts a `[name]` table.
    pub(crate) fn table(&mut self, name: &str) {
        self.out.push_str(&format!("\n[{name}]\n"));
        self.indent = "  ";
    }
    /// The finished document.
    pub(crate) fn finish(self) -> String {
        self.out
    }
}

/// Parses TOML into `T`, mapping parser errors (which carry line and column) to [`FilesError`].
pub(crate) fn parse_toml<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, FilesError> {
    toml::from_str(text).map_err(|e| FilesError::toml(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_accepts_both_cases_and_nothing_else() {
        assert_eq!(decode_hex("K", "0aFf", 4).unwrap(), vec![0x0a, 0xff]);
        assert!(decode_hex("K", "0", 4).is_err());
        assert!(decode_hex("K", "0x00", 4).is_err());
        assert!(decode_hex("K", "00 0", 4).is_err());
        assert!(decode_hex("K", "000000", 2).is_err());
        assert!(decode_hex_exact("K", "0000", 3, "x").is_err());
    }

    #[test]
    fn strings_are_escaped() {
        assert_eq!(toml_string("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
        assert_eq!(toml_string("\u{1}"), "\"\\u0001\"");
        let parsed: toml::Table =
            toml::from_str(&format!("k = {}", toml_string("x\"\u{1}\t"))).unwrap();
        assert_eq!(parsed["k"].as_str(), Some("x\"\u{1}\t"));
    }
}
