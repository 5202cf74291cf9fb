"""How long a click waits: ``dvcq check ONE.xlsx`` and the Excel button, against a bare Python.

    python benchmarks/bench_startup.py [--runs 9]

Measured in the same run, median wall time of ``--runs`` runs each:
(a) ``python -c pass``, the floor any Python command pays;
(b) ``dvcq check ONE.xlsx`` (the console script beside this interpreter), a filled, valid score
    sheet of the Bắc Giang rubric; target: (b) ≤ 12 × (a);
(c) the «Kiểm tra» button's path: a new interpreter importing what ``RunPython`` imports
    (``import dvcq_xl.excel``), then ``validate`` of the open book through the tests' xlwings
    stand-in (reading it, checking, writing the result sheet and marks), the stand-in's own
    opening of the file left out (Excel has the book open already); target: (c) ≤ 12 × (a).
Bytecode is written and warmed first, as a pip install leaves it (the development machine sets
PYTHONDONTWRITEBYTECODE, under which every start recompiles the package: 0.15 s more).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BUTTON = """
import sys, time
sys.path.insert(0, {root!r})
from tests.xlwings_stand_in import FakeBook
book = FakeBook({path!r})
start = time.perf_counter()
import dvcq_xl.excel as dvcq
result = dvcq.validate(book)
assert result is not None and result.status == "ok", result
print(time.perf_counter() - start)
"""


def wall(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{cmd} failed: {proc.stderr.decode(errors='replace')[-2000:]}")
    return elapsed


def inside(code: str, env: dict[str, str]) -> float:
    """The seconds a script measures itself (the button's work after the book is open)."""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-2000:])
    return float(proc.stdout.strip().splitlines()[-1])


def console_script() -> str:
    here = Path(sys.executable).parent / ("dvcq.exe" if os.name == "nt" else "dvcq")
    found = str(here) if here.exists() else shutil.which("dvcq")
    if not found:
        raise SystemExit("dvcq is not installed: pip install -e .")
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from dvcq_xl.demo import sample_fill
    from dvcq_xl.rubric import builtin_rubric
    from dvcq_xl.template import Agency, render_template

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    folder = Path(tempfile.mkdtemp(prefix="dvcq-bench-start-"))
    try:
        rubric = builtin_rubric("bac-giang-274-2017")
        for i in range(100):  # the demo's fills make a mistake now and then: a valid one
            agency = Agency(f"Cơ quan {i}", f"CQ{i}", "Sở, ban, ngành")
            fill, mistake = sample_fill(rubric, agency, 2025)
            if not mistake:
                break
        one = render_template(rubric, folder / "stp.xlsx", 2025, agency, fill=fill)
        dvcq = console_script()
        bare_cmd = [sys.executable, "-c", "pass"]
        check_cmd = [dvcq, "check", str(one)]
        button = BUTTON.format(root=str(ROOT), path=str(one))
        wall(check_cmd, env), wall(bare_cmd, env), inside(button, env)  # bytecode written, warm
        bare, check, work = [], [], []
        for _ in range(args.runs):  # interleaved, so that a busy moment touches all three
            bare.append(wall(bare_cmd, env))
            check.append(wall(check_cmd, env))
            work.append(inside(button, env))
        b, c = statistics.median(bare), statistics.median(check)
        w = b + statistics.median(work)  # the interpreter's start, then the button's work
        print(f"(a) python -c pass            {b * 1e3:7.1f} ms  1.0")
        print(f"(b) dvcq check ONE.xlsx       {c * 1e3:7.1f} ms  {c / b:4.1f}×  (target ≤ 12×)")
        print(f"(c) the «Kiểm tra» button     {w * 1e3:7.1f} ms  {w / b:4.1f}×  (target ≤ 12×)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
