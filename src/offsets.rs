//! Mapping byte offsets of the restored text back to the original input.
//!
//! Restoration changes token lengths (`s6` → `số` is 2 → 3 bytes), but it never moves text
//! across lines and it rewrites only whole tokens. The restorer records one [`Segment`] per
//! rewritten token; everything between segments is copied verbatim, so an offset is mapped by
//! finding the last segment that starts at or before it.

/// One rewritten token: `restored[r_start..r_end]` replaced `original[o_start..o_end]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub o_start: usize,
    pub o_end: usize,
    pub r_start: usize,
    pub r_end: usize,
}

/// Monotone map from restored offsets to original offsets.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OffsetMap {
    segments: Vec<Segment>,
}

impl OffsetMap {
    /// The identity map (nothing was rewritten).
    pub fn identity() -> OffsetMap {
        OffsetMap::default()
    }

    /// Records a rewritten token. Segments must be pushed in increasing order.
    pub fn push(&mut self, seg: Segment) {
        debug_assert!(self.segments.last().is_none_or(|s| s.r_end <= seg.r_start));
        self.segments.push(seg);
    }

    /// The segments, in order.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Shifts every segment by `(original, restored)` bytes and appends them: used to join the
    /// maps of consecutive paragraphs restored in parallel.
    pub fn extend_shifted(&mut self, other: &OffsetMap, o_shift: usize, r_shift: usize) {
        self.segments.extend(other.segments.iter().map(|s| Segment {
            o_start: s.o_start + o_shift,
            o_end: s.o_end + o_shift,
            r_start: s.r_start + r_shift,
            r_end: s.r_end + r_shift,
        }));
    }

    /// The original offset of restored offset `r`. An offset inside a rewritten token maps to the
    /// start of the original token (or its end, for the token's end offset), so a span never
    /// cuts an original token in two.
    pub fn to_original(&self, r: usize) -> usize {
        let i = self.segments.partition_point(|s| s.r_start <= r);
        if i == 0 {
            return r;
        }
        let s = &self.segments[i - 1];
        if r >= s.r_end {
            s.o_end + (r - s.r_end)
        } else if r == s.r_start {
            s.o_start
        } else {
            s.o_end
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_through_rewritten_tokens() {
        // original "S6: 284" → restored "Số: 284"
        let mut m = OffsetMap::identity();
        m.push(Segment {
            o_start: 0,
            o_end: 2,
            r_start: 0,
            r_end: 3,
        });
        assert_eq!(m.to_original(0), 0);
        assert_eq!(m.to_original(3), 2); // ':'
        assert_eq!(m.to_original(5), 4); // '2'
        assert_eq!(m.to_original(8), 7); // end
        assert_eq!(m.to_original(1), 2); // inside the token: its end
    }

    #[test]
    fn identity_is_identity() {
        let m = OffsetMap::identity();
        assert_eq!(m.to_original(17), 17);
    }
}
