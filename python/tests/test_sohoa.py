"""Tests of the Python package against the command line it wraps.

The binary is `$SOHOA_BIN`, else `target/release/sohoa` of this checkout (`.ci/run` builds it).
"""

import json
import os
import subprocess
import threading
import time
from pathlib import Path

import pytest

import sohoa

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
SOHOA_BIN = os.environ.get("SOHOA_BIN", str(ROOT / "target" / "release" / "sohoa"))
OCR = (FIXTURES / "003_4c818c38c2080030.txt").read_text(encoding="utf-8")
HEADER = "S6: 284 /BC-UBND Ba Dinh, ngay 20thang 11 nam 2025\n"


def cli(*args, stdin=b""):
    if not Path(SOHOA_BIN).exists():
        pytest.fail(f"the sohoa binary is not at {SOHOA_BIN}: run `cargo build --release`")
    return subprocess.run([SOHOA_BIN, *args], input=stdin, capture_output=True)


def paragraphs():
    return [p for p in OCR.split("\n\n") if p.strip()]


def test_clean_restores_the_readme_example():
    assert sohoa.clean("Két qua thuc hién cong tac Chuyén doi sé") == (
        "Kết quả thực hiện công tác Chuyển đổi số"
    )


def test_clean_equals_the_command_line_byte_for_byte():
    out = cli("clean", stdin=OCR.encode())
    assert out.returncode == 0, out.stderr
    assert sohoa.clean(OCR).encode() == out.stdout
    assert sohoa.clean(OCR.encode()) == out.stdout.decode()


def test_extract_is_the_json_record_of_the_command_line():
    out = cli("extract", stdin=OCR.encode())
    assert out.returncode == 0, out.stderr
    record = sohoa.extract(OCR)
    assert record == json.loads(out.stdout)
    assert record["source"]["path"] is None
    assert record["schema_version"] == sohoa.SCHEMA_VERSION
    header = sohoa.extract(HEADER)["header"]
    assert (header["symbol"], header["issue_date"]) == ("284/BC-UBND", "2025-11-20")


def test_process_gives_clean_and_extract_in_one_pass():
    clean, record = sohoa.process(OCR)
    assert clean == sohoa.clean(OCR)
    assert record == sohoa.extract(OCR)


def test_schema_is_what_the_command_line_prints():
    out = cli("schema")
    assert sohoa.schema() == json.loads(out.stdout)


def test_clean_many_keeps_order_and_does_not_depend_on_jobs():
    texts = paragraphs()
    assert len(texts) > 10
    one_by_one = [sohoa.clean(t) for t in texts]
    engine = sohoa.Engine()
    assert engine.clean_many(texts, jobs=1) == one_by_one
    assert engine.clean_many(texts, jobs=2) == one_by_one
    assert engine.clean_many(iter(texts)) == one_by_one
    assert engine.clean_many([]) == []


def test_process_many_equals_process():
    texts = paragraphs()[:8]
    many = sohoa.Engine().process_many(texts, jobs=2)
    assert many == [sohoa.process(t) for t in texts]


def test_clean_many_equals_sohoa_pipe_per_text():
    texts = paragraphs()
    requests = "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(texts))
    out = cli("pipe", stdin=requests.encode())
    assert out.returncode == 0, out.stderr
    answers = [json.loads(line) for line in out.stdout.decode().splitlines()]
    assert [a["clean"] for a in answers] == sohoa.Engine().clean_many(texts)
    assert [a["record"] for a in answers] == [
        r for _, r in sohoa.Engine().process_many(texts)
    ]


def test_bad_input_raises_input_error_with_the_command_line_message():
    for bad, kind in [
        (b"abc\xffdef\n", "invalid_utf8"),
        (b"\xff\xfea\x00b\x00", "utf16"),
        (b"x" * 10 + b"\x00" * 10, "binary"),
    ]:
        with pytest.raises(sohoa.InputError) as e:
            sohoa.clean(bad)
        assert isinstance(e.value, ValueError)
        assert e.value.kind == kind
        assert e.value.index is None
        out = cli("clean", stdin=bad)
        assert out.returncode == 1
        assert out.stderr.decode().strip() == f"sohoa: <stdin>: {e.value}"
        with pytest.raises(sohoa.InputError):
            sohoa.extract(bad)


def test_a_bad_text_in_a_batch_is_named_by_its_index():
    with pytest.raises(sohoa.InputError) as e:
        sohoa.Engine().clean_many(["Chuyén doi sé", "ok", b"\xff"], jobs=2)
    assert (e.value.index, e.value.kind) == (2, "invalid_utf8")


def test_lossy_replaces_invalid_bytes():
    assert sohoa.clean(b"abc\xff", lossy=True) == "abc\ufffd"


def test_a_lone_surrogate_is_an_input_error_and_other_types_a_type_error():
    with pytest.raises(sohoa.InputError):
        sohoa.clean("abc\ud800")
    with pytest.raises(TypeError):
        sohoa.clean(3)


def test_nfd_bom_crlf_and_empty_input_are_handled_like_files():
    assert sohoa.clean("") == ""
    assert sohoa.extract("")["references"] == []
    text = "\ufeffNgay 20 thang 11\r\nChuyén doi sé\r\n"
    out = cli("clean", stdin=text.encode())
    assert sohoa.clean(text) == out.stdout.decode()


def test_an_engine_loads_a_model_folder():
    engine = sohoa.Engine(ROOT / "dictionaries")
    assert engine.clean(OCR) == sohoa.clean(OCR)
    with pytest.raises(ValueError, match="cannot load the model"):
        sohoa.Engine(ROOT / "no-such-folder")


def test_batch_calls_release_the_gil():
    texts = paragraphs() * 4
    engine = sohoa.Engine()
    engine.clean_many(texts[:4], jobs=1)  # warm up
    worker = threading.Thread(target=engine.clean_many, args=(texts,), kwargs={"jobs": 1})
    spins = 0
    started = time.perf_counter()
    worker.start()
    while worker.is_alive():
        spins += 1
    elapsed = time.perf_counter() - started
    # Holding the GIL for the whole call would leave this loop a handful of turns.
    assert elapsed < 0.05 or spins > 10_000, (elapsed, spins)
