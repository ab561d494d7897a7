//! CPU and memory quantities of Score (`250m`, `0.5`, `128M`, `1.5Gi`) into core `Cpu`/`Memory`.

use score_x_core::ir::{Cpu, Memory};

/// Why a quantity is rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuantityError {
    /// Does not match the schema pattern.
    Pattern,
    /// Matches, but does not fit in 64 bits.
    Overflow,
}

/// `^\d+(?:m|\.\d+)?$` → millicores (fractions of a millicore round up).
pub fn parse_cpu(s: &str) -> Result<Cpu, QuantityError> {
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|c| c.is_ascii_digit());
    let millis = if let Some(m) = s.strip_suffix('m') {
        if !digits(m) {
            return Err(QuantityError::Pattern);
        }
        m.parse::<u64>().map_err(|_| QuantityError::Overflow)?
    } else {
        let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
        if !digits(whole) || (s.contains('.') && !digits(frac)) {
            return Err(QuantityError::Pattern);
        }
        let w = whole.parse::<u64>().map_err(|_| QuantityError::Overflow)?;
        let mut f: u64 = 0;
        for (i, c) in frac.bytes().enumerate() {
            let d = u64::from(c - b'0');
            if i < 3 {
                f += d * 10u64.pow(2 - i as u32);
            } else if d != 0 {
                f += 1;
                break;
            }
        }
        w.checked_mul(1000)
            .and_then(|m| m.checked_add(f))
            .ok_or(QuantityError::Overflow)?
    };
    Ok(Cpu {
        millis,
        text: s.to_string(),
    })
}

/// `^(0\.\d+|[1-9]\d*(\.\d+)?)(K|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$` → bytes (rounded up).
pub fn parse_memory(s: &str) -> Result<Memory, QuantityError> {
    let num_end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, suffix) = s.split_at(num_end);
    let mult: u128 = match suffix {
        "" => 1,
        "K" => 1000,
        "M" => 1000u128.pow(2),
        "G" => 1000u128.pow(3),
        "T" => 1000u128.pow(4),
        "P" => 1000u128.pow(5),
        "E" => 1000u128.pow(6),
        "Ki" => 1 << 10,
        "Mi" => 1 << 20,
        "Gi" => 1 << 30,
        "Ti" => 1 << 40,
        "Pi" => 1 << 50,
        "Ei" => 1 << 60,
        _ => return Err(QuantityError::Pattern),
    };
    let (whole, frac) = num.split_once('.').unwrap_or((num, ""));
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|c| c.is_ascii_digit());
    let ok = if whole == "0" {
        num.contains('.') && digits(frac)
    } else {
        digits(whole) && !whole.starts_with('0') && (!num.contains('.') || digits(frac))
    };
    if !ok {
        return Err(QuantityError::Pattern);
    }
    if whole.len() > 30 || frac.len() > 30 {
        return Err(QuantityError::Overflow);
    }
    let w: u128 = whole.parse().map_err(|_| QuantityError::Overflow)?;
    let scale = 10u128.pow(frac.len() as u32);
    let f: u128 = if frac.is_empty() {
        0
    } else {
        frac.parse().map_err(|_| QuantityError::Overflow)?
    };
    let total = w
        .checked_mul(scale)
        .and_then(|x| x.checked_add(f))
        .and_then(|x| x.checked_mul(mult))
        .ok_or(QuantityError::Overflow)?;
    let bytes = u64::try_from(total.div_ceil(scale)).map_err(|_| QuantityError::Overflow)?;
    Ok(Memory {
        bytes,
        text: s.to_string(),
    })
}

/// A corrected spelling of a memory quantity that is not one but looks like one written with
/// another tool's unit (`512MB`, `512mb`, `1GiB`, `2 Gi`, `64k`), as a hint.
pub fn memory_hint(s: &str) -> Option<String> {
    if parse_memory(s).is_ok() {
        return None;
    }
    let t: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let num_end = t.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (num, suffix) = t.split_at(num_end);
    parse_memory(num).ok()?;
    let lower = suffix.to_ascii_lowercase();
    let unit = lower.strip_suffix('b').unwrap_or(&lower);
    let (letter, binary) = match unit.as_bytes() {
        [] => return Some(format!("did you mean `{num}` (bytes)?")),
        [l] => (*l, false),
        [l, b'i'] => (*l, true),
        _ => return None,
    };
    if !b"kmgtpe".contains(&letter) {
        return None;
    }
    let u = char::from(letter.to_ascii_uppercase());
    Some(if binary {
        format!("did you mean `{num}{u}i`?")
    } else {
        format!(
            "did you mean `{num}{u}` (powers of 1000) or `{num}{u}i` (powers of 1024, what most memory sizes mean)?"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu() {
        assert_eq!(parse_cpu("250m").unwrap().millis, 250);
        assert_eq!(parse_cpu("2").unwrap().millis, 2000);
        assert_eq!(parse_cpu("0.24").unwrap().millis, 240);
        assert_eq!(parse_cpu("0.025").unwrap().millis, 25);
        assert_eq!(parse_cpu("0.0001").unwrap().millis, 1);
        assert_eq!(parse_cpu("1.5m"), Err(QuantityError::Pattern));
        assert_eq!(parse_cpu(".5"), Err(QuantityError::Pattern));
        assert_eq!(
            parse_cpu("99999999999999999999"),
            Err(QuantityError::Overflow)
        );
    }

    #[test]
    fn memory() {
        assert_eq!(parse_memory("128M").unwrap().bytes, 128_000_000);
        assert_eq!(parse_memory("1.5Gi").unwrap().bytes, 1_610_612_736);
        assert_eq!(parse_memory("10Gi").unwrap().bytes, 10 << 30);
        assert_eq!(parse_memory("0.5Ki").unwrap().bytes, 512);
        assert_eq!(parse_memory("100").unwrap().bytes, 100);
        assert_eq!(parse_memory("01M"), Err(QuantityError::Pattern));
        assert_eq!(parse_memory("1.5X"), Err(QuantityError::Pattern));
        assert_eq!(parse_memory("0"), Err(QuantityError::Pattern));
        assert_eq!(parse_memory("99999999999E"), Err(QuantityError::Overflow));
    }

    #[test]
    fn memory_hints_suggest_the_score_spelling() {
        assert_eq!(
            memory_hint("512MB").as_deref(),
            Some(
                "did you mean `512M` (powers of 1000) or `512Mi` (powers of 1024, what most memory sizes mean)?"
            )
        );
        assert!(memory_hint("128mb").unwrap().contains("`128Mi`"));
        assert!(memory_hint("64k").unwrap().contains("`64K`"));
        assert_eq!(memory_hint("1GiB").as_deref(), Some("did you mean `1Gi`?"));
        assert_eq!(memory_hint("2 gi").as_deref(), Some("did you mean `2Gi`?"));
        assert_eq!(
            memory_hint("100B").as_deref(),
            Some("did you mean `100` (bytes)?")
        );
        assert_eq!(memory_hint("lots"), None);
        assert_eq!(memory_hint("5XB"), None);
        assert_eq!(memory_hint("512Mi"), None);
        for s in ["512MB", "1GiB", "64k", "100B"] {
            let hint = memory_hint(s).unwrap();
            let first = hint.split('`').nth(1).unwrap();
            assert!(parse_memory(first).is_ok(), "{first}");
        }
    }
}
