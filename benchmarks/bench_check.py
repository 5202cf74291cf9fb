"""How fast is reading and checking returned workbooks, against plain openpyxl, in the same run.

    python benchmarks/bench_check.py [--files 40] [--repeat 3]

Baseline: ``openpyxl.load_workbook`` (normal mode, formulas) of each file, which is what a naive
reader would do. Measured: ``read_workbook`` (safe intake + IR), ``check_file`` (read + identify +
all checks), and ``check_paths`` over the folder serially and in parallel; then
``read_workbook`` of the same workbooks as ``.xlsm`` (with the «Kiểm tra» button, whose VBA project
is read as text): all sharing the toolkit's project, and with the project read afresh for every
file, as for files saved by Excel. Ratios are what to compare between machines and commits;
seconds are printed for context only.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
import warnings
from pathlib import Path

from openpyxl import load_workbook

from dvcq_xl.demo import sample_fill
from dvcq_xl.intake import check_file, check_paths
from dvcq_xl import reader
from dvcq_xl.reader import read_workbook
from dvcq_xl.rubric import builtin_rubric
from dvcq_xl.template import Agency, render_template


def best_of(repeat: int, func) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    rubric = builtin_rubric("bac-giang-274-2017")
    folder = Path(tempfile.mkdtemp(prefix="dvcq-bench-"))
    macro_folder = Path(tempfile.mkdtemp(prefix="dvcq-bench-xlsm-"))
    try:
        files, macro_files = [], []
        for i in range(args.files):
            agency = Agency(f"Cơ quan {i}", f"CQ{i}", "Sở, ban, ngành")
            fill, _ = sample_fill(rubric, agency, 2025)
            files.append(render_template(rubric, folder / f"cq{i}.xlsx", 2025, agency, fill=fill))
            macro_files.append(render_template(rubric, macro_folder / f"cq{i}.xlsm", 2025, agency,
                                               fill=fill))
        n = len(files)
        base = best_of(args.repeat, lambda: [load_workbook(f).close() for f in files])
        read = best_of(args.repeat, lambda: [read_workbook(f) for f in files])
        check = best_of(args.repeat, lambda: [check_file(f) for f in files])
        serial = best_of(args.repeat, lambda: check_paths([folder], jobs=1))
        parallel = best_of(args.repeat, lambda: check_paths([folder], jobs=2))
        macro_shared = best_of(args.repeat, lambda: [read_workbook(f) for f in macro_files])

        def afresh():
            for f in macro_files:
                reader._macros.cache_clear()
                read_workbook(f)

        macro_afresh = best_of(args.repeat, afresh)
        print(f"{n} workbooks of {rubric.id}; best of {args.repeat}")
        print(f"{'':34}{'s/file':>10}{'ratio':>8}")
        for label, seconds in [("baseline openpyxl.load_workbook", base),
                               ("read_workbook", read), ("check_file", check),
                               ("check_paths, 1 process", serial),
                               ("check_paths, 2 processes", parallel),
                               ("read_workbook .xlsm, one project", macro_shared),
                               ("read_workbook .xlsm, each afresh", macro_afresh)]:
            print(f"{label:34}{seconds / n * 1000:>8.1f}ms{seconds / base:>8.2f}")
        print(f"parallel speed-up on 2 processes: {serial / parallel:.2f}x")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(macro_folder, ignore_errors=True)


if __name__ == "__main__":
    main()
