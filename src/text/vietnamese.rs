//! Vietnamese letters: decomposition into base letter and tone, mark stripping, and the one
//! tone-placement convention sohoa writes.
//!
//! Vietnamese vowels carry up to two marks: a *shape* mark that makes a different letter
//! (a/ă/â, e/ê, o/ô/ơ, u/ư) and a *tone* mark (six tones, one of them unmarked). OCR damage is
//! mostly about these marks, so the restorer reasons about them explicitly; everything here is
//! a static table, never a regex or a map built at run time.

/// The twelve vowel letters with each of the six tones, in tone order
/// none, grave (huyền), acute (sắc), hook (hỏi), tilde (ngã), dot (nặng).
const VOWELS: [[char; 6]; 12] = [
    ['a', 'à', 'á', 'ả', 'ã', 'ạ'],
    ['ă', 'ằ', 'ắ', 'ẳ', 'ẵ', 'ặ'],
    ['â', 'ầ', 'ấ', 'ẩ', 'ẫ', 'ậ'],
    ['e', 'è', 'é', 'ẻ', 'ẽ', 'ẹ'],
    ['ê', 'ề', 'ế', 'ể', 'ễ', 'ệ'],
    ['i', 'ì', 'í', 'ỉ', 'ĩ', 'ị'],
    ['o', 'ò', 'ó', 'ỏ', 'õ', 'ọ'],
    ['ô', 'ồ', 'ố', 'ổ', 'ỗ', 'ộ'],
    ['ơ', 'ờ', 'ớ', 'ở', 'ỡ', 'ợ'],
    ['u', 'ù', 'ú', 'ủ', 'ũ', 'ụ'],
    ['ư', 'ừ', 'ứ', 'ử', 'ữ', 'ự'],
    ['y', 'ỳ', 'ý', 'ỷ', 'ỹ', 'ỵ'],
];

/// The same table in upper case.
const VOWELS_UPPER: [[char; 6]; 12] = [
    ['A', 'À', 'Á', 'Ả', 'Ã', 'Ạ'],
    ['Ă', 'Ằ', 'Ắ', 'Ẳ', 'Ẵ', 'Ặ'],
    ['Â', 'Ầ', 'Ấ', 'Ẩ', 'Ẫ', 'Ậ'],
    ['E', 'È', 'É', 'Ẻ', 'Ẽ', 'Ẹ'],
    ['Ê', 'Ề', 'Ế', 'Ể', 'Ễ', 'Ệ'],
    ['I', 'Ì', 'Í', 'Ỉ', 'Ĩ', 'Ị'],
    ['O', 'Ò', 'Ó', 'Ỏ', 'Õ', 'Ọ'],
    ['Ô', 'Ồ', 'Ố', 'Ổ', 'Ỗ', 'Ộ'],
    ['Ơ', 'Ờ', 'Ớ', 'Ở', 'Ỡ', 'Ợ'],
    ['U', 'Ù', 'Ú', 'Ủ', 'Ũ', 'Ụ'],
    ['Ư', 'Ừ', 'Ứ', 'Ử', 'Ữ', 'Ự'],
    ['Y', 'Ỳ', 'Ý', 'Ỷ', 'Ỹ', 'Ỵ'],
];

/// The plain ASCII letter under each of the twelve vowels.
const VOWEL_ASCII: [char; 12] = ['a', 'a', 'a', 'e', 'e', 'i', 'o', 'o', 'o', 'u', 'u', 'y'];

/// A tone, as an index into the tone order of `VOWELS`: 0 = none (ngang), 1 = huyền,
/// 2 = sắc, 3 = hỏi, 4 = ngã, 5 = nặng.
pub type Tone = u8;

/// Where a vowel sits in the tables: `(vowel index 0..12, tone 0..6, upper case)`.
#[inline]
fn locate(c: char) -> Option<(usize, usize, bool)> {
    // Fast path: ASCII and the common Latin-1 range are handled by the same scan; the tables
    // are tiny (144 entries), so a linear scan is cheaper than hashing.
    if c.is_ascii() && !matches!(c.to_ascii_lowercase(), 'a' | 'e' | 'i' | 'o' | 'u' | 'y') {
        return None;
    }
    for (v, row) in VOWELS.iter().enumerate() {
        if let Some(t) = row.iter().position(|&x| x == c) {
            return Some((v, t, false));
        }
    }
    for (v, row) in VOWELS_UPPER.iter().enumerate() {
        if let Some(t) = row.iter().position(|&x| x == c) {
            return Some((v, t, true));
        }
    }
    None
}

/// The tone a character carries (0 when none or not a vowel).
pub fn tone_of(c: char) -> Tone {
    locate(c).map_or(0, |(_, t, _)| t as Tone)
}

/// The character without its tone mark, keeping its shape mark and case (`ế` → `ê`).
pub fn without_tone(c: char) -> char {
    match locate(c) {
        Some((v, _, false)) => VOWELS[v][0],
        Some((v, _, true)) => VOWELS_UPPER[v][0],
        None => c,
    }
}

/// The character with `tone` applied, if it is a vowel (`ê` + sắc → `ế`); other characters are
/// returned unchanged.
pub fn with_tone(c: char, tone: Tone) -> char {
    let t = usize::from(tone.min(5));
    match locate(c) {
        Some((v, _, false)) => VOWELS[v][t],
        Some((v, _, true)) => VOWELS_UPPER[v][t],
        None => c,
    }
}

/// The plain ASCII letter under a Vietnamese letter (`ế` → `e`, `Đ` → `D`); other characters
/// are returned unchanged.
pub fn ascii_base(c: char) -> char {
    match c {
        'đ' => 'd',
        'Đ' => 'D',
        _ => match locate(c) {
            Some((v, _, false)) => VOWEL_ASCII[v],
            Some((v, _, true)) => VOWEL_ASCII[v].to_ascii_uppercase(),
            None => c,
        },
    }
}

/// `c.is_alphabetic()`, with the letters of Vietnamese text answered without the Unicode
/// table search: tokenizing tests every character, and the table search for `ệ` or `ư` was a
/// measurable share of a whole batch.
#[inline]
pub fn is_letter(c: char) -> bool {
    match c as u32 {
        0x41..=0x5A | 0x61..=0x7A => true,
        0..=0x7F => false,
        // Latin-1 letters (but × and ÷), Latin Extended-A and -B: all alphabetic.
        0xD7 | 0xF7 => false,
        0xC0..=0x24F => true,
        // Latin Extended Additional: every precomposed Vietnamese vowel with its tone.
        0x1EA0..=0x1EF9 => true,
        _ => c.is_alphabetic(),
    }
}

/// Appends `s` with all marks removed (`Quảng Ngãi` → `Quang Ngai`).
pub fn push_stripped(s: &str, out: &mut String) {
    out.extend(s.chars().map(ascii_base));
}

/// `s` with all marks removed.
pub fn strip_marks(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_stripped(s, &mut out);
    out
}

/// Rewrites one lower-case syllable to the traditional tone placement that the sample reports
/// use (`hoà` → `hòa`, `thuỷ` → `thủy`, `khoẻ` → `khỏe`).
///
/// Only the open rhymes `oa`, `oe` and `uy` differ between the two conventions; after `q` the
/// `u` belongs to the onset (`quý`), and closed syllables (`hoàn`, `thuyết`) agree in both.
pub fn canonical_tone_placement(syllable: &str) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    // Only the last three characters matter: read them from the end, with no allocation
    // (this runs for every word looked up in the lexicon).
    let mut rev = syllable.char_indices().rev();
    let (Some((_, b)), Some((at_a, a))) = (rev.next(), rev.next()) else {
        return Cow::Borrowed(syllable);
    };
    let tone_b = tone_of(b);
    if tone_b == 0 || tone_of(a) != 0 {
        return Cow::Borrowed(syllable);
    }
    let (a0, b0) = (
        without_tone(a).to_lowercase().next().unwrap_or(a),
        without_tone(b).to_lowercase().next().unwrap_or(b),
    );
    let open_rhyme = matches!((a0, b0), ('o', 'a') | ('o', 'e') | ('u', 'y'));
    if !open_rhyme {
        return Cow::Borrowed(syllable);
    }
    if rev.next().is_some_and(|(_, q)| matches!(q, 'q' | 'Q')) {
        return Cow::Borrowed(syllable);
    }
    let mut out = String::with_capacity(syllable.len());
    out.push_str(&syllable[..at_a]);
    out.push(with_tone(a, tone_b));
    out.push(without_tone(b));
    Cow::Owned(out)
}

/// The capitalisation pattern of a word, so a restored syllable can be written back in the
/// case the document used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CasePattern {
    /// `thực`
    Lower,
    /// `Thực`
    Title,
    /// `THỰC`
    Upper,
    /// anything else (`iPhone`): written back lower case except where the input had capitals
    Mixed,
}

impl CasePattern {
    /// The pattern of the letters in `s`. A single capital at the start is Title (`Số`); a
    /// token whose letters are all capitals is Upper when it has more than one letter or does
    /// not start with its capital (`0D` = `QĐ`: the digit stood for a capital too).
    pub fn of(s: &str) -> CasePattern {
        let mut upper = 0usize;
        let mut lower = 0usize;
        let mut first_is_upper_letter = false;
        for (i, c) in s.chars().enumerate() {
            if !c.is_alphabetic() {
                continue;
            }
            if c.is_uppercase() {
                upper += 1;
                if i == 0 {
                    first_is_upper_letter = true;
                }
            } else {
                lower += 1;
            }
        }
        match (upper, lower) {
            (0, _) => CasePattern::Lower,
            (1, _) if first_is_upper_letter => CasePattern::Title,
            (_, 0) => CasePattern::Upper,
            (u, l) if u > l && first_is_upper_letter => CasePattern::Upper,
            _ => CasePattern::Mixed,
        }
    }

    /// Appends the lower-case `word` to `out` in this pattern.
    pub fn apply(self, word: &str, out: &mut String) {
        match self {
            CasePattern::Lower | CasePattern::Mixed => out.push_str(word),
            CasePattern::Upper => out.extend(word.chars().flat_map(char::to_uppercase)),
            CasePattern::Title => {
                let mut it = word.chars();
                if let Some(c) = it.next() {
                    out.extend(c.to_uppercase());
                }
                out.push_str(it.as_str());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_letter_is_is_alphabetic() {
        for c in (0..0x3_0000u32).filter_map(char::from_u32) {
            assert_eq!(is_letter(c), c.is_alphabetic(), "{c:?}");
        }
    }

    #[test]
    fn tones_round_trip() {
        for row in VOWELS.iter().chain(VOWELS_UPPER.iter()) {
            for (t, &c) in row.iter().enumerate() {
                assert_eq!(tone_of(c), t as Tone);
                assert_eq!(with_tone(without_tone(c), t as Tone), c);
            }
        }
    }

    #[test]
    fn strips_every_mark() {
        assert_eq!(strip_marks("Quảng Ngãi, Đảng ủy"), "Quang Ngai, Dang uy");
        assert_eq!(strip_marks("ĐỔI MỚI SÁNG TẠO"), "DOI MOI SANG TAO");
        assert_eq!(strip_marks("2025/NĐ-CP"), "2025/ND-CP");
    }

    #[test]
    fn tone_placement_follows_the_old_convention() {
        for (input, want) in [
            ("hoà", "hòa"),
            ("thuỷ", "thủy"),
            ("khoẻ", "khỏe"),
            ("hòa", "hòa"),
            ("quý", "quý"),
            ("hoàn", "hoàn"),
            ("thuyết", "thuyết"),
            ("toạ", "tọa"),
            ("của", "của"),
            ("a", "a"),
        ] {
            assert_eq!(canonical_tone_placement(input), want, "{input}");
        }
    }

    #[test]
    fn tone_placement_is_read_from_the_last_three_characters() {
        // Every string of up to four characters over the letters the rule looks at, in both
        // cases and with every tone: the same answer as the rule written over all characters.
        fn by_all_chars(s: &str) -> String {
            let chars: Vec<char> = s.chars().collect();
            let n = chars.len();
            if n < 2 || tone_of(chars[n - 1]) == 0 || tone_of(chars[n - 2]) != 0 {
                return s.to_string();
            }
            let low = |c: char| without_tone(c).to_lowercase().next().unwrap_or(c);
            let open = matches!(
                (low(chars[n - 2]), low(chars[n - 1])),
                ('o', 'a') | ('o', 'e') | ('u', 'y')
            );
            if !open || (n >= 3 && matches!(chars[n - 3], 'q' | 'Q')) {
                return s.to_string();
            }
            let mut out: String = chars[..n - 2].iter().collect();
            out.push(with_tone(chars[n - 2], tone_of(chars[n - 1])));
            out.push(without_tone(chars[n - 1]));
            out
        }
        let letters: Vec<char> = "qQhoOaAeuUyđ".chars().chain("àÀẻỷỶóạ".chars()).collect();
        let mut words = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> = words
                .iter()
                .flat_map(|w| letters.iter().map(move |&c| format!("{w}{c}")))
                .collect();
            for w in &longer {
                assert_eq!(canonical_tone_placement(w), by_all_chars(w), "{w}");
            }
            words = longer;
        }
    }

    #[test]
    fn case_patterns() {
        assert_eq!(CasePattern::of("thực"), CasePattern::Lower);
        assert_eq!(CasePattern::of("Thực"), CasePattern::Title);
        assert_eq!(CasePattern::of("THỰC"), CasePattern::Upper);
        assert_eq!(CasePattern::of("T"), CasePattern::Title);
        assert_eq!(CasePattern::of("s6"), CasePattern::Lower);
        assert_eq!(CasePattern::of("iPhone"), CasePattern::Mixed);
        assert_eq!(CasePattern::of("S6"), CasePattern::Title);
        assert_eq!(CasePattern::of("0D"), CasePattern::Upper);
        assert_eq!(CasePattern::of("HQI"), CasePattern::Upper);
        assert_eq!(CasePattern::of("K&"), CasePattern::Title);
        let mut s = String::new();
        CasePattern::Upper.apply("đổi", &mut s);
        CasePattern::Title.apply("đổi", &mut s);
        assert_eq!(s, "ĐỔIĐổi");
    }
}
