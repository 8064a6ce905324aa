//! Diacritic folding with an offset map back to the source text.
//!
//! Keywords are matched on folded text (`Kế hoạch số` → `Ke hoach so`) so that the same rules
//! work on restored text and on raw OCR that lost its marks. Case is kept (symbols need it).

use unicode_normalization::char::decompose_canonical;

/// Folded text and, for every folded byte, the source byte offset of the char it came from.
pub struct Folded {
    pub text: String,
    offs: Vec<usize>,
}

/// The base letter of `c` without Vietnamese marks (`ế` → `e`, `Đ` → `D`), or `c` itself.
pub fn fold_char(c: char) -> Option<char> {
    match c {
        'đ' => return Some('d'),
        'Đ' | 'Ð' => return Some('D'),
        _ if c.is_ascii() => return Some(c),
        _ => {}
    }
    fold_non_ascii(tables(), c)
}

/// The fold tables, built on first use.
fn tables() -> &'static (Block, Block) {
    TABLES.get_or_init(|| (block(LATIN), block(VIETNAMESE)))
}

/// [`fold_char`] of a char that is not ASCII, nor `đ`, `Đ`, `Ð`, with the tables at hand.
fn fold_non_ascii(tables: &(Block, Block), c: char) -> Option<char> {
    // Every Vietnamese letter is in one of two small blocks: their folds are looked up, where
    // a canonical decomposition searches Unicode's tables (a third of folding a text).
    for (range, table) in [(LATIN, &tables.0), (VIETNAMESE, &tables.1)] {
        if range.contains(&u32::from(c)) {
            return table[(u32::from(c) - range.start()) as usize];
        }
    }
    decomposed_base(c)
}

/// Latin-1 letters and Latin Extended-A and -B (`à`, `ơ`, `ư`, `đ`).
const LATIN: std::ops::RangeInclusive<u32> = 0xC0..=0x24F;
/// Latin Extended Additional (`ạ` … `ỹ`).
const VIETNAMESE: std::ops::RangeInclusive<u32> = 0x1E00..=0x1EFF;

type Block = Vec<Option<char>>;
static TABLES: std::sync::OnceLock<(Block, Block)> = std::sync::OnceLock::new();

/// [`decomposed_base`] of every char of `range` (every one of these is a char).
fn block(range: std::ops::RangeInclusive<u32>) -> Block {
    range
        .map(|u| char::from_u32(u).and_then(decomposed_base))
        .collect()
}

/// The first char of `c`'s canonical decomposition that is not a combining mark.
fn decomposed_base(c: char) -> Option<char> {
    match c {
        'đ' => return Some('d'),
        'Đ' | 'Ð' => return Some('D'),
        _ => {}
    }
    let mut base = None;
    decompose_canonical(c, |d| {
        if base.is_none() && !('\u{300}'..='\u{36f}').contains(&d) {
            base = Some(d);
        }
    });
    base
}

/// Folds a whole string (no offsets kept): used for table keys.
pub fn fold_str(s: &str) -> String {
    s.chars().filter_map(fold_char).collect()
}

/// Does `s`, lower-cased, start with `prefix` (lower-case ASCII)?
///
/// Only the chars compared are lower-cased, where `s.to_lowercase()` would copy the whole rest
/// of the text, at every match. The char by char mapping differs from `str::to_lowercase` only
/// for a final `Σ`, whose two lower-case forms are both non-ASCII, so the answer is the same.
pub fn lower_starts_with(s: &str, prefix: &str) -> bool {
    lower_prefix_end(s, prefix).is_some()
}

/// After a [`lower_starts_with`] match, the lower-cased chars that follow the prefix.
pub fn lower_prefix_end<'a>(s: &'a str, prefix: &str) -> Option<impl Iterator<Item = char> + 'a> {
    let mut lower = s.chars().flat_map(char::to_lowercase);
    prefix
        .chars()
        .all(|k| lower.next() == Some(k))
        .then_some(lower)
}

impl Folded {
    pub fn new(src: &str) -> Folded {
        let mut text = String::with_capacity(src.len());
        let mut offs = Vec::with_capacity(src.len() + 1);
        let tables = tables();
        let bytes = src.as_bytes();
        let mut i = 0;
        // One char at a time: in Vietnamese, runs of ASCII are a few bytes long, too short to
        // be worth copying as slices.
        while let Some(&b) = bytes.get(i) {
            if b.is_ascii() {
                // ASCII folds to itself.
                text.push(char::from(b));
                offs.push(i);
                i += 1;
                continue;
            }
            let Some(c) = src[i..].chars().next() else {
                break;
            };
            let f = match c {
                'đ' => Some('d'),
                'Đ' | 'Ð' => Some('D'),
                _ => fold_non_ascii(tables, c),
            };
            if let Some(f) = f {
                text.push(f);
                offs.resize(text.len(), i);
            }
            i += c.len_utf8();
        }
        offs.push(src.len());
        Folded { text, offs }
    }

    /// The source offset of folded offset `f` (clamped).
    pub fn src(&self, f: usize) -> usize {
        self.offs[f.min(self.offs.len() - 1)]
    }

    /// The folded offset of source offset `s` (the first folded byte at or after it).
    pub fn folded(&self, s: usize) -> usize {
        self.offs.partition_point(|&o| o < s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tables_fold_as_the_decomposition_does() {
        for u in (0x80..0x2000).chain(0x2010..0x2100) {
            if let Some(c) = char::from_u32(u) {
                assert_eq!(fold_char(c), decomposed_base(c), "U+{u:04X}");
            }
        }
        assert_eq!(fold_char('ỹ'), Some('y'));
        assert_eq!(
            fold_char('\u{301}'),
            None,
            "a lone combining mark folds to nothing"
        );
    }

    /// What `Folded::offs` must be: each folded byte maps to the start of the char it came
    /// from (folding each char alone), and the end maps to the end.
    fn offsets_char_by_char(src: &str) -> Vec<usize> {
        src.char_indices()
            .filter_map(|(i, c)| fold_char(c).map(|f| (i, f.len_utf8())))
            .flat_map(|(i, n)| std::iter::repeat_n(i, n))
            .chain([src.len()])
            .collect()
    }

    proptest::proptest! {
        /// Folding char by char gives the text and offsets of folding each char alone.
        #[test]
        fn folds_as_char_by_char(src in r"([a-zA-Z0-9 .\n]|[ếạđĐÐ¢…“ỹ]|\x{301}|\PC){0,40}") {
            let f = Folded::new(&src);
            let text: String = src.chars().filter_map(fold_char).collect();
            let offs = offsets_char_by_char(&src);
            proptest::prop_assert_eq!(&f.text, &text);
            proptest::prop_assert_eq!(&f.offs, &offs);
        }
    }

    #[test]
    fn folds_and_maps_back() {
        let src = "Kế hoạch số 02";
        let f = Folded::new(src);
        assert_eq!(f.text, "Ke hoach so 02");
        let at = f.text.find("02").unwrap();
        assert_eq!(&src[f.src(at)..], "02");
        assert_eq!(f.folded(f.src(at)), at);
        assert_eq!(fold_str("ĐỘC LẬP"), "DOC LAP");
    }

    #[test]
    fn offsets_of_mixed_text() {
        let src = "Số 1\u{301}: ¢ Đà";
        let f = Folded::new(src);
        assert_eq!(f.text, "So 1: ¢ Da");
        // Every folded byte maps to the start of the char it came from.
        assert_eq!(f.offs, offsets_char_by_char(src));
    }

    #[test]
    fn lower_prefix_is_read_like_the_lower_cased_text() {
        for s in [
            "Noi nhan:",
            "NOI NH",
            "noi",
            "",
            "Den ngay",
            "ĐEN",
            "ΣΣ den",
            "İden",
            "V/v",
        ] {
            for p in ["noi nh", "den", "v/v", "d", ""] {
                assert_eq!(
                    lower_starts_with(s, p),
                    s.to_lowercase().starts_with(p),
                    "{s:?} {p:?}"
                );
            }
        }
    }
}
