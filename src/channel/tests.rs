use std::collections::BTreeSet;

use super::align::{align_chars, extract_rules, SeedCosts};
use super::*;

/// A few dozen toy pairs with the typical damage.
fn toy_pairs() -> Vec<(String, String)> {
    let lines = [
        ("ctia s6 lieu", "của số liệu"),
        ("b4o cdo ctia s6", "báo cáo của số"),
        ("ctia té", "của tế"),
        ("s6 1uong", "số lượng"),
        ("nguoi ctia h¢", "người của hệ"),
        ("h¢ th6ng", "hệ thống"),
        ("x4 h0i", "xã hội"),
        ("d6i véi", "đối với"),
        ("chi tiéu", "chỉ tiêu"),
        ("viét nam", "việt nam"),
        ("của số", "của số"),
    ];
    let mut v = Vec::new();
    for _ in 0..4 {
        for (g, c) in lines {
            v.push((g.to_string(), c.to_string()));
        }
    }
    v
}

fn toy_model() -> ErrorModel {
    ErrorModel::train(toy_pairs().into_iter())
}

#[test]
fn alignment_extracts_expected_rules() {
    let o: Vec<char> = "ctia".chars().collect();
    let i: Vec<char> = "của".chars().collect();
    let mut ops = Vec::new();
    align_chars(&o, &i, &SeedCosts, &mut Vec::new(), Some(&mut ops));
    let mut rules = BTreeSet::new();
    extract_rules(&ops, |a, b| {
        rules.insert((a.to_string(), b.to_string()));
    });
    assert!(rules.contains(&("ủ".into(), "ti".into())), "{rules:?}");

    let o: Vec<char> = "s6".chars().collect();
    let i: Vec<char> = "số".chars().collect();
    align_chars(&o, &i, &SeedCosts, &mut Vec::new(), Some(&mut ops));
    rules.clear();
    extract_rules(&ops, |a, b| {
        rules.insert((a.to_string(), b.to_string()));
    });
    assert_eq!(rules, BTreeSet::from([("ố".into(), "6".into())]));
}

#[test]
fn token_alignment_keeps_plausible_pairs() {
    let t = align_tokens("Cac van ban cUa Quy trinh", "Các văn bản của Quy trình.");
    assert_eq!(t.len(), 6);
    assert_eq!(t[3], ("cua".to_string(), "của".to_string()));
    assert_eq!(t[5], ("trinh".to_string(), "trình".to_string()));
}

#[test]
fn frequent_confusion_is_cheaper_than_unseen() {
    let m = toy_model();
    assert!(m.cost("s6", "số") < m.cost("sq", "số"));
    assert!(m.cost("ctia", "của") < m.cost("ctia", "cửa"));
    assert!(m.cost("h¢", "hệ") < m.cost("hk", "hệ"));
    // Same letter with other marks is cheaper than an unrelated letter.
    assert!(m.cost("ha", "hỹ") > m.cost("hy", "hỹ"));
}

#[test]
fn correct_text_is_cheap() {
    let m = toy_model();
    for w in ["của", "số", "nghiệp", "thủy", "hòa"] {
        let c = m.cost(w, w);
        assert!((0.0..3.0).contains(&c), "{w}: {c}");
        assert!(c < m.cost(&crate::text::vietnamese::strip_marks(w), w) || w == "số");
    }
    assert_eq!(m.cost("CỦA", "của"), m.cost("của", "của"));
}

#[test]
fn search_finds_intended_words() {
    let m = toy_model();
    let words = [
        "của", "cửa", "cua", "số", "sổ", "sở", "so", "hệ", "hè", "xã", "xa", "đối", "đôi", "với",
        "vôi", "tế", "lượng", "người", "hội",
    ];
    let index = CandidateIndex::build(words.iter().enumerate().map(|(i, w)| (i as u32, *w)))
        .with_limit(usize::MAX);
    let limited =
        CandidateIndex::build(words.iter().enumerate().map(|(i, w)| (i as u32, *w))).with_limit(3);
    let (mut out, mut scratch) = (Vec::new(), SearchScratch::default());
    for (obs, want) in [
        ("ctia", "của"),
        ("s6", "số"),
        ("h¢", "hệ"),
        ("x4", "xã"),
        ("d6i", "đối"),
    ] {
        index.search(&m, obs, 25.0, &mut out, &mut scratch);
        let top = out.first().map(|c| words[c.id as usize]);
        assert_eq!(top, Some(want), "{obs}: {out:?}");
        // Exact: the same costs as scoring every word.
        let mut all: Vec<Candidate> = words
            .iter()
            .enumerate()
            .map(|(i, w)| Candidate {
                id: i as u32,
                cost: m.cost(obs, w),
            })
            .filter(|c| c.cost <= 25.0)
            .collect();
        all.sort_by(|a, b| a.cost.total_cmp(&b.cost).then(a.id.cmp(&b.id)));
        assert_eq!(out, all, "{obs}");
        // A limit gives exactly the best few.
        limited.search(&m, obs, 25.0, &mut out, &mut scratch);
        all.truncate(3);
        assert_eq!(out, all, "{obs} limited");
    }
}

#[test]
fn priors_are_added_and_prune_exactly() {
    let m = toy_model();
    let index = CandidateIndex::build_with_priors([(1, "của", 5.0), (2, "cửa", 0.0)]);
    let (mut out, mut scratch) = (Vec::new(), SearchScratch::default());
    index.search(&m, "của", 100.0, &mut out, &mut scratch);
    assert_eq!(out.len(), 2);
    assert!(
        (out.iter().find(|c| c.id == 1).unwrap().cost - (m.cost("của", "của") + 5.0)).abs() < 1e-4
    );
    index.search(
        &m,
        "của",
        m.cost("của", "của") + 1.0,
        &mut out,
        &mut scratch,
    );
    assert!(out.iter().all(|c| c.id != 1));
}

#[test]
fn tsv_round_trip_is_exact_and_deterministic() {
    let m = toy_model();
    let tsv = m.to_tsv();
    assert!(tsv.starts_with("sohoa-channel\t1\n"));
    assert_eq!(tsv, toy_model().to_tsv());
    let back = ErrorModel::from_tsv(&tsv).unwrap();
    assert_eq!(back.to_tsv(), tsv);
    for (o, i) in [("ctia", "của"), ("s6", "số"), ("abc", "xyz")] {
        assert_eq!(back.cost(o, i), m.cost(o, i));
    }
}

#[test]
fn malformed_tsv_is_an_error_with_a_line() {
    assert!(matches!(ErrorModel::from_tsv(""), Err(ChannelError::Empty)));
    assert!(matches!(
        ErrorModel::from_tsv("hello\t1\n"),
        Err(ChannelError::BadHeader { .. })
    ));
    assert!(matches!(
        ErrorModel::from_tsv("sohoa-channel\t2\n"),
        Err(ChannelError::VersionMismatch { expected: 1, .. })
    ));
    let e = ErrorModel::from_tsv("sohoa-channel\t1\nrule\tủ\tti\tabc\n").unwrap_err();
    assert!(e.to_string().starts_with("line 2:"), "{e}");
    assert!(std::error::Error::source(&e).is_some());
    let e = ErrorModel::from_tsv("sohoa-channel\t1\nrule\tabc\tti\t1.0\n").unwrap_err();
    assert!(matches!(e, ChannelError::Parse { line: 2, .. }), "{e}");
    let e = ErrorModel::from_tsv("sohoa-channel\t1\n\nwhat\n").unwrap_err();
    assert!(matches!(e, ChannelError::Parse { line: 3, .. }), "{e}");
    assert!(ErrorModel::from_tsv("sohoa-channel\t1\nrule\t∅\tx\t-1\n").is_err());
}

#[test]
fn escapes_survive() {
    let tsv = "sohoa-channel\t1\nrule\t∅\t\\t\t2.000\nrule\ta\t\\∅\t3.000\n";
    let m = ErrorModel::from_tsv(tsv).unwrap();
    assert_eq!(
        m.to_tsv().lines().filter(|l| l.starts_with("rule")).count(),
        2
    );
    assert_eq!(
        ErrorModel::from_tsv(&m.to_tsv()).unwrap().to_tsv(),
        m.to_tsv()
    );
}

#[test]
fn engines_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<ErrorModel>();
    check::<CandidateIndex>();
}

/// Words for the searches checked against brute force: mark variants of one skeleton, and
/// words a few edits apart.
const TOY_WORDS: [&str; 26] = [
    "của", "cửa", "cua", "cùa", "số", "sổ", "sở", "so", "sỏ", "hệ", "hè", "he", "xã", "xa", "đối",
    "đôi", "với", "vôi", "tế", "lượng", "người", "hội", "hỏi", "ca", "cả", "có",
];

#[test]
fn priors_and_limits_match_brute_force() {
    let m = toy_model();
    let words = TOY_WORDS;
    let prior = |i: usize| ((i * 7919) % 13) as f32 * 0.7;
    let entries = || {
        words
            .iter()
            .enumerate()
            .map(move |(i, w)| (i as u32, *w, prior(i)))
    };
    let (mut out, mut scratch) = (Vec::new(), SearchScratch::default());
    for limit in [1, 3, 5, usize::MAX] {
        let index = CandidateIndex::build_with_priors(entries()).with_limit(limit);
        let skeletons = SkeletonIndex::build_with_priors(&m, entries()).with_limit(limit);
        let mut sk_out = Vec::new();
        for obs in [
            "ctia", "s6", "h¢", "x4", "d6i", "cua", "ngu0i", "h0i", "c", "",
        ] {
            for max_cost in [6.0, 14.0, 40.0] {
                index.search(&m, obs, max_cost, &mut out, &mut scratch);
                let mut all: Vec<Candidate> = words
                    .iter()
                    .enumerate()
                    .map(|(i, w)| Candidate {
                        id: i as u32,
                        cost: m.cost(obs, w) + prior(i),
                    })
                    .filter(|c| c.cost <= max_cost)
                    .collect();
                all.sort_by(|a, b| a.cost.total_cmp(&b.cost).then(a.id.cmp(&b.id)));
                all.truncate(limit);
                assert_eq!(out, all, "{obs:?} limit {limit} max_cost {max_cost}");
                skeletons.search(&m, obs, max_cost, &mut sk_out, &mut scratch);
                assert_eq!(
                    sk_out, all,
                    "skeletons: {obs:?} limit {limit} max_cost {max_cost}"
                );
            }
        }
    }
}

#[test]
fn a_margin_prunes_exactly_what_it_would_filter() {
    let m = toy_model();
    let words = TOY_WORDS;
    let index = CandidateIndex::build(words.iter().enumerate().map(|(i, w)| (i as u32, *w)))
        .with_limit(usize::MAX);
    let (mut out, mut all, mut scratch) = (Vec::new(), Vec::new(), SearchScratch::default());
    for obs in [
        "ctia", "s6", "h¢", "x4", "d6i", "cua", "ngu0i", "h0i", "c", "",
    ] {
        for margin in [0.0, 1.5, 4.0, 8.0] {
            for limit in [1, 3, 12] {
                index.search(&m, obs, 25.0, &mut all, &mut scratch);
                if let Some(best) = all.first().map(|c| c.cost) {
                    all.retain(|c| c.cost <= best + margin);
                }
                all.truncate(limit);
                let limits = Limits {
                    max_cost: 25.0,
                    margin,
                    limit,
                };
                index.search_with(&m, obs, limits, &mut out, &mut scratch);
                assert_eq!(out, all, "{obs:?} margin {margin} limit {limit}");
            }
        }
    }
}

/// Timing of the search on a real report with the embedded model, built as the restorer
/// builds it: `cargo test --release --lib channel::tests::search_timing -- --ignored --nocapture`.
#[test]
#[ignore = "timing harness"]
fn search_timing() {
    use crate::text::tokenize::{tokenize, TokenKind};
    let r = crate::restore::Restorer::builder(crate::model::Model::embedded().unwrap()).build();
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/003_4c818c38c2080030.txt"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let mut toks = Vec::new();
    tokenize(&text, &mut toks);
    let mut whole = BTreeSet::new();
    for t in toks.iter().filter(|t| t.kind == TokenKind::Word) {
        let low: String = t.text(&text).chars().flat_map(char::to_lowercase).collect();
        let key = crate::text::vietnamese::canonical_tone_placement(&low).into_owned();
        whole.insert(key);
    }
    let mut parts = BTreeSet::new();
    for k in &whole {
        if k.chars().count() >= 4 {
            for (b, _) in k.char_indices().skip(1) {
                parts.insert(k[..b].to_string());
                parts.insert(k[b..].to_string());
            }
        }
    }
    let max_cost = r.params().max_cost;
    for (name, set) in [("whole", &whole), ("split parts", &parts)] {
        let mut best = f64::INFINITY;
        let mut hash = 0xcbf2_9ce4_8422_2325u64;
        let mut visited = 0;
        for rep in 0..3 {
            let (mut out, mut scratch) = (Vec::new(), SearchScratch::default());
            let mut h = 0xcbf2_9ce4_8422_2325u64;
            let t0 = std::time::Instant::now();
            for k in set.iter() {
                r.index()
                    .search(&r.model().channel, k, max_cost, &mut out, &mut scratch);
                for c in &out {
                    for x in [u64::from(c.id), u64::from(c.cost.to_bits()), 0xff] {
                        h = (h ^ x).wrapping_mul(0x100_0000_01b3);
                    }
                }
                h = (h ^ 0xabcd).wrapping_mul(0x100_0000_01b3);
            }
            best = best.min(t0.elapsed().as_secs_f64());
            if rep == 0 {
                hash = h;
                visited = scratch.visited();
            }
            assert_eq!(h, hash);
        }
        println!(
            "{name:12} {} tokens: {:.1} µs/token, {:.0} nodes/token, hash {hash:016x}",
            set.len(),
            best * 1e6 / set.len() as f64,
            visited as f64 / set.len() as f64
        );
    }
}

/// The two-step skeleton search gives exactly the trie search's candidates (ids and costs, in
/// order) for the tokens of a real report and their split parts, with the embedded model, the
/// restorer's priors and every bound the restorer uses (whole tokens and split parts, merges,
/// no margin or limit at all).
#[test]
fn the_skeleton_index_finds_what_the_trie_finds() {
    use crate::text::tokenize::{tokenize, TokenKind};
    let r = crate::restore::Restorer::builder(crate::model::Model::embedded().unwrap()).build();
    let model = &r.model().channel;
    let vocab = r.model().lm.vocab();
    let entries: Vec<(u32, &str, f32)> = r
        .model()
        .lexicon
        .words()
        .filter_map(|w| vocab.id(w).map(|id| (id, w, r.prior(id))))
        .collect();
    let trie = CandidateIndex::build_with_priors(entries.iter().copied());
    let skeletons = SkeletonIndex::build_with_priors(model, entries.iter().copied());
    assert_eq!(trie.len(), skeletons.len());
    let text = include_str!("../../fixtures/003_4c818c38c2080030.txt");
    let mut toks = Vec::new();
    tokenize(text, &mut toks);
    let mut keys = BTreeSet::new();
    for t in toks.iter().filter(|t| t.kind == TokenKind::Word) {
        let mut key = String::new();
        crate::restore::candidates::key_of(t.text(text), &mut key);
        if key.chars().count() <= 12 {
            for (b, _) in key.char_indices().skip(1) {
                keys.insert(key[..b].to_string());
                keys.insert(key[b..].to_string());
            }
        }
        keys.insert(key);
    }
    keys.extend(["", "x", "ctia", "s6", "h¢", "ngu0i", "1ap", "đ", "ĐỒNG"].map(String::from));
    let p = r.params();
    let bounds = [
        (p.max_cost, p.rank_margin, 12),
        (p.merge_max_cost, p.rank_margin, 3),
        (30.0, f32::INFINITY, usize::MAX),
    ];
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let (mut sa, mut sb) = (SearchScratch::default(), SearchScratch::default());
    let trie = trie.with_limit(usize::MAX);
    let skeletons = skeletons.with_limit(usize::MAX);
    let mut nonempty = 0;
    for key in keys.iter().take(1500) {
        for &(max_cost, margin, limit) in &bounds {
            let limits = Limits {
                max_cost,
                margin,
                limit,
            };
            trie.search_with(model, key, limits, &mut a, &mut sa);
            skeletons.search_with(model, key, limits, &mut b, &mut sb);
            assert_eq!(a, b, "{key:?} {limits:?}");
            nonempty += usize::from(!a.is_empty());
        }
    }
    assert!(nonempty > 1000, "{nonempty}");
    // The point of it: fewer DP cells (a third fewer here, where the unbounded searches
    // dominate; about half under the restorer's bounds).
    assert!(sb.cells() < sa.cells(), "{} vs {}", sb.cells(), sa.cells());
}

/// The module documentation's example of use.
#[test]
fn the_module_example() {
    use crate::channel::{CandidateIndex, ErrorModel, SearchScratch};
    let pairs = (0..20).map(|_| ("ctia s6".to_string(), "của số".to_string()));
    let model = ErrorModel::train(pairs);
    let index = CandidateIndex::build([(1, "của"), (2, "số"), (3, "cửa")]);
    let (mut out, mut scratch) = (Vec::new(), SearchScratch::default());
    index.search(&model, "ctia", 25.0, &mut out, &mut scratch);
    assert_eq!(out[0].id, 1);
}

/// The glyph confusions training never showed get a finite cost from the learned costs of the
/// same glyph, so `16` can be read as `lệ` and `0đ` as `qđ`; a confusion training did show
/// keeps its learned cost, and a digit read as itself stays far cheaper than as a letter.
#[test]
fn glyph_confusions_back_off_from_the_learned_ones() {
    let m = ErrorModel::from_tsv(include_str!("../../dictionaries/channel.tsv")).unwrap();
    let unseen = m.cost("6", "ệ");
    let seen = m.cost("6", "ố");
    assert!(unseen.is_finite() && unseen < 6.0, "6 for ệ costs {unseen}");
    assert!(seen < unseen, "ố {seen} vs ệ {unseen}");
    assert!(m.cost("3", "ã") < 6.0);
    assert!(m.cost("0đ", "qđ") < 10.0);
    assert!(m.cost("16", "16") + 2.0 < m.cost("16", "lệ"));
}

/// A vowel read as a marked vowel of another letter costs `sub_vowel`, whatever the
/// intended letter's unseen-edit floor; unmarked or consonant look-alikes keep their classes.
#[test]
fn a_vowel_read_as_another_marked_vowel_costs_the_vowel_class() {
    let m = ErrorModel::from_tsv("sohoa-channel\t1\ndefault\tidentity\t0.000\nunseen\tà\t10.000\n")
        .unwrap();
    let d = Defaults::default();
    assert_eq!(m.cost("é", "à"), d.sub_vowel);
    assert_eq!(m.cost("e", "à"), d.sub_letter.max(12.0));
    assert_eq!(m.cost("t", "à"), d.sub_letter.max(12.0));
    let back = ErrorModel::from_tsv(&m.to_tsv()).unwrap();
    assert_eq!(back.cost("é", "à"), d.sub_vowel);
}
