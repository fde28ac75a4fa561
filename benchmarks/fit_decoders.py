"""Measure FIT decoders on the shared corpus: speed and how many files each decodes as the manifest expects.

    python benchmarks/fit_decoders.py [--corpus PATH] [--limit N] [--only a,b] [--json out.json] [--verify]
                                      [--synthetic 3000] [--python-fitparse-path DIR]

Every FIT file under ``<corpus>/fit`` (``.fit``, ``.FIT``, ``.fit.gz``; gunzipped in memory first) is decoded
by each installed candidate, each candidate in its own subprocess (fair memory, no import clashes: the
``python-fitparse`` fork installs a module named ``fitparse`` too, so it is measured from a separate
directory given by ``--python-fitparse-path``, e.g. ``pip install --target /tmp/pyfp python-fitparse``).
Timing covers decoding only (files are read before the clock starts); fast decoders get the best of
``--repeat`` runs. "as expected" counts files whose outcome matches MANIFEST.tsv (OK files decoded, FAIL
files refused, the LENIENT file decoded, the QUIRK file either). ``--verify`` also compares every record of
every file between calfcare's decoder and the fitdecode reference (slow: fitdecode's speed).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = Path(os.environ.get("CALFCARE_SHARED", ROOT.parent / "shared")) / "corpus"
CANDIDATES = ("calfcare", "fitfast", "pyfitparsernative", "garmin-fit-sdk", "fitdecode", "fitparse", "python-fitparse")
FAST = {"calfcare", "fitfast", "pyfitparsernative"}


def load_files(corpus: Path, limit: int | None) -> list[tuple[str, bytes]]:
    paths = sorted(p for p in (corpus / "fit").rglob("*") if p.is_file() and ".fit" in p.name.lower())
    files = []
    for path in paths[:limit]:
        data = path.read_bytes()
        files.append((str(path.relative_to(corpus)), gzip.decompress(data) if path.name.endswith(".gz") else data))
    return files


def _counter(name: str) -> Callable[[bytes], int]:
    """A function returning the number of record messages, raising on any decode error."""
    if name == "calfcare":
        from calfcare.activities.formats.fit import decode_fit

        return lambda data: decode_fit(data).record_count
    if name == "fitdecode":
        import fitdecode

        def count_fitdecode(data: bytes) -> int:
            with fitdecode.FitReader(data, check_crc=fitdecode.CrcCheck.RAISE) as reader:
                return sum(1 for f in reader if isinstance(f, fitdecode.FitDataMessage) and f.name == "record")

        return count_fitdecode
    if name in ("fitparse", "python-fitparse"):
        import fitparse

        return lambda data: sum(1 for _ in fitparse.FitFile(data, check_crc=True).get_messages("record"))
    if name == "garmin-fit-sdk":
        from garmin_fit_sdk import Decoder, Stream

        def count_sdk(data: bytes) -> int:
            messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
            if errors:
                raise RuntimeError(str(errors[0]))
            return len(messages.get("record_mesgs", []))

        return count_sdk
    if name == "fitfast":
        import fitfast

        return lambda data: len(fitfast.records(data).get("timestamp", ()))
    if name == "pyfitparsernative":
        import pyfitparsernative

        return lambda data: sum(1 for m in pyfitparsernative.parse_fit_bytes(data) if m.get("message_type") == "record")
    raise ValueError(name)


def _version(name: str) -> str:
    if name == "calfcare":
        return "this repo"
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        import fitparse  # python-fitparse from --python-fitparse-path: no dist metadata on sys.path order

        return getattr(fitparse, "__version__", "?")


def worker(name: str, corpus: Path, limit: int | None, repeat: int) -> dict[str, object]:
    """Runs in a subprocess: decode every file, return counts, errors and the decode time."""
    warnings.simplefilter("ignore")
    files = load_files(corpus, limit)
    count = _counter(name)
    best = float("inf")
    counts: dict[str, int] = {}
    errors: dict[str, str] = {}
    for _ in range(repeat if name in FAST else 1):
        counts, errors = {}, {}
        began = time.perf_counter()
        for path, data in files:
            try:
                counts[path] = count(data)
            except KeyboardInterrupt:
                raise
            except BaseException as exc:  # a result, whatever is raised (pyo3 panics are BaseException)
                errors[path] = f"{type(exc).__name__}: {exc}"[:160]
        best = min(best, time.perf_counter() - began)
    return {"name": name, "version": _version(name), "seconds": best, "counts": counts, "errors": errors}


def expected_outcomes(corpus: Path) -> dict[str, str]:
    with (corpus / "MANIFEST.tsv").open(newline="") as fh:
        return {r["path"]: r["expected"] for r in csv.DictReader(fh, delimiter="\t")}


def as_expected(path: str, decoded: bool, manifest: dict[str, str]) -> bool:
    expected = manifest.get(path, "OK")
    if expected.startswith(("FAIL", "CORRUPT")):
        return not decoded
    if expected.startswith("QUIRK"):
        return True
    return decoded


def run_candidate(name: str, args: argparse.Namespace) -> dict[str, object] | str:
    env = dict(os.environ)
    if name == "python-fitparse":
        if not args.python_fitparse_path:
            return "not measured: needs --python-fitparse-path (it installs a module named 'fitparse')"
        env["PYTHONPATH"] = os.pathsep.join([args.python_fitparse_path, env.get("PYTHONPATH", "")])
    cmd = [sys.executable, __file__, "--worker", name, "--corpus", str(args.corpus), "--repeat", str(args.repeat)]
    if args.limit:
        cmd += ["--limit", str(args.limit)]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        return "not available: " + (done.stderr.strip().splitlines() or ["?"])[-1][:120]
    return dict(json.loads(done.stdout))


def verify(corpus: Path, limit: int | None) -> list[str]:
    """Every record of every file that both decode: calfcare's decoder vs the fitdecode reference."""
    import numpy as np

    from calfcare.activities.formats.fit_decode import decode_messages
    from calfcare.activities.formats.fit_reference import reference_messages
    from calfcare.errors import TrainingFileError

    problems = []
    for path, data in load_files(corpus, limit):
        try:
            ours, ref = decode_messages(data), reference_messages(data)
        except TrainingFileError:
            continue
        for column, values in ref.records.items():
            if len(values) != len(ours.records[column]) or not np.allclose(
                ours.records[column], values, rtol=1e-9, atol=1e-9, equal_nan=True
            ):
                problems.append(f"{path}: {column} differs")
    return problems


def synthetic(runs: int) -> str:
    """Decode ``runs`` one-hour 1 Hz runs written by our encoder (the import benchmark's export) on one core."""
    from datetime import UTC, datetime, timedelta

    import numpy as np

    from calfcare.activities.formats.fit import decode_fit
    from calfcare.activities.formats.fit_encode import encode_run

    start = datetime(2020, 1, 1, 7, tzinfo=UTC)
    began = time.perf_counter()
    files = [
        encode_run(start + timedelta(days=i), 3600, hr=130 + np.arange(3601) % 30, lat0=40 + i % 50 / 10)
        for i in range(runs)
    ]
    encoded = time.perf_counter() - began
    began = time.perf_counter()
    records = sum(decode_fit(data).record_count for data in files)
    decoded = time.perf_counter() - began
    return (
        f"synthetic: {runs} one-hour runs, {records:,} records: encode {encoded:.2f} s, "
        f"decode {decoded:.2f} s on one core ({records / decoded:,.0f} records/s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=None, help="only the first N files (sorted by path)")
    parser.add_argument("--only", default=",".join(CANDIDATES), help="comma-separated candidates")
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs for the fast decoders")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument("--python-fitparse-path", default=os.environ.get("PYTHON_FITPARSE_PATH"))
    parser.add_argument("--verify", action="store_true", help="compare every record: calfcare vs fitdecode")
    parser.add_argument("--synthetic", type=int, default=0, help="also time N encoded one-hour runs (calfcare)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.corpus, args.limit, args.repeat)))
        return
    manifest = expected_outcomes(args.corpus)
    n_files = len(load_files(args.corpus, args.limit))
    print(f"{n_files} FIT files from {args.corpus}/fit, {os.cpu_count()} CPUs\n")
    header = f"{'decoder':<18} {'version':<10} {'decoded':>7} {'refused':>7} {'as expected':>11} {'records':>9}"
    print(header + f" {'seconds':>8} {'records/s':>10}")
    results = []
    for name in args.only.split(","):
        result = run_candidate(name, args)
        if isinstance(result, str):
            print(f"{name:<18} {result}")
            results.append({"name": name, "status": result})
            continue
        counts, errors = result["counts"], result["errors"]
        assert isinstance(counts, dict) and isinstance(errors, dict)
        good = sum(as_expected(p, p in counts, manifest) for p in [*counts, *errors])
        records, seconds = sum(counts.values()), float(result["seconds"])  # type: ignore[arg-type]
        print(
            f"{name:<18} {result['version']!s:<10} {len(counts):>7} {len(errors):>7} {good:>11} {records:>9}"
            f" {seconds:>8.2f} {records / seconds:>10,.0f}"
        )
        results.append({**result, "as_expected": good, "records": records})
    if args.verify:
        problems = verify(args.corpus, args.limit)
        print(f"\nverify calfcare vs fitdecode, every record: {len(problems)} differences")
        for line in problems:
            print("  " + line)
    if args.synthetic:
        print("\n" + synthetic(args.synthetic))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
