"""The package's shape: small functions, one module per stage."""

from __future__ import annotations

import ast
from pathlib import Path

import dvcq_xl

PACKAGE = Path(dvcq_xl.__file__).parent
LONGEST = 80


def test_no_function_is_longer_than_80_lines():
    long = []
    for path in sorted(PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > LONGEST:
                    long.append(f"{path.name}:{node.name} ({lines})")
    assert long == []


def test_the_stages_each_have_their_module():
    """What the README's «For developers» names: a newcomer finds each stage by its name."""
    for stage in ("rubric", "contract", "template", "reader", "checks", "intake", "consolidate",
                  "ranking", "reports", "workflow", "excel", "output", "errors", "findings"):
        assert (PACKAGE / f"{stage}.py").is_file(), stage


# --- start-up: a command imports what it uses, nothing more (issue 18) -----------------------

import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

import pytest  # noqa: E402

#: what a plain check of one workbook never needs: the writers, the Word side, the chart, and
#: openpyxl (with numpy behind it), which the reader does without
HEAVY = ("openpyxl", "numpy", "xlsxwriter", "docxtpl", "docx", "jinja2", "matplotlib", "PIL",
         "lxml", "xlrd", "olefile", "pyOpenVBA", "icu", "pyuca")

_LOADED = ("import sys, json; sys.argv = ['dvcq'] + sys.argv[1:]\n{code}\n"
           "print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))")


def _top_modules(code: str, *args: str) -> set[str]:
    proc = subprocess.run([sys.executable, "-c", _LOADED.format(code=code), *args],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return set(json.loads(proc.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("module", ["dvcq_xl", "dvcq_xl.excel"])
def test_importing_the_package_or_the_excel_side_loads_nothing_heavy(module):
    """``import dvcq_xl`` is nearly free; ``import dvcq_xl.excel`` is what every click of an
    Excel button pays before the book is read."""
    loaded = _top_modules(f"import {module}")
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))
    if module == "dvcq_xl":
        assert loaded.isdisjoint({"rich", "click", "yaml"}), loaded


def test_a_plain_check_of_one_workbook_loads_nothing_heavy(tmp_path):
    from dvcq_xl.rubric import builtin_rubric

    from .helpers import make_filled

    path = make_filled(builtin_rubric("bac-giang-274-2017"), tmp_path / "cq.xlsx")
    code = ("from dvcq_xl.cli import main\n"
            "try:\n    main()\nexcept SystemExit as exc:\n    assert exc.code == 0, exc.code")
    loaded = _top_modules(code, "check", str(path))
    assert "dvcq_xl" in loaded and "rich" in loaded  # it did check, and printed
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_the_long_shared_runs_stay_on_one_worker(request):
    """Under ``--dist loadgroup`` every test marked ``xdist_group`` carries its group in its id,
    which is how xdist keeps a group on one worker; if a pytest or xdist release breaks that,
    each worker silently redoes the demo and the recalculations (setup.cfg pins pytest)."""
    if not request.config.getvalue("loadgroup"):
        return  # one process (-n 0): nothing to keep together
    marked = [item for item in request.session.items if item.get_closest_marker("xdist_group")]
    lost = [item.nodeid for item in marked if "@" not in item.nodeid]
    assert lost == [], lost[:3]


def test_no_module_binds_a_name_twice_at_its_top_level():
    """A second ``_REF = …`` further down a module silently replaces the first for every
    function, and the checks then fail on every file: each top-level name is bound once."""
    twice = {}
    for path in sorted(Path(dvcq_xl.__file__).parent.glob("*.py")):
        seen: dict[str, int] = {}
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names = [node.target.id]
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names = [node.name]
            else:
                names = []
            for name in names:
                seen[name] = seen.get(name, 0) + 1
        twice.update({f"{path.name}:{n}": k for n, k in seen.items() if k > 1})
    assert twice == {}
