//! Splitting OCR text into tokens with byte spans.
//!
//! The restorer rewrites whole tokens and copies everything between them verbatim, so the
//! tokenizer decides what may change at all. It keeps together what OCR turned a letter into —
//! digits and symbols inside a word (`s6`, `x4`, `1ap`, `hi¢u`, `K&`, `u’o’ng`) — and it
//! protects what must pass through unchanged: URLs, e-mail addresses, numbers.

use super::vietnamese::is_letter;

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// Letters, possibly with digits or letter-like symbols inside: a candidate for repair.
    Word,
    /// Digits, possibly with `.`, `,`, `/` between them (`26.082`, `19/6/2025`).
    Number,
    /// URLs and e-mail addresses: never changed.
    Protected,
}

/// A token: `text[start..end]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub start: usize,
    pub end: usize,
    pub kind: TokenKind,
    /// True when the token directly follows a Number with no space (`20thang`): the restorer
    /// writes a space there when it turns the word into a syllable (`20 tháng`).
    pub glued: bool,
}

impl Token {
    /// The token's text in `src`.
    pub fn text<'a>(&self, src: &'a str) -> &'a str {
        &src[self.start..self.end]
    }
}

/// Symbols that an English OCR model reads for Vietnamese letters (`¢`=ệ, `€`=ề, `&`=ở,
/// `¥`=ỹ, `£`=ễ, `§`=ş, `@`=ô): they stay inside a word token.
#[inline]
pub fn is_letter_symbol(c: char) -> bool {
    matches!(
        c,
        '¢' | '€' | '&' | '¥' | '£' | '§' | '@' | '©' | '®' | '°' | 'ø' | 'ß'
    )
}

/// Apostrophes and primes OCR puts where a horn or hook was (`u’o’ng` = ương, `THU'C` = THỰC).
#[inline]
fn is_inner_mark(c: char) -> bool {
    matches!(c, '\'' | '’' | '‘' | '`' | '´')
}

#[inline]
fn is_word_char(c: char) -> bool {
    // Vietnamese letters are alphabetic: `is_letter` covers them.
    is_letter(c) || c.is_ascii_digit() || is_letter_symbol(c)
}

/// Appends the tokens of `text` to `out` (cleared first). Offsets are byte offsets into `text`.
pub fn tokenize(text: &str, out: &mut Vec<Token>) {
    out.clear();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // Whitespace-separated chunks first: URLs and e-mails are whole chunks.
        if bytes[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        // Other whitespace (U+2028, U+0085, em space…) too: the chunk below would be empty
        // and `i` would never advance.
        if let Some(c) = text[i..].chars().next().filter(|c| c.is_whitespace()) {
            i += c.len_utf8();
            continue;
        }
        let (chunk_end, maybe_protected) = next_whitespace(text, i);
        let chunk = &text[i..chunk_end];
        if let Some((a, b)) = maybe_protected.then(|| protected_span(chunk)).flatten() {
            out.push(Token {
                start: i + a,
                end: i + b,
                kind: TokenKind::Protected,
                glued: false,
            });
            i = chunk_end;
            continue;
        }
        tokenize_chunk(text, i, chunk_end, out);
        i = chunk_end;
    }
}

/// The byte offset of the first whitespace character of `text` at or after `i` (a char
/// boundary), or `text.len()`, and whether the chunk before it holds `@`, `:` or `.`, without
/// which it is no URL or e-mail address. Byte by byte over ASCII, decoding only other
/// characters: `str::find` with a closure decoded every character of every chunk, a tenth of
/// the tokenizer's work.
#[inline]
fn next_whitespace(text: &str, mut i: usize) -> (usize, bool) {
    let bytes = text.as_bytes();
    let mut maybe_protected = false;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            if char::from(b).is_whitespace() {
                return (i, maybe_protected);
            }
            maybe_protected |= matches!(b, b'@' | b':' | b'.');
            i += 1;
        } else {
            match text[i..].chars().next() {
                Some(c) if c.is_whitespace() => return (i, maybe_protected),
                Some(c) => i += c.len_utf8(),
                None => return (bytes.len(), maybe_protected),
            }
        }
    }
    (bytes.len(), maybe_protected)
}

/// The byte range of a URL or e-mail address in a whitespace-free `chunk`, without the
/// brackets, quotes and punctuation around it.
fn protected_span(chunk: &str) -> Option<(usize, usize)> {
    // Nearly every chunk is a word: a byte test rules it out before the trims below, which
    // cost more than the rest of tokenizing it.
    let b = chunk.as_bytes();
    let maybe = b.contains(&b'@')
        || (b.len() > 7
            && (b.windows(3).any(|w| w == b"://")
                || b.windows(4).any(|w| w.eq_ignore_ascii_case(b"www."))));
    if !maybe {
        return None;
    }
    const OPEN: &[char] = &['(', '[', '<', '"', '“', '\'', '‘'];
    const CLOSE: &[char] = &['.', ',', ';', ':', ')', ']', '>', '"', '”', '’', '\''];
    let lead = chunk.len() - chunk.trim_start_matches(OPEN).len();
    let core = chunk[lead..].trim_end_matches(CLOSE);
    let starts = |p: &str| {
        core.get(..p.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(p))
    };
    let is_url = (starts("http://") || starts("https://") || starts("www.")) && core.len() > 7;
    let is_mail = core.find('@').is_some_and(|at| {
        let (user, domain) = (&core[..at], &core[at + 1..]);
        !user.is_empty()
            && domain.contains('.')
            && domain
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
    });
    (is_url || is_mail).then_some((lead, lead + core.len()))
}

/// Tokenizes `text[start..end]` (no whitespace inside) into words and numbers.
fn tokenize_chunk(text: &str, start: usize, end: usize, out: &mut Vec<Token>) {
    let chunk = &text[start..end];
    let mut iter = chunk.char_indices().peekable();
    while let Some((off, c)) = iter.next() {
        if !is_word_char(c) {
            continue;
        }
        // A run of word characters, with apostrophes allowed between word characters.
        let run_start = off;
        let mut run_end = off + c.len_utf8();
        // Whether the run so far is digits and separators only, kept as the run grows (a
        // rescan at every separator made `1.1.1.1…` quadratic).
        let mut numeric = c.is_ascii_digit();
        // What `push_word` classifies the run by, counted here where every char is read
        // anyway (counting again there was a third of the tokenizer's work).
        let mut counts = RunCounts::default();
        counts.add(c);
        while let Some(&(o, d)) = iter.peek() {
            if is_word_char(d) {
                numeric &= d.is_ascii_digit();
                counts.add(d);
                run_end = o + d.len_utf8();
                iter.next();
            } else if is_inner_mark(d) {
                // keep the mark only if a word character follows
                let next_is_word = chunk[o + d.len_utf8()..]
                    .chars()
                    .next()
                    .is_some_and(is_word_char);
                if next_is_word {
                    numeric = false;
                    run_end = o + d.len_utf8();
                    iter.next();
                } else {
                    break;
                }
            } else if matches!(d, '.' | ',' | '/')
                && numeric
                && chunk[o + 1..]
                    .chars()
                    .next()
                    .is_some_and(|n| n.is_ascii_digit())
            {
                // `26.082`, `19/6/2025`: separators between digits stay inside a number.
                run_end = o + 1;
                iter.next();
            } else {
                break;
            }
        }
        if counts.ampersand {
            push_run(text, start + run_start, start + run_end, out);
        } else {
            push_counted(text, start + run_start, start + run_end, counts, out);
        }
    }
}

/// The letters and digits of a run of word characters, and whether it holds an `&`.
#[derive(Clone, Copy, Default)]
struct RunCounts {
    letters: usize,
    digits: usize,
    ampersand: bool,
}

impl RunCounts {
    #[inline]
    fn add(&mut self, c: char) {
        if c.is_ascii_digit() {
            self.digits += 1;
        } else if is_letter(c) {
            self.letters += 1;
        } else {
            self.ampersand |= c == '&';
        }
    }

    fn of(run: &str) -> RunCounts {
        let mut k = RunCounts::default();
        if run.is_ascii() {
            // An ASCII run's letters are its ASCII letters (`is_letter` on ASCII).
            k.letters = run.bytes().filter(u8::is_ascii_alphabetic).count();
            k.digits = run.bytes().filter(u8::is_ascii_digit).count();
        } else {
            run.chars().for_each(|c| k.add(c));
        }
        k
    }
}

/// Pushes one run of word characters as tokens: cut at every ampersand that means "and",
/// each piece classified by [`push_word`].
fn push_run(text: &str, mut start: usize, end: usize, out: &mut Vec<Token>) {
    // `KH&CN`, `BCVT&CĐS`: an ampersand between two capitalised abbreviations is "and", not a
    // misread letter (`K&` = Kế, `S&` = Sở keep theirs). A loop, not recursion: a run of
    // `AB&AB&…` a megabyte long must neither overflow the stack nor be rescanned per `&`.
    let caps = |s: &str| {
        s.chars().nth(1).is_some() && s.chars().all(|c| c.is_uppercase() || c.is_ascii_digit())
    };
    if !text.as_bytes()[start..end].contains(&b'&') {
        push_word(text, start, end, out);
        return;
    }
    while let Some(amp) = text[start..end].find('&') {
        let (left, right) = (&text[start..start + amp], &text[start + amp + 1..end]);
        if !(caps(left) && right.split('&').next().is_some_and(caps)) {
            break;
        }
        push_word(text, start, start + amp, out);
        start += amp + 1;
    }
    push_word(text, start, end, out);
}

/// Classifies one run of word characters with no `&` "and" inside, splitting a leading number
/// glued to a word (`20thang` → `20` + `thang`).
fn push_word(text: &str, start: usize, end: usize, out: &mut Vec<Token>) {
    push_counted(text, start, end, RunCounts::of(&text[start..end]), out);
}

/// [`push_word`] of a run whose letters and digits are counted already.
#[inline]
fn push_counted(text: &str, start: usize, end: usize, k: RunCounts, out: &mut Vec<Token>) {
    let run = &text[start..end];
    let (letters, digits) = (k.letters, k.digits);
    if letters == 0 {
        let kind = if digits > 0 {
            TokenKind::Number
        } else {
            TokenKind::Word // a lone letter-symbol like `&`: a word the restorer may keep
        };
        if digits == 0 && run.chars().all(is_letter_symbol) {
            return; // `&` alone is punctuation
        }
        out.push(Token {
            start,
            end,
            kind,
            glued: false,
        });
        return;
    }
    // A leading run of two or more digits followed by at least two letters is a number glued
    // to a word; a single digit may be a misread letter (`1ap` = lập, `6ng` = ông).
    let lead_digits = if digits >= 2 {
        run.bytes().take_while(u8::is_ascii_digit).count()
    } else {
        0
    };
    if lead_digits >= 2 {
        let rest = &run[lead_digits..];
        let rest_letters = rest.chars().take_while(|&c| is_letter(c)).count();
        if rest_letters >= 2 {
            out.push(Token {
                start,
                end: start + lead_digits,
                kind: TokenKind::Number,
                glued: false,
            });
            out.push(Token {
                start: start + lead_digits,
                end,
                kind: TokenKind::Word,
                glued: true,
            });
            return;
        }
    }
    // Mostly digits (`2Q25`, `4G`): a code, not a word.
    let kind = if digits > letters {
        TokenKind::Number
    } else {
        TokenKind::Word
    };
    out.push(Token {
        start,
        end,
        kind,
        glued: false,
    });
}

/// Splits word tokens where OCR lost the space between capitalised words (`XaTayTra` →
/// `Xa` `Tay` `Tra`, `DaNang`), the later pieces [`Token::glued`]: each piece is then read as
/// a word of its own, and the restorer writes the space back where it changes a piece.
///
/// Only at a join of title-case pieces: a lowercase letter, then an uppercase consonant
/// followed by a lowercase letter, in a token of letters only that begins with an uppercase
/// letter, each piece at least two letters. OCR also writes a marked vowel in upper case
/// inside a word (`cUa`, `TrwOng`, `CuGng`: `G` for `ơ`), which this leaves alone: a vowel
/// (or `G`) after the join, or a piece of one letter, is no join. A token of more than
/// [`MAX_TITLE_PIECES`] pieces is an identifier (`LaoDongThuongBinhXaHoi`), not glued words,
/// and is left whole; a shorter one (`GeoHash`) is split, its pieces are no words, keep their
/// readings as written and come back joined. `scratch` is reused.
pub fn split_title_case(text: &str, tokens: &mut Vec<Token>, scratch: &mut Vec<Token>) {
    let split = |t: &Token| {
        let w = t.text(text);
        // Cheap tests first: nearly every token begins in lower case or has one capital.
        let capitals = w
            .bytes()
            .skip(1)
            .any(|b| b.is_ascii_uppercase() || b >= 0x80);
        if t.kind != TokenKind::Word || !capitals {
            return false;
        }
        let n = joins(w).take(MAX_TITLE_PIECES).count();
        n > 0 && n < MAX_TITLE_PIECES
    };
    if !tokens.iter().any(split) {
        return;
    }
    scratch.clear();
    for t in tokens.iter() {
        if !split(t) {
            scratch.push(*t);
            continue;
        }
        let mut start = t.start;
        for at in joins(t.text(text)) {
            scratch.push(Token {
                start,
                end: t.start + at,
                glued: start != t.start || t.glued,
                ..*t
            });
            start = t.start + at;
        }
        scratch.push(Token {
            start,
            glued: start != t.start || t.glued,
            ..*t
        });
    }
    std::mem::swap(tokens, scratch);
}

/// Most pieces of a token that [`split_title_case`] splits: OCR seldom glues more words.
const MAX_TITLE_PIECES: usize = 3;

/// Byte offsets of the title-case joins of word `w` (see [`split_title_case`]).
fn joins(w: &str) -> impl Iterator<Item = usize> + '_ {
    let ok = (4..=64).contains(&w.len())
        && w.chars().next().is_some_and(char::is_uppercase)
        && w.chars().all(is_letter);
    // Letters of the piece so far, and whether the last one was lowercase.
    let (mut piece, mut after_lower) = (0usize, false);
    let mut chars = w.char_indices().peekable();
    std::iter::from_fn(move || {
        if !ok {
            return None;
        }
        while let Some((i, c)) = chars.next() {
            let join = after_lower
                && piece >= 2
                && is_consonant_initial(c)
                && chars.peek().is_some_and(|&(_, n)| n.is_lowercase());
            after_lower = c.is_lowercase();
            if join {
                piece = 1;
                return Some(i);
            }
            piece += 1;
        }
        None
    })
}

/// Uppercase letters that begin a Vietnamese syllable's consonant (`G` left out: OCR reads
/// `ơ` as `G`).
fn is_consonant_initial(c: char) -> bool {
    matches!(
        c,
        'B' | 'C'
            | 'D'
            | 'Đ'
            | 'H'
            | 'K'
            | 'L'
            | 'M'
            | 'N'
            | 'P'
            | 'Q'
            | 'R'
            | 'S'
            | 'T'
            | 'V'
            | 'X'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<(String, TokenKind)> {
        let mut v = Vec::new();
        tokenize(s, &mut v);
        v.iter().map(|t| (t.text(s).to_string(), t.kind)).collect()
    }

    fn words(s: &str) -> Vec<String> {
        toks(s).into_iter().map(|(t, _)| t).collect()
    }

    #[test]
    fn unicode_whitespace_separates_words() {
        assert_eq!(
            words("Nam\u{2028}x\u{2029}y\u{85}z\u{2003}w"),
            ["Nam", "x", "y", "z", "w"]
        );
    }

    #[test]
    fn keeps_confusable_symbols_inside_words() {
        assert_eq!(words("S6: 284 /BC-UBND"), ["S6", "284", "BC", "UBND"]);
        assert_eq!(words("hi¢u qua, K& hoach"), ["hi¢u", "qua", "K&", "hoach"]);
        assert_eq!(words("Trung u’o’ng ‘vé’"), ["Trung", "u’o’ng", "vé"]);
        assert_eq!(words("Thanh1ap x4 1ap"), ["Thanh1ap", "x4", "1ap"]);
        assert_eq!(
            words("KH&CN; & BCVT&CĐS S&"),
            ["KH", "CN", "BCVT", "CĐS", "S&"]
        );
    }

    #[test]
    fn numbers_and_codes() {
        use TokenKind::*;
        assert_eq!(
            toks("ngày 19/6/2025, 26.082 hồ sơ (6.76%) 2Q25"),
            [
                ("ngày".into(), Word),
                ("19/6/2025".into(), Number),
                ("26.082".into(), Number),
                ("hồ".into(), Word),
                ("sơ".into(), Word),
                ("6.76".into(), Number),
                ("2Q25".into(), Number),
            ]
        );
        assert_eq!(
            words("13- NQ/TU 02-KH/BCDTW"),
            ["13", "NQ", "TU", "02", "KH", "BCDTW"]
        );
    }

    #[test]
    fn long_runs_tokenize_like_short_ones() {
        // Once quadratic (a rescan per separator) and recursive (a frame per `&`).
        let dotted = "1.".repeat(100_000);
        let t = toks(&dotted);
        assert_eq!(t.len(), 1);
        assert_eq!(
            t[0],
            (dotted[..dotted.len() - 1].to_string(), TokenKind::Number)
        );
        let amps = "AB&".repeat(200_000);
        let w = words(&amps);
        assert_eq!(w.len(), 200_000);
        // The last `&` has no abbreviation after it: a misread letter (`K&` = Kế).
        assert!(w[..w.len() - 1].iter().all(|x| x == "AB"));
        assert_eq!(w[w.len() - 1], "AB&");
        assert_eq!(words("K&AB&CD"), ["K&AB&CD"]);
        assert_eq!(words("AB&CD&x"), ["AB", "CD&x"]);
    }

    #[test]
    fn title_case_joins_are_split_and_marked_vowels_are_not() {
        let pieces = |w: &str| {
            let mut v = Vec::new();
            tokenize(w, &mut v);
            split_title_case(w, &mut v, &mut Vec::new());
            v.iter()
                .map(|t| (t.text(w).to_string(), t.glued))
                .collect::<Vec<_>>()
        };
        let own = |ws: &[(&str, bool)]| {
            ws.iter()
                .map(|&(w, g)| (w.to_string(), g))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            pieces("XaTayTra"),
            own(&[("Xa", false), ("Tay", true), ("Tra", true)])
        );
        assert_eq!(pieces("ĐàNẵng"), own(&[("Đà", false), ("Nẵng", true)]));
        for whole in [
            "cUa",
            "TrwOng",
            "CuGng",
            "XaAn",
            "ABCDe",
            "XTa",
            "Xa",
            "X&Tay",
            "mOt",
            "LaoDongThuongBinh",
        ] {
            assert_eq!(pieces(whole), own(&[(whole, false)]), "{whole}");
        }
        // Odd input: nothing, a megabyte of title-case pieces (too long to be words), and
        // letters of other scripts.
        assert!(pieces("").is_empty());
        let huge = "XaBa".repeat(1 << 18);
        assert_eq!(pieces(&huge).len(), 1);
        assert_eq!(pieces("ΑβΓδ"), own(&[("ΑβΓδ", false)]));
        // Tokens around are untouched; a number glued before stays glued.
        assert_eq!(
            pieces("xã XaBa 20thang"),
            own(&[
                ("xã", false),
                ("Xa", false),
                ("Ba", true),
                ("20", false),
                ("thang", true)
            ])
        );
    }

    #[test]
    fn glued_number_is_split() {
        let mut v = Vec::new();
        tokenize("ngay 20thang 11", &mut v);
        let s = "ngay 20thang 11";
        assert_eq!(v[1].text(s), "20");
        assert_eq!(v[2].text(s), "thang");
        assert!(v[2].glued);
    }

    #[test]
    fn urls_and_mail_are_protected() {
        use TokenKind::*;
        assert_eq!(
            toks("xem https://dichvucong.gov.vn/p/home. hoac mail a.b@quangngai.gov.vn;"),
            [
                ("xem".into(), Word),
                ("https://dichvucong.gov.vn/p/home".into(), Protected),
                ("hoac".into(), Word),
                ("mail".into(), Word),
                ("a.b@quangngai.gov.vn".into(), Protected),
            ]
        );
    }

    #[test]
    fn spans_are_char_boundaries() {
        let s = "Ủy ban — “Đảng” ¢€ x";
        let mut v = Vec::new();
        tokenize(s, &mut v);
        for t in &v {
            assert!(s.is_char_boundary(t.start) && s.is_char_boundary(t.end));
        }
    }

    #[test]
    fn whitespace_is_found_as_str_find_finds_it() {
        let s = "Ủy\u{a0}ban\u{2028}x\u{85}y\tz\u{b}w\u{3000}—“Đảng” ¢€\r\n";
        let mut i = 0;
        while i <= s.len() {
            let want = s[i..].find(char::is_whitespace).map_or(s.len(), |p| i + p);
            assert_eq!(next_whitespace(s, i).0, want, "from {i}");
            i += s[i..].chars().next().map_or(1, char::len_utf8);
        }
    }
}
