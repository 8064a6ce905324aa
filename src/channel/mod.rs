//! STUB (not committed)
#[derive(Debug, thiserror::Error)]
#[error("channel")]
pub struct ChannelError;
pub struct ErrorModel;
impl ErrorModel {
    pub fn cost(&self, o: &str, i: &str) -> f32 {
        let a = crate::text::vietnamese::strip_marks(i);
        (strsim::levenshtein(o, &a) as f32) * 3.0 + strsim::levenshtein(o, i) as f32 * 0.5
    }
    pub fn train(_p: impl Iterator<Item = (String, String)>) -> ErrorModel {
        ErrorModel
    }
    pub fn to_tsv(&self) -> String {
        String::new()
    }
    pub fn from_tsv(_s: &str) -> Result<ErrorModel, ChannelError> {
        Ok(ErrorModel)
    }
}
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Candidate {
    pub id: u32,
    pub cost: f32,
}
#[derive(Default)]
pub struct SearchScratch;
pub struct CandidateIndex {
    words: Vec<(u32, String)>,
}
impl CandidateIndex {
    pub fn build<'a>(w: impl IntoIterator<Item = (u32, &'a str)>) -> CandidateIndex {
        CandidateIndex {
            words: w.into_iter().map(|(i, s)| (i, s.to_string())).collect(),
        }
    }
    pub fn search(
        &self,
        m: &ErrorModel,
        o: &str,
        max: f32,
        out: &mut Vec<Candidate>,
        _s: &mut SearchScratch,
    ) {
        out.clear();
        for (id, w) in &self.words {
            let c = m.cost(o, w);
            if c <= max {
                out.push(Candidate { id: *id, cost: c });
            }
        }
        out.sort_by(|a, b| a.cost.total_cmp(&b.cost).then(a.id.cmp(&b.id)));
    }
}
