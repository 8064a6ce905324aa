//! The document's type and symbol read from its file name, for a text that holds no header at
//! all (a scanned signature page whose text layer has only the signer, a gazette continuation):
//! archives name their files by the document's symbol, `nghi-quyet-so-115-nq-cp-469452.txt`,
//! `123-QD-UBND.pdf.txt`, `Thong_tu_so_02_2025_TT_BLDTBXH.txt`. The caller uses it only when
//! the text yields neither a type line nor a number line, and says so in a `header_from_path`
//! warning: a file name is a claim about the document, not something it prints.

use super::doc::DocTypes;
use super::fold::fold_str;
use super::symbols::Symbols;

/// What a file name says about its document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FromPath {
    /// The type, by name (`Nghị quyết`): the name's words before `so`, else the symbol's type
    /// code.
    pub doc_type: Option<String>,
    /// The symbol, through the same grammar (and code repair) as a printed one.
    pub symbol: Option<String>,
    /// Its number.
    pub number: Option<String>,
}

/// Reads the file name of `path` (any folder and extensions dropped, a `topic__` prefix too).
/// The name must be a symbol, optionally after a type name and `số`: number, an optional year,
/// the code parts, and optionally a trailing numeric id of the archive. Anything else (a name
/// with other words in it) gives nothing.
pub fn read(path: &str, types: &DocTypes, symbols: &Symbols) -> Option<FromPath> {
    let name = path.rsplit(['/', '\\']).next()?;
    let name = name.rsplit("__").next()?;
    // Drop the extensions (`.pdf.txt`): a symbol has no dot.
    let stem = name.split('.').next()?;
    let folded = fold_str(stem).to_lowercase();
    let tokens: Vec<&str> = folded
        .split(['-', '_', ' '])
        .filter(|t| !t.is_empty())
        .collect();
    let (type_words, rest) = match tokens.iter().position(|&t| t == "so") {
        Some(k) => (&tokens[..k], &tokens[k + 1..]),
        None => (&tokens[..0], &tokens[..]),
    };
    let named = if type_words.is_empty() {
        None
    } else {
        let words = type_words.join(" ");
        Some(
            types
                .name_at_start(&words)
                .filter(|t| t.folded.len() == words.len())?
                .name
                .clone(),
        )
    };
    // number [year] code… [id]
    let (number, mut rest) = rest.split_first()?;
    if number.is_empty() || number.len() > 5 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut symbol = number.to_string();
    if let Some((y, r)) = rest.split_first() {
        if y.len() == 4
            && (y.starts_with("19") || y.starts_with("20"))
            && y.bytes().all(|b| b.is_ascii_digit())
        {
            symbol.push('/');
            symbol.push_str(y);
            rest = r;
        }
    }
    if let Some((last, r)) = rest.split_last() {
        if last.bytes().all(|b| b.is_ascii_digit()) && !r.is_empty() {
            rest = r;
        }
    }
    if rest.is_empty()
        || !rest.iter().all(|t| {
            t.starts_with(|c: char| c.is_ascii_alphabetic())
                && t.chars().all(|c| c.is_ascii_alphanumeric())
        })
    {
        return None;
    }
    symbol.push('/');
    symbol.push_str(&rest.join("-").to_uppercase());
    let found = symbols
        .parse_prefix(&symbol)
        .filter(|f| f.end == symbol.len());
    let doc_type = named.or_else(|| {
        let code = found.as_ref()?.type_code.as_deref()?;
        types.name_of_code(code).map(str::to_string)
    });
    let out = FromPath {
        doc_type,
        number: found.as_ref().map(|f| f.number.clone()),
        symbol: found.map(|f| f.symbol),
    };
    (out.doc_type.is_some() || out.symbol.is_some()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naming_styles() {
        let types = DocTypes::new();
        let symbols = Symbols::new(&types);
        let cases: &[(&str, Option<&str>, Option<&str>)] = &[
            // The gazette's slugs: type, `so`, the symbol, the archive's id.
            (
                "dev/hd_kinh_te__nghi-quyet-so-115-nq-cp-469452.txt",
                Some("Nghị quyết"),
                Some("115/NQ-CP"),
            ),
            (
                "nghi-quyet-so-27-2026-nq-cp-469546.txt",
                Some("Nghị quyết"),
                Some("27/2026/NQ-CP"),
            ),
            (
                "thue_tncn__quyet-dinh-so-109-qd-btc-468842.txt",
                Some("Quyết định"),
                Some("109/QĐ-BTC"),
            ),
            (
                "thong-tu-so-90-2025-tt-bqp-45890.txt",
                Some("Thông tư"),
                Some("90/2025/TT-BQP"),
            ),
            // A scan named by its symbol alone: the type from its code.
            (
                "C:\\scans\\123-QD-UBND.pdf.txt",
                Some("Quyết định"),
                Some("123/QĐ-UBND"),
            ),
            (
                "Thong_tu_so_02_2025_TT_BLDTBXH.txt",
                Some("Thông tư"),
                Some("02/2025/TT-BLĐTBXH"),
            ),
        ];
        for &(path, doc_type, symbol) in cases {
            let got = read(path, &types, &symbols).unwrap_or_default();
            assert_eq!(
                (got.doc_type.as_deref(), got.symbol.as_deref()),
                (doc_type, symbol),
                "{path}"
            );
        }
        // Never over what the text printed, and never silent.
        let ex = crate::extract::Extractor::new();
        let source = crate::record::Source {
            path: Some("nghi-quyet-so-115-nq-cp-469452.txt".into()),
            ..Default::default()
        };
        let mut r = ex.extract(
            "",
            "",
            &crate::offsets::OffsetMap::identity(),
            source.clone(),
        );
        r.source = source.clone();
        assert!(ex.header_from_path(&mut r));
        assert_eq!(r.header.doc_type.as_deref(), Some("Nghị quyết"));
        assert_eq!(r.header.symbol.as_deref(), Some("115/NQ-CP"));
        assert_eq!(
            r.warnings.last().map(|w| w.kind),
            Some(crate::record::WarningKind::HeaderFromPath)
        );
        let text = "Số: 7/QĐ-UBND\n";
        let mut r = ex.extract(text, text, &crate::offsets::OffsetMap::identity(), source);
        assert!(!ex.header_from_path(&mut r));
        assert_eq!(r.header.symbol.as_deref(), Some("7/QĐ-UBND"));
        // Names that are no symbol say nothing.
        for path in [
            "bao-cao-thang-6.txt",
            "scan_0001.txt",
            "001.txt",
            "ke-hoach-so-abc.txt",
            "",
            "so-.txt",
        ] {
            assert_eq!(read(path, &types, &symbols), None, "{path}");
        }
    }
}
