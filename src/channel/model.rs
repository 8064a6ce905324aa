//! The error model: learned substring rules, their compiled dense tables, the weighted edit
//! distance with multi-character rules, training and the TSV file format.

use std::collections::{BTreeMap, HashMap};

use super::align::{align_chars, align_tokens, extract_rules, fold, AlignCosts, Op, SeedCosts};
use super::ChannelError;
use crate::text::vietnamese::{ascii_base, with_tone};

/// Header of the TSV file: magic and format version.
pub const MAGIC: &str = "sohoa-channel";
/// Version written by [`ErrorModel::to_tsv`].
pub const VERSION: u32 = 1;

/// Rounds a cost to the three decimals the file keeps, so a trained model and the same model
/// read back from its file score identically.
fn q(x: f64) -> f32 {
    ((x * 1000.0).round() / 1000.0) as f32
}

/// Costs of edits that training never saw, by letter class.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Defaults {
    /// Copying a character the training data never showed.
    pub identity: f32,
    /// Same letter under different marks or a look-alike glyph (`ê`→`é`, `ô`→`6`).
    pub sub_near: f32,
    /// A vowel read as a marked vowel of another letter (`à` as `é`: `thénh` for `thành`).
    /// An English OCR model has few accented glyphs, so it writes the one it has nearest
    /// for any marked vowel; real scans show it where the training pairs never did.
    pub sub_vowel: f32,
    /// Two unrelated letters.
    pub sub_letter: f32,
    /// Anything else (letter↔symbol, symbol↔symbol).
    pub sub_other: f32,
    /// An intended character lost.
    pub del: f32,
    /// A spurious observed letter.
    pub ins_letter: f32,
    /// A spurious observed symbol (punctuation, speck).
    pub ins_other: f32,
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults {
            identity: 0.5,
            sub_near: 6.0,
            sub_vowel: 8.5,
            sub_letter: 11.0,
            sub_other: 10.0,
            del: 8.0,
            ins_letter: 8.0,
            ins_other: 6.0,
        }
    }
}

/// A rule with a two-character side, compiled to alphabet indices.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Multi {
    pub alpha: [u16; 2],
    pub alen: u8,
    pub cost: f32,
}

/// Index 0 of the alphabet: any character the model does not know.
pub(crate) const UNKNOWN: u16 = 0;
const LOW: usize = 0x2000;

/// The channel P(observed | intended): `-ln` costs of substring rewrites learned from
/// (garbled, clean) pairs, compiled into dense tables for the search.
#[derive(Clone, Debug)]
pub struct ErrorModel {
    defaults: Defaults,
    /// Learned cost of copying a character correctly.
    identity: BTreeMap<char, f32>,
    /// Per intended character seen in training: −ln(½ / (n + 1)) for its n occurrences, the
    /// least an edit of it that training never showed can cost (rarer than anything seen).
    unseen: BTreeMap<char, f32>,
    /// Learned rules `(α intended, β observed) → cost`; at most two characters a side.
    rules: BTreeMap<(String, String), f32>,
    // Compiled.
    alphabet: Vec<char>,
    low: Vec<u16>,
    high: Vec<(char, u16)>,
    pub(crate) sub: Vec<f32>,
    pub(crate) del: Vec<f32>,
    pub(crate) ins: Vec<f32>,
    /// By observed side (see [`key`]); Fx-hashed: looked up for every query.
    multi: rustc_hash::FxHashMap<u32, Vec<Multi>>,
}

/// The smaller of two costs. Costs are never NaN (the model rejects non-finite values on
/// load, and sums of finite or infinite non-negative costs stay ordered), so this is the one
/// `minss` that `f32::min`'s NaN handling would wrap in several more instructions: it is the
/// inner loop of every candidate search.
#[inline(always)]
pub(crate) fn min(a: f32, b: f32) -> f32 {
    if b < a {
        b
    } else {
        a
    }
}

/// Key of a substring of at most two alphabet indices.
fn key(s: &[u16]) -> u32 {
    match s {
        [] => 0,
        [a] => (1 << 30) | u32::from(*a),
        [a, b, ..] => (2 << 30) | (u32::from(*a) << 15) | u32::from(*b),
    }
}

impl ErrorModel {
    fn new(
        defaults: Defaults,
        identity: BTreeMap<char, f32>,
        unseen: BTreeMap<char, f32>,
        rules: BTreeMap<(String, String), f32>,
    ) -> ErrorModel {
        let mut chars: Vec<char> = (' '..='~').flat_map(char::to_lowercase).collect();
        for v in "aăâeêioôơuưy".chars() {
            chars.extend((0..6).map(|t| with_tone(v, t)));
        }
        chars.push('đ');
        chars.extend(identity.keys());
        chars.extend(unseen.keys());
        for (a, b) in rules.keys() {
            chars.extend(a.chars().chain(b.chars()));
        }
        chars.sort_unstable();
        chars.dedup();
        let mut alphabet = vec!['\0'];
        alphabet.extend(chars.iter().filter(|&&c| c != '\0'));
        let mut low = vec![UNKNOWN; LOW];
        let mut high = Vec::new();
        for (i, &c) in alphabet.iter().enumerate().skip(1) {
            if (c as usize) < LOW {
                low[c as usize] = i as u16;
            } else {
                high.push((c, i as u16));
            }
        }
        high.sort_unstable();
        let n = alphabet.len();
        let mut sub = vec![0f32; n * n];
        let mut del = vec![defaults.del; n];
        let mut ins = vec![0f32; n];
        for (i, &a) in alphabet.iter().enumerate() {
            let floor = unseen.get(&a).copied().unwrap_or(0.0);
            del[i] = defaults.del.max(floor + 1.0);
            ins[i] = if i as u16 == UNKNOWN || !a.is_alphabetic() {
                defaults.ins_other
            } else {
                defaults.ins_letter
            };
            for (j, &b) in alphabet.iter().enumerate() {
                sub[i * n + j] = if i as u16 == UNKNOWN || j as u16 == UNKNOWN {
                    defaults.sub_other
                } else if a == b {
                    identity.get(&a).copied().unwrap_or(defaults.identity)
                } else if fold(a) == fold(b) {
                    defaults.sub_near.max(floor)
                } else if is_vowel(a) && is_vowel(b) && !b.is_ascii() {
                    defaults.sub_vowel
                } else if a.is_alphabetic() && b.is_alphabetic() {
                    defaults.sub_letter.max(floor + 2.0)
                } else {
                    defaults.sub_other.max(floor + 1.0)
                };
            }
        }
        let mut model = ErrorModel {
            defaults,
            identity,
            unseen,
            rules: BTreeMap::new(),
            alphabet,
            low,
            high,
            sub,
            del,
            ins,
            multi: rustc_hash::FxHashMap::default(),
        };
        let mut ia = Vec::new();
        let mut ib = Vec::new();
        for ((a, b), &cost) in &rules {
            ia.clear();
            ib.clear();
            ia.extend(a.chars().map(|c| model.index(c)));
            ib.extend(b.chars().map(|c| model.index(c)));
            match (ia.len(), ib.len()) {
                (1, 1) => {
                    let x = &mut model.sub[usize::from(ia[0]) * n + usize::from(ib[0])];
                    *x = x.min(cost);
                }
                (1, 0) => {
                    let x = &mut model.del[usize::from(ia[0])];
                    *x = x.min(cost);
                }
                (0, 1) => {
                    let x = &mut model.ins[usize::from(ib[0])];
                    *x = x.min(cost);
                }
                (la, lb) if la <= 2 && lb <= 2 && la > 0 && lb > 0 => {
                    let mut alpha = [UNKNOWN; 2];
                    alpha[..la].copy_from_slice(&ia);
                    model.multi.entry(key(&ib)).or_default().push(Multi {
                        alpha,
                        alen: la as u8,
                        cost,
                    });
                }
                _ => {}
            }
        }
        for (intended, observed, cost) in glyph_backoff(&rules) {
            let at = usize::from(model.index(intended)) * n + usize::from(model.index(observed));
            model.sub[at] = model.sub[at].min(cost);
        }
        model.rules = rules;
        model
    }

    /// This model with every intended character's costs lowered to the least over the
    /// characters of its class (`class(c)`, itself a character of the alphabet): for each
    /// observed side, the substitution, deletion and multi-character rules of the class's
    /// character are the cheapest of any member's. An intended string written in class
    /// characters then costs no more than any string of that class pattern: a lower bound
    /// (see [`SkeletonIndex`](super::SkeletonIndex)).
    pub(crate) fn class_floor(&self, class: impl Fn(char) -> char) -> ErrorModel {
        let n = self.width();
        let rep: Vec<u16> = (0..n)
            .map(|a| {
                let r = self.index(class(self.alphabet[a]));
                if r == UNKNOWN {
                    a as u16
                } else {
                    r
                }
            })
            .collect();
        let mut f = self.clone();
        for (a, &r) in rep.iter().enumerate() {
            let r = usize::from(r);
            f.del[r] = min(f.del[r], self.del[a]);
            for o in 0..n {
                f.sub[r * n + o] = min(f.sub[r * n + o], self.sub[a * n + o]);
            }
        }
        for rules in f.multi.values_mut() {
            for m in rules.iter_mut() {
                for k in 0..usize::from(m.alen) {
                    m.alpha[k] = rep[usize::from(m.alpha[k])];
                }
            }
            rules.sort_by(|x, y| {
                (x.alen, x.alpha)
                    .cmp(&(y.alen, y.alpha))
                    .then(x.cost.total_cmp(&y.cost))
            });
            rules.dedup_by(|later, first| later.alen == first.alen && later.alpha == first.alpha);
        }
        f
    }

    /// The alphabet index of `c` ([`UNKNOWN`] when the model has never seen it).
    #[inline]
    pub(crate) fn index(&self, c: char) -> u16 {
        if (c as usize) < LOW {
            self.low[c as usize]
        } else {
            self.high
                .binary_search_by_key(&c, |&(k, _)| k)
                .map_or(UNKNOWN, |i| self.high[i].1)
        }
    }

    #[inline]
    pub(crate) fn width(&self) -> usize {
        self.alphabet.len()
    }

    /// The multi-character rules whose observed side is `beta`.
    pub(crate) fn multi_for(&self, beta: &[u16]) -> &[Multi] {
        self.multi.get(&key(beta)).map_or(&[], Vec::as_slice)
    }

    /// The costs of unseen edits this model uses.
    pub fn defaults(&self) -> Defaults {
        self.defaults
    }

    /// Number of learned rules (identity costs not included).
    pub fn num_rules(&self) -> usize {
        self.rules.len()
    }

    /// Trains on (garbled, clean) line pairs: tokens are aligned 1:1, characters aligned by
    /// weighted Levenshtein (seed costs first, then twice more with the learned costs), and
    /// substring rules of up to two characters a side are counted against how often their
    /// intended side occurs: cost = −ln((n(α→β) + ½) / (n(α) + 1)).
    pub fn train(pairs: impl Iterator<Item = (String, String)>) -> ErrorModel {
        let mut tokens: Vec<(Vec<char>, Vec<char>)> = Vec::new();
        for (garbled, clean) in pairs {
            for (o, i) in align_tokens(&garbled, &clean) {
                tokens.push((o.chars().collect(), i.chars().collect()));
            }
        }
        let mut model = learn(&tokens, &SeedCosts);
        for _ in 0..2 {
            model = learn(&tokens, &model);
        }
        model
    }

    /// Fills the per-query tables of `observed` into `q`: its alphabet indices, each
    /// intended character's substitution and insertion costs along the token, and the
    /// multi-character rules that match it, grouped by their last intended character (with
    /// the observed position they end at), so a DP row looks only at the few rules that can
    /// apply to its character.
    pub(crate) fn prepare(&self, observed: &str, q: &mut Query) {
        self.prepare_for(observed, None, q);
    }

    /// [`prepare`](Self::prepare) for intended strings made of the characters `only` (all
    /// when `None`): the per-character tables are filled for those alone, which is most of the
    /// cost of a query when the alphabet (every glyph OCR produced in training) is several
    /// times the lexicon's. An intended character not listed gets no substitution row (its
    /// reading costs infinity) and an infinite lower bound, so a search never expands it.
    pub(crate) fn prepare_for(&self, observed: &str, only: Option<&[u16]>, q: &mut Query) {
        q.obs.clear();
        for c in observed.chars().flat_map(char::to_lowercase) {
            q.obs.push(self.index(c));
        }
        let m = q.obs.len();
        let s = m + 1;
        let n = self.width();
        q.ins.clear();
        q.ins.push(f32::INFINITY);
        q.ins
            .extend(q.obs.iter().map(|&o| self.ins[usize::from(o)]));
        // Reset what the previous query set: every entry after a query of every character,
        // else only the entries it touched (the alphabet is several hundred characters, a
        // query touches a few dozen; resetting all of them was half of a cold search's
        // preparation).
        if q.range.len() != n || q.full {
            q.range.clear();
            q.range.resize(n, (0, 0));
            q.slot.clear();
            q.slot.resize(n, 0);
            q.cheap.clear();
            q.cheap.resize(n, f32::INFINITY);
            q.end2.clear();
            q.end2.resize(n, f32::INFINITY);
        } else {
            for &a in &q.ranged {
                q.range[usize::from(a)] = (0, 0);
            }
            for &a in &q.prepared {
                let a = usize::from(a);
                q.slot[a] = 0;
                q.cheap[a] = f32::INFINITY;
                q.end2[a] = f32::INFINITY;
            }
        }
        q.ranged.clear();
        q.prepared.clear();
        q.full = only.is_none();
        // The rules matching the query, found once (`found`, with the last intended
        // character of each), then bucketed by that character: a counting sort over the
        // characters met alone, which keeps the order the rules were found in within a bucket.
        q.found.clear();
        for j in 1..=m {
            for b in 1..=2usize.min(j) {
                for r in self.multi_for(&q.obs[j - b..j]) {
                    if r.alen == 0 {
                        continue;
                    }
                    let last = r.alpha[usize::from(r.alen) - 1];
                    let rule = QRule {
                        first: r.alpha[0],
                        alen: r.alen,
                        from: (j - b) as u32,
                        to: j as u32,
                        cost: r.cost,
                    };
                    q.found.push((last, rule));
                }
            }
        }
        for &(last, _) in &q.found {
            let count = &mut q.range[usize::from(last)].1;
            if *count == 0 {
                q.ranged.push(last);
            }
            *count += 1;
        }
        let mut at = 0;
        for &a in &q.ranged {
            let r = &mut q.range[usize::from(a)];
            let count = r.1;
            *r = (at, at);
            at += count;
        }
        q.rules.clear();
        q.rules.resize(q.found.len(), QRule::default());
        for &(last, rule) in &q.found {
            let r = &mut q.range[usize::from(last)];
            q.rules[r.1 as usize] = rule;
            r.1 += 1;
        }
        q.sub.clear();
        // Row 0: the characters not listed.
        q.sub.resize(s, f32::INFINITY);
        match only {
            None => {
                for a in 0..n {
                    q.slot[a] = a as u32 + 1;
                    self.prepare_char(a, q);
                }
            }
            Some(chars) => {
                for &a in chars {
                    self.ensure_prepared(a, q);
                }
            }
        }
    }

    /// Prepares the tables of intended character `a` if [`prepare_for`](Self::prepare_for)
    /// did not (called with a list that left it out): a query that will step rows for only a
    /// few of its characters prepares those alone, on first use. The exact scoring of a
    /// skeleton's words touches a dozen characters of the hundred-odd the words use, and
    /// preparing them all up front was a fifth of a cold search's instructions.
    #[inline]
    pub(crate) fn ensure_prepared(&self, a: u16, q: &mut Query) {
        let a = usize::from(a);
        if a < self.width() && q.slot[a] == 0 {
            let s = q.obs.len() + 1;
            q.slot[a] = (q.sub.len() / s) as u32;
            q.prepared.push(a as u16);
            self.prepare_char(a, q);
        }
    }

    /// The tables of intended character `a` for the prepared observed string: its
    /// substitution cost at every observed position (the DP's diagonal, contiguous), appended
    /// to `q.sub`, and lower bounds on what one more intended `a` costs, for pruning children.
    fn prepare_char(&self, a: usize, q: &mut Query) {
        let n = self.width();
        let sub = &self.sub[a * n..(a + 1) * n];
        q.sub.push(f32::INFINITY);
        let mut c = self.del[a];
        for &o in &q.obs {
            let x = sub[usize::from(o)];
            q.sub.push(x);
            c = c.min(x);
        }
        let mut e2 = f32::INFINITY;
        let (lo, hi) = q.range[a];
        for r in &q.rules[lo as usize..hi as usize] {
            if r.alen == 1 {
                c = c.min(r.cost);
            } else {
                e2 = e2.min(r.cost);
            }
        }
        q.cheap[a] = c;
        q.end2[a] = e2;
    }

    /// Fills row `d` of the DP (cost of turning the first `d` intended characters, `path[..d]`,
    /// into each prefix of the observed token); rows `d-1` and `d-2` must be filled. Returns the
    /// row minimum.
    #[inline]
    pub(crate) fn fill_row(&self, q: &Query, path: &[u16], rows: &mut [f32], d: usize) -> f32 {
        let m = q.obs.len();
        let s = m + 1;
        if d == 0 {
            rows[0] = 0.0;
            for j in 1..=m {
                rows[j] = rows[j - 1] + self.ins[usize::from(q.obs[j - 1])];
            }
            return 0.0;
        }
        let (prev, cur) = rows.split_at_mut(d * s);
        let up = &prev[(d - 1) * s..d * s];
        let (a2, up2) = if d >= 2 {
            (Some(path[d - 2]), &prev[(d - 2) * s..(d - 1) * s])
        } else {
            (None, &[][..])
        };
        self.step_row(q, path[d - 1], a2, up, up2, &mut cur[..s])
    }

    /// One DP row, shared by [`ErrorModel::cost`] and the trie search: the cost of rewriting
    /// the intended prefix ending in `a` (preceded by `a2`, if any) into every prefix of the
    /// observed string, from the rows of the intended prefix one (`up`) and two (`up2`)
    /// characters shorter. Returns the row minimum.
    ///
    /// In three passes, each a straight loop: deletion and substitution from the row above
    /// (independent cells), then the few multi-character rules of `a` scattered onto the cells
    /// they end at, then insertions left to right (the one dependent chain). The minimum of
    /// the same sums as cell-by-cell, so the same values.
    #[inline]
    pub(crate) fn step_row(
        &self,
        q: &Query,
        a: u16,
        a2: Option<u16>,
        up: &[f32],
        up2: &[f32],
        cur: &mut [f32],
    ) -> f32 {
        let m = q.obs.len();
        let s = m + 1;
        let a = usize::from(a);
        let del = self.del[a];
        let k = q.slot[a] as usize * s;
        let sub = &q.sub[k..k + s];
        let (up, cur, ins) = (&up[..s], &mut cur[..s], &q.ins[..s]);
        cur[0] = up[0] + del;
        for j in 1..s {
            cur[j] = min(up[j] + del, up[j - 1] + sub[j]);
        }
        let (lo, hi) = q.range[a];
        for r in &q.rules[lo as usize..hi as usize] {
            let (from, to) = (r.from as usize, r.to as usize);
            let v = if r.alen == 1 {
                up[from] + r.cost
            } else if Some(r.first) == a2 {
                up2[from] + r.cost
            } else {
                continue;
            };
            cur[to] = min(cur[to], v);
        }
        let mut row_min = cur[0];
        for j in 1..s {
            let v = min(cur[j], cur[j - 1] + ins[j]);
            cur[j] = v;
            row_min = min(row_min, v);
        }
        row_min
    }

    /// The cost of copying `c` correctly: learned, or the default for a character training
    /// never showed.
    pub fn identity_cost(&self, c: char) -> f32 {
        self.identity
            .get(&c)
            .copied()
            .unwrap_or(self.defaults.identity)
    }

    /// The learned rules as `(intended, observed, cost)`.
    pub fn rules(&self) -> impl Iterator<Item = (&str, &str, f32)> + '_ {
        self.rules
            .iter()
            .map(|((a, b), &c)| (a.as_str(), b.as_str(), c))
    }

    /// −ln P(observed | intended): the cheapest way to rewrite `intended` into `observed` with
    /// the learned rules (and class defaults for unseen edits). Both are lower-cased here.
    pub fn cost(&self, observed: &str, intended: &str) -> f32 {
        let mut q = Query::default();
        self.prepare(observed, &mut q);
        let path: Vec<u16> = intended
            .chars()
            .flat_map(char::to_lowercase)
            .map(|c| self.index(c))
            .collect();
        let s = q.obs.len() + 1;
        let mut rows = vec![0f32; (path.len() + 1) * s];
        for d in 0..=path.len() {
            self.fill_row(&q, &path, &mut rows, d);
        }
        rows[path.len() * s + q.obs.len()].max(0.0)
    }

    /// [`cost`](Self::cost) of the intended string `path` (alphabet indices, see
    /// [`index`](Self::index)) against the observed string prepared in `q` (by
    /// [`prepare_for`](Self::prepare_for), with any list of characters: the path's are
    /// prepared here), or infinity as soon as every cell of a row exceeds `cap`: a caller
    /// scoring a few given words against one token, with no trie to walk. `rows` is scratch.
    pub(crate) fn cost_capped(
        &self,
        q: &mut Query,
        path: &[u16],
        rows: &mut Vec<f32>,
        cap: f32,
    ) -> f32 {
        for &a in path {
            self.ensure_prepared(a, q);
        }
        let s = q.obs.len() + 1;
        rows.clear();
        rows.resize((path.len() + 1) * s, 0.0);
        self.fill_row(q, path, rows, 0);
        for d in 1..=path.len() {
            if self.fill_row(q, path, rows, d) > cap {
                return f32::INFINITY;
            }
        }
        let c = rows[path.len() * s + q.obs.len()].max(0.0);
        if c > cap {
            f32::INFINITY
        } else {
            c
        }
    }

    /// The model as TSV: a `sohoa-channel<TAB>1` header, then `default`, `identity` and `rule`
    /// lines in a fixed order. Empty sides are written `∅`; `\`, tab, newline and a literal `∅`
    /// are escaped.
    pub fn to_tsv(&self) -> String {
        use std::fmt::Write;
        let mut out = format!("{MAGIC}\t{VERSION}\n");
        out.push_str("# default\tname\tcost | identity\tchar\tcost | unseen\tchar\tleast cost of an unseen edit | rule\tintended\tobserved\tcost (−ln P(observed | intended))\n");
        let d = &self.defaults;
        for (name, v) in [
            ("identity", d.identity),
            ("sub_near", d.sub_near),
            ("sub_vowel", d.sub_vowel),
            ("sub_letter", d.sub_letter),
            ("sub_other", d.sub_other),
            ("del", d.del),
            ("ins_letter", d.ins_letter),
            ("ins_other", d.ins_other),
        ] {
            let _ = writeln!(out, "default\t{name}\t{v:.3}");
        }
        let mut buf = String::new();
        for (c, v) in &self.identity {
            escape(&c.to_string(), &mut buf);
            let _ = writeln!(out, "identity\t{buf}\t{v:.3}");
        }
        for (c, v) in &self.unseen {
            escape(&c.to_string(), &mut buf);
            let _ = writeln!(out, "unseen\t{buf}\t{v:.3}");
        }
        let mut buf2 = String::new();
        for ((a, b), v) in &self.rules {
            escape(a, &mut buf);
            escape(b, &mut buf2);
            let _ = writeln!(out, "rule\t{buf}\t{buf2}\t{v:.3}");
        }
        out
    }

    /// Reads what [`ErrorModel::to_tsv`] wrote.
    pub fn from_tsv(text: &str) -> Result<ErrorModel, ChannelError> {
        let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
        let header = lines.next().map(|(_, l)| l).ok_or(ChannelError::Empty)?;
        let mut h = header.split('\t');
        if h.next() != Some(MAGIC) {
            return Err(ChannelError::BadHeader {
                found: header.chars().take(40).collect(),
            });
        }
        let version = h.next().unwrap_or("");
        if version != VERSION.to_string() {
            return Err(ChannelError::VersionMismatch {
                expected: VERSION,
                found: version.to_string(),
            });
        }
        let mut defaults = Defaults::default();
        let mut identity = BTreeMap::new();
        let mut unseen = BTreeMap::new();
        let mut rules = BTreeMap::new();
        for (line, text) in lines {
            if text.is_empty() || text.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = text.split('\t').collect();
            let cost_of = |s: &str| -> Result<f32, ChannelError> {
                let v: f32 = s.parse().map_err(|source| ChannelError::BadCost {
                    line,
                    text: s.to_string(),
                    source,
                })?;
                if v.is_finite() && v >= 0.0 {
                    Ok(v)
                } else {
                    Err(ChannelError::Parse {
                        line,
                        message: format!("cost {v} is not a finite non-negative number"),
                    })
                }
            };
            let parse = |s: &str| {
                unescape(s).ok_or_else(|| ChannelError::Parse {
                    line,
                    message: format!("bad escape in {s:?}"),
                })
            };
            match fields.as_slice() {
                ["default", name, v] => {
                    let v = cost_of(v)?;
                    let slot = match *name {
                        "identity" => &mut defaults.identity,
                        "sub_near" => &mut defaults.sub_near,
                        "sub_vowel" => &mut defaults.sub_vowel,
                        "sub_letter" => &mut defaults.sub_letter,
                        "sub_other" => &mut defaults.sub_other,
                        "del" => &mut defaults.del,
                        "ins_letter" => &mut defaults.ins_letter,
                        "ins_other" => &mut defaults.ins_other,
                        other => {
                            return Err(ChannelError::Parse {
                                line,
                                message: format!("unknown default {other:?}"),
                            })
                        }
                    };
                    *slot = v;
                }
                [kind @ ("identity" | "unseen"), c, v] => {
                    let s = parse(c)?;
                    let mut it = s.chars();
                    match (it.next(), it.next()) {
                        (Some(ch), None) => {
                            let map = if *kind == "identity" {
                                &mut identity
                            } else {
                                &mut unseen
                            };
                            map.insert(ch, cost_of(v)?);
                        }
                        _ => {
                            return Err(ChannelError::Parse {
                                line,
                                message: format!("{kind} needs one character, got {c:?}"),
                            })
                        }
                    }
                }
                ["rule", a, b, v] => {
                    let (a, b) = (parse(a)?, parse(b)?);
                    let (la, lb) = (a.chars().count(), b.chars().count());
                    if la > 2 || lb > 2 || la + lb == 0 {
                        return Err(ChannelError::Parse {
                            line,
                            message: format!(
                                "rule sides must be 0–2 characters, not both empty: {a:?} → {b:?}"
                            ),
                        });
                    }
                    rules.insert((a, b), cost_of(v)?);
                }
                _ => {
                    return Err(ChannelError::Parse {
                        line,
                        message: format!(
                            "expected `default`, `identity`, `unseen` or `rule` with its fields, found {:?}",
                            text.chars().take(40).collect::<String>()
                        ),
                    })
                }
            }
        }
        Ok(ErrorModel::new(defaults, identity, unseen, rules))
    }
}

impl AlignCosts for ErrorModel {
    fn sub(&self, i: char, o: char) -> f32 {
        self.sub[usize::from(self.index(i)) * self.width() + usize::from(self.index(o))]
    }
    fn del(&self, i: char) -> f32 {
        self.del[usize::from(self.index(i))]
    }
    fn ins(&self, o: char) -> f32 {
        self.ins[usize::from(self.index(o))]
    }
}

/// A multi-character rule matched against one query: the intended side ends with the bucket's
/// character; `first` is its first character when it has two.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct QRule {
    pub first: u16,
    pub alen: u8,
    /// The observed side is `obs[from..to]`.
    pub from: u32,
    pub to: u32,
    pub cost: f32,
}

/// Per-query tables, reused across searches.
#[derive(Default, Debug)]
pub(crate) struct Query {
    pub obs: Vec<u16>,
    /// The rules matching the query, bucketed: bucket `a` (`rules[range[a].0..range[a].1]`)
    /// holds the rules whose intended side ends with alphabet index `a`.
    pub rules: Vec<QRule>,
    pub range: Vec<(u32, u32)>,
    /// The characters whose `range` this query set.
    ranged: Vec<u16>,
    /// The characters whose `slot`, `cheap` and `end2` this query set (when not `full`).
    pub prepared: Vec<u16>,
    /// Every character was prepared.
    pub full: bool,
    /// `sub[slot[a] * (m + 1) + j]`: the cost of reading intended `a` as `obs[j - 1]`
    /// (index 0 unused; slot 0, every cost infinite, is that of the characters not prepared).
    pub sub: Vec<f32>,
    pub slot: Vec<u32>,
    /// The matching rules before bucketing, with their last intended character.
    found: Vec<(u16, QRule)>,
    /// `ins[j]`: the cost of a spurious `obs[j - 1]` (index 0 unused).
    pub ins: Vec<f32>,
    /// Per alphabet index `a`: no DP value of a row for `a` is below the previous row's
    /// minimum plus `cheap[a]`, or the minimum two rows up plus `end2[a]`.
    pub cheap: Vec<f32>,
    pub end2: Vec<f32>,
}

/// Visual confusions of a digit or symbol with Vietnamese letters, and of `p`/`b` with `đ`,
/// by observed glyph: the letters it is read for on real scans. The parallel pairs are made
/// by one OCR engine and one set of fonts; real scans read `Tỷ lệ` as `Ty 16`, `đã` as `d3`,
/// `QĐ` as `0D` or `0P`, which those pairs never show or show once in thousands, so the
/// learned model prices them at 7 to 10 (or as unseen) and no reading reaches them. The
/// table names only shapes that look alike (`6` is a round letter with a mark on top, `3`
/// the hook or tilde of `a`, `0` a round capital, `1` a stroke, `P`/`B` a `Đ` whose bar
/// was lost); it gives no cost: [`glyph_backoff`] derives one from what training learned of
/// the table's confusions as a class.
const GLYPHS: &[(char, &str)] = &[
    ('6', "ôốồổỗộơớờởỡợêếềểễệ"),
    ('3', "ãả"),
    ('0', "oqđ"),
    ('1', "li"),
    ('4', "aã"),
    ('&', "ở"),
    ('¢', "ệ"),
    ('¥', "ỹ"),
    ('p', "đ"),
    ('b', "đ"),
];

/// How much rarer a listed confusion is taken to be, at most, than the typical one of the
/// class that training did show: `ln 4`, a quarter as likely.
const GLYPH_BACKOFF: f64 = std::f64::consts::LN_2 * 2.0;

/// Costs `(intended, observed, cost)` for the [`GLYPHS`] confusions: the median learned cost
/// of the listed confusions that training did see, plus [`GLYPH_BACKOFF`]; a confusion
/// training priced cheaper keeps its learned cost (the caller takes the minimum). One cost
/// for the class, not one per glyph: how often the training engine confused a given glyph
/// (`0` for `o`: 7.5) says little of another engine, the class median says how likely a
/// look-alike is at all. Derived from the learned rules alone, so a model and the same
/// model read back from its file get the same costs, and retraining moves them with the data.
fn glyph_backoff(rules: &BTreeMap<(String, String), f32>) -> Vec<(char, char, f32)> {
    let learned = |l: char, g: char| rules.get(&(l.to_string(), g.to_string())).copied();
    let mut seen: Vec<f32> = GLYPHS
        .iter()
        .flat_map(|&(g, ls)| ls.chars().filter_map(move |l| learned(l, g)))
        .collect();
    if seen.is_empty() {
        return Vec::new();
    }
    seen.sort_by(f32::total_cmp);
    let median = (seen[(seen.len() - 1) / 2] + seen[seen.len() / 2]) / 2.0;
    let cost = q(f64::from(median) + GLYPH_BACKOFF);
    GLYPHS
        .iter()
        .flat_map(|&(g, ls)| ls.chars().map(move |l| (l, g, cost)))
        .collect()
}

/// Fewest observations for a rule to be kept.
const MIN_COUNT: u32 = 2;
/// Identity costs are capped so correct text is always cheap to keep, even for letters the
/// OCR rarely gets right.
const MAX_IDENTITY: f64 = 1.5;

/// One pass of counting: align every token pair with `costs`, count rules and substrings.
fn learn(tokens: &[(Vec<char>, Vec<char>)], costs: &impl AlignCosts) -> ErrorModel {
    let mut rule_n: HashMap<(String, String), u32> = HashMap::new();
    let mut sub_n: HashMap<String, u32> = HashMap::new();
    let mut ident_n: HashMap<char, u32> = HashMap::new();
    let mut dp = Vec::new();
    let mut ops: Vec<Op> = Vec::new();
    let mut empty_n = 0u32;
    let mut s = String::new();
    for (o, i) in tokens {
        align_chars(o, i, costs, &mut dp, Some(&mut ops));
        extract_rules(&ops, |a, b| {
            *rule_n.entry((a.to_string(), b.to_string())).or_default() += 1;
        });
        for op in &ops {
            if let (Some(a), Some(b)) = *op {
                if a == b {
                    *ident_n.entry(a).or_default() += 1;
                }
            }
        }
        empty_n += i.len() as u32 + 1;
        for k in 0..i.len() {
            for w in 1..=2 {
                if k + w <= i.len() {
                    s.clear();
                    s.extend(&i[k..k + w]);
                    *sub_n.entry(s.clone()).or_default() += 1;
                }
            }
        }
    }
    let denom = |a: &str| -> f64 {
        if a.is_empty() {
            f64::from(empty_n) + 1.0
        } else {
            f64::from(sub_n.get(a).copied().unwrap_or(0)) + 1.0
        }
    };
    let mut rules = BTreeMap::new();
    for ((a, b), n) in rule_n {
        if n >= MIN_COUNT {
            let p = (f64::from(n) + 0.5) / denom(&a).max(f64::from(n) + 1.0);
            rules.insert((a, b), q((-p.ln()).clamp(0.01, 30.0)));
        }
    }
    let mut identity = BTreeMap::new();
    for (c, n) in ident_n {
        let p = (f64::from(n) + 0.5) / denom(&c.to_string()).max(f64::from(n) + 1.0);
        identity.insert(c, q((-p.ln()).clamp(0.001, MAX_IDENTITY)));
    }
    let mut unseen = BTreeMap::new();
    for (a, &n) in &sub_n {
        let mut it = a.chars();
        if let (Some(c), None) = (it.next(), it.next()) {
            unseen.insert(c, q(-(0.5 / (f64::from(n) + 1.0)).ln()));
        }
    }
    ErrorModel::new(Defaults::default(), identity, unseen, rules)
}

fn escape(s: &str, out: &mut String) {
    out.clear();
    if s.is_empty() {
        out.push('∅');
        return;
    }
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '∅' => out.push_str("\\∅"),
            c => out.push(c),
        }
    }
}

fn unescape(s: &str) -> Option<String> {
    if s == "∅" {
        return Some(String::new());
    }
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars();
    while let Some(c) = it.next() {
        match c {
            '\\' => out.push(match it.next()? {
                '\\' => '\\',
                't' => '\t',
                'n' => '\n',
                'r' => '\r',
                '∅' => '∅',
                _ => return None,
            }),
            '∅' => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

/// A Vietnamese vowel letter, with any marks (`a`, `ằ`, `ư`, `Ý`).
fn is_vowel(c: char) -> bool {
    matches!(
        ascii_base(c).to_ascii_lowercase(),
        'a' | 'e' | 'i' | 'o' | 'u' | 'y'
    )
}
