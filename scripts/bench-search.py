#!/usr/bin/env python3
"""Marking search benchmark: `salw search` against the baselines a user would otherwise pick.

What it measures (DESIGN.md "Marking search"; the acceptance text of the search issue):
for each registry size (default 1 M and 10 M weapons, made with `salw demo`), a seeded query
set with realistic corruption, each class reported on its own (exact control, strong misread,
weak substitution, transposition, one / two obliterated characters, lost prefix, lost suffix,
Cyrillic, Arabic-Indic digits, separators and spaces, combinations of two), run side by side in
the same run by:

  salw      `salw search --batch` on the persisted index (`salw index rebuild`);
  brute     `salw search --batch --brute-force`: the same scoring over every serial, the oracle;
  fts5      SQLite FTS5 with the trigram tokenizer (Python's sqlite3 module), contentless
            table of the serials, query = OR of the query's trigrams, ordered by bm25, top 10;
  pg_trgm   PostgreSQL pg_trgm in a throw-away cluster (Unix socket only, no TCP): GIN index
            (gin_trgm_ops), `serial % q ORDER BY similarity(serial, q) DESC LIMIT 10`, default
            threshold 0.3, each query timed server-side by a PL/pgSQL loop (clock_timestamp).

For each engine: recall@1 and recall@10 against the truth (the id of the weapon the query was
made from), p50 / p99 latency, index size per weapon, index build time and peak memory, and the
wall time of the whole batch; for salw also a batch of 10,000 queries. Then the goals at 10 M
weapons and by how much each is met or missed.

How: everything runs pinned to one CPU (taskset) when taskset exists. Peak memory is the
maximum resident set size of the process that builds (GNU time for salw, getrusage for the
FTS5 worker, VmHWM of the PostgreSQL backend). Every engine is warmed up with queries that are
not measured. The baselines have no wildcard syntax: they get the same text with `?` and `*`
removed, and no make/model filter (they index (id, serial) only).

  scripts/bench-search.py --sizes 1000000,10000000 --queries-per-class 500 --seed 1 \\
      --keep /var/tmp/salw-bench            # rerun without regenerating the CSV and registry

Time and disk: `salw demo` takes about 13 s and 200 MB per million weapons, `salw import`
about 20 s; the brute force scans every serial for each query, hence --oracle-per-class.
The work dir takes about 1.4 KB per weapon (CSV 260 B, registry 930 B, serials and FTS5
files), the PostgreSQL cluster in $TMPDIR about 110 B: some 15 GB for 10 M weapons.

Python 3 standard library only; the PostgreSQL column needs initdb / pg_ctl / psql (Debian's
`postgresql` package) and is skipped, saying why, when they are absent. The script installs
nothing and never builds salw (it uses target/release/salw, or --salw PATH).
"""

import argparse
import collections
import contextlib
import itertools
import json
import math
import os
import pwd
import random
import re
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unicodedata

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIMIT = 10
MIN_SERIAL_LEN = 5
BATCH_QUERIES = 10_000
WARMUP_QUERIES = 100

GOALS = {  # at 10 M weapons, one core; "mix" = every class but the exact control
    "p50_ms": 5.0,
    "p99_ms": 30.0,
    "recall10": 0.97,
    "speedup_vs_pg": 20.0,
    "bytes_per_weapon": 24.0,
    "batch_s": 10.0,
}


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# Running and measuring programs
# --------------------------------------------------------------------------------------------

class Measured:
    """Wall seconds and peak resident set size (KiB) of one finished command."""

    def __init__(self, wall_s, peak_kb):
        self.wall_s = wall_s
        self.peak_kb = peak_kb


def pin_prefix(args):
    if args.no_pin or not shutil.which("taskset"):
        return []
    return ["taskset", "-c", str(args.cpu)]


def run_measured(cmd, stdout=None, stdin=None, what=None, ok=(0,)):
    """Runs cmd; returns Measured. Uses GNU time (-f "%e %M") when present, else wait4().
    An exit code outside `ok` is an error."""
    what = what or os.path.basename(cmd[0])
    with tempfile.NamedTemporaryFile("w+", suffix=".err") as err:
        if os.access("/usr/bin/time", os.X_OK):
            with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
                t0 = time.perf_counter()
                rc = subprocess.call(["/usr/bin/time", "-f", "%e %M", "-o", tf.name] + cmd,
                                     stdout=stdout, stdin=stdin, stderr=err)
                wall = time.perf_counter() - t0
                last = [ln for ln in tf.read().splitlines() if ln.strip()]
                peak = int(last[-1].split()[1]) if last and len(last[-1].split()) == 2 else 0
        else:
            t0 = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=stdout, stdin=stdin, stderr=err)
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = rc = os.waitstatus_to_exitcode(status)
            wall = time.perf_counter() - t0
            peak = usage.ru_maxrss
        err.seek(0)
        if rc not in ok:
            raise RuntimeError(f"{what} failed (exit {rc}): {shlex.join(cmd)}\n{err.read()[-4000:]}")
        if rc != 0:
            log(f"{what}: exit {rc}: {err.read()[-1000:].strip()}")
    return Measured(wall, peak)


def dir_bytes(path):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            total += os.path.getsize(os.path.join(root, f))
    return total


def warm_files(paths):
    """Reads files once so that every engine is measured with a warm page cache."""
    for p in paths:
        if os.path.isdir(p):
            warm_files(os.path.join(r, f) for r, _, fs in os.walk(p) for f in fs)
        elif os.path.isfile(p):
            with open(p, "rb") as f:
                while f.read(1 << 20):
                    pass


def percentile(values, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    s = sorted(values)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


# --------------------------------------------------------------------------------------------
# Data: the demo CSV, the registry, the serials file, the pool of weapons to query
# --------------------------------------------------------------------------------------------

def load_marker(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def save_marker(path, obj):
    with open(path + ".tmp", "w") as f:
        json.dump(obj, f)
    os.replace(path + ".tmp", path)


def generate_csv(args, size, work):
    """`salw demo --weapons-only --csv-out`; cached in the work dir."""
    data = os.path.join(work, "data")
    csv_path = os.path.join(data, "weapons.csv")
    marker = os.path.join(work, "data.done")
    done = load_marker(marker)
    if done and os.path.exists(csv_path):
        log(f"[{size}] reusing {csv_path} (generated earlier in {done['wall_s']:.0f} s)")
        return csv_path, dict(done, cached=True)
    shutil.rmtree(data, ignore_errors=True)
    log(f"[{size}] generating {size} weapons with `salw demo` (seed {args.seed})…")
    m = run_measured([args.salw, "demo", "--records", str(size), "--seed", str(args.seed),
                      "--weapons-only", "--csv-out", data], stdout=subprocess.DEVNULL, what="salw demo")
    info = {"wall_s": m.wall_s, "peak_kb": m.peak_kb, "csv_bytes": os.path.getsize(csv_path)}
    save_marker(marker, info)
    log(f"[{size}] generated in {m.wall_s:.1f} s")
    return csv_path, dict(info, cached=False)


def build_registry(args, size, work, csv_path):
    """`salw init` + `salw import`; cached in the work dir."""
    db = os.path.join(work, "registry.db")
    marker = os.path.join(work, "registry.done")
    done = load_marker(marker)
    if done and os.path.exists(db):
        log(f"[{size}] reusing {db} (imported earlier in {done['wall_s']:.0f} s)")
        return db, dict(done, cached=True)
    for suffix in ("", "-wal", "-shm", "-journal", ".key"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(db + suffix)
    shutil.rmtree(db + ".search", ignore_errors=True)
    log(f"[{size}] importing into {db}…")
    subprocess.run([args.salw, "--db", db, "init"], check=True, stdout=subprocess.DEVNULL)
    m = run_measured([args.salw, "--db", db, "import", csv_path], stdout=subprocess.DEVNULL,
                     what="salw import")
    info = {"wall_s": m.wall_s, "peak_kb": m.peak_kb}
    save_marker(marker, info)
    log(f"[{size}] imported in {m.wall_s:.1f} s")
    return db, dict(info, cached=False)


def copy_escape(text):
    """PostgreSQL COPY text format."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_unescape(text):
    return re.sub(r"\\(.)", lambda m: {"t": "\t", "n": "\n", "r": "\r"}.get(m.group(1), m.group(1)), text)


def extract_serials(args, size, work, csv_path, pool_size):
    """One pass over weapons.csv: serials.tsv (id TAB serial, non-empty serials, line number =
    FTS5 rowid) and a seeded reservoir sample of weapons with a serial of ≥ 5 letters/digits,
    to make queries from. Cached in the work dir."""
    import csv
    tsv = os.path.join(work, "serials.tsv")
    pool_path = os.path.join(work, f"pool-{args.seed}-{pool_size}.json")
    marker = os.path.join(work, "serials.done")
    done = load_marker(marker)
    if done and os.path.exists(tsv) and os.path.exists(pool_path):
        with open(pool_path) as f:
            return tsv, done, json.load(f)
    log(f"[{size}] extracting serials and sampling the query pool…")
    rng = random.Random(f"pool:{args.seed}")
    pool, candidates, weapons, with_serial = [], 0, 0, 0
    csv.field_size_limit(1 << 30)
    with open(csv_path, newline="", encoding="utf-8") as f, open(tsv + ".tmp", "w", encoding="utf-8") as out:
        for row in csv.DictReader(f):
            weapons += 1
            serial = row["serial"]
            if not serial:
                continue
            with_serial += 1
            out.write(f"{copy_escape(row['id'])}\t{copy_escape(serial)}\n")
            if sum(c.isalnum() for c in serial) < MIN_SERIAL_LEN:
                continue
            candidates += 1
            w = {k: row.get(k, "") for k in ("id", "serial", "manufacturer", "model", "calibre", "country")}
            if len(pool) < pool_size:
                pool.append(w)
            else:
                j = rng.randrange(candidates)
                if j < pool_size:
                    pool[j] = w
    os.replace(tsv + ".tmp", tsv)
    with open(pool_path, "w") as f:
        json.dump(pool, f)
    info = {"weapons": weapons, "with_serial": with_serial, "candidates": candidates}
    save_marker(marker, info)
    return tsv, info, pool


# --------------------------------------------------------------------------------------------
# Queries: seeded corruption of real serials
# --------------------------------------------------------------------------------------------

STRONG = {"0": "O", "O": "0", "1": "IL", "I": "1", "L": "1", "2": "Z", "Z": "2",
          "5": "S", "S": "5", "6": "G", "G": "6", "8": "B", "B": "8"}
WEAK = {"3": "8", "8": "3", "E": "F", "F": "E", "U": "V", "V": "U", "M": "N", "N": "M",
        "7": "1", "1": "7", "C": "G", "G": "C", "P": "R", "R": "P"}
CYRILLIC = {"A": "А", "B": "В", "E": "Е", "K": "К", "M": "М", "H": "Н", "O": "О", "P": "Р",
            "C": "С", "T": "Т", "Y": "У", "X": "Х"}
WILDCARDS = "?*"


def alnum_positions(chars):
    return [i for i, c in enumerate(chars) if c.isalnum()]


def substitute(chars, rng, table, count):
    pos = [i for i in alnum_positions(chars) if chars[i].upper() in table]
    if len(pos) < count:
        return None
    for i in rng.sample(pos, count):
        chars[i] = rng.choice(table[chars[i].upper()])
    return chars


def c_strong(chars, rng):
    return substitute(chars, rng, STRONG, rng.choice((1, 2)))


def c_weak(chars, rng):
    return substitute(chars, rng, WEAK, 1)


def c_transposition(chars, rng):
    pos = alnum_positions(chars)
    pairs = [(a, b) for a, b in zip(pos, pos[1:]) if chars[a] != chars[b]]
    if not pairs:
        return None
    a, b = rng.choice(pairs)
    chars[a], chars[b] = chars[b], chars[a]
    return chars


def c_obliterated(chars, rng, count=1):
    pos = alnum_positions(chars)
    if len(pos) < count + 3:
        return None
    if count == 2 and rng.random() < 0.5:  # adjacent
        k = rng.randrange(len(pos) - 1)
        picked = pos[k:k + 2]
    else:
        picked = rng.sample(pos, count)
    for i in picked:
        chars[i] = "?"
    return chars


def c_obliterated2(chars, rng):
    return c_obliterated(chars, rng, 2)


def known_or_unreadable(chars):
    """Positions of letters, digits and `?`: what a lost prefix or suffix counts."""
    return [i for i, c in enumerate(chars) if c.isalnum() or c == "?"]


def c_lost_prefix(chars, rng):
    pos = known_or_unreadable(chars)
    most = min(3, len(pos) - 4)
    if most < 1:
        return None
    k = rng.randint(1, most)
    rest = chars[pos[k - 1] + 1:]
    while rest and not (rest[0].isalnum() or rest[0] in WILDCARDS):
        rest.pop(0)
    return ["*"] + rest


def c_lost_suffix(chars, rng):
    pos = known_or_unreadable(chars)
    most = min(3, len(pos) - 4)
    if most < 1:
        return None
    k = rng.randint(1, most)
    rest = chars[:pos[-k]]
    while rest and not (rest[-1].isalnum() or rest[-1] in WILDCARDS):
        rest.pop()
    return rest + ["*"]


def c_cyrillic(chars, rng):
    if not any(c in CYRILLIC for c in chars):
        return None
    return [CYRILLIC.get(c, c) for c in chars]


def c_arabic(chars, rng):
    if not any("0" <= c <= "9" for c in chars):
        return None
    return [chr(0x0660 + ord(c) - 48) if "0" <= c <= "9" else c for c in chars]


def c_separators(chars, rng):
    seps = [i for i, c in enumerate(chars) if not c.isalnum() and c not in WILDCARDS]
    if seps and rng.random() < 0.7:
        if rng.random() < 0.5:
            return [c for i, c in enumerate(chars) if i not in seps]  # typed run together
        return [rng.choice((" ", "/", ".")) if i in seps else c for i, c in enumerate(chars)]
    pos = alnum_positions(chars)
    inner = [i for i in pos[1:]]
    if not inner:
        return None
    out = list(chars)
    for i in sorted(rng.sample(inner, min(len(inner), rng.choice((1, 2)))), reverse=True):
        out.insert(i, rng.choice(("-", " ")))
    return out


# The order in which corruptions compose in the "combination" class.
CORRUPTIONS = collections.OrderedDict([
    ("transposition", c_transposition),
    ("strong misread", c_strong),
    ("weak substitution", c_weak),
    ("1 obliterated", c_obliterated),
    ("2 obliterated", c_obliterated2),
    ("lost prefix", c_lost_prefix),
    ("lost suffix", c_lost_suffix),
    ("Cyrillic", c_cyrillic),
    ("Arabic-Indic digits", c_arabic),
    ("separators/spaces", c_separators),
])
COMBINABLE = [k for k in CORRUPTIONS if k != "2 obliterated"]
CLASSES = ["exact"] + list(CORRUPTIONS) + ["combination"]


def corrupt(cls, serial, rng, parts=None):
    """The query text for a class, or None when the class does not apply to this serial. A
    combination's two corruptions are put in `parts`, in the order they were applied."""
    chars = list(serial)
    if cls == "exact":
        return serial
    if cls == "combination":
        first, second = sorted(rng.sample(COMBINABLE, 2), key=COMBINABLE.index)
        if parts is not None:
            parts[:] = [first, second]
        for name in (first, second):
            chars = CORRUPTIONS[name](chars, rng)
            if chars is None:
                return None
        text = "".join(chars)
    else:
        chars = CORRUPTIONS[cls](chars, rng)
        if chars is None:
            return None
        text = "".join(chars)
    return text if text != serial else None


def make_query(qid, cls, w, text, rng, filter_share, parts):
    q = {"qid": qid, "class": cls, "truth": w["id"].lower(), "truth_serial": w["serial"],
         "serial": text, "baseline": "".join(c for c in text if c not in WILDCARDS)}
    if cls == "combination":
        q["parts"] = list(parts)
    if w.get("manufacturer") and rng.random() < filter_share:
        q["make"] = w["manufacturer"]
        if w.get("model") and rng.random() < 0.5:
            q["model"] = w["model"]
    return q


def generate_queries(pool, per_class, seed, filter_share, tag):
    """per_class queries of every class (a weapon at most once per class), seeded."""
    queries = []
    for cls in CLASSES:
        rng = random.Random(f"{tag}:{seed}:{cls}")
        order = list(range(len(pool)))
        rng.shuffle(order)
        made = 0
        for i in order:
            if made == per_class:
                break
            parts = []
            text = corrupt(cls, pool[i]["serial"], rng, parts)
            if text is None:
                continue
            queries.append(make_query(f"{tag}-{len(queries):06d}", cls, pool[i], text, rng, filter_share, parts))
            made += 1
        if made < per_class:
            log(f"warning: only {made} queries of class {cls!r} (pool of {len(pool)} weapons)")
    return queries


def generate_batch(pool, count, seed, filter_share, tag):
    """count queries cycling through every class (the same mix as the measured set)."""
    rng = random.Random(f"{tag}:{seed}")
    queries = []
    attempts = 0
    while len(queries) < count and attempts < 1000 * count:
        attempts += 1
        cls = CLASSES[len(queries) % len(CLASSES)]
        w = pool[rng.randrange(len(pool))]
        parts = []
        text = corrupt(cls, w["serial"], rng, parts)
        if text is not None:
            queries.append(make_query(f"{tag}-{len(queries):06d}", cls, w, text, rng, filter_share, parts))
    return queries


def write_salw_queries(queries, path):
    with open(path, "w", encoding="utf-8") as f:
        for q in queries:
            line = {"id": q["qid"], "serial": q["serial"]}
            for k in ("make", "model"):
                if k in q:
                    line[k] = q[k]
            f.write(json.dumps(line, ensure_ascii=False) + "\n")


def subset_per_class(queries, n):
    if n is None:
        return list(queries)
    seen = collections.Counter()
    out = []
    for q in queries:
        if seen[q["class"]] < n:
            seen[q["class"]] += 1
            out.append(q)
    return out


# --------------------------------------------------------------------------------------------
# Engine results: {qid: (list of weapon ids, best first; microseconds or None)}
# --------------------------------------------------------------------------------------------

class Engine:
    def __init__(self, name):
        self.name = name
        self.results = {}       # qid -> (ids, micros)
        self.errors = 0         # queries the engine refused
        self.build_s = None
        self.build_peak_kb = None
        self.index_bytes = None
        self.batch_s = None     # wall time of the measured query set
        self.query_peak_kb = None
        self.batch10k_s = None
        self.batch10k_peak_kb = None
        self.notes = []
        self.skipped = None     # why, when it did not run


# ---- salw ----------------------------------------------------------------------------------

def salw_has(args, *subcommand):
    r = subprocess.run([args.salw, *subcommand, "--help"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return r.returncode == 0


def salw_index(args, db, engine, weapons):
    shutil.rmtree(db + ".search", ignore_errors=True)
    log("salw: index rebuild…")
    m = run_measured(pin_prefix(args) + [args.salw, "--db", db, "index", "rebuild"],
                     stdout=subprocess.DEVNULL, what="salw index rebuild")
    engine.build_s, engine.build_peak_kb = m.wall_s, m.peak_kb
    engine.index_bytes = dir_bytes(db + ".search")
    log(f"salw: index built in {m.wall_s:.1f} s, {engine.index_bytes / weapons:.1f} B/weapon")


def salw_search(args, db, qfile, out, brute=False):
    cmd = pin_prefix(args) + [args.salw, "--db", db, "search", "--batch", qfile,
                              "--limit", str(LIMIT), "--timings"]
    if brute:
        cmd.append("--brute-force")
    # Exit code 1: some lines were refused (each gets an "error" line, counted as a miss).
    with open(out, "w") as f:
        return run_measured(cmd, stdout=f, what="salw search" + (" --brute-force" if brute else ""), ok=(0, 1))


def read_salw_output(path, engine, expected):
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
            except ValueError:
                raise RuntimeError(f"{path}:{n}: not JSON: {line[:200]!r}")
            if "error" in r or "hits" not in r:
                engine.errors += 1
                engine.results[r.get("id")] = ([], r.get("micros"))
                continue
            ids = [str(h["weapon_id"]).lower() for h in r["hits"]][:LIMIT]
            engine.results[r["id"]] = (ids, r.get("micros"))
    missing = [q for q in expected if q not in engine.results]
    if missing:
        engine.notes.append(f"{len(missing)} queries had no output line")


def run_salw(args, db, work, queries, oracle_queries, warmup, weapons):
    salw, brute = Engine("salw"), Engine("brute force")
    if not salw_has(args, "search") or not salw_has(args, "index", "rebuild"):
        why = f"`{args.salw}` has no `search` / `index rebuild` command yet"
        salw.skipped = brute.skipped = why
        log("salw: skipped: " + why)
        return salw, brute
    qdir = os.path.join(work, "queries")
    salw_index(args, db, salw, weapons)
    files = {}
    for name, qs in (("warmup", warmup), ("measured", queries), ("oracle", oracle_queries)):
        files[name] = os.path.join(qdir, f"salw-{name}.jsonl")
        write_salw_queries(qs, files[name])
    warm_files([db + ".search"])  # the registry itself is warmed by the warm-up queries
    salw_search(args, db, files["warmup"], os.path.join(qdir, "salw-warmup.out"))
    log(f"salw: {len(queries)} queries…")
    m = salw_search(args, db, files["measured"], os.path.join(qdir, "salw-measured.out"))
    salw.batch_s, salw.query_peak_kb = m.wall_s, m.peak_kb
    read_salw_output(os.path.join(qdir, "salw-measured.out"), salw, [q["qid"] for q in queries])
    if args.skip_brute:
        brute.skipped = "--skip-brute"
    else:
        log(f"salw: {len(oracle_queries)} queries by brute force…")
        m = salw_search(args, db, files["oracle"], os.path.join(qdir, "salw-oracle.out"), brute=True)
        brute.batch_s, brute.query_peak_kb = m.wall_s, m.peak_kb
        read_salw_output(os.path.join(qdir, "salw-oracle.out"), brute, [q["qid"] for q in oracle_queries])
    return salw, brute


def run_salw_batch(args, db, work, batch, salw):
    if salw.skipped:
        return
    path = os.path.join(work, "queries", "salw-batch.jsonl")
    write_salw_queries(batch, path)
    log(f"salw: batch of {len(batch)} queries…")
    m = salw_search(args, db, path, os.path.join(work, "queries", "salw-batch.out"))
    salw.batch10k_s, salw.batch10k_peak_kb = m.wall_s, m.peak_kb


# ---- SQLite FTS5 trigram -------------------------------------------------------------------

def fts5_trigrams(text):
    grams = []
    for i in range(len(text) - 2):
        g = text[i:i + 3]
        if g not in grams:
            grams.append(g)
    return grams


def fts5_match(text):
    """The OR of the text's trigrams as an FTS5 query (None if the text is shorter than 3)."""
    grams = fts5_trigrams(text)
    return " OR ".join('"' + g.replace('"', '""') + '"' for g in grams) if grams else None


def worker_fts_build(tsv, fts_db, ids_db):
    """Child process: builds the contentless FTS5 trigram table (the index) and a rowid -> id
    table in a second file (not counted as index: salw's index holds its own ids)."""
    for p in (fts_db, ids_db):
        with contextlib.suppress(FileNotFoundError):
            os.remove(p)
    con = sqlite3.connect(fts_db, isolation_level=None)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute(f"ATTACH '{ids_db}' AS ids")
    con.execute("PRAGMA ids.journal_mode=OFF")
    con.execute("PRAGMA ids.synchronous=OFF")
    con.execute("CREATE VIRTUAL TABLE s USING fts5(serial, content='', tokenize='trigram')")
    con.execute("CREATE TABLE ids.ids (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL)")
    t0 = time.perf_counter()
    con.execute("BEGIN")
    with open(tsv, encoding="utf-8") as f:
        rows = ((n, copy_unescape(line.rstrip("\n").split("\t", 1)[1])) for n, line in enumerate(f, 1))
        con.executemany("INSERT INTO s(rowid, serial) VALUES (?, ?)", rows)
    con.execute("INSERT INTO s(s) VALUES ('optimize')")
    con.execute("COMMIT")
    index_s = time.perf_counter() - t0
    con.execute("BEGIN")
    with open(tsv, encoding="utf-8") as f:
        rows = ((n, copy_unescape(line.split("\t", 1)[0])) for n, line in enumerate(f, 1))
        con.executemany("INSERT INTO ids.ids(rowid, id) VALUES (?, ?)", rows)
    con.execute("COMMIT")
    con.close()
    print(json.dumps({"index_s": index_s}))


def worker_fts_query(fts_db, ids_db, queries_path, out_path):
    """Child process: runs the queries (a JSON list of [qid, text]), timing each one."""
    con = sqlite3.connect(f"file:{fts_db}?mode=ro", uri=True)
    con.execute(f"ATTACH 'file:{ids_db}?mode=ro' AS ids")
    sql = ("SELECT i.id FROM (SELECT rowid, bm25(s) AS r FROM s WHERE s MATCH ? ORDER BY r LIMIT "
           f"{LIMIT}) m JOIN ids.ids i ON i.rowid = m.rowid ORDER BY m.r")
    with open(queries_path) as f:
        queries = json.load(f)
    t_all = time.perf_counter()
    with open(out_path, "w") as out:
        for qid, text in queries:
            t0 = time.perf_counter()
            match = fts5_match(text)
            ids = [r[0] for r in con.execute(sql, (match,))] if match else []
            micros = (time.perf_counter() - t0) * 1e6
            out.write(json.dumps({"id": qid, "hits": ids, "micros": micros}) + "\n")
    print(json.dumps({"wall_s": time.perf_counter() - t_all}))


def run_worker(args, worker, *params):
    """Runs this script as a child in worker mode, pinned; returns (its JSON line, Measured)."""
    cmd = pin_prefix(args) + [sys.executable, os.path.abspath(__file__), worker, *params]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    # The worker prints JSON lines, the last one its own peak RSS (see the end of the file).
    if proc.returncode != 0:
        raise RuntimeError(f"{worker} failed: {err.decode()[-4000:]}")
    info = {}
    for line in out.decode().splitlines():
        if line.strip():
            info.update(json.loads(line))
    return info, Measured(wall, info.get("peak_kb", 0))


def run_fts5(args, work, tsv, queries, warmup, weapons):
    engine = Engine("SQLite FTS5")
    if args.skip_fts:
        engine.skipped = "--skip-fts"
        return engine
    try:
        sqlite3.connect(":memory:").execute("CREATE VIRTUAL TABLE t USING fts5(s, tokenize='trigram')")
    except sqlite3.Error as e:
        engine.skipped = f"SQLite {sqlite3.sqlite_version} has no FTS5 trigram tokenizer ({e}; needs 3.34)"
        log("fts5: skipped: " + engine.skipped)
        return engine
    fdir = os.path.join(work, "fts5")
    os.makedirs(fdir, exist_ok=True)
    fts_db, ids_db = os.path.join(fdir, "fts.db"), os.path.join(fdir, "ids.db")
    log(f"fts5: building (SQLite {sqlite3.sqlite_version})…")
    info, m = run_worker(args, "_fts-build", tsv, fts_db, ids_db)
    engine.build_s, engine.build_peak_kb = info["index_s"], m.peak_kb
    engine.index_bytes = os.path.getsize(fts_db)
    engine.notes.append("query = OR of the query's trigrams, ORDER BY bm25, LIMIT 10; "
                        "contentless table (content=''), detail=full; build = inserts + 'optimize'; "
                        "the rowid -> id table is a separate file, not counted")
    log(f"fts5: built in {engine.build_s:.1f} s, {engine.index_bytes / weapons:.1f} B/weapon")
    warm_files([fts_db, ids_db])
    for name, qs in (("warmup", warmup), ("measured", queries)):
        qpath, opath = os.path.join(fdir, f"{name}.json"), os.path.join(fdir, f"{name}.out")
        with open(qpath, "w") as f:
            json.dump([[q["qid"], q["baseline"]] for q in qs], f)
        if name == "measured":
            log(f"fts5: {len(qs)} queries…")
        info, m = run_worker(args, "_fts-query", fts_db, ids_db, qpath, opath)
    engine.batch_s, engine.query_peak_kb = info["wall_s"], m.peak_kb
    with open(opath) as f:
        for line in f:
            r = json.loads(line)
            engine.results[r["id"]] = ([i.lower() for i in r["hits"]], r["micros"])
    return engine


# ---- PostgreSQL pg_trgm --------------------------------------------------------------------

def find_pg_tools():
    """(dir with initdb/pg_ctl, psql path) or None."""
    dirs = []
    base = "/usr/lib/postgresql"
    if os.path.isdir(base):
        versions = sorted((d for d in os.listdir(base) if d.isdigit()), key=int, reverse=True)
        dirs += [os.path.join(base, v, "bin") for v in versions]
    for tool in ("initdb", "pg_ctl"):
        p = shutil.which(tool)
        if p:
            dirs.append(os.path.dirname(os.path.realpath(p)))
    for d in dirs:
        if all(os.access(os.path.join(d, t), os.X_OK) for t in ("initdb", "pg_ctl", "postgres")):
            psql = os.path.join(d, "psql") if os.access(os.path.join(d, "psql"), os.X_OK) else shutil.which("psql")
            if psql:
                return d, psql
    return None


class PgCluster:
    """A throw-away cluster in a temp dir, listening on a Unix socket in that dir only. As root
    (initdb refuses root) the server runs as the `postgres` system user. Stopped and deleted on
    exit, also on error or interrupt."""

    def __init__(self, args, bindir, psql):
        self.args, self.bindir, self.psql = args, bindir, psql
        self.dir = tempfile.mkdtemp(prefix="salw-bench-pg-")
        self.data = os.path.join(self.dir, "data")
        self.as_user = []
        self.started = False
        if os.geteuid() == 0:
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                raise RuntimeError("running as root and there is no `postgres` user to run the server as")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            os.chmod(self.dir, 0o755)
            self.as_user = ["runuser", "-u", "postgres", "--"] if shutil.which("runuser") else \
                ["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--clear-groups"]

    def __enter__(self):
        log(f"pg: initdb in {self.dir}…")
        locale = "C.UTF-8" if "c.utf8" in subprocess.run(["locale", "-a"], capture_output=True,
                                                           text=True).stdout.lower() else "C"
        subprocess.run(self.as_user + [os.path.join(self.bindir, "initdb"), "-D", self.data, "-U", "postgres",
                                       "--auth=trust", "--encoding=UTF8", f"--locale={locale}", "--no-sync"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        opts = " ".join([
            "-c listen_addresses=''", f"-c unix_socket_directories='{self.dir}'",
            "-c max_parallel_workers_per_gather=0", "-c max_parallel_maintenance_workers=0",
            f"-c shared_buffers={self.args.pg_shared_buffers}",
            f"-c maintenance_work_mem={self.args.pg_maintenance_work_mem}",
            "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off",
            "-c jit=off", "-c autovacuum=off"])
        subprocess.run(pin_prefix(self.args) + self.as_user +
                       [os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-l",
                        os.path.join(self.dir, "server.log"), "-w", "-t", "120", "-o", opts, "start"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.started = True
        return self

    def __exit__(self, *exc):
        if self.started:
            subprocess.run(self.as_user + [os.path.join(self.bindir, "pg_ctl"), "-D", self.data,
                                           "-m", "immediate", "-w", "stop"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(self.dir, ignore_errors=True)
        log("pg: cluster stopped and deleted")
        return False

    def psql_cmd(self, *sql):
        cmd = [self.psql, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", self.dir,
               "-U", "postgres", "-d", "postgres"]
        for s in sql:
            cmd += ["-c", s]
        return cmd

    def sql(self, *sql, stdin=None):
        r = subprocess.run(self.psql_cmd(*sql), stdin=stdin, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"psql failed: {r.stderr.strip()}")
        return r.stdout


# Peak resident set size (KiB) of this session's backend process.
PG_VMHWM = ("SELECT substring(pg_read_file('/proc/' || pg_backend_pid() || '/status') "
            "FROM 'VmHWM:\\s*(\\d+)')")

PG_RUN_QUERIES = """
CREATE OR REPLACE FUNCTION bench_run() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    r record;
    t0 timestamptz;
    found uuid[];
BEGIN
    FOR r IN SELECT n, q FROM queries ORDER BY n LOOP
        t0 := clock_timestamp();
        EXECUTE 'SELECT array_agg(id ORDER BY sim DESC) FROM (SELECT id, similarity(serial, $1) AS sim '
             || 'FROM weapons WHERE serial % $1 ORDER BY similarity(serial, $1) DESC LIMIT {limit}) top'
            INTO found USING r.q;
        INSERT INTO results VALUES (r.n, found,
            extract(epoch FROM clock_timestamp() - t0) * 1000000);
    END LOOP;
END $$;
"""


def pg_run_queries(pg, queries, path):
    """Loads the queries into a table and runs them server-side; returns {qid: (ids, micros)}
    and the wall time of the server-side loop."""
    with open(path, "w", encoding="utf-8") as f:
        for n, q in enumerate(queries):
            f.write(f"{n}\t{copy_escape(q['baseline'])}\n")
    pg.sql("DROP TABLE IF EXISTS queries", "DROP TABLE IF EXISTS results",
           "CREATE TABLE queries (n int PRIMARY KEY, q text NOT NULL)",
           "CREATE TABLE results (n int, ids uuid[], micros double precision)")
    with open(path, encoding="utf-8") as f:
        pg.sql("COPY queries FROM STDIN", stdin=f)
    out = pg.sql("SELECT extract(epoch FROM clock_timestamp())", "SELECT bench_run()",
                 "SELECT extract(epoch FROM clock_timestamp())", PG_VMHWM,
                 "SELECT n, coalesce(array_to_string(ids, ','), ''), micros FROM results ORDER BY n")
    lines = [ln for ln in out.splitlines() if ln.strip()]
    t0, t1, hwm = float(lines[0]), float(lines[1]), int(lines[2])
    results = {}
    for ln in lines[3:]:
        n, ids, micros = ln.split("|")
        results[queries[int(n)]["qid"]] = ([i for i in ids.split(",") if i], float(micros))
    return results, t1 - t0, hwm


def run_pg(args, work, tsv, queries, warmup, weapons):
    engine = Engine("pg_trgm")
    if args.skip_pg:
        engine.skipped = "--skip-pg"
        return engine
    tools = find_pg_tools()
    if not tools:
        engine.skipped = ("PostgreSQL command-line tools (initdb, pg_ctl, psql) not found: "
                          "install Debian's `postgresql` package for this column")
        log("pg: skipped: " + engine.skipped)
        return engine
    bindir, psql = tools
    try:
        with PgCluster(args, bindir, psql) as pg:
            version = pg.sql("SHOW server_version").strip()
            try:
                pg.sql("CREATE EXTENSION pg_trgm")
            except RuntimeError as e:
                engine.skipped = f"pg_trgm is not available in PostgreSQL {version}: {e}"
                return engine
            with contextlib.suppress(RuntimeError):
                pg.sql("CREATE EXTENSION pg_prewarm")
            log(f"pg: COPY {weapons} rows (PostgreSQL {version})…")
            pg.sql("CREATE UNLOGGED TABLE weapons (id uuid NOT NULL, serial text NOT NULL)")
            with open(tsv, encoding="utf-8") as f:
                pg.sql("COPY weapons (id, serial) FROM STDIN", stdin=f)
            log("pg: CREATE INDEX … USING gin (serial gin_trgm_ops)…")
            out = pg.sql("SELECT extract(epoch FROM clock_timestamp())",
                         "CREATE INDEX weapons_serial_trgm ON weapons USING gin (serial gin_trgm_ops)",
                         "SELECT extract(epoch FROM clock_timestamp())", PG_VMHWM,
                         "SELECT pg_relation_size('weapons_serial_trgm')")
            t0, t1, hwm, size = (ln for ln in out.splitlines() if ln.strip())
            engine.build_s, engine.build_peak_kb, engine.index_bytes = float(t1) - float(t0), int(hwm), int(size)
            engine.notes.append(
                f"PostgreSQL {version}, unlogged table, shared_buffers={args.pg_shared_buffers}, "
                f"maintenance_work_mem={args.pg_maintenance_work_mem}, fsync off, no parallel workers; "
                "query `serial % q ORDER BY similarity(serial, q) DESC LIMIT 10` at the default threshold 0.3; "
                "peak memory = VmHWM of the backend that built the index (includes shared buffers it touched)")
            log(f"pg: index built in {engine.build_s:.1f} s, {engine.index_bytes / weapons:.1f} B/weapon")
            pg.sql("VACUUM ANALYZE weapons")
            with contextlib.suppress(RuntimeError):
                pg.sql("SELECT pg_prewarm('weapons')", "SELECT pg_prewarm('weapons_serial_trgm')")
            pg.sql(PG_RUN_QUERIES.format(limit=LIMIT))
            pdir = os.path.join(work, "pg")
            os.makedirs(pdir, exist_ok=True)
            pg_run_queries(pg, warmup, os.path.join(pdir, "warmup.tsv"))
            log(f"pg: {len(queries)} queries…")
            engine.results, engine.batch_s, engine.query_peak_kb = pg_run_queries(
                pg, queries, os.path.join(pdir, "measured.tsv"))
    except (RuntimeError, subprocess.CalledProcessError) as e:
        detail = e.stderr.decode(errors="replace").strip() if isinstance(e, subprocess.CalledProcessError) and e.stderr else str(e)
        engine.skipped = f"PostgreSQL failed: {detail[-600:]}"
        log("pg: " + engine.skipped)
    return engine


# --------------------------------------------------------------------------------------------
# Evaluation and report
# --------------------------------------------------------------------------------------------

NOT_ASCII_ALNUM = re.compile(r"[^0-9A-Z]")


def serial_key(s):
    """Letters and digits only, case folded: what "the same serial" means in the report."""
    if s.isascii():
        return NOT_ASCII_ALNUM.sub("", s.upper())
    return "".join(c for c in unicodedata.normalize("NFKC", s).upper() if c.isalnum())


def lookup_serials(tsv, ids, truth_keys):
    """Serial of each id in ids, and how many weapons share each truth key (one pass)."""
    found, shared = {}, collections.Counter()
    with open(tsv, encoding="utf-8") as f:
        for line in f:
            wid, serial = line.rstrip("\n").split("\t", 1)
            wid = copy_unescape(wid).lower()
            serial = copy_unescape(serial)
            if wid in ids:
                found[wid] = serial
            k = serial_key(serial)
            if k in truth_keys:
                shared[k] += 1
    return found, shared


class Stats:
    def __init__(self, n=0, r1=0.0, r10=0.0, s10=0.0, p50=None, p99=None, mean=None):
        self.n, self.r1, self.r10, self.s10, self.p50, self.p99, self.mean = n, r1, r10, s10, p50, p99, mean


def stats_for(engine, queries, id_serial):
    rows = [(q, engine.results[q["qid"]]) for q in queries if q["qid"] in engine.results]
    if not rows:
        return Stats()
    r1 = sum(1 for q, (ids, _) in rows if ids[:1] == [q["truth"]])
    r10 = sum(1 for q, (ids, _) in rows if q["truth"] in ids[:LIMIT])
    s10 = sum(1 for q, (ids, _) in rows
              if any(serial_key(id_serial.get(i, "")) == serial_key(q["truth_serial"]) for i in ids[:LIMIT]))
    micros = [m for _, (_, m) in rows if m is not None]
    n = len(rows)
    return Stats(n, r1 / n, r10 / n, s10 / n,
                 percentile(micros, 50) / 1000 if micros else None,
                 percentile(micros, 99) / 1000 if micros else None,
                 sum(micros) / len(micros) / 1000 if micros else None)


def groups(queries):
    """Report rows: each class, the corruption mix, with / without a make filter, everything."""
    out = [(cls, [q for q in queries if q["class"] == cls]) for cls in CLASSES]
    mix = [q for q in queries if q["class"] != "exact"]
    out.append(("**mix** (all but exact)", mix))
    out.append(("mix, with make filter", [q for q in mix if "make" in q]))
    out.append(("mix, serial only", [q for q in mix if "make" not in q]))
    out.append(("all", list(queries)))
    return out


def fmt(x, digits=3, none="–"):
    return none if x is None else f"{x:.{digits}f}"


def fmt_ms(x):
    if x is None:
        return "–"
    return f"{x:.3f}" if x < 1 else f"{x:.2f}" if x < 100 else f"{x:.0f}"


def mb(kb):
    return "–" if not kb else f"{kb / 1024:.0f} MB"


def report_size(size, info, queries, engines, id_serial, shared, prep):
    lines = []
    weapons = info["weapons"]
    lines.append(f"## {weapons:,} weapons\n")
    gen, imp = prep["gen"], prep.get("import")
    lines.append(f"Data: `salw demo` {gen['wall_s']:.0f} s, peak {mb(gen['peak_kb'])}"
                 f"{' (cached from an earlier run)' if gen.get('cached') else ''}; CSV {gen['csv_bytes'] / 1e6:.0f} MB; "
                 f"{info['with_serial']:,} weapons with a serial, {info['candidates']:,} with ≥ {MIN_SERIAL_LEN} letters/digits."
                 + (f" `salw import` {imp['wall_s']:.0f} s, peak {mb(imp['peak_kb'])}"
                    f"{' (cached)' if imp.get('cached') else ''}." if imp else ""))
    with_make = sum(1 for q in queries if "make" in q)
    with_model = sum(1 for q in queries if "model" in q)
    dup1 = sum(1 for q in queries if shared.get(serial_key(q["truth_serial"]), 0) > 1)
    dup10 = sum(1 for q in queries if shared.get(serial_key(q["truth_serial"]), 0) > LIMIT)
    lines.append(f"\nQueries: {len(queries)} ({len(queries) // len(CLASSES)} per class); "
                 f"{with_make / len(queries):.0%} carry the weapon's make ({with_model / len(queries):.0%} also its model; "
                 "salw only: the baselines index (id, serial) and get no filter). "
                 f"The truth's serial is shared with another weapon in {dup1 / len(queries):.1%} of queries, "
                 f"with {LIMIT} or more others in {dup10 / len(queries):.1%} (there even a perfect serial-only engine "
                 f"cannot be sure to rank the truth in its top {LIMIT}).\n")
    active = [e for e in engines if not e.skipped]
    for e in engines:
        if e.skipped:
            lines.append(f"- **{e.name}: not run**: {e.skipped}")
    if not active:
        return "\n".join(lines), {}
    grp = groups(queries)
    table = {(e.name, g): stats_for(e, qs, id_serial) for e in active for g, qs in grp}
    head = "| class | " + " | ".join(f"{e.name} (n={table[(e.name, 'all')].n})" for e in active) + " |"
    sep = "|---|" + "---:|" * len(active)
    lines.append("\nRecall@1 / recall@10 against the truth (the weapon the query was made from):\n")
    lines += [head, sep]
    for g, _ in grp:
        lines.append(f"| {g} | " + " | ".join(f"{fmt(table[(e.name, g)].r1, 2)} / {fmt(table[(e.name, g)].r10, 2)}"
                                               if table[(e.name, g)].n else "–" for e in active) + " |")
    lines.append("\nLatency p50 / p99 per query (ms):\n")
    lines += [head, sep]
    for g, _ in grp:
        lines.append(f"| {g} | " + " | ".join(f"{fmt_ms(table[(e.name, g)].p50)} / {fmt_ms(table[(e.name, g)].p99)}"
                                               for e in active) + " |")
    lines.append(f"\nRecall@10 counting any hit with the truth's serial (same weapon or a weapon with the same "
                 f"serial; letters and digits compared, case folded):\n")
    lines += [head, sep]
    for g, _ in grp:
        if g.startswith("**mix") or g in ("all",) or g in CLASSES:
            lines.append(f"| {g} | " + " | ".join(fmt(table[(e.name, g)].s10, 2) for e in active) + " |")
    by = {e.name: e for e in active}
    if "salw" in by and "brute force" in by:
        common = [q for q in queries if q["qid"] in by["brute force"].results and q["qid"] in by["salw"].results]
        found = [q for q in common if q["truth"] in by["brute force"].results[q["qid"]][0]]
        missed = [q for q in found if q["truth"] not in by["salw"].results[q["qid"]][0]]
        top = sum(1 for q in common if by["salw"].results[q["qid"]][0][:1] == by["brute force"].results[q["qid"]][0][:1])
        lines.append(f"\nAgainst the oracle, on its {len(common)} queries: the brute force has the truth in its top "
                     f"{LIMIT} for {len(found)}; the index misses {len(missed)} of those"
                     + (f" ({', '.join(sorted(set(q['class'] for q in missed)))})" if missed else "")
                     + f"; same first hit in {top / len(common):.1%} of queries." if common else "")
    lines.append("\nEngines:\n")
    lines.append("| engine | index size | B/weapon | build | build peak memory | queries | query set wall | "
                 f"sum of query times | query peak memory | {BATCH_QUERIES:,}-query batch |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for e in active:
        lines.append(f"| {e.name} | {fmt(e.index_bytes / 1e6, 1) + ' MB' if e.index_bytes else '–'} | "
                     f"{fmt(e.index_bytes / weapons, 1) if e.index_bytes else '–'} | "
                     f"{fmt(e.build_s, 1) + ' s' if e.build_s is not None else '–'} | {mb(e.build_peak_kb)} | "
                     f"{len(e.results)} | {fmt(e.batch_s, 1) + ' s' if e.batch_s is not None else '–'} | "
                     f"{fmt(sum(m for _, m in e.results.values() if m) / 1e6, 1)} s | {mb(e.query_peak_kb)} | "
                     f"{fmt(e.batch10k_s, 2) + ' s' if e.batch10k_s is not None else '–'} |")
    for e in active:
        if e.errors:
            lines.append(f"\n- {e.name}: {e.errors} queries refused (counted as misses)")
        for note in e.notes:
            lines.append(f"\n- {e.name}: {note}")
    return "\n".join(lines), table


def goals_section(size, weapons, queries, engines, id_serial, ceil):
    by = {e.name: e for e in engines}
    salw, pg = by.get("salw"), by.get("pg_trgm")
    where = f"{size:,} weapons" + ("" if size >= 10_000_000 else " (indicative only: the goals are for 10 M)")
    out = [f"## Goals, at {where}\n"]
    if not salw or salw.skipped:
        out.append(f"salw did not run ({salw.skipped if salw else 'no result'}): no goal can be checked.")
        return "\n".join(out)
    mix = [q for q in queries if q["class"] != "exact"]
    s = stats_for(salw, mix, id_serial)
    rows = []

    def goal(name, ok, value, target, margin):
        rows.append(f"| {name} | {value} | {target} | {'**met**' if ok else '**missed**'} ({margin}) |")

    goal("p50 latency, mix", s.p50 is not None and s.p50 <= GOALS["p50_ms"], f"{fmt_ms(s.p50)} ms",
         f"≤ {GOALS['p50_ms']} ms", f"{GOALS['p50_ms'] / s.p50:.1f}× under" if s.p50 and s.p50 <= GOALS["p50_ms"]
         else f"{s.p50 / GOALS['p50_ms']:.1f}× over" if s.p50 else "no timings")
    goal("p99 latency, mix", s.p99 is not None and s.p99 <= GOALS["p99_ms"], f"{fmt_ms(s.p99)} ms",
         f"≤ {GOALS['p99_ms']} ms", f"{GOALS['p99_ms'] / s.p99:.1f}× under" if s.p99 and s.p99 <= GOALS["p99_ms"]
         else f"{s.p99 / GOALS['p99_ms']:.1f}× over" if s.p99 else "no timings")
    bound = ""
    if ceil:
        top = sum(ceil[q["qid"]][1] for q in mix) / len(mix)
        bound = f"; the best any engine could expect on these queries: {top:.3f}"
    goal("recall@10, mix", s.r10 >= GOALS["recall10"], fmt(s.r10), f"≥ {GOALS['recall10']}",
         f"{s.r10 - GOALS['recall10']:+.3f}{bound}")
    if pg and not pg.skipped:
        common = [q for q in mix if q["qid"] in pg.results]
        sp, pp = stats_for(salw, common, id_serial), stats_for(pg, common, id_serial)
        speed = pp.p50 / sp.p50 if sp.p50 and pp.p50 else None
        speed_mean = pp.mean / sp.mean if sp.mean and pp.mean else None
        ok = speed is not None and speed >= GOALS["speedup_vs_pg"] and sp.r10 >= pp.r10
        goal("speed vs pg_trgm (p50 ratio), at ≥ its recall@10", ok,
             f"{fmt(speed, 1)}× (mean {fmt(speed_mean, 1)}×); recall@10 {fmt(sp.r10)} vs {fmt(pp.r10)} on the same "
             f"{len(common)} queries", f"≥ {GOALS['speedup_vs_pg']:.0f}×",
             (f"{speed / GOALS['speedup_vs_pg']:.2f} of the goal" if speed else "no timings")
             + ("" if sp.r10 >= pp.r10 else "; recall below pg_trgm's"))
    else:
        rows.append(f"| speed vs pg_trgm | – | ≥ {GOALS['speedup_vs_pg']:.0f}× | not checked: pg_trgm did not run |")
    if salw.index_bytes:
        bpw = salw.index_bytes / weapons
        goal("index size", bpw <= GOALS["bytes_per_weapon"], f"{bpw:.1f} B/weapon", f"≤ {GOALS['bytes_per_weapon']:.0f}",
             f"{bpw - GOALS['bytes_per_weapon']:+.1f} B")
    if salw.batch10k_s is not None:
        goal(f"{BATCH_QUERIES:,}-query batch", salw.batch10k_s <= GOALS["batch_s"], f"{salw.batch10k_s:.2f} s",
             f"≤ {GOALS['batch_s']:.0f} s", f"{salw.batch10k_s - GOALS['batch_s']:+.2f} s")
    out += ["| goal | measured | target | verdict |", "|---|---|---|---|"] + rows
    return "\n".join(out)


# --------------------------------------------------------------------------------------------
# The ceiling: the best recall any engine could expect on these queries
# --------------------------------------------------------------------------------------------
#
# Each query was made from one weapon by a known random corruption. An engine that knew that
# corruption exactly, and the registry, could do no better than rank the weapons by how likely
# each was to have produced the query (Bayes); the truth is then in its top 10 with probability
# (the 10 largest likelihoods) / (all of them). Every class is modelled exactly as the generator
# above makes it, a combination as its two corruptions in turn (the engine knows which two).
# `_check-ceiling` compares the model with the generator's own dice.

DEMO_CYRILLIC = "АБВГДЕЖИКЛМНОПРСТУФХЦЧШЭЮЯ"  # the letters of the demo's serial shapes
LATIN_OF_CYRILLIC = {v: k for k, v in CYRILLIC.items()}
ARABIC_DIGITS = {chr(0x0660 + d): str(d) for d in range(10)}
NOT_ALNUM = re.compile(r"[\W_]+")  # exactly the characters for which str.isalnum() is false


def skeleton(text):
    """The letters, digits and wildcards of a text. Only separators/spaces changes anything else,
    so the weapons that could have made a query are found by their skeleton."""
    return "".join(c for c in text if c.isalnum() or c in WILDCARDS)


def strip_front(chars):
    """What c_lost_prefix does to the characters it keeps (drops leading separators)."""
    i = 0
    while i < len(chars) and not (chars[i].isalnum() or chars[i] in WILDCARDS):
        i += 1
    return chars[i:]


def strip_back(chars):
    i = len(chars)
    while i > 0 and not (chars[i - 1].isalnum() or chars[i - 1] in WILDCARDS):
        i -= 1
    return chars[:i]


def lost_outputs(serial, front):
    """The queries c_lost_prefix (front) / c_lost_suffix makes of a serial, with their chance."""
    pos = known_or_unreadable(serial)
    most = min(3, len(pos) - 4)
    out = {}
    for k in range(1, most + 1):
        text = "*" + strip_front(serial[pos[k - 1] + 1:]) if front else strip_back(serial[:pos[-k]]) + "*"
        out[text] = out.get(text, 0.0) + 1.0 / most
    return out


def outcomes(cls, s):
    """Every text the class's corruption makes of s, with its chance: the generator's dice above,
    enumerated. The chances sum to less than 1 where the corruption may not apply."""
    out = collections.defaultdict(float)
    pos = alnum_positions(s)
    if cls == "exact":
        out[s] = 1.0
    elif cls in ("strong misread", "weak substitution"):
        table, counts = (STRONG, (1, 2)) if cls == "strong misread" else (WEAK, (1,))
        eligible = [i for i in pos if s[i].upper() in table]
        for count in counts:
            if len(eligible) < count:
                continue
            spots = list(itertools.combinations(eligible, count))
            for picked in spots:
                options = [table[s[i].upper()] for i in picked]
                p = 1.0 / len(counts) / len(spots) / math.prod(len(o) for o in options)
                for fill in itertools.product(*options):
                    t = list(s)
                    for i, c in zip(picked, fill):
                        t[i] = c
                    out["".join(t)] += p
    elif cls == "transposition":
        pairs = [(a, b) for a, b in zip(pos, pos[1:]) if s[a] != s[b]]
        for a, b in pairs:
            out[s[:a] + s[b] + s[a + 1:b] + s[a] + s[b + 1:]] += 1.0 / len(pairs)
    elif cls in ("1 obliterated", "2 obliterated"):
        n = len(pos)
        if cls == "1 obliterated" and n >= 4:
            for i in pos:
                out[s[:i] + "?" + s[i + 1:]] += 1.0 / n
        elif cls == "2 obliterated" and n >= 5:
            adjacent = zip(pos, pos[1:])  # half the time, the other half anywhere
            for pairs, p in ((adjacent, 0.5 / (n - 1)), (itertools.combinations(pos, 2), 0.5 / math.comb(n, 2))):
                for a, b in pairs:
                    out[s[:a] + "?" + s[a + 1:b] + "?" + s[b + 1:]] += p
    elif cls in ("lost prefix", "lost suffix"):
        out.update(lost_outputs(s, cls == "lost prefix"))
    elif cls == "Cyrillic":
        if any(c in CYRILLIC for c in s):
            out["".join(CYRILLIC.get(c, c) for c in s)] = 1.0
    elif cls == "Arabic-Indic digits":
        if any("0" <= c <= "9" for c in s):
            out["".join(chr(0x0660 + ord(c) - 48) if "0" <= c <= "9" else c for c in s)] = 1.0
    elif cls == "separators/spaces":
        seps = [i for i, c in enumerate(s) if not c.isalnum() and c not in WILDCARDS]
        inserted = 1.0
        if seps:
            if len(seps) > 8:
                raise RuntimeError(f"ceiling: too many separators in {s!r}")
            inserted = 0.3
            out["".join(c for i, c in enumerate(s) if i not in seps)] += 0.35  # run together
            for fill in itertools.product(" /.", repeat=len(seps)):  # each one changed
                t = list(s)
                for i, c in zip(seps, fill):
                    t[i] = c
                out["".join(t)] += 0.35 / 3 ** len(seps)
        inner = pos[1:]
        if inner:
            for count in (1, 2):
                spots = list(itertools.combinations(inner, min(len(inner), count)))
                for picked in spots:
                    for fill in itertools.product("- ", repeat=len(picked)):
                        t = list(s)
                        for i, c in sorted(zip(picked, fill), reverse=True):
                            t.insert(i, c)
                        out["".join(t)] += inserted * 0.5 / len(spots) / 2 ** len(picked)
    else:
        raise ValueError(cls)
    return out


def substitution_likelihood(s, q, table, counts):
    """c_strong (counts 1 or 2, each half the time) / c_weak (1): the chance that s became q."""
    if len(s) != len(q):
        return 0.0
    diff = [i for i in range(len(s)) if s[i] != q[i]]
    if len(diff) not in counts:
        return 0.0
    eligible = sum(1 for c in s if c.isalnum() and c.upper() in table)
    p = 1.0 / len(counts) / math.comb(eligible, len(diff)) if eligible >= len(diff) else 0.0
    for i in diff:
        if not s[i].isalnum() or s[i].upper() not in table or q[i] not in table[s[i].upper()]:
            return 0.0
        p /= len(table[s[i].upper()])
    return p


def likelihood(cls, s, q):
    """The chance that the class's corruption of s gives the text q (one try): closed forms
    where the enumeration would be slow, the enumeration otherwise."""
    if cls in ("strong misread", "weak substitution"):
        return substitution_likelihood(s, q, *((STRONG, (1, 2)) if cls == "strong misread" else (WEAK, (1,))))
    if cls in ("lost prefix", "lost suffix"):
        return lost_outputs(s, cls == "lost prefix").get(q, 0.0)
    if cls == "separators/spaces" and skeleton(s) != skeleton(q):
        return 0.0  # the quick answer for almost every candidate
    if cls in ("transposition", "1 obliterated", "2 obliterated") and len(s) != len(q):
        return 0.0
    return outcomes(cls, s).get(q, 0.0)


def query_steps(q):
    """The corruptions that made a query, in the order they were applied."""
    return q["parts"] if q["class"] == "combination" else [q["class"]]


def chance(steps, s, q, cache):
    """The chance that the corruptions `steps`, applied in turn to serial s, give the text q."""
    if len(steps) == 1:
        return likelihood(steps[0], s, q)
    key = (steps[0], s)
    if key not in cache:
        cache[key] = outcomes(steps[0], s)
    return sum(p * likelihood(steps[1], t, q) for t, p in cache[key].items())


def undo(cls, key, alphabet):
    """The skeletons a skeleton may have had before the class's corruption (a superset). A key
    with `*` at an end is matched against what losing characters there makes of each serial."""
    if cls in ("exact", "separators/spaces", "lost prefix", "lost suffix"):
        return {key}  # a lost end: the key is looked up among the registry's lost ends
    if cls == "Arabic-Indic digits":
        return {"".join(ARABIC_DIGITS.get(c, c) for c in key), key}
    if cls == "Cyrillic":
        options = [(c, LATIN_OF_CYRILLIC[c]) if c in LATIN_OF_CYRILLIC else (c,) for c in key]
        if sum(len(o) > 1 for o in options) > 14:
            raise RuntimeError(f"ceiling: too many readings of {key!r}")
        return {"".join(p) for p in itertools.product(*options)}
    out = {key}  # the corruption may have touched only what a later lost end removed
    pos = alnum_positions(key)
    if cls == "transposition":
        out |= {key[:a] + key[b] + key[a + 1:b] + key[a] + key[b + 1:] for a, b in zip(pos, pos[1:])}
        # a swap across the edge of a lost end brought in a character from the lost part
        if key.startswith("*") and len(key) > 1:
            out |= {"*" + c + key[2:] for c in alphabet}
        if key.endswith("*") and len(key) > 1:
            out |= {key[:-2] + c + "*" for c in alphabet}
        return out
    if cls in ("1 obliterated", "2 obliterated"):
        marked = [i for i, c in enumerate(key) if c == "?"]
        for fill in itertools.product(alphabet, repeat=len(marked)):
            s = list(key)
            for i, c in zip(marked, fill):
                s[i] = c
            out.add("".join(s))
        return out
    table, most = (STRONG, 2) if cls == "strong misread" else (WEAK, 1)
    back = collections.defaultdict(list)  # what a typed character may have been
    for orig, typed in table.items():
        for t in typed:
            back[t].append(orig)
    spots = [i for i, c in enumerate(key) if c in back]
    for r in range(1, most + 1):
        for picked in itertools.combinations(spots, r):
            for fill in itertools.product(*(back[key[i]] for i in picked)):
                s = list(key)
                for i, c in zip(picked, fill):
                    s[i] = c
                out.add("".join(s))
    return out


def candidate_keys(q, alphabet):
    """The skeletons (or lost-end keys) of every serial the query's corruptions could have
    turned into the query."""
    keys = {skeleton(q["serial"])}
    for cls in reversed(query_steps(q)):
        keys = set().union(*(undo(cls, k, alphabet) for k in keys))
    return keys


def lost_keys(sk, front):
    """The keys of what losing 1–3 characters at one end makes of a serial's skeleton."""
    most = min(3, len(sk) - 4)
    return ["*" + sk[k:] if front else sk[:-k] + "*" for k in range(1, most + 1)]


def ceiling(csv_path, queries, pool):
    """Per query: (expected recall@1, expected recall@10) of the best possible engine. One pass
    over the registry's CSV."""
    import csv
    alphabet = sorted(set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" + DEMO_CYRILLIC)
                      | {c for w in pool for c in w["serial"] if c.isalnum()})
    keys_of = {q["qid"]: candidate_keys(q, alphabet) for q in queries}
    wanted = {"plain": set(), "front": set(), "back": set(), "both": set()}
    for keys in keys_of.values():
        for k in keys:
            kind = ("both" if k.endswith("*") and len(k) > 1 else "front") if k.startswith("*") else \
                "back" if k.endswith("*") else "plain"
            wanted[kind].add(k)
    # key -> Counter of (serial, make, model)
    found = collections.defaultdict(collections.Counter)
    csv.field_size_limit(1 << 30)
    with open(csv_path, newline="", encoding="utf-8") as f:
        rows = csv.reader(f)
        head = next(rows)
        at_serial, at_make, at_model = head.index("serial"), head.index("manufacturer"), head.index("model")
        for row in rows:
            s = row[at_serial]
            sk = NOT_ALNUM.sub("", s)
            if len(sk) < MIN_SERIAL_LEN:
                continue  # never a query's truth
            hits = [sk] if sk in wanted["plain"] else []
            hits += [k for k in lost_keys(sk, True) if k in wanted["front"]]
            hits += [k for k in lost_keys(sk, False) if k in wanted["back"]]
            if wanted["both"]:
                hits += ["*" + k for rest in lost_keys(sk, True) for k in lost_keys(rest[1:], False)
                         if "*" + k in wanted["both"]]
            for k in hits:
                found[k][(s, row[at_make], row[at_model])] += 1
    out = {}
    for q in queries:
        steps, text = query_steps(q), q["serial"]
        rows = collections.Counter()
        for k in keys_of[q["qid"]]:
            rows.update(found.get(k, ()))
        cache, by_serial = {}, {}
        liks = []
        truth = 0.0
        for (s, make, model), n in rows.items():
            if ("make" in q and make != q["make"]) or ("model" in q and model != q["model"]):
                continue
            if s not in by_serial:
                by_serial[s] = chance(steps, s, text, cache)
            p = by_serial[s]
            if p > 0:
                liks += [p] * n
                if s == q["truth_serial"]:
                    truth = p
        if truth == 0.0:
            raise RuntimeError(f"ceiling: the truth of {q['qid']} ({' then '.join(steps)}: {q['truth_serial']!r} -> "
                               f"{text!r}) is not among the weapons that could have made it: the model is wrong")
        liks.sort(reverse=True)
        total = sum(liks)
        out[q["qid"]] = (liks[0] / total, sum(liks[:LIMIT]) / total)
    return out


def check_ceiling_model(trials=20_000, seed=7):
    """The model of the ceiling against the generator itself: for a few serials and every class
    and combination, the share of each text among `trials` runs of the generator must agree
    with the chance the model gives it, and so must the share of runs in which it applies (each
    within 5 standard errors)."""
    serials = ["52-01234", "TA 1234567", "8I0-5G2B", "AB/12.3C", "12345", "MP-7E81UV0"]
    plans = [[c] for c in CORRUPTIONS] + [[a, b] for a, b in itertools.combinations(COMBINABLE, 2)]
    rng = random.Random(seed)
    bad = checked = 0
    for s in serials:
        for steps in plans:
            seen = collections.Counter()
            for _ in range(trials):
                chars = list(s)
                for cls in steps:
                    chars = CORRUPTIONS[cls](chars, rng)
                    if chars is None:
                        break
                if chars is not None:
                    seen["".join(chars)] += 1
            model = collections.defaultdict(float)
            if len(steps) == 1:
                model.update(outcomes(steps[0], s))
            else:
                for t, p in outcomes(steps[0], s).items():
                    for u, p2 in outcomes(steps[1], t).items():
                        model[u] += p * p2
            for text in set(seen) | set(model):
                p = model.get(text, 0.0)
                share = seen[text] / trials
                err = math.sqrt(max(p * (1 - p), 1.0 / trials) / trials)
                checked += 1
                # the closed forms the ceiling uses must give the enumeration's chance
                closed = chance(steps, s, text, {}) if text != s else p
                if abs(share - p) > 5 * err or abs(closed - p) > 1e-9:
                    bad += 1
                    print(f"{' then '.join(steps)} of {s!r} -> {text!r}: generator {share:.5f}, "
                          f"model {p:.5f}, closed form {closed:.5f}", file=sys.stderr)
            applies = sum(model.values())
            err = math.sqrt(max(applies * (1 - applies), 1.0 / trials) / trials)
            if abs(sum(seen.values()) / trials - applies) > 5 * err:
                bad += 1
                print(f"{' then '.join(steps)} of {s!r}: applies {sum(seen.values()) / trials:.4f} of the time, "
                      f"model {sum(model.values()):.4f}", file=sys.stderr)
    print(f"ceiling model: {checked} (serial, corruption, text) chances checked against "
          f"{trials:,} runs of the generator each; {bad} disagree")
    return bad == 0


def ceiling_section(ceil, queries, engines):
    """The table of ceilings beside salw's recall@10."""
    by = {e.name: e for e in engines if not e.skipped}
    salw = by.get("salw")
    lines = ["\nThe best recall any engine could expect on these queries (the ceiling): an engine that knew "
             "how each query was made (the class, for a combination its two corruptions, and the chances of "
             "their random choices, as this script makes them) and ranked every weapon of the registry by its "
             "chance of having produced the query would find the truth in its top 10 with, on average, the "
             "recall below. No engine can expect more; salw does not know the class of a query.\n",
             "| class | ceiling recall@1 / @10 | salw recall@10 | salw / ceiling |", "|---|---:|---:|---:|"]
    for g, qs in groups(queries):
        vals = [ceil[q["qid"]] for q in qs]
        if not vals:
            continue
        r1 = sum(v[0] for v in vals) / len(vals)
        r10 = sum(v[1] for v in vals) / len(vals)
        s = stats_for(salw, qs, {}) if salw else None
        lines.append(f"| {g} | {fmt(r1, 2)} / {fmt(r10, 3)} | "
                     f"{fmt(s.r10, 3) if s and s.n else '–'} | {fmt(s.r10 / r10, 2) if s and s.n else '–'} |")
    if salw:  # where the difference comes from, a combination by its two corruptions
        lost = collections.defaultdict(lambda: [0, 0.0])
        for q in queries:
            if q["qid"] in salw.results and q["class"] != "exact":
                found = q["truth"] in salw.results[q["qid"]][0][:LIMIT]
                where = " then ".join(query_steps(q)) + (" (combination)" if q["class"] == "combination" else "")
                lost[where][0] += 1
                lost[where][1] += ceil[q["qid"]][1] - found
        worst = sorted(lost.items(), key=lambda kv: -kv[1][1])[:8]
        lines.append("\nWhere salw finds fewer than the ceiling (queries found by the ceiling on average, less "
                     "those salw found): " + "; ".join(f"{w} {d:.1f} of {n}" for w, (n, d) in worst) + ".")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# One registry size
# --------------------------------------------------------------------------------------------

def bench_size(args, size, root):
    work = os.path.join(root, f"n{size}-seed{args.seed}")
    os.makedirs(os.path.join(work, "queries"), exist_ok=True)
    prep = {}
    csv_path, prep["gen"] = generate_csv(args, size, work)
    pool_size = max(20_000, 8 * args.queries_per_class * len(CLASSES))
    tsv, info, pool = extract_serials(args, size, work, csv_path, pool_size)
    share = args.filter_share
    queries = generate_queries(pool, args.queries_per_class, args.seed, share, "q")
    warmup = generate_batch(pool, WARMUP_QUERIES, args.seed + 1, share, "w")
    batch = generate_batch(pool, BATCH_QUERIES, args.seed + 2, share, "b")
    slow = subset_per_class(queries, args.baseline_per_class)
    oracle_n = args.oracle_per_class
    if oracle_n is None:  # the linear scan costs ~ size per query: keep the oracle to ~ 1 hour
        oracle_n = min(args.queries_per_class, max(20, 50_000_000 // size))
    oracle = subset_per_class(slow, oracle_n)
    with open(os.path.join(work, "queries", "truth.jsonl"), "w", encoding="utf-8") as f:
        for q in queries:
            f.write(json.dumps(q, ensure_ascii=False) + "\n")
    weapons = info["weapons"]

    engines = []
    if args.skip_salw:
        salw, brute = Engine("salw"), Engine("brute force")
        salw.skipped = brute.skipped = "--skip-salw"
    else:
        db, prep["import"] = build_registry(args, size, work, csv_path)
        salw, brute = run_salw(args, db, work, queries, oracle, warmup, weapons)
        run_salw_batch(args, db, work, batch, salw)
    engines += [salw, brute]
    engines.append(run_fts5(args, work, tsv, slow, warmup, weapons))
    engines.append(run_pg(args, work, tsv, slow, warmup, weapons))

    hit_ids = {i for e in engines for ids, _ in e.results.values() for i in ids}
    truth_keys = {serial_key(q["truth_serial"]) for q in queries}
    log(f"[{size}] looking up the serials of {len(hit_ids)} hits…")
    id_serial, shared = lookup_serials(tsv, hit_ids, truth_keys)
    text, _ = report_size(size, info, queries, engines, id_serial, shared, prep)
    ceil = None
    if not args.skip_ceiling:
        log(f"[{size}] the ceiling: which weapons could have made each query…")
        started = time.monotonic()
        ceil = ceiling(csv_path, queries, pool)
        text += "\n" + ceiling_section(ceil, queries, engines) + \
            f"\n\n(The ceiling took {time.monotonic() - started:.0f} s: one pass over the CSV.)\n"
    return text, (size, weapons, queries, engines, id_serial, ceil)


def parse_size(text):
    text = text.strip().lower().replace("_", "")
    mult = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text[:-1] if mult > 1 else text) * mult)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="1000000,10000000", help="registry sizes, comma-separated (1M, 100k allowed)")
    p.add_argument("--queries-per-class", type=int, default=500)
    p.add_argument("--baseline-per-class", type=int, default=None,
                   help="run brute force, FTS5 and pg_trgm on only the first N queries of each class (default: all)")
    p.add_argument("--oracle-per-class", type=int, default=None,
                   help="run the brute-force oracle on only the first N queries of each class "
                        "(default: all up to 100k weapons, 50 at 1M, 20 at 10M: it scans every serial)")
    p.add_argument("--seed", type=int, default=1, help="seed of the demo registry and of the queries")
    p.add_argument("--filter-share", type=float, default=0.3, help="share of queries that carry the weapon's make")
    p.add_argument("--keep", metavar="DIR", help="work dir kept between runs: the CSV and the registry are reused")
    p.add_argument("--salw", default=os.path.join(REPO, "target", "release", "salw"), help="the salw binary")
    p.add_argument("--skip-pg", action="store_true")
    p.add_argument("--skip-fts", action="store_true")
    p.add_argument("--skip-brute", action="store_true")
    p.add_argument("--skip-ceiling", action="store_true",
                   help="do not compute the best recall any engine could expect (one pass over the CSV)")
    p.add_argument("--skip-salw", action="store_true", help="baselines only (no registry is built)")
    p.add_argument("--cpu", type=int, default=0, help="the CPU every engine is pinned to (taskset)")
    p.add_argument("--no-pin", action="store_true", help="do not pin to one CPU")
    p.add_argument("--pg-shared-buffers", default="1GB")
    p.add_argument("--pg-maintenance-work-mem", default="1GB")
    p.add_argument("--out", metavar="FILE", help="also write the report to FILE")
    args = p.parse_args(argv)
    args.sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    if not os.access(args.salw, os.X_OK):
        p.error(f"{args.salw} is not an executable: build it first (cargo build --release)")
    args.salw = os.path.abspath(args.salw)
    return args


def git_describe():
    try:
        head = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        return head + (" with uncommitted changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown commit"


def on_signal(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv):
    args = parse_args(argv)
    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)  # so that the PostgreSQL cluster and temp dirs are removed
    command = shlex.join([sys.argv[0]] + argv)
    root = os.path.abspath(args.keep) if args.keep else tempfile.mkdtemp(prefix="salw-bench-search-")
    os.makedirs(root, exist_ok=True)
    parts = [f"# Marking search benchmark\n\nCommand:\n\n```sh\n{command}\n```\n",
             f"Run on {time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs, "
             f"{'pinned to CPU ' + str(args.cpu) if pin_prefix(args) else 'not pinned'}; seed {args.seed}; "
             f"`{subprocess.run([args.salw, '--version'], capture_output=True, text=True).stdout.strip()}` "
             f"({args.salw}, built {time.strftime('%Y-%m-%d %H:%M', time.localtime(os.path.getmtime(args.salw)))}, "
             f"tree at {git_describe()}); "
             f"SQLite {sqlite3.sqlite_version}. Latencies are per query, warm cache (each engine first runs "
             f"{WARMUP_QUERIES} unmeasured queries). salw and brute force report their own time per query "
             "(`--timings`); FTS5 is timed around each statement in Python; pg_trgm server-side "
             "(clock_timestamp in a PL/pgSQL loop). The baselines get the query with `?` and `*` removed "
             "(they have no wildcards) and no make/model filter.\n",
             "Query classes (from weapons with a serial of ≥ 5 letters/digits; the truth is that weapon's id): "
             "exact (control); strong misread (1–2 of 0↔O, 1↔I/L, 2↔Z, 5↔S, 6↔G, 8↔B); weak substitution "
             "(one of 3↔8, E↔F, U↔V, M↔N, 7↔1, C↔G, P↔R); transposition of two adjacent characters; 1 / 2 "
             "obliterated characters typed `?` (the two adjacent or apart); lost prefix / suffix (1–3 characters, "
             "typed `*12345` / `52-0123*`, at least 4 kept); Cyrillic (every Latin look-alike letter typed in "
             "Cyrillic); Arabic-Indic digits; separators/spaces (dropped, changed or inserted); combination "
             "(two of these). \"mix\" is every class but exact: the goals are on it.\n"]
    last = None
    try:
        for size in args.sizes:
            text, last = bench_size(args, size, root)
            parts.append(text + "\n")
            print("\n".join(parts[-1:]), file=sys.stderr)
        if last:
            parts.append(goals_section(*last) + "\n")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    report = "\n".join(parts)
    print(report)
    if args.out:
        with open(args.out, "w") as f:
            f.write(report)


WORKERS = {"_fts-build": worker_fts_build, "_fts-query": worker_fts_query}

if __name__ == "__main__":
    if sys.argv[1:] == ["_check-ceiling"]:
        sys.exit(0 if check_ceiling_model() else 1)
    if len(sys.argv) > 1 and sys.argv[1] in WORKERS:
        import resource
        WORKERS[sys.argv[1]](*sys.argv[2:])
        # The worker's own peak RSS (KiB on Linux), for the parent to report.
        print(json.dumps({"peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
        sys.exit(0)
    try:
        main(sys.argv[1:])
    except KeyboardInterrupt as e:
        log(f"interrupted ({e}); cleaned up")
        sys.exit(130)
    except (RuntimeError, OSError, subprocess.CalledProcessError) as e:
        log(f"error: {e}")
        sys.exit(1)
