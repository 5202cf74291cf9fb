"""Marked-up copies to send back: every finding as a cell comment and a red fill, and a sheet
listing them all, at the front.

The original file is only read; the copy is written atomically into another folder. Text from the
agency's file (values found, names) is always written as text, never as a formula.
"""

from __future__ import annotations

import html
import os
import re
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Iterable

from .contract import (ERROR_TEXT, FONT, HEADER_FILL, MARK_ERROR, MARK_WARNING, META, OK_TEXT,
                       RESULT_SHEET)
from .errors import OutputError
from .findings import ERROR, Finding
from .intake import UNREADABLE, FileResult
from .output import atomic_path, cell_text, ensure_dir, refuse_inside, safe_filename
from .reader import XLS

RED, AMBER = MARK_ERROR[1:], MARK_WARNING[1:]  # openpyxl writes colours without «#»


def annotate_results(results: Iterable[FileResult], out_dir: str | Path,
                     inputs: Iterable[str | Path] = ()) -> list[Path]:
    """Write a marked-up copy of every file that has findings into ``out_dir``; return them.

    ``out_dir`` may not be (or lie inside) a folder that was checked (``inputs``) or that holds
    a checked file: a marked copy must never land among the submissions. A file already in
    ``out_dir`` is replaced only when it is a marked copy itself (of an earlier run); any other
    file keeps its name and the copy gets the next free one.
    """
    results = list(results)
    sources = [Path(r.path) for r in results]
    refuse_inside(out_dir, inputs, "--annotate")
    if any(_same_folder(out_dir, s.parent) for s in sources):
        raise OutputError("Thư mục --annotate phải khác thư mục chứa tệp gốc (không ghi lẫn vào "
                          "các tệp của cơ quan).")
    folder = ensure_dir(out_dir)
    taken: set[str] = set()
    written = []
    for result in results:
        if not result.findings:
            continue
        source = Path(result.path)
        suffix = ".xlsm" if source.suffix.lower() == ".xlsm" else ".xlsx"
        name = safe_filename(f"{source.stem}-kiem-tra", suffix, taken)
        while (folder / name).exists() and not is_marked_copy(folder / name):
            name = safe_filename(f"{source.stem}-kiem-tra", suffix, taken)
        written.append(annotate(result, folder / name, inputs=sources))
    return written


def _same_folder(a: str | Path, b: str | Path) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


def is_marked_copy(path: str | Path) -> bool:
    """Whether ``path`` is a marked-up copy this module wrote (its first sheet is the list)."""
    try:
        with zipfile.ZipFile(path) as z:
            info = z.getinfo("xl/workbook.xml")
            if info.file_size > 1_000_000:
                return False
            text = z.read(info).decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile, RuntimeError):
        return False
    first = re.search(r"<(?:\w+:)?sheet\b[^>]*\bname=\"([^\"]*)\"", text)
    return bool(first) and html.unescape(first.group(1)) == RESULT_SHEET


def annotate(result: FileResult, out: str | Path, inputs: Iterable[str | Path] = ()) -> Path:
    """Write the marked-up copy of one checked file to ``out``.

    A file that could not be read, or a legacy ``.xls``, gets a workbook with the list only.
    """
    from openpyxl import Workbook, load_workbook

    marked = result.status != UNREADABLE and result.format != XLS
    wb = None
    if marked:
        try:
            wb = load_workbook(result.path, keep_vba=result.format == "xlsm", keep_links=False,
                               rich_text=True)
        except Exception:  # noqa: BLE001 - it was readable for the check; if not now, list only
            wb = None
    if wb is None:
        wb = Workbook()
        wb.active.title = RESULT_SHEET
        listing = wb.active
    else:
        _mark_cells(wb, result.findings)
        listing = wb.create_sheet(RESULT_SHEET, 0)
    _write_listing(listing, result, linked=wb is not None and marked)
    wb.active = wb.index(listing)
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = ws is listing
    with atomic_path(out, inputs=[result.path, *inputs], suffixes=(".xlsx", ".xlsm"),
                     what="đánh dấu lỗi", kind="marked") as tmp:
        wb.save(tmp)
    return Path(out)


def _mark_cells(wb, findings: list[Finding]) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    by_cell: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        if f.sheet in wb.sheetnames and f.cell:
            by_cell.setdefault((f.sheet, f.cell), []).append(f)
    for (sheet, ref), items in by_cell.items():
        cell = wb[sheet][ref]
        if type(cell).__name__ == "MergedCell":
            continue
        text = cell_text("\n".join(f"• {f.message} [{f.code}]" for f in items))
        if cell.comment is not None:
            text = cell.comment.text + "\n" + text
        comment = Comment(text, "dvcq kiểm tra")
        comment.width, comment.height = 320, 40 + 40 * len(items)
        cell.comment = comment
        colour = RED if any(f.severity == ERROR for f in items) else AMBER
        cell.fill = PatternFill("solid", fgColor=colour)


def _text(cell, value) -> None:
    """Write ``value`` as text: a string that begins with "=" stays a string."""
    cell.value = "" if value is None else cell_text(value)
    cell.data_type = "s"


def _write_listing(ws, result: FileResult, linked: bool) -> None:
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.hyperlink import Hyperlink

    errors, warnings = len(result.errors), len(result.warnings)
    ws["A1"] = "KẾT QUẢ KIỂM TRA BẢNG CHẤM ĐIỂM"
    ws["A1"].font = Font(name=FONT, bold=True, size=14)
    _text(ws["A2"], f"Tệp: {Path(result.path).name}")
    _text(ws["A3"], f"Cơ quan, đơn vị: {result.agency or '(chưa ghi)'}")
    verdict = ("Không đọc được tệp" if result.status == UNREADABLE else
               f"{errors} lỗi cần sửa, {warnings} cảnh báo" if errors else
               f"Hợp lệ, {warnings} cảnh báo")
    _text(ws["A4"], f"Kết luận: {verdict}. Kiểm tra lúc {datetime.now():%H:%M ngày %d/%m/%Y}.")
    ws["A4"].font = Font(name=FONT, bold=True,
                         color=ERROR_TEXT[1:] if errors or result.status == UNREADABLE
                         else OK_TEXT[1:])
    if linked:
        _text(ws["A5"], "Các ô có lỗi được tô đỏ (cảnh báo: tô vàng) và có ghi chú; bấm vào "
                        "địa chỉ ô để đến ô đó. Sửa trong tệp gốc rồi gửi lại.")
    headers = ["STT", "Mức độ", "Ô", "Mục", "Nội dung", "Mã lỗi"]
    top = 7
    fill = PatternFill("solid", fgColor=HEADER_FILL[1:])
    for i, h in enumerate(headers, start=1):
        c = ws.cell(row=top, column=i, value=h)
        c.font = Font(name=FONT, bold=True)
        c.fill = fill
    for n, f in enumerate(result.findings, start=1):
        r = top + n
        ws.cell(row=r, column=1, value=n)
        _text(ws.cell(row=r, column=2), "Lỗi" if f.severity == ERROR else "Cảnh báo")
        where = ws.cell(row=r, column=3)
        _text(where, f"{f.sheet}!{f.cell}" if f.sheet and f.cell else (f.sheet or ""))
        if linked and f.sheet and f.cell and f.sheet != META:
            where.hyperlink = Hyperlink(ref=where.coordinate, location=f"'{f.sheet}'!{f.cell}",
                                        tooltip="Đến ô có lỗi")
            where.font = Font(color="0563C1", underline="single")
        _text(ws.cell(row=r, column=4), f.item or "")
        _text(ws.cell(row=r, column=5), f.message)
        _text(ws.cell(row=r, column=6), f.code)
    for col, width in zip("ABCDEF", (6, 10, 22, 8, 80, 24)):
        ws.column_dimensions[col].width = width
    _print_style(ws, top, top + len(result.findings))
    ws.freeze_panes = f"A{top + 1}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _print_style(ws, top: int, last: int) -> None:
    """One font (Times New Roman, as the score sheet), a bordered table that wraps and reads top
    down: what an officer prints and sends with the file."""
    from copy import copy

    from openpyxl.styles import Alignment, Border, Side

    thin = Side(style="thin", color="808080")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    for row in ws.iter_rows(min_row=1, max_row=last, max_col=6):
        for c in row:
            font = copy(c.font)
            font.name = FONT
            font.sz = font.sz if c.row == 1 else 12
            c.font = font
            if c.row >= top:
                c.border = box
                c.alignment = Alignment(wrap_text=True, vertical="top",
                                        horizontal="center" if c.column in (1, 2, 4) else None)


__all__ = ["annotate", "annotate_results", "RESULT_SHEET"]
