//! The multi-pattern search behind the leak check: every secret encoding in a text,
//! leftmost-longest and ASCII case-insensitive, exactly the matches of an Aho-Corasick search
//! with those options, found by reading the text one aligned 4-byte block at a time.
//!
//! Every pattern is at least [`MIN_PATTERN`] bytes long, so an occurrence starting at any byte
//! covers a whole block that starts at a multiple of [`BLOCK`]; for each of the four possible
//! phases one block of each pattern is indexed (the one shared with the fewest other patterns,
//! so that secrets with a common prefix, such as connection strings, do not crowd one entry).
//! A text block whose case-folded bytes are in the index names the candidate starts, and an
//! anchored Aho-Corasick search over the lowercased patterns confirms each, longest first.
//! The text is looked at once per block instead of once per byte, and the anchored automaton
//! is a quarter of the build time of a case-insensitive unanchored one (docs/performance.md).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Anchored, Input, MatchKind, StartKind};

/// The bytes of a block.
const BLOCK: usize = 4;
/// The shortest pattern the block filter can find: any occurrence of one this long holds a
/// whole block at a multiple of [`BLOCK`], whatever byte it starts at.
pub const MIN_PATTERN: usize = 2 * BLOCK - 1;

/// One match: its byte range in the text and the index of its pattern.
pub type Found = (Range<usize>, usize);

/// Patterns compiled for [`Finder::find_all`].
#[derive(Debug, Clone)]
pub struct Finder {
    /// Anchored, leftmost-longest, over the ASCII-lowercased patterns: the longest pattern
    /// starting at a candidate position.
    verify: AhoCorasick,
    /// One bit per hash of an indexed block.
    bits: Vec<u64>,
    /// `32 - log2(bits)`: a block's hash is its multiplicative hash shifted by this.
    shift: u32,
    /// Indexed block (case-folded) → the offsets in a pattern it was indexed at.
    offsets: HashMap<u32, Vec<u32>, BuildHasherDefault<BlockHasher>>,
    /// The length of the longest pattern: the bytes a confirmation lowercases.
    longest: usize,
}

impl Finder {
    /// Compile `patterns`; `None` when one is shorter than [`MIN_PATTERN`] or the automaton
    /// cannot be built.
    pub fn new(patterns: &[String]) -> Option<Self> {
        if patterns.iter().any(|p| p.len() < MIN_PATTERN) {
            return None;
        }
        let lower: Vec<Vec<u8>> = patterns
            .iter()
            .map(|p| p.as_bytes().to_ascii_lowercase())
            .collect();
        let (verify, offsets) = rayon::join(
            || {
                AhoCorasickBuilder::new()
                    .match_kind(MatchKind::LeftmostLongest)
                    .start_kind(StartKind::Anchored)
                    .build(&lower)
            },
            || index(&lower),
        );
        let verify = verify.ok()?;
        let bits_log = (offsets.len() * 64)
            .next_power_of_two()
            .trailing_zeros()
            .clamp(12, 24);
        let mut bits = vec![0u64; 1 << (bits_log - 6)];
        let shift = 32 - bits_log;
        for key in offsets.keys() {
            let h = hash(*key, shift);
            if let Some(word) = bits.get_mut(h >> 6) {
                *word |= 1 << (h & 63);
            }
        }
        Some(Finder {
            verify,
            bits,
            shift,
            offsets,
            longest: lower.iter().map(Vec::len).max().unwrap_or(0),
        })
    }

    /// Every match in `text`, leftmost-longest and not overlapping, in text order.
    pub fn find_all(&self, text: &[u8]) -> Vec<Found> {
        let mut starts = self.candidates(text);
        starts.sort_unstable();
        starts.dedup();
        let mut found = Vec::new();
        let mut next = 0;
        let mut window = Vec::with_capacity(self.longest);
        for s in starts {
            if s < next {
                continue;
            }
            if let Some((end, pattern)) = self.longest_at(text, s, &mut window) {
                found.push((s..end, pattern));
                next = end;
            }
        }
        found
    }

    /// Every position where a pattern may start: those of the indexed blocks found in `text`.
    fn candidates(&self, text: &[u8]) -> Vec<usize> {
        let mut starts = Vec::new();
        for (i, block) in text.chunks_exact(BLOCK).enumerate() {
            let key = fold(block);
            let h = hash(key, self.shift);
            let set = self
                .bits
                .get(h >> 6)
                .is_some_and(|w| w >> (h & 63) & 1 == 1);
            if !set {
                continue;
            }
            let at = i * BLOCK;
            for &o in self.offsets.get(&key).into_iter().flatten() {
                if let Some(s) = at.checked_sub(o as usize) {
                    starts.push(s);
                }
            }
        }
        starts
    }

    /// The longest pattern starting at `s` (its end and index), compared lowercased.
    fn longest_at(&self, text: &[u8], s: usize, window: &mut Vec<u8>) -> Option<(usize, usize)> {
        let end = text.len().min(s + self.longest);
        window.clear();
        window.extend(text.get(s..end)?.iter().map(u8::to_ascii_lowercase));
        let m = self
            .verify
            .find(Input::new(window.as_slice()).anchored(Anchored::Yes))?;
        Some((s + m.end(), m.pattern().as_usize()))
    }
}

/// The block at each phase of each pattern that the fewest patterns share, as key → offsets.
fn index(patterns: &[Vec<u8>]) -> HashMap<u32, Vec<u32>, BuildHasherDefault<BlockHasher>> {
    let mut shared: HashMap<u32, u32, BuildHasherDefault<BlockHasher>> = HashMap::default();
    for p in patterns {
        for block in p.windows(BLOCK) {
            *shared.entry(fold(block)).or_default() += 1;
        }
    }
    let mut offsets: HashMap<u32, Vec<u32>, BuildHasherDefault<BlockHasher>> = HashMap::default();
    for p in patterns {
        for phase in 0..BLOCK {
            let best = (phase..=p.len() - BLOCK)
                .step_by(BLOCK)
                .filter_map(|o| Some((o, fold(p.get(o..o + BLOCK)?))))
                .min_by_key(|(o, key)| (shared.get(key).copied().unwrap_or(0), *o));
            if let Some((o, key)) = best {
                let list = offsets.entry(key).or_default();
                let o = u32::try_from(o).unwrap_or(u32::MAX);
                if !list.contains(&o) {
                    list.push(o);
                }
            }
        }
    }
    offsets
}

/// A block's bytes with bit 5 set in each: ASCII letters of either case fold together (other
/// bytes may fold onto each other too; the anchored confirmation tells them apart).
fn fold(block: &[u8]) -> u32 {
    let mut b = [0u8; BLOCK];
    b.copy_from_slice(&block[..BLOCK]);
    u32::from_le_bytes(b) | 0x2020_2020
}

/// The bit of a folded block.
fn hash(key: u32, shift: u32) -> usize {
    (key.wrapping_mul(0x9E37_79B1) >> shift) as usize
}

/// The hasher of the index maps: a folded block is already four bytes of one word.
#[derive(Default)]
struct BlockHasher(u64);

impl Hasher for BlockHasher {
    fn finish(&self) -> u64 {
        // The product's high half depends on every bit of the block; fold it into the low bits
        // the table indexes by.
        self.0 ^ (self.0 >> 32)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

#[cfg(test)]
mod tests {
    use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
    use proptest::prelude::*;

    use super::*;

    /// The reference: one unanchored, case-insensitive, leftmost-longest Aho-Corasick search.
    fn reference(patterns: &[String], text: &[u8]) -> Vec<Found> {
        let ac: AhoCorasick = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(patterns)
            .unwrap();
        ac.find_iter(text)
            .map(|m| (m.start()..m.end(), m.pattern().as_usize()))
            .collect()
    }

    fn same(patterns: &[&str], text: &str) {
        let patterns: Vec<String> = patterns.iter().map(|p| p.to_string()).collect();
        let f = Finder::new(&patterns).unwrap();
        assert_eq!(
            f.find_all(text.as_bytes()),
            reference(&patterns, text.as_bytes()),
            "{patterns:?} in {text:?}"
        );
    }

    #[test]
    fn finds_what_the_reference_finds_at_every_phase_and_case() {
        let p = ["Hunter2-secret", "SHVudGVyMi1zZWNyZXQ="];
        for pad in 0..9 {
            let lead = "x".repeat(pad);
            same(&p, &format!("{lead}hunter2-SECRET"));
            same(
                &p,
                &format!("{lead}pw: Hunter2-secret\ndata: shvudgvymi1zzwnyzxq=\n"),
            );
            same(&p, &format!("{lead}Hunter2-secretHunter2-secret{lead}"));
            same(&p, &format!("{lead}Hunter2-secre"));
        }
    }

    #[test]
    fn the_longest_pattern_at_the_leftmost_start_wins() {
        let p = ["abcdefgh", "abcdefghijkl", "cdefghij", "ABCDEFGH"];
        for text in [
            "abcdefghijkl",
            "xxabcdefghijk",
            "abcdefgabcdefghij",
            "ABCDEFGHIJKL abcdefgh",
            "cdefghijabcdefgh",
        ] {
            same(&p, text);
        }
    }

    #[test]
    fn secrets_with_a_common_prefix_are_each_found() {
        let p: Vec<String> = (0..200)
            .map(|i| format!("postgres://user:pw{i:04}xyz@db:5432/app"))
            .collect();
        let refs: Vec<&str> = p.iter().map(String::as_str).collect();
        let text: String = (0..200)
            .rev()
            .map(|i| {
                format!("url: postgres://user:pw{i:04}xyz@db:5432/app\nother: postgres://user:pw\n")
            })
            .collect();
        same(&refs, &text);
        let f = Finder::new(&p).unwrap();
        assert_eq!(f.find_all(text.as_bytes()).len(), 200);
    }

    #[test]
    fn multibyte_and_multiline_patterns() {
        same(
            &["pässwörd-ünïcode", "two\nline-secret", "a%2Fb%2Fc%2Fd"],
            "x: pÄsswörd-ünïcode pässwörd-ünïcode\ntwo\nline-secret\nA%2fB%2Fc%2fd\n",
        );
    }

    #[test]
    fn patterns_too_short_for_a_block_are_refused() {
        assert!(Finder::new(&["abcdef".to_string()]).is_none());
        assert!(Finder::new(&["abcdefg".to_string()]).is_some());
    }

    fn pattern() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop::sample::select(vec!["a", "B", "b", "%", "\n", "é", "A"]),
            7..14,
        )
        .prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        #[test]
        fn equals_the_reference_on_random_texts(
            patterns in proptest::collection::vec(pattern(), 1..12),
            picks in proptest::collection::vec((0usize..12, prop::sample::select(vec!["", "x", "ab", "A\n", "é"])), 0..20),
        ) {
            let text: String = picks
                .iter()
                .map(|(i, glue)| format!("{glue}{}", patterns[i % patterns.len()].to_uppercase()))
                .collect();
            let f = Finder::new(&patterns).unwrap();
            prop_assert_eq!(f.find_all(text.as_bytes()), reference(&patterns, text.as_bytes()));
        }
    }
}
