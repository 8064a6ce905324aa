//! Restoration: TEMPORARY identity restorer while the engine is integrated.
pub mod decode;

use crate::offsets::OffsetMap;

#[derive(Debug)]
pub struct Restorer;
#[derive(Debug, Clone, Default)]
pub struct Restored {
    pub text: String,
    pub map: OffsetMap,
}
impl Restorer {
    pub fn restore(&self, text: &str) -> Restored {
        Restored {
            text: text.to_string(),
            map: OffsetMap::identity(),
        }
    }
}
