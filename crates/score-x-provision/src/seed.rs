//! The project seed every generated secret derives from: 32 bytes written as 64 lowercase
//! hexadecimal characters. Anything else (`12345`, a truncated copy) is refused, never used.

use std::fmt;

/// Characters in a seed.
pub const SEED_LEN: usize = 64;

/// A validated project seed. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Seed(String);

/// Why a text is not a seed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeedError {
    Length(usize),
    Char { ch: char, position: usize },
}

impl fmt::Display for SeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SeedError::Length(n) => write!(
                f,
                "the seed must be {SEED_LEN} hexadecimal characters, this one has {n} (truncated?)"
            ),
            SeedError::Char { ch, position } => write!(
                f,
                "the seed must be {SEED_LEN} hexadecimal characters (0-9, a-f); it has `{}` at position {position}",
                ch.escape_default()
            ),
        }
        .and_then(|()| f.write_str("; make one with `openssl rand -hex 32`"))
    }
}

impl std::error::Error for SeedError {}

impl Seed {
    /// Check `text` (surrounding whitespace, such as a file's final newline, is ignored).
    pub fn parse(text: &str) -> Result<Seed, SeedError> {
        let t = text.trim();
        if let Some((position, ch)) = t
            .chars()
            .enumerate()
            .find(|(_, c)| !matches!(c, '0'..='9' | 'a'..='f'))
        {
            return Err(SeedError::Char {
                ch,
                position: position + 1,
            });
        }
        if t.len() != SEED_LEN {
            return Err(SeedError::Length(t.chars().count()));
        }
        Ok(Seed(t.to_string()))
    }

    /// A seed made of these random bytes.
    pub fn from_bytes(bytes: &[u8; 32]) -> Seed {
        Seed(hex::encode(bytes))
    }

    /// The seed text; use it only to derive secrets or to write the seed file.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Seed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Seed(<redacted>)")
    }
}

impl<'de> serde::Deserialize<'de> for Seed {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Seed::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_64_lowercase_hex_characters_are_a_seed() {
        let good = "ab".repeat(32);
        assert_eq!(Seed::parse(&format!("{good}\n")).unwrap().expose(), good);
        assert_eq!(Seed::parse("12345"), Err(SeedError::Length(5)));
        assert_eq!(Seed::parse(&good[..23]), Err(SeedError::Length(23)));
        assert_eq!(
            Seed::parse(&good.to_uppercase()),
            Err(SeedError::Char {
                ch: 'A',
                position: 1
            })
        );
        assert!(Seed::parse("").is_err());
        assert!(
            Seed::parse(&format!("{}\u{1b}", &good[..63]))
                .unwrap_err()
                .to_string()
                .contains("`\\u{1b}` at position 64")
        );
        assert!(!format!("{:?}", Seed::parse(&good).unwrap()).contains("ab"));
    }
}
