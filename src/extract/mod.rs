//! TEMPORARY placeholder (not committed)
use crate::offsets::OffsetMap;
use crate::record::{Record, Source};
pub struct Extractor;
impl Extractor {
    pub fn new() -> Extractor {
        Extractor
    }
    pub fn extract(&self, _o: &str, _r: &str, _m: &OffsetMap, source: Source) -> Record {
        Record::empty(source)
    }
}
