"""Spark integration test of `sohoa pipe`.

Pipes >= 1,000 documents (fixture paragraphs with assorted ids, plain-text lines, blank lines,
malformed JSON and a few ~1 MB documents) through the release binary on a real `local[2]`
SparkSession, along three routes:

  (a) PySpark `RDD.pipe(..., checkCode=True)`, which runs the command with an EMPTY environment;
  (b) the JVM `JavaRDD.pipe` with `encoding="UTF-8"`, under `LC_ALL=C` (US-ASCII platform charset);
  (c) Spark SQL `SELECT TRANSFORM(value) USING 'sohoa pipe'`, under `LC_ALL=C` too;

and (d) a PySpark `mapPartitions` job through the Python package (`sohoa.Engine().process_many`
in each Python worker) over the requests that carry an id and a text;

and asserts every route's answers equal a single-process run (`sohoa pipe < input`), none missing.
Answers to lines that carry their own id must be byte-identical; answers to lines without one
(their id is a line number, which Spark makes relative to the partition) must be equal apart
from the id. Exit status 0 on success; any failure raises.
"""

import glob
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("SOHOA_BIN", os.path.join(ROOT, "target", "release", "sohoa"))

# Set before the JVM starts: every process below inherits it (the Python pipe clears it).
os.environ["LC_ALL"] = "C"
os.environ["LANG"] = "C"
os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
os.environ["PYSPARK_PYTHON"] = sys.executable
os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable


def paragraphs():
    paras = []
    for path in sorted(glob.glob(os.path.join(ROOT, "fixtures", "*.txt"))):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        paras.extend(p for p in text.split("\n\n") if p.strip())
    assert paras, "no fixture paragraphs"
    return paras


def make_lines():
    """The input lines and, per line, the id the answer must carry (None: a line number)."""
    paras = paragraphs()
    lines, ids = [], []
    for i in range(1100):
        text = paras[i % len(paras)]
        kind = i % 11
        if kind < 6:
            # Integer ids stay clear of the line numbers that stand in for missing ids.
            ident = [f"doc-{i}", 10_000 + i, 10**20 + i, {"k": i, "tên": "ệ"}, [i], f"ư{i}\u2028"][kind]
            lines.append(json.dumps({"id": ident, "text": text}, ensure_ascii=(i % 2 == 0)))
            ids.append(ident)
        elif kind == 6:
            lines.append(json.dumps({"text": text + f" {i}"}))  # no id: the line number
            ids.append(None)
        elif kind == 7:
            lines.append("")  # blank
            ids.append(None)
        elif kind == 8:
            lines.append('{"id": %d, "text": "unterminated' % i)  # malformed
            ids.append(None)
        elif kind == 9:
            lines.append(text.replace("\r", "").replace("\n", " ") + f" {i}")  # plain text
            ids.append(None)
        else:
            lines.append(json.dumps({"id": f"bad-{i}", "text": 42}))  # wrong type, id kept
            ids.append(f"bad-{i}")
    # Two large documents (~1.3 and ~1.5 MB lines), cheap enough to restore to keep this quick.
    bigs = ["Kế hoạch số 12/KH-UBND ngày 3 tháng 4 năm 2025 — đạt 91,5%\n" * 20_000,
            "0123456789 , . ; " * 90_000]
    for j, text in enumerate(bigs):
        lines.append(json.dumps({"id": f"big-{j}", "text": text}, ensure_ascii=False))
        ids.append(f"big-{j}")
    return lines, ids


def key(ident):
    return json.dumps(ident, sort_keys=True)


def check(route, inputs, ids, expected, got):
    """`got` must be `expected` (the single-process answers), as described above."""
    assert len(got) == len(inputs), f"{route}: {len(got)} answers for {len(inputs)} lines"
    want_by_id, want_rest = {}, Counter()
    for ident, line in zip(ids, expected):
        if ident is None:
            row = json.loads(line)
            del row["id"]
            want_rest[json.dumps(row, sort_keys=True)] += 1
        else:
            want_by_id[key(ident)] = line
    got_by_id, got_rest = {}, Counter()
    for line in got:
        row = json.loads(line)
        k = key(row["id"])
        if k in want_by_id:
            assert k not in got_by_id, f"{route}: id {k} answered twice"
            got_by_id[k] = line
        else:
            assert isinstance(row["id"], int), f"{route}: unexpected id {k}"
            del row["id"]
            got_rest[json.dumps(row, sort_keys=True)] += 1
    missing = set(want_by_id) - set(got_by_id)
    assert not missing, f"{route}: {len(missing)} ids missing, e.g. {sorted(missing)[:3]}"
    for k, line in want_by_id.items():
        assert got_by_id[k] == line, f"{route}: answer for {k} differs:\n{got_by_id[k][:300]}\n{line[:300]}"
    assert got_rest == want_rest, f"{route}: answers to id-less lines differ"
    print(f"   {route}: {len(got)} answers equal the single-process run", flush=True)


def restore_partition(requests):
    """(d): one engine per partition, the partition's texts in one batch call."""
    import sohoa

    batch = list(requests)
    results = sohoa.Engine().process_many([text for _, text in batch], jobs=1)
    for (ident, _), (clean, record) in zip(batch, results):
        yield json.dumps({"id": ident, "clean": clean, "record": record}, ensure_ascii=False)


def check_package(lines, ids, expected, got):
    """The package's answers must equal `sohoa pipe`'s for every request with an id and a text."""
    want = {}
    for ident, line, answer in zip(ids, lines, expected):
        if ident is not None and "record" in json.loads(answer):
            want[key(ident)] = json.loads(answer)
    got = [json.loads(g) for g in got]
    assert len(got) == len(want), f"mapPartitions: {len(got)} answers for {len(want)} requests"
    for row in got:
        k = key(row["id"])
        assert row == want[k], f"mapPartitions: answer for {k} differs from sohoa pipe's"
    print(f"   python package mapPartitions: {len(got)} records equal sohoa pipe's", flush=True)


def main():
    started = time.time()
    assert os.access(BIN, os.X_OK), f"no binary at {BIN}"
    lines, ids = make_lines()
    n_id = sum(1 for i in ids if i is not None)
    print(f"== {len(lines)} documents ({n_id} with ids), "
          f"{sum(len(l) for l in lines) / 1e6:.1f} MB", flush=True)

    single = subprocess.run([BIN, "pipe"], input=("\n".join(lines) + "\n").encode("utf-8"),
                            stdout=subprocess.PIPE, check=True, env={}).stdout
    expected = single.decode("utf-8").split("\n")
    assert expected[-1] == ""
    expected = expected[:-1]
    assert len(expected) == len(lines), f"single run: {len(expected)} answers"
    errors = Counter(json.loads(l).get("error", {}).get("kind") for l in expected)
    print(f"   single process: {len(expected)} answers, kinds {dict(errors)} "
          f"({time.time() - started:.1f} s)", flush=True)
    assert errors["bad_json"] == sum(1 for i in range(1100) if i % 11 in (8, 10))

    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master("local[2]").appName("sohoa-pipe-test")
             .config("spark.driver.host", "127.0.0.1")
             .config("spark.driver.bindAddress", "127.0.0.1")
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .config("spark.sql.shuffle.partitions", "2")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    sc = spark.sparkContext
    jvm_charset = sc._jvm.java.nio.charset.Charset.defaultCharset().name()
    print(f"   Spark {spark.version} up ({time.time() - started:.1f} s), JVM default charset "
          f"{jvm_charset}, LC_ALL={os.environ['LC_ALL']}", flush=True)
    try:
        # (a) Python RDD.pipe: empty environment, exit code checked.
        got = sc.parallelize(lines, 6).pipe(shlex.quote(BIN) + " pipe", checkCode=True).collect()
        check("python RDD.pipe (empty env, checkCode)", lines, ids, expected, got)

        # (d) mapPartitions through the Python package.
        requests = []
        for ident, line in zip(ids, lines):
            if ident is not None:
                request = json.loads(line)
                if isinstance(request.get("text"), str):
                    requests.append((request["id"], request["text"]))
        got = sc.parallelize(requests, 4).mapPartitions(restore_partition).collect()
        check_package(lines, ids, expected, got)

        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "input.jsonl")
            with open(src, "w", encoding="utf-8") as f:
                f.write("\n".join(lines) + "\n")

            # (b) JVM JavaRDD.pipe with UTF-8 requested, under LC_ALL=C.
            out = os.path.join(tmp, "jvm-out")
            jrdd = sc._jsc.textFile("file://" + src, 6)
            cmd = sc._jvm.java.util.ArrayList()
            cmd.add(BIN)
            cmd.add("pipe")
            env = sc._jvm.java.util.HashMap()
            env.put("LC_ALL", "C")
            jrdd.pipe(cmd, env, False, 65536, "UTF-8").saveAsTextFile("file://" + out)
            got = []
            for part in sorted(glob.glob(os.path.join(out, "part-*"))):
                with open(part, encoding="utf-8") as f:
                    got.extend(f.read().splitlines())
            check("JVM JavaRDD.pipe (LC_ALL=C, UTF-8)", lines, ids, expected, got)

            # (c) Spark SQL TRANSFORM … USING, under LC_ALL=C.
            spark.conf.set("spark.sql.files.maxPartitionBytes", str(1 << 20))  # 3 partitions
            spark.sql(f"CREATE TEMPORARY VIEW docs USING text OPTIONS (path 'file://{src}')")
            rows = spark.sql(
                f"SELECT TRANSFORM(value) USING '{BIN} pipe' AS (answer STRING) FROM docs"
            ).collect()
            got = [r.answer if r.answer is not None else "" for r in rows]
            check("Spark SQL TRANSFORM (LC_ALL=C)", lines, ids, expected, got)
    finally:
        spark.stop()
    print(f"== spark pipe test passed in {time.time() - started:.1f} s", flush=True)


if __name__ == "__main__":
    main()
