"""Restore garbled OCR text of Vietnamese administrative reports and extract their records.

``clean(text)`` gives the restored text (line N of the result restores line N of the input),
``extract(text)`` the record as a ``dict`` shaped like the JSON record of ``sohoa extract``
(see ``schema()``), ``process(text)`` both. ``Engine(model_dir=None)`` holds a model; its
``clean_many`` / ``process_many`` run many texts on Rust threads with the GIL released.
Input the command line refuses raises ``InputError`` (a ``ValueError``) with its message.
"""

from os import PathLike
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

__version__: str
SCHEMA_VERSION: str

Text = Union[str, bytes]
Record = Dict[str, Any]

class InputError(ValueError):
    """The input is not text sohoa reads (invalid UTF-8, UTF-16, binary content).

    ``str(e)`` is the message the command line gives; ``kind`` is the error kind of the
    record schema (``invalid_utf8``, ``utf16``, ``binary``…); ``index`` is the position of
    the text in a batch call, None otherwise.
    """

    kind: str
    index: Optional[int]

class Engine:
    """A restoration and extraction engine over a model.

    ``Engine()`` uses the model compiled into the package; ``Engine(model_dir)`` loads
    ``lm.bin``, ``channel.tsv`` and ``lexicon.tsv`` (as ``sohoa train`` writes them) from a
    folder and raises ``ValueError`` when they do not load. Build one and reuse it; it is
    safe to share between threads.
    """

    def __init__(self, model_dir: Optional[Union[str, PathLike]] = None) -> None: ...
    def clean(self, text: Text, *, lossy: bool = False) -> str:
        """The restored text; ``bytes`` are decoded as the command line decodes files
        (``lossy=True`` replaces invalid UTF-8 with U+FFFD instead of raising)."""
    def extract(self, text: Text, *, lossy: bool = False) -> Record:
        """The record of ``text`` as a ``dict`` (``source.path`` is None)."""
    def process(self, text: Text, *, lossy: bool = False) -> Tuple[str, Record]:
        """``(clean_text, record)`` in one pass."""
    def clean_many(
        self, texts: Iterable[Text], *, jobs: Optional[int] = None, lossy: bool = False
    ) -> List[str]:
        """``clean`` of every text, in input order, on ``jobs`` threads (all cores when
        None); the same result whatever ``jobs`` is. The first failing text raises
        ``InputError`` with its ``index``."""
    def process_many(
        self, texts: Iterable[Text], *, jobs: Optional[int] = None, lossy: bool = False
    ) -> List[Tuple[str, Record]]:
        """``process`` of every text, in input order, like ``clean_many``."""

def clean(text: Text, *, lossy: bool = False) -> str:
    """``Engine().clean(text)`` with the embedded model (loaded once per process)."""

def extract(text: Text, *, lossy: bool = False) -> Record:
    """``Engine().extract(text)`` with the embedded model."""

def process(text: Text, *, lossy: bool = False) -> Tuple[str, Record]:
    """``Engine().process(text)`` with the embedded model."""

def schema() -> Dict[str, Any]:
    """The JSON Schema of the record (what ``sohoa schema`` prints)."""
