"""The VBA side of the macro-enabled workbooks (``.xlsm``), built without Excel.

A macro-enabled score sheet or control workbook is written by XlsxWriter like any other, then
given, just before it is closed (:func:`attach`):

1. a hidden «xlwings.conf» sheet, so that ``RunPython`` does not put the workbook's folder on
   ``sys.path`` (our code is an installed package; a workbook opened from OneDrive or SharePoint
   has a URL for a folder, which xlwings cannot resolve without per-user settings);
2. a ``vbaProject.bin`` holding a document module for the workbook and for every sheet, named as
   Excel names them (ThisWorkbook, Sheet1, Sheet2…), xlwings' own standalone VBA module
   (``xlwings.bas``, BSD-licensed, copied unchanged from the xlwings release the ``excel`` extra
   pins) and our modules from ``macros/``;
3. the matching code names on the workbook and sheets.

The project is made by pyOpenVBA from the source text alone: it starts from a project Excel
authored, adds the modules and leaves no compiled code, so Excel compiles the modules when it
first opens the file ([MS-OVBA] 2.3.4.1). What can be proven here without Excel is proven in the
tests: the project reads back (olevba, pyOpenVBA) with exactly these modules and sources, each
button names a public macro of them, the package is macro-enabled, protection and validation
are intact, and LibreOffice opens and recalculates the file.
"""

from __future__ import annotations

import functools
import io
import re
import tempfile
import zipfile
from importlib import resources
from pathlib import Path
from typing import Any

#: the VBA modules of each kind of macro-enabled workbook (file stems in ``macros/``)
TEMPLATE_MODULES = ("xlwings", "DvcqKiemTra")
CONTROL_MODULES = ("xlwings", "DvcqDieuKhien")
XLWINGS_SHEET = "xlwings.conf"
#: xlwings settings written into the workbook (a sheet entry overrides the user's own file, so
#: only what must hold for every user is here; the interpreter is the user's to set)
XLWINGS_SETTINGS = (("ADD_WORKBOOK_TO_PYTHONPATH", "False"),)
WORKBOOK_CODE_NAME = "ThisWorkbook"
_PUBLIC_SUB = re.compile(r"^Public Sub (\w+)\(\)", re.MULTILINE)


def module_source(stem: str) -> str:
    """The text of ``macros/<stem>.bas`` with CRLF line ends, as VBA stores it."""
    text = (resources.files("dvcq_xl.macros") / f"{stem}.bas").read_text(encoding="ascii")
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def public_macros(stem: str) -> list[str]:
    """The macros of a module that a button can call (``Public Sub Name()``)."""
    return _PUBLIC_SUB.findall(module_source(stem))


def xlwings_version() -> str:
    """The xlwings release the bundled ``xlwings.bas`` comes from."""
    found = re.search(r'XLWINGS_VERSION As String = "([^"]+)"', module_source("xlwings"))
    return found.group(1) if found else ""


def sheet_code_name(index: int) -> str:
    """The code name Excel gives the ``index``-th (0-based) worksheet of a new project."""
    return f"Sheet{index + 1}"


@functools.lru_cache(maxsize=8)
def vba_project(sheet_count: int, modules: tuple[str, ...]) -> bytes:
    """``vbaProject.bin`` for a workbook of ``sheet_count`` worksheets with ``modules``.

    The same for every agency of a round, so it is built once per shape (deterministic bytes).
    """
    import xlsxwriter
    from pyopenvba import ExcelFile

    with tempfile.TemporaryDirectory(prefix="dvcq-vba-") as tmp:
        # pyOpenVBA adds a project to a package the way Excel does for a first macro; a bare
        # package with the same number of sheets gives it the document modules to make.
        bare, built = Path(tmp) / "bare.xlsm", Path(tmp) / "built.xlsm"
        wb = xlsxwriter.Workbook(str(bare))
        for _ in range(sheet_count):
            wb.add_worksheet()
        wb.close()
        with ExcelFile(bare) as book:
            project = book.add_vba_project()
            for stem in modules:
                project.add_module(stem, module_source(stem))
            book.save(built)
        with zipfile.ZipFile(built) as package:
            return package.read("xl/vbaProject.bin")


def attach(wb: Any, modules: tuple[str, ...]) -> None:
    """Make an XlsxWriter workbook macro-enabled with ``modules``; call it just before close.

    The file name must end in ``.xlsm`` (XlsxWriter then writes the macro-enabled content type).
    """
    conf = wb.add_worksheet(XLWINGS_SHEET)
    for row, (key, value) in enumerate(XLWINGS_SETTINGS):
        conf.write_string(row, 0, key)
        conf.write_string(row, 1, value)
    conf.very_hidden()
    sheets = wb.worksheets()
    wb.add_vba_project(io.BytesIO(vba_project(len(sheets), tuple(modules))), is_stream=True)
    wb.set_vba_name(WORKBOOK_CODE_NAME)
    for index, sheet in enumerate(sheets):
        sheet.set_vba_name(sheet_code_name(index))


def insert_button(ws: Any, cell: str, macro: str, caption: str, *, width: int = 132,
                  height: int = 40, description: str = "") -> None:
    """A form button over ``cell`` that runs ``macro`` (a public Sub of our modules)."""
    ws.insert_button(cell, {"macro": macro, "caption": caption, "width": width,
                            "height": height, "description": description or caption})


__all__ = ["TEMPLATE_MODULES", "CONTROL_MODULES", "XLWINGS_SHEET", "XLWINGS_SETTINGS",
           "module_source", "public_macros", "xlwings_version", "vba_project", "attach",
           "insert_button"]
