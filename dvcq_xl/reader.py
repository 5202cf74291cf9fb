"""Read a completed workbook once into a small intermediate representation.

This is the only openpyxl code on the read path: checks, consolidation and reports see the
:class:`WorkbookIR` (cells by defined name, with their values and locations) and the rubric,
never openpyxl objects. Cells are found by the template's defined names, never by coordinates,
so rows inserted above still read right.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import WorkbookError
from .findings import make
from .rubric import Rubric, nfc

NAME_PREFIX = "dvcq_"


@dataclass(frozen=True)
class NamedCell:
    """The cell a defined name points to: where it is and what it holds (a formula as text)."""

    name: str
    sheet: str
    cell: str
    value: Any


@dataclass
class WorkbookIR:
    """What the toolkit knows about one workbook after reading it."""

    path: str
    cells: dict[str, NamedCell] = field(default_factory=dict)
    sheetnames: list[str] = field(default_factory=list)
    protected_sheets: dict[str, bool] = field(default_factory=dict)

    def value(self, name: str, default: Any = None) -> Any:
        cell = self.cells.get(name)
        return default if cell is None or cell.value is None else cell.value

    def text(self, name: str) -> str:
        return nfc(self.value(name, ""))

    @property
    def rubric_id(self) -> str:
        return self.text("dvcq_rubric_id")

    @property
    def rubric_version(self) -> str:
        return self.text("dvcq_rubric_version")

    @property
    def rubric_hash(self) -> str:
        return self.text("dvcq_rubric_hash")

    @property
    def year(self) -> int | None:
        value = self.value("dvcq_year")
        try:
            return int(value)
        except (TypeError, ValueError):
            return None

    def entries(self, rubric: Rubric, prefix: str) -> dict[str, Any]:
        """Leaf code -> raw value of ``dvcq_{prefix}_{code}`` (as typed: number or text)."""
        return {leaf.code: self.value(f"dvcq_{prefix}_{leaf.key}") for leaf in rubric.leaves()}

    def answers(self, rubric: Rubric, column: str) -> dict[str, Any]:
        return {c.id: self.value(f"dvcq_{column}_cond_{c.id}") for c in rubric.conditions}


def read_workbook(path: str | Path) -> WorkbookIR:
    """Read every ``dvcq_*`` defined name of an xlsx into a :class:`WorkbookIR`.

    The file is opened read-only and never modified.
    """
    from openpyxl import load_workbook
    from openpyxl.utils.cell import range_boundaries

    source = str(path)
    try:
        wb = load_workbook(path, data_only=False, keep_links=False)
    except Exception as exc:  # openpyxl raises many types for bad files; all are unreadable
        finding = make("file-unreadable", path=source, detail=type(exc).__name__)
        raise WorkbookError(finding.message, [finding]) from None
    ir = WorkbookIR(path=source, sheetnames=list(wb.sheetnames))
    ir.protected_sheets = {ws.title: bool(ws.protection.sheet) for ws in wb.worksheets}
    for name, defn in wb.defined_names.items():
        if not name.startswith(NAME_PREFIX):
            continue
        for sheet, coord in defn.destinations:
            if sheet not in wb.sheetnames:
                continue
            min_col, min_row, _, _ = range_boundaries(coord.replace("$", ""))
            cell = wb[sheet].cell(row=min_row, column=min_col)
            value = cell.value
            if isinstance(value, str):
                value = nfc(value) if not value.startswith("=") else value
            ir.cells[name] = NamedCell(name, sheet, cell.coordinate, value)
            break
    wb.close()
    if "dvcq_rubric_id" not in ir.cells:
        finding = make("not-a-scoring-workbook", path=source)
        raise WorkbookError(finding.message, [finding])
    return ir
