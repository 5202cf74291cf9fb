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
