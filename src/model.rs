//! The model: everything the restorer knows, as stored on disk.
//!
//! Four files in `dictionaries/`, rebuilt by `sohoa train` from `../shared`:
//! - `lm.bin` — the syllable trigram language model (binary, magic + version checked);
//! - `channel.tsv` — the learned OCR error model (human-reviewable weights);
//! - `lexicon.tsv` — the words a token may be restored to;
//! - `forms.bin` — the readings of the commonest OCR forms, computed in advance (optional: a
//!   speed-up only, see the `restore::forms` module);
//! - `lm_general.bin` — the language model for documents in general Vietnamese (optional; see
//!   [`GeneralDocs`]).
//!
//! The default model is compiled into the binary ([`Model::embedded`]), so sohoa works with no
//! set-up; `--model DIR` loads another folder with the same files (`forms.bin` may be left out).

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use crate::channel::{ChannelError, ErrorModel};
use crate::domain::{DomainError, DomainTable};
use crate::forms::{Forms, FormsError};
use crate::lexicon::{Lexicon, LexiconError};
use crate::lm::{LmError, NgramLm};

/// `bytes` as a forms table; an empty file stands for none.
fn parse_forms(what: &str, bytes: Cow<'static, [u8]>) -> Result<Option<Forms>, ModelError> {
    if bytes.is_empty() {
        return Ok(None);
    }
    Forms::parse(bytes)
        .map(Some)
        .map_err(|source| ModelError::Forms {
            what: format!("{what}/{FORMS_FILE}"),
            source,
        })
}

/// File names inside a model folder.
pub const LM_FILE: &str = "lm.bin";
pub const CHANNEL_FILE: &str = "channel.tsv";
pub const LEXICON_FILE: &str = "lexicon.tsv";
pub const FORMS_FILE: &str = "forms.bin";
pub const LM_GENERAL_FILE: &str = "lm_general.bin";
pub const DOMAIN_FILE: &str = "domain.tsv";

static EMBEDDED_LM: &[u8] = include_bytes!("../dictionaries/lm.bin");
static EMBEDDED_CHANNEL: &str = include_str!("../dictionaries/channel.tsv");
static EMBEDDED_LEXICON: &str = include_str!("../dictionaries/lexicon.tsv");
static EMBEDDED_FORMS: &[u8] = include_bytes!("../dictionaries/forms.bin");
static EMBEDDED_LM_GENERAL: &[u8] = include_bytes!("../dictionaries/lm_general.bin");
static EMBEDDED_DOMAIN: &str = include_str!("../dictionaries/domain.tsv");

/// Why a model could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A model file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// `lm.bin` is not a language model this version reads.
    #[error("language model {what}: {source}")]
    Lm {
        /// Which file.
        what: String,
        /// Why.
        #[source]
        source: LmError,
    },
    /// `channel.tsv` is not a valid OCR error model.
    #[error("error model {what}: {source}")]
    Channel {
        /// Which file.
        what: String,
        /// Why.
        #[source]
        source: ChannelError,
    },
    /// `forms.bin` is not a forms table of this model's vocabulary.
    #[error("forms table {what}: {source}")]
    Forms {
        /// Which file.
        what: String,
        /// Why.
        #[source]
        source: FormsError,
    },
    /// `domain.tsv` is not a valid domain table.
    #[error("domain table {what}: {source}")]
    Domain {
        /// Which file.
        what: String,
        /// Why.
        #[source]
        source: DomainError,
    },
    /// `lexicon.tsv` is not a valid lexicon.
    #[error("lexicon {what}: {source}")]
    Lexicon {
        /// Which file.
        what: String,
        /// Why.
        #[source]
        source: LexiconError,
    },
}

/// The stored model.
pub struct Model {
    pub lm: NgramLm,
    pub channel: ErrorModel,
    pub lexicon: Lexicon,
    /// The precomputed readings of common OCR forms, if the model has them (used only by a
    /// restorer of the model and knobs they were computed for).
    pub forms: Option<Forms>,
    /// What documents written in general Vietnamese get instead of `lm` (optional).
    pub general: Option<GeneralDocs>,
    /// Where the model came from, for [`Model::fingerprint`].
    pub origin: Origin,
}

/// The bytes of a model file that may be left out: `None` if it is not there.
fn read_optional(path: &Path) -> std::io::Result<Option<Vec<u8>>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// The language model for documents written in general Vietnamese (narrative, speech,
/// letters) rather than legal and administrative prose, and the table that tells them apart
/// (the `restore::domain` module).
#[derive(Clone, Debug)]
pub struct GeneralDocs {
    /// `lm_general.bin`: the same two texts as `lm`, mixed with more weight on the general
    /// one, over `lm`'s vocabulary (the same word ids and counts, so the lexicon, priors and
    /// forms serve both). Parsed when the first general document comes, not at load: most
    /// processes never meet one, and a language model costs tens of milliseconds to read.
    pub lm: Cow<'static, [u8]>,
    /// `domain.tsv`.
    pub domain: DomainTable,
}

/// Reads the general model's two files; an empty `lm_general.bin` stands for none. With
/// `check`, the language model is read in full now and must share `lm`'s vocabulary (a
/// folder's files; the embedded ones are checked by a test instead).
fn parse_general(
    what: &str,
    lm_bytes: Cow<'static, [u8]>,
    domain: &str,
    lm: &NgramLm,
    check: bool,
) -> Result<Option<GeneralDocs>, ModelError> {
    if lm_bytes.is_empty() {
        return Ok(None);
    }
    if check {
        let err = |source| ModelError::Lm {
            what: format!("{what}/{LM_GENERAL_FILE}"),
            source,
        };
        let general = NgramLm::from_bytes(&lm_bytes).map_err(err)?;
        if general.vocab().raw() != lm.vocab().raw() {
            return Err(err(LmError::Corrupt(
                "its vocabulary is not lm.bin's (train both with one `sohoa train`)",
            )));
        }
    }
    let domain = DomainTable::from_tsv(domain).map_err(|source| ModelError::Domain {
        what: format!("{what}/{DOMAIN_FILE}"),
        source,
    })?;
    Ok(Some(GeneralDocs {
        lm: lm_bytes,
        domain,
    }))
}

/// Where a model came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Compiled into the binary.
    Embedded,
    /// Loaded from this folder.
    Dir(PathBuf),
    /// Built in memory (training, tests): no stable identity.
    Memory,
}

impl Model {
    /// The model compiled into the binary.
    pub fn embedded() -> Result<Model, ModelError> {
        let what = "(embedded)";
        let lm = NgramLm::from_embedded_bytes(EMBEDDED_LM).map_err(|source| ModelError::Lm {
            what: format!("{what}/{LM_FILE}"),
            source,
        })?;
        Model::with_lm(what, lm, EMBEDDED_CHANNEL, EMBEDDED_LEXICON).and_then(|m| {
            let forms = parse_forms("(embedded)", Cow::Borrowed(EMBEDDED_FORMS))?;
            let general = parse_general(
                what,
                Cow::Borrowed(EMBEDDED_LM_GENERAL),
                EMBEDDED_DOMAIN,
                &m.lm,
                false,
            )?;
            Ok(Model {
                origin: Origin::Embedded,
                forms,
                general,
                ..m
            })
        })
    }

    /// Loads the model files from a folder (`forms.bin` only if it is there).
    pub fn from_dir(dir: &Path) -> Result<Model, ModelError> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read(&path).map_err(|source| ModelError::Io { path, source })
        };
        let lm = read(LM_FILE)?;
        let channel = read(CHANNEL_FILE)?;
        let lexicon = read(LEXICON_FILE)?;
        let text = |bytes: Vec<u8>, name: &str| {
            String::from_utf8(bytes).map_err(|e| ModelError::Io {
                path: dir.join(name),
                source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
            })
        };
        let channel = text(channel, CHANNEL_FILE)?;
        let lexicon = text(lexicon, LEXICON_FILE)?;
        let what = dir.display().to_string();
        let model = Model::from_parts(&what, &lm, &channel, &lexicon)?;
        let optional = |name: &str| {
            let path = dir.join(name);
            read_optional(&path).map_err(|source| ModelError::Io { path, source })
        };
        let forms = match optional(FORMS_FILE)? {
            Some(bytes) => parse_forms(&what, Cow::Owned(bytes))?,
            None => None,
        };
        let general = match optional(LM_GENERAL_FILE)? {
            Some(bytes) => {
                let domain = text(read(DOMAIN_FILE)?, DOMAIN_FILE)?;
                parse_general(&what, Cow::Owned(bytes), &domain, &model.lm, true)?
            }
            None => None,
        };
        Ok(Model {
            origin: Origin::Dir(dir.to_path_buf()),
            forms,
            general,
            ..model
        })
    }

    /// SHA-256 over the model files, so outputs can say which model made them (`run --resume`).
    /// Computed on demand, not at load: start-up time matters more than this rarely used value.
    pub fn fingerprint(&self) -> std::io::Result<String> {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        match &self.origin {
            Origin::Embedded => {
                h.update(EMBEDDED_LM);
                h.update(EMBEDDED_CHANNEL);
                h.update(EMBEDDED_LEXICON);
                h.update(EMBEDDED_LM_GENERAL);
                h.update(EMBEDDED_DOMAIN);
            }
            Origin::Dir(dir) => {
                for name in [LM_FILE, CHANNEL_FILE, LEXICON_FILE] {
                    h.update(std::fs::read(dir.join(name))?);
                }
                for name in [LM_GENERAL_FILE, DOMAIN_FILE] {
                    if let Some(bytes) = read_optional(&dir.join(name))? {
                        h.update(bytes);
                    }
                }
            }
            Origin::Memory => {
                h.update(self.lm.to_bytes());
                h.update(self.channel.to_tsv());
                h.update(self.lexicon.to_tsv());
                if let Some(g) = &self.general {
                    h.update(&g.lm);
                    h.update(g.domain.to_tsv());
                }
            }
        }
        Ok(crate::fsutil::hex(&h.finalize()))
    }

    /// Builds a model from the contents of the three files; `what` names them in errors.
    pub fn from_parts(
        what: &str,
        lm: &[u8],
        channel: &str,
        lexicon: &str,
    ) -> Result<Model, ModelError> {
        let lm = NgramLm::from_bytes(lm).map_err(|source| ModelError::Lm {
            what: format!("{what}/{LM_FILE}"),
            source,
        })?;
        Model::with_lm(what, lm, channel, lexicon)
    }

    /// [`Model::from_parts`] with the language model already read.
    fn with_lm(what: &str, lm: NgramLm, channel: &str, lexicon: &str) -> Result<Model, ModelError> {
        Ok(Model {
            lm,
            channel: ErrorModel::from_tsv(channel).map_err(|source| ModelError::Channel {
                what: format!("{what}/{CHANNEL_FILE}"),
                source,
            })?,
            lexicon: Lexicon::from_tsv(lexicon).map_err(|source| ModelError::Lexicon {
                what: format!("{what}/{LEXICON_FILE}"),
                source,
            })?,
            forms: None,
            general: None,
            origin: Origin::Memory,
        })
    }

    /// Writes the model files into `dir` (`forms.bin` only if the model has a table).
    pub fn write_dir(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        crate::fsutil::write_atomic(&dir.join(LM_FILE), &self.lm.to_bytes())?;
        crate::fsutil::write_atomic(&dir.join(CHANNEL_FILE), self.channel.to_tsv().as_bytes())?;
        crate::fsutil::write_atomic(&dir.join(LEXICON_FILE), self.lexicon.to_tsv().as_bytes())?;
        if let Some(forms) = &self.forms {
            crate::fsutil::write_atomic(&dir.join(FORMS_FILE), forms.bytes())?;
        }
        if let Some(g) = &self.general {
            crate::fsutil::write_atomic(&dir.join(LM_GENERAL_FILE), &g.lm)?;
            crate::fsutil::write_atomic(&dir.join(DOMAIN_FILE), g.domain.to_tsv().as_bytes())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The embedded language model passes every check a model file gets, those its load
    /// skips included ([`NgramLm::from_embedded_bytes`]), and loads the same either way.
    #[test]
    fn the_embedded_language_model_passes_every_check() {
        let full = NgramLm::from_bytes(EMBEDDED_LM).expect("the embedded model is valid");
        let fast = NgramLm::from_embedded_bytes(EMBEDDED_LM).unwrap();
        assert_eq!(full.to_bytes(), fast.to_bytes());
        assert_eq!(fast.to_bytes(), EMBEDDED_LM);
    }

    /// The embedded general-domain model reads with every check, shares `lm.bin`'s
    /// vocabulary (so the lexicon and forms serve it), and its `domain.tsv` is the one
    /// `sohoa train` derives from the two models.
    #[test]
    fn the_embedded_general_model_fits_the_legal_one() {
        let m = Model::embedded().unwrap();
        let g = m
            .general
            .as_ref()
            .expect("the embedded model has a general-domain model");
        assert!(parse_general("(test)", g.lm.clone(), EMBEDDED_DOMAIN, &m.lm, true).is_ok());
        let general = NgramLm::from_bytes(&g.lm).unwrap();
        assert_eq!(general.to_bytes(), EMBEDDED_LM_GENERAL);
        assert_eq!(
            DomainTable::build(&m.lm, &general).to_tsv(),
            EMBEDDED_DOMAIN
        );
    }

    #[test]
    fn a_general_model_of_another_vocabulary_is_refused() {
        let m = Model::embedded().unwrap();
        let other = crate::lm::LmBuilder::new()
            .min_word_count(1)
            .train_texts(&["một hai ba\n"], &|_| false)
            .unwrap()
            .to_bytes();
        let err = parse_general("(test)", other.into(), EMBEDDED_DOMAIN, &m.lm, true).unwrap_err();
        assert!(err.to_string().contains("vocabulary"), "{err}");
        let bad = parse_general("(test)", EMBEDDED_LM_GENERAL.into(), "nope", &m.lm, false);
        assert!(matches!(bad, Err(ModelError::Domain { .. })));
    }
}
