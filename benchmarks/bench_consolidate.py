"""How fast is ``dvcq consolidate`` on a big round, against plain readers measured in the same run.

    pip install -e '.[bench]'
    python benchmarks/bench_consolidate.py [--files 1000] [--jobs 2]

Generates N filled workbooks (distinct agencies in three blocks, Bắc Giang rubric) and measures:

(a) ``consolidate`` + ``write_ranking`` end to end (what the command runs: every check, the
    roster-free reconciliation, ranking, the whole ranking workbook) in one process, as
    ``dvcq consolidate --jobs 1`` (the baselines below run in one process too), then (a') with
    ``--jobs`` processes;
(b) a plain loop: ``openpyxl.load_workbook`` of each file, reading the same cells by name;
(c) ``pandas.read_excel`` of each file's score sheet;
(d) the floor: unzip each file and parse its sheet XML with the standard library, nothing else.

Then memory: the peaks traced by ``tracemalloc`` while reading and checking, and while writing the
ranking (in one process, so that the reading is traced too), for N/4 and N files; what grows
between them is what the results hold (and, while writing, the ranking's cells).
Ratios are what to compare between machines; seconds are printed for context.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import tempfile
import time
import tracemalloc
import warnings
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from xml.etree.ElementTree import fromstring

from dvcq_xl.consolidate import consolidate
from dvcq_xl.demo import sample_fill
from dvcq_xl.ranking import write_ranking
from dvcq_xl.rubric import builtin_rubric
from dvcq_xl.template import Agency, render_template

RUBRIC = "bac-giang-274-2017"
BLOCKS = ("Sở, ban, ngành", "Đơn vị sự nghiệp", "UBND cấp xã")


def _make(args: tuple[str, int]) -> str:
    folder, i = args
    rubric = builtin_rubric(RUBRIC)
    agency = Agency(f"Cơ quan số {i}", f"CQ{i:05d}", BLOCKS[i % 3])
    fill, _ = sample_fill(rubric, agency, 2025)
    return str(render_template(rubric, Path(folder) / f"cq{i:05d}.xlsx", 2025, agency, fill=fill))


def generate(folder: Path, n: int, jobs: int) -> list[Path]:
    with ProcessPoolExecutor(jobs) as pool:
        return [Path(p) for p in pool.map(_make, [(str(folder), i) for i in range(n)],
                                          chunksize=16)]


def run_consolidate(folder: Path, out: Path, jobs: int):
    result = consolidate([folder], jobs=jobs)
    write_ranking(result, out)
    return result


def run_openpyxl(files: list[Path], names: list[str]) -> None:
    from openpyxl import load_workbook

    for f in files:
        wb = load_workbook(f)
        for name in names:
            for sheet, ref in wb.defined_names[name].destinations:
                _ = wb[sheet][ref.replace("$", "")].value
        wb.close()


def run_pandas(files: list[Path]) -> None:
    import pandas as pd

    for f in files:
        pd.read_excel(f, sheet_name="Bảng chấm điểm", header=None)


def run_floor(files: list[Path]) -> None:
    for f in files:
        with zipfile.ZipFile(f) as zf:
            for name in zf.namelist():
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    fromstring(zf.read(name))


def timed(func) -> float:
    gc.collect()
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def peak_memory(folder: Path, out: Path) -> tuple[float, float, int]:
    """Peaks traced while reading and checking (``consolidate``) and while writing the ranking
    (``write_ranking``, the results held meanwhile), and the number of units."""
    gc.collect()
    tracemalloc.start()
    result = consolidate([folder], jobs=1)
    reading = tracemalloc.get_traced_memory()[1]
    tracemalloc.reset_peak()
    write_ranking(result, out)
    writing = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return reading, writing, len(result.units)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--skip-pandas", action="store_true")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each measure, interleaved; the best is kept")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    rubric = builtin_rubric(RUBRIC)
    root = Path(tempfile.mkdtemp(prefix="dvcq-bench-"))
    try:
        folder = root / "nop"
        folder.mkdir()
        start = time.perf_counter()
        files = generate(folder, args.files, args.jobs)
        print(f"generated {len(files)} workbooks in {time.perf_counter() - start:.0f} s")
        names = [f"dvcq_self_{leaf.key}" for leaf in rubric.leaves()] + [
            "dvcq_agency", "dvcq_agency_code", "dvcq_block", "dvcq_year", "dvcq_rubric_id"]
        n = len(files)
        out = root / "ket-qua"
        out.mkdir()
        result = None

        def consolidate_run():
            nonlocal result
            result = run_consolidate(folder, out / "xep-hang.xlsx", args.jobs)

        def consolidate_one():
            nonlocal result
            result = run_consolidate(folder, out / "xep-hang.xlsx", 1)

        def checked_one():
            nonlocal result
            result = None
            consolidate_one()
            assert result is not None and len(result.units) == n, "every workbook must be ranked"

        def checked_run():
            nonlocal result
            result = None
            consolidate_run()
            assert result is not None and len(result.units) == n, "every workbook must be ranked"

        measures = [("(a) dvcq consolidate --jobs 1", checked_one),
                    (f"(a') dvcq consolidate, {args.jobs} processes", checked_run),
                    ("(b) openpyxl.load_workbook loop", lambda: run_openpyxl(files, names))]
        if not args.skip_pandas:
            measures.append(("(c) pandas.read_excel loop", lambda: run_pandas(files)))
        measures.append(("(d) floor: unzip + stdlib XML parse", lambda: run_floor(files)))
        # each measure run --repeat times, interleaved with the others, the best kept: a shared
        # machine only ever adds time, so the best run is the one closest to the code's cost.
        # From the second run on, the ranking is written over the last one, as a rerun does
        best: dict[str, float] = {}
        for _ in range(max(1, args.repeat)):
            for label, func in measures:
                best[label] = min(best.get(label, float("inf")), timed(func))
        rows = [(label, best[label]) for label, _ in measures]
        base = dict(rows)
        a = rows[0][1]
        print(f"\n{n} workbooks of {RUBRIC}, 2025; best of {max(1, args.repeat)} interleaved runs")
        print(f"{'':42}{'ms/workbook':>12}{'vs (a)':>9}")
        for label, seconds in rows:
            print(f"{label:42}{seconds / n * 1000:>10.2f}  {seconds / a:>8.1f}x")
        b = base["(b) openpyxl.load_workbook loop"]
        d = base["(d) floor: unzip + stdlib XML parse"]
        parallel = rows[1][1]
        print(f"\n(a), one process, is {b / a:.1f}x faster than (b) (target ≥ 15x) and "
              f"{a / d:.2f}x the floor (d) (target ≤ 1.5x); with {args.jobs} processes (a') is "
              f"{b / parallel:.1f}x faster than (b) and {parallel / d:.2f}x (d)")

        quarter = root / "quarter"
        quarter.mkdir()
        for f in files[: max(1, n // 4)]:
            shutil.copy(f, quarter / f.name)
        small = peak_memory(quarter, root / "q.xlsx")
        big = peak_memory(folder, root / "b.xlsx")
        units = max(1, big[2] - small[2])
        for label, i, what in (("reading and checking", 0, "its result: scores, notes, audit "
                                                           "row"),
                               ("writing the ranking", 1, "its result and its cells, which "
                                                          "XlsxWriter keeps until it saves")):
            print(f"\npeak traced memory {label}, 1 process: {small[2]} files "
                  f"{small[i] / 2**20:.1f} MiB, {big[2]} files {big[i] / 2**20:.1f} MiB; growth "
                  f"{(big[i] - small[i]) / units / 1024:.1f} KiB per workbook ({what})")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
