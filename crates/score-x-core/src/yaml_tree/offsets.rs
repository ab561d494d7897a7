//! Turning yaml-rust2 markers (a char index, 1-based line, 0-based char column) into byte
//! offsets in constant time: a checkpoint every [`STEP`] chars, so a marker costs at most
//! `STEP` char steps whatever the line length (scanning from the line start made one-line
//! documents quadratic).

use std::sync::Arc;

use yaml_rust2::scanner::Marker;

use super::Pos;

const STEP: usize = 64;

pub(super) struct Offsets<'a> {
    text: &'a str,
    /// Bytes before the parsed text (a byte order mark).
    base: usize,
    /// Byte offset of every `STEP`-th char; empty for ASCII text (char index = byte offset).
    checkpoints: Vec<usize>,
}

impl<'a> Offsets<'a> {
    pub(super) fn new(text: &'a str, base: usize) -> Self {
        let checkpoints = if text.is_ascii() {
            Vec::new()
        } else {
            text.char_indices().step_by(STEP).map(|(i, _)| i).collect()
        };
        Offsets {
            text,
            base,
            checkpoints,
        }
    }

    /// Byte offset (into the parsed text) of char `index`, clamped to the end.
    fn byte_of(&self, index: usize) -> usize {
        if self.checkpoints.is_empty() {
            return index.min(self.text.len());
        }
        let Some(&start) = self.checkpoints.get(index / STEP) else {
            return self.text.len();
        };
        let rest = self.text.get(start..).unwrap_or("");
        start
            + rest
                .char_indices()
                .nth(index % STEP)
                .map_or(rest.len(), |(i, _)| i)
    }

    /// The parsed text from byte `offset` of the file (as returned in [`Pos::offset`]).
    pub(super) fn rest(&self, offset: usize) -> &'a str {
        self.text
            .get(offset.saturating_sub(self.base)..)
            .unwrap_or("")
    }

    pub(super) fn pos(&self, file: &Arc<str>, m: &Marker) -> Pos {
        Pos {
            file: file.clone(),
            line: u32::try_from(m.line().max(1)).unwrap_or(u32::MAX),
            column: u32::try_from(m.col().saturating_add(1)).unwrap_or(u32::MAX),
            offset: self.byte_of(m.index()) + self.base,
            len: 0,
        }
    }
}
