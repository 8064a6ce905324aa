//! Document type names and codes (Nghị định 30/2020/NĐ-CP appendix III, Party and legal acts),
//! from `dictionaries/doc_types.tsv`.

use super::fold::fold_str;

const DOC_TYPES: &str = include_str!("../../dictionaries/doc_types.tsv");

/// One document type: its symbol code, its name and the folded lower-case name for matching.
#[derive(Clone, Debug)]
pub struct DocType {
    pub code: String,
    pub name: String,
    pub folded: String,
}

/// The table of document types.
#[derive(Clone, Debug)]
pub struct DocTypes {
    pub types: Vec<DocType>,
}

impl DocTypes {
    pub fn new() -> DocTypes {
        let mut types: Vec<DocType> = DOC_TYPES
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let (code, name) = l.split_once('\t')?;
                Some(DocType {
                    code: code.trim().to_string(),
                    name: name.trim().to_string(),
                    folded: fold_str(name.trim()).to_lowercase(),
                })
            })
            .collect();
        // Longest names first so that `Thông tư liên tịch` wins over `Thông tư`.
        types.sort_by_key(|t| std::cmp::Reverse(t.folded.len()));
        DocTypes { types }
    }

    /// The name of a type code (`QĐ` → `Quyết định`).
    pub fn name_of_code(&self, code: &str) -> Option<&str> {
        self.types
            .iter()
            .find(|t| t.code == code)
            .map(|t| t.name.as_str())
    }

    /// The type whose folded name starts `folded_lower` (already lower-cased and folded).
    pub fn name_at_start(&self, folded_lower: &str) -> Option<&DocType> {
        self.types.iter().find(|t| {
            folded_lower.starts_with(&t.folded)
                && !folded_lower[t.folded.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_alphanumeric())
        })
    }

    /// The type whose folded name ends `folded_lower`.
    pub fn name_at_end(&self, folded_lower: &str) -> Option<&DocType> {
        self.types.iter().find(|t| {
            folded_lower.ends_with(&t.folded)
                && !folded_lower[..folded_lower.len() - t.folded.len()]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric())
        })
    }

    /// Is `code` a type code?
    pub fn is_code(&self, code: &str) -> bool {
        self.types.iter().any(|t| t.code == code)
    }
}

impl Default for DocTypes {
    fn default() -> Self {
        DocTypes::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_codes() {
        let t = DocTypes::new();
        assert_eq!(t.name_of_code("QĐ"), Some("Quyết định"));
        assert_eq!(t.name_of_code("KH"), Some("Kế hoạch"));
        assert_eq!(
            t.name_at_end("thuc hien ke hoach").map(|d| d.name.as_str()),
            Some("Kế hoạch")
        );
        assert_eq!(
            t.name_at_start("bao cao chuyen de")
                .map(|d| d.name.as_str()),
            Some("Báo cáo")
        );
    }
}
