//! The `sohoa` Python module: the Rust [`sohoa_core::Engine`] behind a small Python API.
//!
//! Texts go in as `str` (or `bytes`, decoded as the command line decodes files); records come
//! out as `dict`s shaped like the JSON record (`sohoa schema`), made by serializing the typed
//! [`sohoa_core::Record`] and reading it back with Python's `json`, so the two cannot differ.
//! Every call releases the GIL while Rust works; the batch calls run on Rust threads.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::OnceLock;

use pyo3::create_exception;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use sohoa_core::{DecodeOptions, DocError, Record};

create_exception!(
    sohoa,
    InputError,
    PyValueError,
    "The input is not text sohoa reads (invalid UTF-8, UTF-16, binary content, a lone \
     surrogate). The message is the one the command line gives; `kind` is the error kind of the \
     record schema (`invalid_utf8`, `utf16`, `binary`…) and `index` the position of the text \
     in a batch call (None otherwise)."
);

/// The engine of the module-level functions, built on first use.
static DEFAULT: OnceLock<sohoa_core::Engine> = OnceLock::new();

fn default_engine(py: Python<'_>) -> &'static sohoa_core::Engine {
    // Built without the GIL, so that another thread waiting on the lock cannot deadlock.
    py.allow_threads(|| DEFAULT.get_or_init(sohoa_core::Engine::new))
}

/// The bytes of a `str` or `bytes` argument.
fn input_bytes<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<Cow<'a, [u8]>> {
    if let Ok(s) = obj.downcast::<PyString>() {
        return match s.to_cow() {
            Ok(Cow::Borrowed(s)) => Ok(Cow::Borrowed(s.as_bytes())),
            Ok(Cow::Owned(s)) => Ok(Cow::Owned(s.into_bytes())),
            Err(_) => Err(input_error(
                obj.py(),
                "invalid_utf8",
                "the text holds a lone surrogate, which is not Unicode text".to_string(),
                None,
            )),
        };
    }
    if let Ok(b) = obj.downcast::<PyBytes>() {
        return Ok(Cow::Borrowed(b.as_bytes()));
    }
    Err(PyTypeError::new_err(format!(
        "expected str or bytes, got {}",
        obj.get_type().name()?
    )))
}

fn input_error(py: Python<'_>, kind: &str, message: String, index: Option<usize>) -> PyErr {
    let err = InputError::new_err(message);
    let value = err.value(py);
    // Setting attributes on a fresh exception object cannot fail in practice; if it did, the
    // error would still carry its message.
    let _ = value.setattr("kind", kind);
    let _ = value.setattr("index", index);
    err
}

fn doc_error(py: Python<'_>, e: DocError, index: Option<usize>) -> PyErr {
    input_error(py, e.kind().as_str(), e.to_string(), index)
}

/// A record as a Python `dict` (through its JSON form).
fn record_dict(py: Python<'_>, json: &str) -> PyResult<PyObject> {
    let loads = py.import("json")?.getattr("loads")?;
    Ok(loads.call1((json,))?.unbind())
}

fn record_json(record: &Record) -> PyResult<String> {
    serde_json::to_string(record).map_err(|e| PyValueError::new_err(e.to_string()))
}

fn opts(lossy: bool) -> DecodeOptions {
    DecodeOptions { lossy }
}

/// Runs `f` without the GIL, on a pool of `jobs` threads (all cores when `None`).
fn on_threads<T: Send>(
    py: Python<'_>,
    jobs: Option<usize>,
    f: impl FnOnce() -> T + Send,
) -> PyResult<T> {
    match jobs {
        None => Ok(py.allow_threads(f)),
        Some(0) => Err(PyValueError::new_err("jobs must be at least 1")),
        Some(n) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(|e| PyValueError::new_err(format!("cannot start {n} threads: {e}")))?;
            Ok(py.allow_threads(|| pool.install(f)))
        }
    }
}

fn clean_one(
    py: Python<'_>,
    engine: &sohoa_core::Engine,
    text: &Bound<'_, PyAny>,
    lossy: bool,
) -> PyResult<String> {
    let bytes = input_bytes(text)?;
    py.allow_threads(|| engine.clean_bytes(&bytes, opts(lossy)))
        .map_err(|e| doc_error(py, e, None))
}

fn process_one(
    py: Python<'_>,
    engine: &sohoa_core::Engine,
    text: &Bound<'_, PyAny>,
    lossy: bool,
) -> PyResult<(String, String)> {
    let bytes = input_bytes(text)?;
    py.allow_threads(|| {
        let p = engine.process_bytes(None, &bytes, opts(lossy))?;
        Ok((p.clean, p.record))
    })
    .map_err(|e| doc_error(py, e, None))
    .and_then(|(clean, record)| Ok((clean, record_json(&record)?)))
}

/// The texts of a batch call, copied out of the Python objects so that the GIL can go.
fn batch_bytes(texts: &Bound<'_, PyAny>) -> PyResult<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    for (i, t) in texts.try_iter()?.enumerate() {
        let t = t?;
        let bytes = input_bytes(&t).inspect_err(|e| {
            if e.is_instance_of::<InputError>(t.py()) {
                let _ = e.value(t.py()).setattr("index", i);
            }
        })?;
        out.push(bytes.into_owned());
    }
    Ok(out)
}

/// A restoration and extraction engine over a model.
///
/// ``Engine()`` uses the model compiled into the package; ``Engine(model_dir)`` loads the
/// three files ``sohoa train`` writes (``lm.bin``, ``channel.tsv``, ``lexicon.tsv``) from a
/// folder. Build one and reuse it: loading takes a few tens of milliseconds. An engine is
/// safe to share between threads.
#[pyclass(name = "Engine", module = "sohoa", frozen)]
struct PyEngine {
    inner: sohoa_core::Engine,
}

#[pymethods]
impl PyEngine {
    #[new]
    #[pyo3(signature = (model_dir=None))]
    fn new(py: Python<'_>, model_dir: Option<PathBuf>) -> PyResult<PyEngine> {
        let inner = py
            .allow_threads(|| match model_dir {
                Some(dir) => sohoa_core::Engine::from_dir(dir),
                None => Ok(sohoa_core::Engine::new()),
            })
            .map_err(|e| PyValueError::new_err(format!("cannot load the model: {e}")))?;
        Ok(PyEngine { inner })
    }

    /// The restored text of ``text`` (``str`` or ``bytes``); line N of the result is the
    /// restoration of line N of the input. Raises ``InputError`` for input the command line
    /// refuses; ``lossy=True`` replaces invalid UTF-8 in ``bytes`` with U+FFFD instead.
    #[pyo3(signature = (text, *, lossy=false))]
    fn clean(&self, py: Python<'_>, text: &Bound<'_, PyAny>, lossy: bool) -> PyResult<String> {
        clean_one(py, &self.inner, text, lossy)
    }

    /// The record of ``text`` as a ``dict`` shaped like ``sohoa extract``'s JSON.
    #[pyo3(signature = (text, *, lossy=false))]
    fn extract(&self, py: Python<'_>, text: &Bound<'_, PyAny>, lossy: bool) -> PyResult<PyObject> {
        let (_, json) = process_one(py, &self.inner, text, lossy)?;
        record_dict(py, &json)
    }

    /// ``(clean_text, record_dict)`` of ``text`` in one pass.
    #[pyo3(signature = (text, *, lossy=false))]
    fn process(
        &self,
        py: Python<'_>,
        text: &Bound<'_, PyAny>,
        lossy: bool,
    ) -> PyResult<(String, PyObject)> {
        let (clean, json) = process_one(py, &self.inner, text, lossy)?;
        Ok((clean, record_dict(py, &json)?))
    }

    /// ``clean`` of every text of an iterable, in input order, on ``jobs`` Rust threads (all
    /// cores when None) with the GIL released. The result is the same whatever ``jobs`` is.
    /// The first text that fails raises ``InputError`` with its ``index``.
    #[pyo3(signature = (texts, *, jobs=None, lossy=false))]
    fn clean_many(
        &self,
        py: Python<'_>,
        texts: &Bound<'_, PyAny>,
        jobs: Option<usize>,
        lossy: bool,
    ) -> PyResult<Vec<String>> {
        use rayon::prelude::*;
        let texts = batch_bytes(texts)?;
        let engine = &self.inner;
        let results: Vec<Result<String, DocError>> = on_threads(py, jobs, || {
            texts
                .par_iter()
                .map(|t| engine.clean_bytes(t, opts(lossy)))
                .collect()
        })?;
        results
            .into_iter()
            .enumerate()
            .map(|(i, r)| r.map_err(|e| doc_error(py, e, Some(i))))
            .collect()
    }

    /// ``process`` of every text of an iterable: a list of ``(clean_text, record_dict)``, in
    /// input order, on ``jobs`` Rust threads like ``clean_many``.
    #[pyo3(signature = (texts, *, jobs=None, lossy=false))]
    fn process_many(
        &self,
        py: Python<'_>,
        texts: &Bound<'_, PyAny>,
        jobs: Option<usize>,
        lossy: bool,
    ) -> PyResult<Vec<(String, PyObject)>> {
        use rayon::prelude::*;
        let texts = batch_bytes(texts)?;
        let engine = &self.inner;
        let results: Vec<Result<(String, String), DocError>> = on_threads(py, jobs, || {
            texts
                .par_iter()
                .map(|t| {
                    let p = engine.process_bytes(None, t, opts(lossy))?;
                    let json = serde_json::to_string(&p.record)
                        .map_err(|e| DocError::Internal(e.to_string()))?;
                    Ok((p.clean, json))
                })
                .collect()
        })?;
        let loads = py.import("json")?.getattr("loads")?;
        results
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                let (clean, json) = r.map_err(|e| doc_error(py, e, Some(i)))?;
                Ok((clean, loads.call1((json,))?.unbind()))
            })
            .collect()
    }

    fn __repr__(&self) -> &'static str {
        "sohoa.Engine()"
    }
}

/// The restored text of ``text`` with the embedded model (see ``Engine.clean``).
#[pyfunction]
#[pyo3(signature = (text, *, lossy=false))]
fn clean(py: Python<'_>, text: &Bound<'_, PyAny>, lossy: bool) -> PyResult<String> {
    clean_one(py, default_engine(py), text, lossy)
}

/// The record of ``text`` as a ``dict``, with the embedded model (see ``Engine.extract``).
#[pyfunction]
#[pyo3(signature = (text, *, lossy=false))]
fn extract(py: Python<'_>, text: &Bound<'_, PyAny>, lossy: bool) -> PyResult<PyObject> {
    let (_, json) = process_one(py, default_engine(py), text, lossy)?;
    record_dict(py, &json)
}

/// ``(clean_text, record_dict)`` of ``text``, with the embedded model (see ``Engine.process``).
#[pyfunction]
#[pyo3(signature = (text, *, lossy=false))]
fn process(py: Python<'_>, text: &Bound<'_, PyAny>, lossy: bool) -> PyResult<(String, PyObject)> {
    let (clean, json) = process_one(py, default_engine(py), text, lossy)?;
    Ok((clean, record_dict(py, &json)?))
}

/// The JSON Schema of the record, as a ``dict`` (what ``sohoa schema`` prints).
#[pyfunction]
fn schema(py: Python<'_>) -> PyResult<PyObject> {
    record_dict(py, &sohoa_core::schema().to_string())
}

/// Restore garbled OCR text of Vietnamese administrative reports and extract their records.
///
/// ``sohoa.clean(text)`` gives the restored text, ``sohoa.extract(text)`` the record as a
/// ``dict`` (the JSON record of ``sohoa extract``), ``sohoa.process(text)`` both;
/// ``sohoa.Engine(model_dir=None).clean_many(texts, jobs=N)`` restores many texts on Rust
/// threads. Bad input raises ``sohoa.InputError`` (a ``ValueError``).
#[pymodule]
fn sohoa(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("SCHEMA_VERSION", sohoa_core::SCHEMA_VERSION)?;
    m.add("InputError", m.py().get_type::<InputError>())?;
    m.add_class::<PyEngine>()?;
    m.add_function(wrap_pyfunction!(clean, m)?)?;
    m.add_function(wrap_pyfunction!(extract, m)?)?;
    m.add_function(wrap_pyfunction!(process, m)?)?;
    m.add_function(wrap_pyfunction!(schema, m)?)?;
    Ok(())
}
