//! From a paragraph's tokens to its lattice, and from the decoded path back to text.

use crate::extract::symbols::{self, FoundSymbol};
use crate::lm::{NUM, UNK};
use crate::offsets::Segment;
use crate::text::tokenize::{split_title_case, tokenize, Token, TokenKind};
use crate::text::vietnamese::CasePattern;

use super::candidates::{self, Reading};
use super::decode::{self, DecodeParams, DecodeScratch, Edge, Lattice, Scorer, WordId};
use super::document::{group_of, Evidence, Occ};
use super::predicted::{predicted, PredictScratch};
use super::windows::{decode_windows, WindowScratch};
use super::{Restored, Restorer, Session};

/// What one word token became, for review (`sohoa clean --mark`).
#[derive(Clone, Debug, PartialEq)]
pub struct TokenReport {
    /// Byte range of the token(s) in the input.
    pub start: usize,
    pub end: usize,
    /// Byte range of what was written in the restored text.
    pub r_start: usize,
    pub r_end: usize,
    /// The token as read by OCR.
    pub observed: String,
    /// What was written.
    pub chosen: String,
    /// Other readings, best first.
    pub alternatives: Vec<String>,
    /// Probability-like confidence in the chosen reading against its alternatives, 0..1.
    pub confidence: f32,
}

/// One lattice edge's meaning.
#[derive(Clone, Copy, Debug)]
struct EdgeInfo {
    tok: u32,
    n_toks: u8,
    reading: Reading,
}

impl ParagraphScratch {
    /// Decoder steps so far (see [`DecodeScratch::steps`]).
    pub fn steps(&self) -> u64 {
        self.decode.steps()
    }
}

/// Per-thread buffers for one paragraph.
#[derive(Default)]
pub struct ParagraphScratch {
    tokens: Vec<Token>,
    lattice: Lattice,
    decode: DecodeScratch,
    path: Vec<u32>,
    windows: WindowScratch,
    infos: Vec<EdgeInfo>,
    merged: Vec<Reading>,
    key: String,
    /// The words of the chosen path (for confidences).
    path_words: Vec<WordId>,
    /// Edges held out of a reported second decode, with their costs (see [`Pass::Second`]).
    blocked: Vec<(u32, f32)>,
    /// The history before the paragraph's first word: [`decode::BOS`], or [`decode::OPEN`]
    /// when it begins inside a sentence (see [`begins_inside`]).
    start: WordId,
    /// The paragraph's symbols printed with misread codes (see [`symbols::Symbols::misread`]).
    misread: Vec<FoundSymbol>,
    predict: PredictScratch,
    /// Tokens whose readings a neighbour may predict (see [`add_predicted`]), in order, with
    /// the penalty their predicted readings pay.
    eligible: Vec<(u32, f32)>,
    /// Predicted readings to add, `(token, reading)` in token order.
    extras: Vec<(u32, Reading)>,
    /// The lattice being rebuilt with `extras` (swapped with `lattice`).
    spare: Lattice,
    /// Edges [`add_predicted`] held out of the beam ([`BLOCKED`] added), with their costs to
    /// restore after the decode.
    held: Vec<(u32, f32)>,
    /// Scratch of [`split_title_case`].
    pieces: Vec<Token>,
}

/// What the document pass (see [`super::document`]) asks of one paragraph's decode.
pub(crate) enum Pass<'a> {
    /// Nothing: the pass is off.
    Plain,
    /// The first decode: record its confident and doubtful words.
    First(&'a mut Evidence),
    /// The second decode of a paragraph holding targets: `(token, document's reading)` in
    /// token order, each token's other readings made [`super::Params::doc_bonus`] dearer,
    /// and the first decode's path: tokens more than [`DOC_REACH`] from every target keep
    /// its reading, so only the windows around the targets are decoded again.
    Second(&'a [(u32, WordId)], &'a [PathEdge]),
}

/// One edge of a first decode's path, kept for a second decode (see [`Pass::Second`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct PathEdge {
    tok: u32,
    n_toks: u8,
    /// The reading as it was put in the lattice (penalties in, the change penalty out).
    reading: Reading,
}

/// Tokens this far from a target on either side may change their reading in its second
/// decode; beyond, the first decode's path is kept. A trigram's reach is two words; one more
/// lets a neighbour's two-token reading move with it.
const DOC_REACH: u32 = 3;

/// Whether token `t` is more than [`DOC_REACH`] from every target (`targets` in token order:
/// a document pass's, or the tokens given predicted readings).
fn far<T>(targets: &[(u32, T)], t: u32) -> bool {
    let i = targets.partition_point(|x| x.0 + DOC_REACH < t);
    targets.get(i).is_none_or(|x| x.0 > t + DOC_REACH)
}

/// Extra cost that holds a reading out of the beam (far beyond any beam width).
const BLOCKED: f32 = 1.0e4;

impl Scorer for crate::lm::NgramLm {
    type Context = crate::lm::LmContext;
    #[inline]
    fn context(&self, w1: WordId, w2: WordId) -> crate::lm::LmContext {
        crate::lm::NgramLm::context(self, w1, w2)
    }
    #[inline]
    fn logprob_in(&self, ctx: &crate::lm::LmContext, w3: WordId) -> f32 {
        crate::lm::NgramLm::logprob_in(self, ctx, w3)
    }
    #[inline]
    fn prefetch(&self, ctx: &crate::lm::LmContext, w: WordId) {
        crate::lm::NgramLm::prefetch(self, ctx, w)
    }
    #[inline]
    fn uses_w1(&self, ctx: &crate::lm::LmContext) -> bool {
        ctx.uses_w1()
    }
    #[inline]
    fn logprob(&self, w1: WordId, w2: WordId, w3: WordId) -> f32 {
        crate::lm::NgramLm::logprob(self, w1, w2, w3)
    }
    #[inline]
    fn logprobs_in(&self, ctx: &crate::lm::LmContext, ws: &[WordId], out: &mut [f32]) {
        crate::lm::NgramLm::logprobs_in(self, ctx, ws, out)
    }
}

/// Adds to the lattice the readings of its doubtful tokens that their neighbours predict
/// (see [`super::predicted`]), and says whether it added any (the lattice must then be
/// decoded again).
///
/// Predicting every token that has no lexicon reading as written costs as much as the rest of
/// the search; most of them are read right from their own candidates. A token is looked at
/// only where the decoded path's reading of it fits badly: its edge cost (channel and
/// penalties) plus its surprisal under the trigram model (−ln P) above
/// [`super::Params::predict_cost`]. Where the right word was cut from a token's candidates,
/// the path has had to take a wrong one that the OCR or the context argues against
/// (`Quảng Ngồi`), or to keep the token as written. Tokens more than `DOC_REACH` from every
/// token that got new readings keep the path's reading in the second decode, so it decodes
/// only the windows around them.
fn add_predicted(
    r: &Restorer,
    ps: &mut ParagraphScratch,
    para: &str,
    marks_lost: bool,
    change_penalty: f32,
    keep_all: bool,
) -> bool {
    let p = r.params();
    if p.predict_contexts == 0 || ps.eligible.is_empty() {
        return false;
    }
    let lm = &r.model().lm;
    let vocab = lm.vocab();
    ps.extras.clear();
    let (mut w1, mut w2) = (ps.start, ps.start);
    let mut next = 0;
    for k in 0..ps.path.len() {
        let e = ps.lattice.edges()[ps.path[k] as usize];
        while next < ps.eligible.len() && ps.eligible[next].0 < e.from {
            next += 1;
        }
        let eligible = ps.eligible.get(next).filter(|x| x.0 == e.from).copied();
        if let (Some((t, penalty)), true) = (eligible, e.to == e.from + 1 && e.n_words == 1) {
            if e.cost - lm.logprob(w1, w2, e.words[0]) > p.predict_cost {
                let tok = ps.tokens[t as usize];
                let observed = tok.text(para);
                candidates::key_of(observed, &mut ps.key);
                predicted(
                    r,
                    &ps.lattice,
                    t as usize,
                    ps.start,
                    &ps.key,
                    &mut ps.predict,
                );
                let word = tok.kind == TokenKind::Word;
                for i in 0..ps.predict.found.len() {
                    let (w, cost) = ps.predict.found[i];
                    let mut rd = word_reading(w, p.channel_weight * cost + penalty);
                    if word && marks_lost && marks_only(vocab, &rd, observed, &mut ps.key) {
                        rd.cost *= MARKS_LOST_COST;
                    }
                    if word && r.is_lone(w) {
                        rd.cost += p.lone_penalty;
                    }
                    ps.extras.push((t, rd));
                }
            }
        }
        for &w in &e.words[..usize::from(e.n_words)] {
            (w1, w2) = (w2, w);
        }
    }
    if ps.extras.is_empty() {
        return false;
    }
    // The lattice again with the extras in order of `from`, after the token's own readings.
    // Tokens more than [`DOC_REACH`] from every predicted one keep the path's reading, as in
    // a document pass's second decode, so only the windows around them are decoded again.
    // When the words are reported (or kept for the document pass), their other readings stay
    // for the confidences, held out of the beam instead (as [`decode_lattice`] does).
    ps.spare.reset(ps.lattice.positions());
    ps.held.clear();
    let (mut j, mut on_path) = (0, 0);
    for (k, e) in ps.lattice.edges().iter().enumerate() {
        while let Some(&(t, rd)) = ps.extras.get(j).filter(|x| x.0 < e.from) {
            push_extra(&mut ps.spare, &mut ps.infos, t, rd, change_penalty);
            j += 1;
        }
        let is_far = far(&ps.extras, e.from);
        while ps.path.get(on_path).is_some_and(|&x| (x as usize) < k) {
            on_path += 1;
        }
        if is_far && ps.path.get(on_path) != Some(&(k as u32)) {
            if !keep_all {
                continue;
            }
            ps.held.push((ps.spare.edges().len() as u32, e.cost));
            ps.spare.push(Edge {
                cost: e.cost + BLOCKED,
                ..*e
            });
            continue;
        }
        ps.spare.push(*e);
    }
    for &(t, rd) in &ps.extras[j..] {
        push_extra(&mut ps.spare, &mut ps.infos, t, rd, change_penalty);
    }
    std::mem::swap(&mut ps.lattice, &mut ps.spare);
    true
}

/// Adds predicted reading `rd` of token `t` to a lattice being rebuilt.
fn push_extra(
    lattice: &mut Lattice,
    infos: &mut Vec<EdgeInfo>,
    t: u32,
    rd: Reading,
    change_penalty: f32,
) {
    infos.push(EdgeInfo {
        tok: t,
        n_toks: 1,
        reading: rd,
    });
    lattice.push(Edge {
        from: t,
        to: t + 1,
        words: rd.words,
        n_words: rd.n,
        cost: rd.cost + change_penalty,
        payload: (infos.len() - 1) as u32,
    });
}

/// A one-word reading of a token as lexicon word `w` at `cost`.
fn word_reading(w: WordId, cost: f32) -> Reading {
    Reading {
        words: [w, 0],
        n: 1,
        split: 0,
        cost,
        keep: false,
        same: false,
    }
}

/// Longest token (in chars) that may be merged with its neighbour.
const MERGE_MAX_PART: usize = 4;
/// Longest merged token (in chars).
const MERGE_MAX_TOTAL: usize = 7;

/// Restores `text[start..end]` (one paragraph) and appends it to `out`.
// The arguments are the restorer's pieces split for the borrow checker (session buffers
// borrowed apart from the output); bundling them is a change to the callers, not done here.
#[allow(clippy::too_many_arguments)]
pub fn restore_paragraph(
    r: &Restorer,
    text: &str,
    start: usize,
    end: usize,
    session: &mut Session,
    out: &mut Restored,
    mut reports: Option<&mut Vec<TokenReport>>,
    change_penalty: f32,
    mut pass: Pass<'_>,
    pre: Option<super::Pretokens<'_>>,
) {
    let para = &text[start..end];
    let Session {
        cands, para: ps, ..
    } = session;
    match pre {
        // The paragraph's tokens from the cleanliness scan, which tokenized the whole text
        // (the same tokens: the paragraph begins and ends at whitespace, which no token spans).
        Some(p) => p.paragraph(start, end, &mut ps.tokens),
        None => tokenize(para, &mut ps.tokens),
    }
    // In clean text (the change penalty at its full weight) a word that is a lexicon word as
    // written is left as it is: its one reading is itself, with no search and no merge. A
    // clean document's own rare words and unmarked forms are right far more often than a
    // trigram guess against them (`bé trai` is not `bộ trai`). A paragraph of such words is
    // then written back without decoding: its lattice has one path.
    let clean = r.is_clean_penalty(change_penalty);
    if clean
        && reports.is_none()
        && ps
            .tokens
            .iter()
            .all(|t| t.kind != TokenKind::Word || r.known_as_written(t.text(para), &mut ps.key))
    {
        out.text.push_str(para);
        return;
    }
    // Words OCR glued are split only in text that reads as raw OCR: in text that is clean,
    // or nearly (a change penalty), `CongThuong` is an identifier.
    if change_penalty <= 0.0 {
        split_title_case(para, &mut ps.tokens, &mut ps.pieces);
    }
    let n = ps.tokens.len();
    let vocab = r.model().lm.vocab();
    let marks_lost = marks_lost(para, &ps.tokens);
    ps.start = if begins_inside(para, &ps.tokens) {
        decode::OPEN
    } else {
        decode::BOS
    };
    ps.lattice.reset(n);
    ps.infos.clear();
    ps.eligible.clear();
    let fixed = match pass {
        Pass::Second(targets, path) => Some((targets, path)),
        _ => None,
    };
    let push =
        |lattice: &mut Lattice, infos: &mut Vec<EdgeInfo>, t: usize, n_toks: u8, rd: Reading| {
            infos.push(EdgeInfo {
                tok: t as u32,
                n_toks,
                reading: rd,
            });
            lattice.push(Edge {
                from: t as u32,
                to: (t + usize::from(n_toks)) as u32,
                words: rd.words,
                n_words: rd.n,
                cost: rd.cost + if rd.same { 0.0 } else { change_penalty },
                payload: (infos.len() - 1) as u32,
            });
        };
    for t in 0..n {
        let tok = ps.tokens[t];
        if let Some((targets, path)) = fixed {
            // Far from every target, the first decode's reading stands: no search.
            // (Reported words keep all their readings for their confidence; the path is
            // held to the first one's by blocking the others, below.)
            let t32 = t as u32;
            if reports.is_none() && far(targets, t32) {
                if tok.kind == TokenKind::Word && candidates::too_long(tok.text(para)) {
                    out.passed_through.push(start + tok.start..start + tok.end);
                }
                let j = path.partition_point(|e| e.tok < t32);
                if let Some(e) = path.get(j).filter(|e| e.tok == t32) {
                    push(&mut ps.lattice, &mut ps.infos, t, e.n_toks, e.reading);
                }
                continue;
            }
        }
        match tok.kind {
            TokenKind::Number | TokenKind::Protected => {
                let n_words = u8::from(tok.kind == TokenKind::Number);
                let rd = Reading {
                    words: [NUM, 0],
                    n: n_words,
                    split: 0,
                    cost: 0.0,
                    keep: true,
                    same: true,
                };
                push(&mut ps.lattice, &mut ps.infos, t, 1, rd);
                // In clean text a number is what it says: only OCR reads a word as digits.
                if tok.kind == TokenKind::Number
                    && !clean
                    && number_may_be_word(para, &tok, ps.tokens.get(t + 1))
                {
                    let penalty = r.params().number_word_penalty;
                    for rd in candidates::readings(r, tok.text(para), cands) {
                        if rd.n != 1 || rd.keep || rd.same || rd.words[0] == UNK {
                            continue;
                        }
                        let rd = Reading {
                            cost: rd.cost + penalty,
                            ..*rd
                        };
                        push(&mut ps.lattice, &mut ps.infos, t, 1, rd);
                    }
                    ps.eligible.push((t as u32, penalty));
                }
            }
            TokenKind::Word => {
                if let Some(id) = clean
                    .then(|| r.lexicon_id(tok.text(para), &mut ps.key))
                    .flatten()
                {
                    let rd = Reading {
                        words: [id, 0],
                        n: 1,
                        split: 0,
                        cost: 0.0,
                        keep: false,
                        same: true,
                    };
                    push(&mut ps.lattice, &mut ps.infos, t, 1, rd);
                    continue;
                }
                if candidates::too_long(tok.text(para)) {
                    out.passed_through.push(start + tok.start..start + tok.end);
                }
                let observed = tok.text(para);
                let lone_penalty = r.params().lone_penalty;
                let own = candidates::readings(r, observed, cands);
                let lexical = own.iter().any(|rd| rd.same && !rd.keep);
                for rd in own {
                    let mut rd = *rd;
                    if marks_lost && marks_only(vocab, &rd, observed, &mut ps.key) {
                        rd.cost *= MARKS_LOST_COST;
                    }
                    if !rd.same && !rd.keep && rd.n == 1 && r.is_lone(rd.words[0]) {
                        rd.cost += lone_penalty;
                    }
                    push(&mut ps.lattice, &mut ps.infos, t, 1, rd);
                }
                if !clean && !lexical {
                    ps.eligible.push((t as u32, 0.0));
                }
                if let Some(next) = ps.tokens.get(t + 1) {
                    if mergeable(para, &tok, next) {
                        candidates::merged(
                            r,
                            tok.text(para),
                            next.text(para),
                            cands,
                            &mut ps.merged,
                        );
                        for rd in &ps.merged {
                            push(&mut ps.lattice, &mut ps.infos, t, 2, *rd);
                        }
                    }
                }
            }
        }
    }
    let open_end = ends_inside(para);
    decode_lattice(r, ps, fixed, reports.is_some(), open_end);
    let keep_all = reports.is_some() || matches!(pass, Pass::First(_));
    if add_predicted(r, ps, para, marks_lost, change_penalty, keep_all) {
        decode_lattice(r, ps, fixed, reports.is_some(), open_end);
        let edges = ps.lattice.edges_mut();
        for &(k, cost) in &ps.held {
            edges[k as usize].cost = cost;
        }
    }
    if ps.path.is_empty() && n > 0 {
        out.text.push_str(para);
        return;
    }
    let mut cursor = 0;
    // Every word of the chosen path, for the confidences (which look at the words on both
    // sides of each one).
    let mut words_on_path = std::mem::take(&mut ps.path_words);
    words_on_path.clear();
    let first_pass = matches!(pass, Pass::First(_));
    // Whether the paragraph has a word with other readings: then its path is kept for a
    // second decode.
    let mut kept = false;
    if reports.is_some() || first_pass {
        for &ei in &ps.path {
            let e = ps.lattice.edges()[ei as usize];
            words_on_path.extend_from_slice(&e.words[..usize::from(e.n_words)]);
        }
    }
    ps.misread = symbols::builtin().misread(para);
    let mut words_before = 0;
    // Whether the previous token was written changed (see `split_title_case`).
    let mut changed = false;
    for &ei in &ps.path {
        let e = ps.lattice.edges()[ei as usize];
        let info = ps.infos[e.payload as usize];
        let first = ps.tokens[info.tok as usize];
        let last = ps.tokens[info.tok as usize + usize::from(info.n_toks) - 1];
        out.text.push_str(&para[cursor..first.start]);
        let o_start = start + first.start;
        let o_end = start + last.end;
        let r_start = out.text.len();
        let observed = &para[first.start..last.end];
        let official = official_code(&ps.misread, para, first.start, last.end).or_else(|| {
            let alone = !clean
                && info.n_toks == 1
                && first.kind == TokenKind::Word
                && info.reading.keep
                && info.reading.words[0] == UNK;
            alone.then(|| code_alone(ps, observed)).flatten()
        });
        if let Some(code) = &official {
            // A code of a symbol whose official form is known: that form, whatever the
            // decoder read (a symbol's parts are codes, not words).
            out.text.push_str(code);
        } else if info.reading.keep || (info.reading.same && info.n_toks == 1) {
            if first.glued && changed {
                // A piece of a split token after a changed one gets its space too (`Xã`
                // `Tay`, not `XãTay`).
                out.text.push(' ');
            }
            out.text.push_str(observed);
        } else {
            if first.glued {
                out.text.push(' ');
            }
            write_reading(vocab, &info.reading, first.text(para), &mut out.text);
        }
        // A segment for every token written otherwise than it was read (an official code
        // always has one, the same or not).
        changed = out.text[r_start..] != *observed;
        if official.is_some() || changed {
            out.map.push(Segment {
                o_start,
                o_end,
                r_start,
                r_end: out.text.len(),
            });
        }
        words_before += usize::from(e.n_words);
        // A number token read as a word is reviewed like one.
        let worded = first.kind == TokenKind::Word
            || (first.kind == TokenKind::Number && !info.reading.keep);
        if let (Some(reps), true) = (reports.as_deref_mut(), worded) {
            let lead = out.text[r_start..].len() - out.text[r_start..].trim_start().len();
            reps.push(TokenReport {
                start: o_start,
                end: o_end,
                r_start: r_start + lead,
                r_end: out.text.len(),
                observed: observed.to_string(),
                chosen: out.text[r_start..].trim_start().to_string(),
                alternatives: Vec::new(),
                confidence: 1.0,
            });
            let rep_idx = reps.len() - 1;
            let at = words_before - usize::from(e.n_words);
            let rep = &mut reps[rep_idx];
            if official.is_none() {
                score_alternatives(r, ps, &e, info, first.text(para), &words_on_path, at, rep);
            }
            // On OCR (not clean text), two written forms are doubtful whatever the context
            // says: a token kept as written though it is no word the language model knows,
            // and a lone consonant the restorer wrote for another token.
            let kept_unknown =
                first.kind == TokenKind::Word && kept_unknown(&info.reading, observed);
            let lone = !info.reading.same && lone_consonant(&rep.chosen);
            if !clean && (kept_unknown || lone) {
                rep.confidence = rep.confidence.min(KEPT_UNKNOWN_CONFIDENCE);
            }
        }
        if let Pass::First(ev) = &mut pass {
            if first.kind == TokenKind::Word && info.n_toks == 1 && e.n_words == 1 {
                // What the confidence needs, kept: it is computed later, and only if the
                // document's other occurrences of the word make it matter.
                let at = words_before - 1;
                let before = |i: usize| at.checked_sub(i).map_or(ps.start, |j| words_on_path[j]);
                let after = |i: usize| words_on_path.get(at + i).copied().unwrap_or(decode::BOS);
                let from = ev.alts.len() as u32;
                let edges = ps.lattice.edges();
                let lo = edges.partition_point(|x| x.from < e.from);
                ev.alts.extend(
                    edges[lo..]
                        .iter()
                        .take_while(|x| x.from == e.from)
                        .filter(|x| x.to == e.to && x.n_words == 1 && x.words != e.words)
                        .map(|x| (x.words[0], x.cost)),
                );
                let to = ev.alts.len() as u32;
                kept |= from != to;
                ev.occs.push(Occ {
                    group: group_of(observed),
                    para: ev.paras,
                    tok: info.tok,
                    chosen: e.words[0],
                    cost: e.cost,
                    ctx: [before(2), before(1), after(1), after(2)],
                    after: (words_on_path.len() - at - 1).min(2) as u8,
                    capped: !clean && kept_unknown(&info.reading, observed),
                    may_cap: !clean && !info.reading.same && e.words[0] != UNK,
                    alts: (from, to),
                });
            }
        }
        cursor = last.end;
    }
    out.text.push_str(&para[cursor..]);
    ps.path_words = words_on_path;
    // A paragraph that may hold doubts keeps its path for the second decode.
    if let Pass::First(ev) = pass {
        if kept {
            let from = ev.path.len() as u32;
            ev.path.extend(ps.path.iter().map(|&ei| {
                let e = ps.lattice.edges()[ei as usize];
                let info = ps.infos[e.payload as usize];
                PathEdge {
                    tok: info.tok,
                    n_toks: info.n_toks,
                    reading: info.reading,
                }
            }));
            ev.paths.push((from, ev.path.len() as u32));
            ev.paras += 1;
        }
    }
}

/// A second decode's targets and the first decode's path (see [`Pass::Second`]).
type Fixed<'a> = (&'a [(u32, WordId)], &'a [PathEdge]);

/// Decodes the paragraph's lattice into `ps.path`. In a second decode (`targets`, see
/// [`Pass::Second`]) the document's readings are favoured, and when the words are reported
/// (`reporting`) the readings far from the targets are held to the first decode's path.
fn decode_lattice(
    r: &Restorer,
    ps: &mut ParagraphScratch,
    targets: Option<Fixed<'_>>,
    reporting: bool,
    open_end: bool,
) {
    let p = r.params();
    ps.blocked.clear();
    if let Some((targets, path)) = targets {
        favour(&mut ps.lattice, &ps.infos, targets, p.doc_bonus);
        if reporting {
            // Far from the targets, every reading but the first path's is out of the beam:
            // the same path as with those readings left out, and they are back for the
            // confidences.
            for (k, e) in ps.lattice.edges_mut().iter_mut().enumerate() {
                let info = ps.infos[e.payload as usize];
                if !far(targets, info.tok) {
                    continue;
                }
                let j = path.partition_point(|x| x.tok < info.tok);
                let on_path = path.get(j).is_some_and(|x| {
                    x.tok == info.tok && x.n_toks == info.n_toks && x.reading == info.reading
                });
                if !on_path {
                    ps.blocked.push((k as u32, e.cost));
                    e.cost += BLOCKED;
                }
            }
        }
    }
    decode_windows(
        &mut ps.lattice,
        &r.model().lm,
        DecodeParams {
            lm_weight: p.lm_weight,
            beam: p.beam,
            beam_width: p.beam_width,
            open_start: ps.start == decode::OPEN,
            open_end,
        },
        &mut ps.decode,
        &mut ps.windows,
        &mut ps.path,
    );
    if let Some((targets, _)) = targets {
        // The bonus chose the path; the reports' confidences weigh the readings without it,
        // so a word the document's reading settled is still marked as the doubt it was.
        let edges = ps.lattice.edges_mut();
        for &(k, cost) in &ps.blocked {
            edges[k as usize].cost = cost;
        }
        favour(&mut ps.lattice, &ps.infos, targets, -p.doc_bonus);
    }
}

/// Makes every reading of each target token other than the document's reading `doc_bonus`
/// dearer (readings spanning the token with its neighbour too), when the lattice offers that
/// reading: a bonus for it that keeps every edge cost non-negative. A negative `bonus` takes
/// it back.
fn favour(lattice: &mut Lattice, infos: &[EdgeInfo], targets: &[(u32, WordId)], bonus: f32) {
    for &(tok, word) in targets {
        let is_doc = |e: &Edge| {
            e.from == tok && e.to == tok + 1 && e.n_words == 1 && e.words[0] == word && {
                let rd = infos[e.payload as usize].reading;
                !rd.keep
            }
        };
        // Edges come in order of `from`; an edge spans at most two tokens.
        let edges = lattice.edges_mut();
        let lo = edges.partition_point(|e| e.from + 1 < tok);
        let hi = edges.partition_point(|e| e.from <= tok);
        if !edges[lo..hi].iter().any(is_doc) {
            continue;
        }
        for e in &mut edges[lo..hi] {
            if e.to > tok && !is_doc(e) {
                e.cost += bonus;
            }
        }
    }
}

/// The posterior of the chosen single-word edge `chosen` against the other single-word
/// readings of its token, in the chosen path's context ([`score_alternatives`]' confidence,
/// without writing the alternatives), as far as the document pass needs it: exact, or, once
/// it is known to be at least `confident` or below `doubtful`, a bound on that side.
///
/// An alternative's cost is its channel cost plus three trigram costs, none negative, so its
/// channel cost and the first trigram (one look-up each, in one context) bound its share from
/// above; the other two trigrams are looked up only for the two alternatives with
/// the best bounds, the most likely first, and only while the verdict is open; the rest count
/// at their bound while that can settle the verdict, else not at all. Most words are settled
/// by the bound; exact scoring of every alternative of every word cost a fifth of the decode.
pub(crate) fn path_confidence(
    r: &Restorer,
    alternatives: &[(WordId, f32)],
    (chosen, chosen_cost): (WordId, f32),
    path_words: &[WordId],
    at: usize,
    (confident, doubtful): (f32, f32),
) -> f32 {
    let lm = &r.model().lm;
    let lm_weight = r.params().lm_weight;
    const MAX_ALTS: usize = 32;
    let mut words = [0 as WordId; MAX_ALTS + 1];
    let mut costs = [0f32; MAX_ALTS];
    let mut n = 0;
    for &(w, c) in alternatives.iter().take(MAX_ALTS) {
        words[n] = w;
        costs[n] = c;
        n += 1;
    }
    if n == 0 {
        return 1.0;
    }
    // The left trigrams of the alternatives and of the chosen word (last), in one context.
    words[n] = chosen;
    let prev = |i: usize| at.checked_sub(i).map_or(decode::BOS, |j| path_words[j]);
    let ctx = lm.context(prev(2), prev(1));
    let mut lp = [0f32; MAX_ALTS + 1];
    lm.logprobs_in(&ctx, &words[..=n], &mut lp[..=n]);
    let mine = chosen_cost - lm_weight * (lp[n] + right_logprob(lm, chosen, path_words, at));
    // Each alternative's cost without its two right trigrams: a lower bound on its cost,
    // so exp(mine − bound) bounds its share of z (confidence = 1 / (1 + z)) from above.
    let mut low = [0f32; MAX_ALTS];
    for i in 0..n {
        low[i] = costs[i] - lm_weight * lp[i];
    }
    let (z_conf, z_doubt) = (1.0 / confident - 1.0, 1.0 / doubtful - 1.0);
    // The few alternatives with the best bounds are scored exactly, best first; the others
    // are bounded by the best of their bounds.
    const EXACT: usize = 2;
    let mut order = [0usize; MAX_ALTS];
    for (i, o) in order[..n].iter_mut().enumerate() {
        *o = i;
    }
    let k = EXACT.min(n);
    for j in 0..k {
        let best = (j..n)
            .min_by(|&x, &y| {
                low[order[x]]
                    .total_cmp(&low[order[y]])
                    .then(order[x].cmp(&order[y]))
            })
            .unwrap_or(j);
        order.swap(j, best);
    }
    let tail = if n > k {
        (n - k) as f32 * (mine - low[order[k]]).exp()
    } else {
        0.0
    };
    let mut rest: f32 = tail
        + order[..k]
            .iter()
            .map(|&i| (mine - low[i]).exp())
            .sum::<f32>();
    let mut exact = 0f32;
    for &i in &order[..k] {
        if exact + rest <= z_conf {
            return 1.0 / (1.0 + exact + rest);
        }
        if exact > z_doubt {
            return 1.0 / (1.0 + exact);
        }
        rest -= (mine - low[i]).exp();
        let cost = low[i] - lm_weight * right_logprob(lm, words[i], path_words, at);
        exact += (mine - cost).exp();
    }
    // The tail's bound is loose (its count times its best bound): left unscored, it is
    // taken as negligible, as it nearly always is behind the two best.
    1.0 / (1.0 + exact)
}

/// The log-probability of the two trigrams after word `w` put at `path_words[at]` (those
/// the path's next two words make with it; none at the paragraph's end).
fn right_logprob(lm: &crate::lm::NgramLm, w: WordId, path_words: &[WordId], at: usize) -> f32 {
    let Some(&n1) = path_words.get(at + 1) else {
        return 0.0;
    };
    let p2 = at.checked_sub(1).map_or(decode::BOS, |j| path_words[j]);
    let mut lp = lm.logprob(p2, w, n1);
    if let Some(&n2) = path_words.get(at + 2) {
        lp += lm.logprob(w, n1, n2);
    }
    lp
}

/// A word's cost at `path_words[at]` given the rest of the path: the channel and every
/// trigram the word is part of, on both sides (the path's next two words, or the paragraph's
/// end), the paragraph's history `start` before its first word.
fn local_cost(
    lm: &crate::lm::NgramLm,
    lm_weight: f32,
    w: WordId,
    cost: f32,
    (start, path_words): (WordId, &[WordId]),
    at: usize,
) -> f32 {
    let ctx = |i: isize| -> WordId {
        if i < 0 {
            start
        } else {
            path_words.get(i as usize).copied().unwrap_or(decode::BOS)
        }
    };
    let a = at as isize;
    let n = path_words.len() as isize;
    let (p1, p2) = (ctx(a - 2), ctx(a - 1));
    let mut lp = lm.logprob(p1, p2, w);
    if a + 1 < n {
        let n1 = path_words[(a + 1) as usize];
        lp += lm.logprob(p2, w, n1);
        if a + 2 < n {
            lp += lm.logprob(w, n1, path_words[(a + 2) as usize]);
        }
    }
    cost - lm_weight * lp
}

/// Confidence of a word token left as written though it is no lexicon word (a kept reading),
/// unless it is written like a code. Such a token keeps its form because no lexicon word was
/// within reach of the channel, not because the context chose it: on the real OCR of dev 003,
/// the lower- and mixed-case ones are mostly damaged words (`Gmg` = ứng, `thiee` = thực,
/// `nhleu` = nhiều) and only sometimes loanwords (`Internet`, `virus`), while their rescored
/// alternatives, far off in channel cost, left them near certainty.
pub(crate) const KEPT_UNKNOWN_CONFIDENCE: f32 = 0.5;

/// Whether reading `rd` of `observed` keeps a token as written that is no word of the
/// language model's vocabulary and not written like a code: what [`KEPT_UNKNOWN_CONFIDENCE`]
/// caps. A kept token the language model knows (`Viettel`, `virus`, `file`, `kHz`: loanwords
/// and names of its training text, not lexicon syllables) is mostly right: on dev 003 and the
/// held-out pairs, 3 of 36 were wrong, against 70 of 86 kept tokens it does not know.
fn kept_unknown(rd: &Reading, observed: &str) -> bool {
    rd.keep && rd.words[0] == UNK && !looks_like_code(observed)
}

/// Whether `word` is a single consonant letter (`s`, `B`, `X`): no Vietnamese word, so on
/// OCR mostly a syllable whose vowel was lost (`X&` = Xã, `B4` = Bố, `s` = số); in clean
/// text a list label (`điểm c`), which is why the cap applies to OCR only. On dev 003, 16 of
/// the 19 written were wrong, most with a confidence above 0.8. The cap applies only to one
/// written for another token (`X&` → `X`): a lone consonant OCR read as such is as often a
/// list label in OCR too (on the held-out pairs, 59 of 63 were right; on 003, 2 of 6).
pub(crate) fn lone_consonant(word: &str) -> bool {
    let mut chars = word.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => {
            c.is_alphabetic()
                && !matches!(
                    crate::text::vietnamese::ascii_base(c).to_ascii_lowercase(),
                    'a' | 'e' | 'i' | 'o' | 'u' | 'y'
                )
        }
        _ => false,
    }
}

/// The official form of the tokens `para[start..end]` when they lie inside one of the
/// `misread` symbols and are printed otherwise (the symbol has as many chars as printed,
/// so the chars at the same places).
fn official_code(misread: &[FoundSymbol], para: &str, start: usize, end: usize) -> Option<String> {
    let sym = misread.iter().find(|m| m.start <= start && end <= m.end)?;
    let skip = para[sym.start..start].chars().count();
    let take = para[start..end].chars().count();
    let code: String = sym.symbol.chars().skip(skip).take(take).collect();
    (code != para[start..end]).then_some(code)
}

/// The official form of a code printed alone and kept as written, unknown to the language
/// model, whose Đ OCR read as a look-alike ([`symbols::Symbols::misread_code`]): only in a
/// paragraph the restorer changed elsewhere, which is OCR (`Đài CBS` in a clean line is CBS).
/// The paragraph's path is looked at only for a token that matches a code, which is rare.
fn code_alone(ps: &ParagraphScratch, observed: &str) -> Option<String> {
    let code = symbols::builtin().misread_code(observed)?;
    let damaged = ps.path.iter().any(|&ei| {
        let rd = ps.infos[ps.lattice.edges()[ei as usize].payload as usize].reading;
        !rd.same && !rd.keep
    });
    damaged.then(|| code.to_string())
}

/// Whether a token is written like a code or an abbreviation: two or more characters and no
/// lower-case letter (`KGVX`, `VNPT`, `SKHCN`, `4G`); such a token kept as written is mostly
/// right.
fn looks_like_code(token: &str) -> bool {
    token.chars().nth(1).is_some() && !token.chars().any(char::is_lowercase)
}

/// Longest number token, in characters, that may also be read as a word: OCR turns single
/// letters into digits (`l` → `1`, `ệ` → `6`, `ã` → `3`), so a syllable read as digits is
/// a short run (`16` = `lệ`, `151` = `lỗi`); a longer number is a number.
const NUMBER_WORD_MAX_CHARS: usize = 3;

/// Whether the number token `tok` (followed by `next`) may stand for a word: short, plain
/// digits and letters (no `.`, `,`, `/` inside: `19/6`, `2.5` are numbers), and standing
/// alone between spaces or before `,` `;` — not glued to a word (`20thang`), a sign or a
/// bracket (`16%`, `(1)`, `1.`, `-3`, `5:`), where it is a number, a list marker or part of
/// a code. Within that, its word readings pay [`Params::number_word_penalty`] and the language
/// model decides: after `số`, `ngày`, `Điều` or in a table the number reading wins.
///
/// [`Params::number_word_penalty`]: super::Params::number_word_penalty
fn number_may_be_word(para: &str, tok: &Token, next: Option<&Token>) -> bool {
    let text = tok.text(para);
    if text.len() > NUMBER_WORD_MAX_CHARS || !text.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return false;
    }
    if next.is_some_and(|n| n.glued) {
        return false;
    }
    let before = para[..tok.start].chars().next_back();
    let after = para[tok.end..].chars().next();
    before.is_none_or(char::is_whitespace)
        && after.is_none_or(|c| c.is_whitespace() || matches!(c, ',' | ';'))
}

/// Word tokens from which a paragraph with no marked letter at all is taken to have lost its
/// marks (typed without them, or stripped) rather than to be OCR that kept them.
const MARKS_LOST_MIN_WORDS: usize = 3;

/// Factor on the channel cost of restoring marks only, in a paragraph that lost them all. The
/// error model's rates are those of OCR, where marks mostly survive and `de` → `để` costs
/// 3.5; in text without a single mark, every marked word lost its marks and the LM must be
/// the one to choose (`web cua Bo de co them` is `web của Bộ để có thêm`).
const MARKS_LOST_COST: f32 = 0.3;

/// Whether paragraph `para` (its `tokens`) begins inside a sentence, not at its start as the
/// language model's paragraphs do (`<s> <s> w1 …`): a line of a hard-wrapped text sent alone
/// (a `pipe` request, a line cut from a page) whose first token, at its very start, begins
/// with a lowercase letter or a digit (`chtre, vién chure`, `27 | Xa Son Ha`), unless it is a
/// list label (`a)`, `đ.`, `1.`), which opens an item. Decoded from [`decode::OPEN`], its
/// first word is not made a sentence's first word.
fn begins_inside(para: &str, tokens: &[Token]) -> bool {
    let Some(first) = tokens.first() else {
        return false;
    };
    let lead = para.len() - para.trim_start().len();
    first.start == lead
        && first
            .text(para)
            .chars()
            .next()
            .is_some_and(|c| c.is_lowercase() || c.is_ascii_digit())
        && !matches!(para[first.end..].chars().next(), Some(')' | '.'))
}

/// Whether paragraph `para` stops inside a sentence: it ends on a lowercase letter, a comma
/// or a hyphen (the line of a hard-wrapped text), so no sentence end is scored after its last
/// word.
fn ends_inside(para: &str) -> bool {
    para.trim_end()
        .chars()
        .next_back()
        .is_some_and(|c| c.is_lowercase() || matches!(c, ',' | '-'))
}

/// Whether `para` has at least [`MARKS_LOST_MIN_WORDS`] word tokens and not one marked
/// letter in them.
fn marks_lost(para: &str, tokens: &[Token]) -> bool {
    let mut words = 0;
    for t in tokens.iter().filter(|t| t.kind == TokenKind::Word) {
        if !t.text(para).is_ascii() {
            return false;
        }
        words += 1;
    }
    words >= MARKS_LOST_MIN_WORDS
}

/// Whether reading `rd` of the ASCII token `observed` is one word that differs from it only by
/// marks (`để` for `de`, `đường` for `duong`); `key` is scratch.
fn marks_only(vocab: &crate::lm::Vocab, rd: &Reading, observed: &str, key: &mut String) -> bool {
    if rd.n != 1 || rd.keep || rd.same || rd.words[0] == UNK {
        return false;
    }
    key.clear();
    crate::text::vietnamese::push_stripped(vocab.word(rd.words[0]), key);
    key.len() == observed.len() && key.eq_ignore_ascii_case(observed)
}

/// Two word tokens may be one word split by OCR when only spaces separate them on one line
/// and both are short.
fn mergeable(para: &str, a: &Token, b: &Token) -> bool {
    if b.kind != TokenKind::Word || b.glued {
        return false;
    }
    let gap = &para[a.end..b.start];
    if gap.is_empty() || !gap.bytes().all(|c| c == b' ') || gap.len() > 2 {
        return false;
    }
    let (a, b) = (a.text(para), b.text(para));
    // Byte lengths first: a megabyte token must not be counted here.
    if a.len() > 4 * MERGE_MAX_PART || b.len() > 4 * MERGE_MAX_PART {
        return false;
    }
    let (la, lb) = (a.chars().count(), b.chars().count());
    la.min(lb) <= 2 && la.max(lb) <= MERGE_MAX_PART && la + lb <= MERGE_MAX_TOTAL
}

/// Writes a reading's word(s) in the case pattern of the observed token (each word of a split
/// reading in the case of its own part).
fn write_reading(vocab: &crate::lm::Vocab, rd: &Reading, observed: &str, out: &mut String) {
    if rd.n == 2 {
        let split = observed
            .char_indices()
            .nth(usize::from(rd.split))
            .map_or(observed.len(), |(i, _)| i);
        let (a, b) = observed.split_at(split);
        CasePattern::of(a).apply(vocab.word(rd.words[0]), out);
        out.push(' ');
        CasePattern::of(b).apply(vocab.word(rd.words[1]), out);
    } else if rd.n == 1 && rd.words[0] != UNK {
        CasePattern::of(observed).apply(vocab.word(rd.words[0]), out);
    } else {
        out.push_str(observed);
    }
}

/// Fills `rep.alternatives` and `rep.confidence` by rescoring the other single-token readings
/// of the same token in the chosen path's context.
#[allow(clippy::too_many_arguments)]
fn score_alternatives(
    r: &Restorer,
    ps: &ParagraphScratch,
    chosen: &Edge,
    info: EdgeInfo,
    observed: &str,
    path_words: &[WordId],
    at: usize,
    rep: &mut TokenReport,
) {
    if info.n_toks != 1 || chosen.n_words != 1 {
        return;
    }
    let lm = &r.model().lm;
    let p = r.params();
    let vocab = lm.vocab();
    let local =
        |w: WordId, cost: f32| local_cost(lm, p.lm_weight, w, cost, (ps.start, path_words), at);
    let mine = local(chosen.words[0], chosen.cost);
    let mut alts: Vec<(f32, String)> = Vec::new();
    // Edges are in order of `from`: look only at those leaving the chosen one's position
    // (scanning them all made a report quadratic in the paragraph).
    let edges = ps.lattice.edges();
    let first = edges.partition_point(|e| e.from < chosen.from);
    for e in edges[first..].iter().take_while(|e| e.from == chosen.from) {
        if e.from != chosen.from || e.to != chosen.to || e.n_words != 1 || e.words == chosen.words {
            continue;
        }
        let d = local(e.words[0], e.cost) - mine;
        let mut s = String::new();
        let rd = ps.infos[e.payload as usize].reading;
        write_reading(vocab, &rd, observed, &mut s);
        alts.push((d, s));
    }
    alts.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
    let z: f32 = alts.iter().map(|(d, _)| (-d).exp()).sum();
    rep.confidence = 1.0 / (1.0 + z);
    rep.alternatives = alts.into_iter().take(3).map(|(_, s)| s).collect();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_begun_or_ended_inside_a_sentence() {
        for (para, begins, ends) in [
            ("chtre, vién chure cua tinh", true, true),
            ("  27 | Xa Son Ha 08/BC-UBND ngay 16/7/2025", true, false),
            ("1a 26.082 tai khoan, dam bao nhu", true, true),
            ("đ) Các cơ quan, đơn vị", false, true),
            ("1. Phạm vi điều chỉnh", false, true),
            ("a. Về thủ tục hành chính:", false, false),
            ("Ủy ban nhân dân tỉnh Quảng Ngãi.", false, false),
            ("- các xã, phường,", false, true),
            ("QUYẾT ĐỊNH", false, false),
            ("Kính gửi: Bộ Tài chính -", false, true),
            ("", false, false),
        ] {
            let mut tokens = Vec::new();
            tokenize(para, &mut tokens);
            assert_eq!(begins_inside(para, &tokens), begins, "{para:?}");
            assert_eq!(ends_inside(para), ends, "{para:?}");
        }
    }

    #[test]
    fn lone_consonants_are_single_non_vowel_letters() {
        for (word, lone) in [
            ("s", true),
            ("B", true),
            ("đ", true),
            ("Đ", true),
            ("a", false),
            ("ý", false),
            ("Ơ", false),
            ("ba", false),
            ("4", false),
            ("", false),
        ] {
            assert_eq!(lone_consonant(word), lone, "{word}");
        }
    }

    #[test]
    fn codes_are_written_without_lower_case() {
        for (token, code) in [
            ("KGVX", true),
            ("SKHCN", true),
            ("4G", true),
            ("BCĐTW", true),
            ("P", false),
            ("Gmg", false),
            ("thiee", false),
            ("Viettel", false),
        ] {
            assert_eq!(looks_like_code(token), code, "{token}");
        }
    }

    #[test]
    fn only_a_short_standalone_number_may_be_a_word() {
        let mut tokens = Vec::new();
        for (para, number, may) in [
            ("to chuc 16p tap huan", "16p", true),
            ("Ty 16 hé so", "16", true),
            ("hé thdng bi 151, bi", "151", true),
            ("13", "13", true),
            ("nam 2025 va", "2025", false),
            ("ngay 19/6/2025", "19/6/2025", false),
            ("dat 16% ke hoach", "16", false),
            ("(1) Tinh hinh", "1", false),
            ("1. Tinh hinh", "1", false),
            ("Khoan 5: sua", "5", false),
            ("ngay 20thang 3", "20", false),
            ("ma so-16 la", "16", false),
        ] {
            tokenize(para, &mut tokens);
            let t = tokens
                .iter()
                .position(|t| t.text(para) == number)
                .unwrap_or_else(|| panic!("{number} not a token of {para}"));
            assert_eq!(tokens[t].kind, TokenKind::Number, "{para}");
            let got = number_may_be_word(para, &tokens[t], tokens.get(t + 1));
            assert_eq!(got, may, "{para}");
        }
    }

    #[test]
    fn a_paragraph_has_lost_its_marks_only_when_none_is_left() {
        let mut tokens = Vec::new();
        for (para, lost) in [
            ("trang web cua Bo de", true),
            ("Bao cao so 12/BC-UBND", true),
            ("Két qua thuc hien", false),
            ("de co", false),
            ("UBND 12 34 56", false),
            ("", false),
        ] {
            tokenize(para, &mut tokens);
            assert_eq!(marks_lost(para, &tokens), lost, "{para}");
        }
    }
}
