//! The multi-pattern search behind the leak check: every secret encoding in a text,
//! leftmost-longest and ASCII case-insensitive, exactly the matches of an Aho-Corasick search
//! with those options, found by reading the text one aligned 4-byte block at a time.
//!
//! Every pattern is at least [`MIN_PATTERN`] bytes long, so an occurrence starting at any byte
//! covers a whole block that starts at a multiple of [`BLOCK`]; for each of the four possible
//! phases one block of each pattern is indexed (the one shared with the fewest other patterns,
//! so that secrets with a common prefix, such as connection strings, do not crowd one entry).
//! A text block whose case-folded bytes are in the index names the candidate (start, pattern)
//! pairs, and each is confirmed by comparing the pattern with the text there, longest first.
//! The text is looked at once per block instead of once per byte, and nothing but the patterns
//! and the index is built: an automaton over every secret cost more to build, in time and in
//! memory, than the whole scan it confirmed (docs/performance.md).

use std::cmp::Reverse;
use std::ops::Range;

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
    /// The patterns, ASCII-lowercased, one after another.
    bytes: Vec<u8>,
    /// Where each pattern ends in `bytes` (it starts where the one before ends).
    ends: Vec<u32>,
    /// One bit per hash of an indexed block.
    bits: Vec<u64>,
    /// `32 - log2(bits)`: a block's hash is its multiplicative hash shifted by this.
    shift: u32,
    /// Each pattern's indexed blocks, sorted: a block's entries are contiguous, grouped by
    /// offset.
    index: Vec<Entry>,
}

impl Finder {
    /// Compile `patterns`; `None` when one is shorter than [`MIN_PATTERN`] or they are too
    /// many bytes to index (4 GiB).
    pub fn new(patterns: &[String]) -> Option<Self> {
        if patterns.iter().any(|p| p.len() < MIN_PATTERN) {
            return None;
        }
        let mut bytes = Vec::with_capacity(patterns.iter().map(String::len).sum());
        let mut ends = Vec::with_capacity(patterns.len());
        for p in patterns {
            bytes.extend(p.bytes().map(|b| b.to_ascii_lowercase()));
            ends.push(u32::try_from(bytes.len()).ok()?);
        }
        let mut finder = Finder {
            bytes,
            ends,
            bits: Vec::new(),
            shift: 0,
            index: Vec::new(),
        };
        finder.index = index(&finder);
        let keys = finder.index.len();
        let bits_log = (keys * 64)
            .next_power_of_two()
            .trailing_zeros()
            .clamp(12, 24);
        finder.bits = vec![0u64; 1 << (bits_log - 6)];
        finder.shift = 32 - bits_log;
        for e in &finder.index {
            let h = hash(e.key, finder.shift);
            if let Some(word) = finder.bits.get_mut(h >> 6) {
                *word |= 1 << (h & 63);
            }
        }
        Some(finder)
    }

    /// The number of patterns.
    fn len(&self) -> usize {
        self.ends.len()
    }

    /// Pattern `i`, lowercased.
    fn pattern(&self, i: usize) -> &[u8] {
        let start = i
            .checked_sub(1)
            .and_then(|j| self.ends.get(j))
            .map_or(0, |&e| e as usize);
        let end = self.ends.get(i).map_or(start, |&e| e as usize);
        self.bytes.get(start..end).unwrap_or_default()
    }

    /// Every match in `text`, leftmost-longest and not overlapping, in text order.
    pub fn find_all(&self, text: &[u8]) -> Vec<Found> {
        let mut candidates = self.candidates(text);
        candidates.sort_unstable();
        candidates.dedup();
        let mut found = Vec::new();
        let mut next = 0;
        for same in candidates.chunk_by(|a, b| a.0 == b.0) {
            let Some(&(s, _)) = same.first() else {
                continue;
            };
            if s < next {
                continue;
            }
            if let Some((end, p)) = self.longest_at(text, s, same) {
                found.push((s..end, p));
                next = end;
            }
        }
        found
    }

    /// Every (start, first index entry of a group) where a pattern may occur: a text block
    /// found in the index names one start per offset it was indexed at.
    fn candidates(&self, text: &[u8]) -> Vec<(usize, usize)> {
        let mut candidates = Vec::new();
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
            let from = self.index.partition_point(|e| e.key < key);
            let mut offset = None;
            for (j, e) in self.index.iter().enumerate().skip(from) {
                if e.key != key {
                    break;
                }
                if offset != Some(e.offset) {
                    offset = Some(e.offset);
                    if let Some(s) = at.checked_sub(e.offset as usize) {
                        candidates.push((s, j));
                    }
                }
            }
        }
        candidates
    }

    /// The longest pattern at `s` of the groups starting at `groups` (its end and index; of
    /// equal ones the first pattern, as Aho-Corasick chooses), compared ASCII case-insensitively.
    fn longest_at(
        &self,
        text: &[u8],
        s: usize,
        groups: &[(usize, usize)],
    ) -> Option<(usize, usize)> {
        let mut best: Option<(usize, usize)> = None;
        for &(_, first) in groups {
            let group = self.index.get(first..).unwrap_or_default();
            let Some(head) = group.first() else { continue };
            // A group's entries are longest first, then in pattern order: the first that
            // matches is the group's best.
            let hit = group
                .iter()
                .take_while(|e| e.key == head.key && e.offset == head.offset)
                .find_map(|e| {
                    let p = e.pattern as usize;
                    let pattern = self.pattern(p);
                    let end = s + pattern.len();
                    let t = text.get(s..end)?;
                    t.eq_ignore_ascii_case(pattern).then_some((end, p))
                });
            if let Some((end, p)) = hit
                && best.is_none_or(|(e, q)| end > e || (end == e && p < q))
            {
                best = Some((end, p));
            }
        }
        best
    }
}

/// One entry of the index: a pattern's block at one phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    /// The block, case-folded.
    key: u32,
    /// Where it is in the pattern.
    offset: u32,
    /// The pattern's length, inverted: the entries of one block and offset are longest first.
    shorter: Reverse<u32>,
    pattern: u32,
}

/// For each phase of each pattern, the block at that phase the fewest patterns share (by an
/// estimate that can only count too many), as sorted entries.
fn index(f: &Finder) -> Vec<Entry> {
    let windows = f.bytes.len();
    let shift = 32 - windows.next_power_of_two().trailing_zeros().clamp(12, 22);
    let mut shared = vec![0u32; 1 << (32 - shift)];
    for i in 0..f.len() {
        for block in f.pattern(i).windows(BLOCK) {
            if let Some(n) = shared.get_mut(hash(fold(block), shift)) {
                *n = n.saturating_add(1);
            }
        }
    }
    let mut index = Vec::with_capacity(f.len() * BLOCK);
    for (i, p) in (0u32..).zip((0..f.len()).map(|i| f.pattern(i))) {
        for phase in 0..BLOCK {
            let best = (phase..=p.len() - BLOCK)
                .step_by(BLOCK)
                .filter_map(|o| Some((o, fold(p.get(o..o + BLOCK)?))))
                .min_by_key(|&(o, key)| (shared.get(hash(key, shift)).copied().unwrap_or(0), o));
            if let Some((o, key)) = best {
                index.push(Entry {
                    key,
                    offset: u32::try_from(o).unwrap_or(u32::MAX),
                    shorter: Reverse(u32::try_from(p.len()).unwrap_or(u32::MAX)),
                    pattern: i,
                });
            }
        }
    }
    index.sort_unstable();
    index.dedup();
    index
}

/// A block's bytes with bit 5 set in each: ASCII letters of either case fold together (other
/// bytes may fold onto each other too; the comparison tells them apart).
fn fold(block: &[u8]) -> u32 {
    let mut b = [0u8; BLOCK];
    b.copy_from_slice(&block[..BLOCK]);
    u32::from_le_bytes(b) | 0x2020_2020
}

/// The bit of a folded block.
fn hash(key: u32, shift: u32) -> usize {
    (key.wrapping_mul(0x9E37_79B1) >> shift) as usize
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

    #[test]
    fn patterns_sharing_every_block_are_each_tried_once_per_start() {
        // Every block of every pattern is `aaaa`: one index group per offset, however many
        // patterns share it, so the candidates stay one per start and offset.
        let p: Vec<String> = (7..200).map(|n| "a".repeat(n)).collect();
        let refs: Vec<&str> = p.iter().map(String::as_str).collect();
        let text = format!("{}b{}", "A".repeat(5000), "a".repeat(150));
        same(&refs, &text);
        let f = Finder::new(&p).unwrap();
        assert!(f.candidates(text.as_bytes()).len() <= text.len());
    }

    fn secretish() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop::sample::select(vec!["ab", "AB", "x", "%2F", "db:", "pw", "Q", "é"]),
            3..12,
        )
        .prop_map(|v| v.concat())
        .prop_filter("long enough", |s| s.len() >= MIN_PATTERN)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn equals_the_reference_with_many_patterns(
            patterns in proptest::collection::vec(secretish(), 1..80),
            picks in proptest::collection::vec((0usize..80, 0usize..4, prop::sample::select(vec!["", "x", "ab", "A\n", "é", "%2"])), 0..40),
        ) {
            // Each pick inserts a pattern, an upper-cased one or a prefix of one.
            let text: String = picks
                .iter()
                .map(|&(i, how, glue)| {
                    let p = &patterns[i % patterns.len()];
                    let p = match how {
                        0 => p.clone(),
                        1 => p.to_ascii_uppercase(),
                        _ => p.chars().take(p.chars().count() - 1).collect(),
                    };
                    format!("{glue}{p}")
                })
                .collect();
            let f = Finder::new(&patterns).unwrap();
            prop_assert_eq!(f.find_all(text.as_bytes()), reference(&patterns, text.as_bytes()));
        }
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
