//! Hash tables over the model's n-gram groups, built at load, for the decoder's look-ups.
//!
//! The file stores n-grams in sorted groups (compact, and what training writes): the bigrams
//! after each word, the trigram contexts `(u, v)` of each `u`, the trigrams after each
//! context. A binary search in a group is a chain of dependent memory loads, and a group of a
//! frequent word holds thousands of entries. Here every group becomes a small open-addressing
//! table of its own (a power of two at least twice its size, linear probing inside the group),
//! all laid out in one flat array: a look-up is one probe, and it stays inside the group's
//! few cache lines, which the decoder touches again and again for the same history. (One
//! global table keyed by whole n-grams also probes once, but scatters a history's n-grams over
//! tens of megabytes and measured slower than the binary searches.)
//!
//! Word ids are below 2¹⁶ − 1 ([`MAX_VOCAB`](super::build::MAX_VOCAB)), so `0xFFFF` in an
//! entry's word bits marks an empty slot.

use rayon::prelude::*;

/// Word bits of an empty slot.
const EMPTY_WORD: u32 = 0xFFFF;

/// Groups of `word << 16 | value` entries, each hashed into its own power-of-two range of
/// `slots`.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct GroupTables {
    slots: HugeVec,
}

/// Where one group's table lies in [`GroupTables::slots`]: `start` and `log2(len)`, packed in
/// a `u32` (26 + 6 bits); the empty group is 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Group(u32);

impl Group {
    const BITS_SHIFT: u32 = 26;

    #[inline]
    fn start(self) -> usize {
        (self.0 & ((1 << Self::BITS_SHIFT) - 1)) as usize
    }

    #[inline]
    fn bits(self) -> u32 {
        self.0 >> Self::BITS_SHIFT
    }

    /// The packed form (for storing a group in another table's entry).
    pub(super) fn raw(self) -> u32 {
        self.0
    }

    pub(super) fn from_raw(raw: u32) -> Group {
        Group(raw)
    }
}

/// Where in a group of `2^bits` slots the search for `w` starts.
#[inline]
fn home(w: u32, bits: u32) -> usize {
    // Fibonacci hashing: the multiply spreads consecutive ids over the top bits.
    (u64::from(w.wrapping_mul(0x9E37_79B9)) >> (32 - bits)) as usize
}

/// Too many entries for the 26-bit group starts (a model of some 30 million n-grams of one
/// order: far beyond what is embedded or trained here).
#[derive(Debug)]
pub(super) struct TooLarge;

impl GroupTables {
    /// Hashes every group `entries[starts[i]..starts[i + 1]]` (distinct words below `0xFFFF`
    /// in each) and returns the tables with each group's place.
    pub(super) fn build(
        entries: &[u32],
        starts: &[u32],
    ) -> Result<(GroupTables, Vec<Group>), TooLarge> {
        let mut groups = Vec::with_capacity(starts.len().saturating_sub(1));
        let mut total = 0usize;
        for w in starts.windows(2) {
            let n = w[1].saturating_sub(w[0]) as usize;
            if n == 0 {
                groups.push(Group::default());
                continue;
            }
            let len = (2 * n).next_power_of_two();
            if total + len >= 1 << Group::BITS_SHIFT {
                return Err(TooLarge);
            }
            groups.push(Group(
                total as u32 | (len.trailing_zeros() << Group::BITS_SHIFT),
            ));
            total += len;
        }
        let mut slots = huge_vec(total, EMPTY_WORD << 16);
        // Every group owns a disjoint part of `slots`: they are filled in parallel (this runs
        // at every model load).
        let mut parts = Vec::with_capacity(groups.len());
        let mut rest = &mut slots[..];
        for (g, w) in groups.iter().zip(starts.windows(2)) {
            let len = if g.bits() == 0 { 0 } else { 1 << g.bits() };
            let (part, tail) = std::mem::take(&mut rest).split_at_mut(len);
            rest = tail;
            parts.push((part, &entries[w[0] as usize..w[1] as usize]));
        }
        parts
            .into_par_iter()
            .with_min_len(1024)
            .for_each(|(table, group)| {
                let mask = table.len().wrapping_sub(1);
                let bits = table.len().trailing_zeros();
                for &e in group {
                    let mut i = home(e >> 16, bits);
                    while table[i] >> 16 != EMPTY_WORD {
                        i = (i + 1) & mask;
                    }
                    table[i] = e;
                }
            });
        Ok((GroupTables { slots }, groups))
    }

    /// The value stored with word `w` in group `g`, and its slot (for a parallel array).
    #[inline]
    pub(super) fn get(&self, g: Group, w: u32) -> Option<(u16, usize)> {
        let bits = g.bits();
        if bits == 0 {
            return None;
        }
        let mask = (1usize << bits) - 1;
        let table = self.slots.get(g.start()..g.start() + mask + 1)?;
        let mut i = home(w, bits);
        // At a load of at most one half, an empty slot ends every probe sequence.
        loop {
            let e = table[i];
            if e >> 16 == w {
                return Some((e as u16, g.start() + i));
            }
            if e >> 16 == EMPTY_WORD {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    /// Starts loading the slot where the search for `w` in `g` begins.
    #[inline]
    pub(super) fn prefetch(&self, g: Group, w: u32) {
        let bits = g.bits();
        if bits == 0 {
            return;
        }
        if let Some(slot) = self.slots.get(g.start() + home(w, bits)) {
            prefetch_read(slot);
        }
    }

    /// Slots held.
    pub(super) fn len(&self) -> usize {
        self.slots.len()
    }

    /// Bytes held.
    pub(super) fn bytes(&self) -> usize {
        self.slots.len() * 4
    }
}

/// A table of `u32` that the decoder probes at random (see [`huge_vec`]).
#[derive(Clone, Debug, PartialEq)]
pub(super) struct HugeVec(aligned_vec::AVec<u32, aligned_vec::RuntimeAlign>);

impl Default for HugeVec {
    fn default() -> HugeVec {
        HugeVec(aligned_vec::AVec::new(0))
    }
}

impl std::ops::Deref for HugeVec {
    type Target = [u32];
    fn deref(&self) -> &[u32] {
        &self.0
    }
}

impl std::ops::DerefMut for HugeVec {
    fn deref_mut(&mut self) -> &mut [u32] {
        &mut self.0
    }
}

/// A huge page.
const HUGE: usize = 2 << 20;

/// `len` copies of `fill`, on huge pages where the kernel grants them: the language model's
/// tables are probed at random by the decoder (a TLB miss on nearly every probe with 4 KiB
/// pages). A table of a megabyte or more starts on a 2 MiB boundary and its capacity is a
/// whole number of huge pages, so every page of it can be one (unaligned, its first and last
/// few megabytes stayed small pages: a page fault per 4 KiB at load, thousands of them).
/// The advice is given before the table is written, so the pages are huge from the first
/// fault on (the decoder's page walks were a large part of its stalls on 4 KiB pages). A
/// smaller table (test models) is a plain allocation.
pub(super) fn huge_vec(len: usize, fill: u32) -> HugeVec {
    let bytes = len.saturating_mul(std::mem::size_of::<u32>());
    let mut v: aligned_vec::AVec<u32, aligned_vec::RuntimeAlign> = if bytes >= HUGE / 2 {
        aligned_vec::AVec::with_capacity(
            HUGE,
            bytes.next_multiple_of(HUGE) / std::mem::size_of::<u32>(),
        )
    } else {
        aligned_vec::AVec::with_capacity(0, len)
    };
    #[cfg(target_os = "linux")]
    if bytes >= HUGE / 2 {
        advise_huge_pages(
            v.as_mut_ptr().cast(),
            v.capacity() * std::mem::size_of::<u32>(),
        );
    }
    v.resize(len, fill);
    HugeVec(v)
}

/// Asks for huge pages over the whole 2 MiB pages inside `bytes` bytes at `ptr`.
#[cfg(target_os = "linux")]
fn advise_huge_pages(ptr: *mut u8, bytes: usize) {
    let start = (ptr as usize).next_multiple_of(HUGE);
    let end = (ptr as usize).saturating_add(bytes) / HUGE * HUGE;
    if end > start {
        // SAFETY: `start..end` lies inside an allocation the caller owns (its capacity), not
        // yet written. MADV_HUGEPAGE changes only how those pages are backed, never their
        // contents or validity; a refusal (an old kernel, THP off) leaves them as they were.
        let _ = unsafe {
            rustix::mm::madvise(
                start as *mut std::ffi::c_void,
                end - start,
                rustix::mm::Advice::LinuxHugepage,
            )
        };
    }
}

/// A hint to bring `x`'s cache line in; nothing on targets without one.
#[inline(always)]
fn prefetch_read(x: &u32) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults and has no effect on the program's state; SSE is part
    // of the x86_64 baseline.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>((x as *const u32).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_was_stored_and_nothing_else() {
        let groups: Vec<Vec<u32>> = (0..50u32)
            .map(|g| {
                (0..g * 3)
                    .map(|i| ((i * 7 + g) << 16) | (g * 100 + i))
                    .collect()
            })
            .collect();
        let mut starts = vec![0u32];
        for g in &groups {
            starts.push(starts.last().unwrap() + g.len() as u32);
        }
        let (t, ids) = GroupTables::build(&groups.concat(), &starts).unwrap();
        for (g, entries) in ids.iter().zip(&groups) {
            for &e in entries {
                assert_eq!(t.get(*g, e >> 16).map(|f| f.0), Some(e as u16));
            }
            // Ids not in the group, and the largest id.
            for w in [1u32, 5, 65_534] {
                if !entries.iter().any(|&e| e >> 16 == w) {
                    assert_eq!(t.get(*g, w), None);
                }
            }
        }
        assert_eq!(t.get(Group::default(), 3), None);
    }

    #[test]
    fn the_largest_id_is_not_an_empty_slot() {
        let (t, g) = GroupTables::build(&[(65_534 << 16) | 0xFFFF, 7 << 16], &[0, 2]).unwrap();
        let g = g[0];
        assert_eq!(t.get(g, 65_534).map(|f| f.0), Some(0xFFFF));
        assert_eq!(t.get(g, 7).map(|f| f.0), Some(0));
        assert_eq!(t.get(g, 8), None);
    }
}
