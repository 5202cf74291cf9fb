"""Write the ranking workbook of a consolidated round (XlsxWriter), ready to print and to read.

Sheets: one ranking per block, statistics with native charts, the item-by-agency matrix with the
weakest items, the inspection team's changes, missing and rejected submissions, and the sources
(the audit trail). Values are written, not formulas: the numbers are already recomputed from the
submitted files, and a file never opened in Excel then shows them to every reader (openpyxl, the
report stage, a viewer) alike. Every text that came from an agency's file is written as a string
(``strings_to_formulas`` off, ``write_string``), so "=HYPERLINK(…)" stays text.

The ranking sheets carry defined names (``dvcq_ranking_1`` …) and a hidden ``dvcq`` sheet the
metadata, so that a later run can read the workbook back (``--previous``), also after hand edits.
"""

from __future__ import annotations

import math
import os
from datetime import datetime
from pathlib import Path
from typing import Any, Sequence

from .contract import ERROR_TEXT, FONT, HEADER_FILL, Formats
from .text import cell_number as _score
from .contract import ranking_name, ranking_sheet
from . import __version__
from .consolidate import NO_BLOCK, Consolidation, Unit, leaf_label
from .findings import comma
from .output import (atomic_path, cell_text, refuse_inputs, refuse_inside, sheet_name,
                     write_json_cells)
from .rubric import NO, NOT_APPLICABLE, NOT_ELIGIBLE_CLASS, PERCENT, SUPERIOR, TARGET, YES, YESNO

RANKING_PREFIX = "Xếp hạng"
RANKING_COLUMNS = ("STT", "Mã", "Tên cơ quan", "Khối", "Điểm tự chấm", "Điểm Tổ kiểm tra",
                   "Chênh lệch", "Điểm xếp loại", "Xếp loại", "Hạng", "Ghi chú")
#: after a giải trình round (``--appeals``): the score before it, and what it changed
APPEAL_COLUMNS = ("Điểm trước giải trình", "Thay đổi do giải trình")
STATS, MATRIX, CHANGES, GAPS, SOURCES, META = ("Thống kê", "Ma trận điểm", "Tổ kiểm tra chấm lại",
                                               "Chưa nộp - bị từ chối", "Nguồn dữ liệu", "dvcq")
#: the figures of measured items and the items that do not apply, beside their points (only for
#: a rubric that has them)
FIGURES = "Số liệu"
#: the giải trình round: every decided row, the forms and their fate, who sent none
APPEALS = "Giải trình"
#: how the sources sheet names a giải trình form (not a submission: never counted as one)
APPEAL_COPY = "Phiếu giải trình"
#: giao ước thi đua: the title proposals of every khối, and why a member was not proposed
PROPOSALS = "Đề nghị khen thưởng"
#: defined-name key -> sheet, for readers of the workbook (``dvcq report``)
SHEET_NAMES = {"stats": STATS, "matrix": MATRIX, "changes": CHANGES, "gaps": GAPS,
               "sources": SOURCES}
USED = {"ranked": "Được xếp hạng", "rejected": "Bị từ chối", "unknown": "Không có trong danh sách",
        "duplicate": "Trùng, không tính",
        "superseded": "Thay bằng bản Tổ kiểm tra", "": "—"}
STATUS = {"ok": "Hợp lệ", "invalid": "Có lỗi", "unreadable": "Không đọc được"}
WEAKEST = 10


def sheet_title(prefix: str, name: str, taken: set[str]) -> str:
    """A sheet name Excel accepts, from a block name typed by people (see output.sheet_name)."""
    return sheet_name(f"{prefix} - {name}", taken, fallback=prefix)


class _Styles:
    def __init__(self, wb):
        fmt = Formats(wb, text_wrap=False)

        self.title = fmt(bold=True, font_size=14, align="center")
        self.subtitle = fmt(italic=True, align="center", text_wrap=True)
        self.warning = fmt(italic=True, font_color=ERROR_TEXT, text_wrap=True)
        self.heading = fmt(bold=True, font_size=13)
        self.head = fmt(bold=True, align="center", text_wrap=True, border=1, bg_color=HEADER_FILL)
        self.text = fmt(border=1, text_wrap=True)
        self.center = fmt(border=1, align="center")
        self.number = fmt(border=1, align="center", num_format="General")
        self.delta = fmt(border=1, align="center", num_format="+General;-General;0")
        self.percent = fmt(border=1, align="center", num_format="0%")
        self.date = fmt(border=1, align="center", num_format="dd/mm/yyyy hh:mm")
        self.mono = wb.add_format({"font_name": "Consolas", "font_size": 9, "border": 1,
                                   "valign": "vcenter"})
        self.bold_number = fmt(border=1, align="center", bold=True, num_format="General")
        self.bold_text = fmt(border=1, bold=True)
        self.plain = fmt()


def _put(ws, row: int, col: int, value: Any, style) -> None:
    """Write one value by type; text is always a string, never a formula or a link."""
    kind = value.__class__
    if (kind is int or kind is float) and math.isfinite(value):  # most cells: a score
        ws.write_number(row, col, value, style)
    elif value is None or value == "":
        ws.write_blank(row, col, None, style)
    elif isinstance(value, bool):
        ws.write_string(row, col, "Có" if value else "Không", style)
    elif isinstance(value, (int, float)):
        if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
            ws.write_string(row, col, str(value), style)
        else:
            ws.write_number(row, col, value, style)
    elif isinstance(value, datetime):
        ws.write_datetime(row, col, value, style)
    else:
        ws.write_string(row, col, cell_text(value), style)


def _table(ws, st: _Styles, top: int, headers: Sequence[str], rows: Sequence[Sequence[Any]],
           styles: Sequence[Any], name: str | None = None,
           widths: Sequence[float] | None = None) -> int:
    """A bordered table with a header row (an Excel table with filter when it has rows).

    With ``widths``, the columns get them and each row the height its wrapped text needs
    (neither Excel nor LibreOffice grows rows of a file written this way by itself).
    Returns the row after the table.
    """
    if widths:
        for col, w in enumerate(widths):
            ws.set_column(col, col, w)
        for r, values in enumerate(rows, start=top + 1):
            lines = max((math.ceil(len(v) / max(1.0, widths[c] * 1.1)) for c, v in
                         enumerate(values) if isinstance(v, str) and c < len(widths)), default=1)
            if lines > 1:
                ws.set_row(r, 15.6 * min(lines, 15))
    if not rows:
        for c, h in enumerate(headers):
            ws.write_string(top, c, h, st.head)
        ws.merge_range(top + 1, 0, top + 1, len(headers) - 1, "(không có)", st.text)
        return top + 2
    for r, values in enumerate(rows, start=top + 1):
        for c, value in enumerate(values):
            _put(ws, r, c, value, styles[c])
    options = {"columns": [{"header": h, "header_format": st.head} for h in headers],
               "style": "Table Style Light 1", "autofilter": True}
    if name:
        options["name"] = name
    ws.add_table(top, 0, top + len(rows), len(headers) - 1, options)
    return top + len(rows) + 1


def _code_width(c: Consolidation) -> float:
    """The «Mã» column wide enough for the longest agency code (XTHANHSON), 8 at least."""
    longest = max((len(a.agency_code or "") for a in (*c.units, *c.missing)), default=0)
    return max(8.0, min(18.0, 1.15 * longest + 1))


def _print_setup(ws, header_row: int | None, landscape: bool = True) -> None:
    ws.set_paper(9)  # A4
    if landscape:
        ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.5, right=0.4, top=0.6, bottom=0.6)
    ws.set_footer("&C&\"Times New Roman\"&10Trang &P/&N")
    if header_row is not None:
        ws.repeat_rows(header_row)


def _titles(ws, st: _Styles, c: Consolidation, title: str, width: int, sub: str = "") -> int:
    year = f" NĂM {c.year}" if c.year else ""
    ws.merge_range(0, 0, 0, width - 1, f"{title}{year}", st.title)
    r = c.rubric
    info = (f"Bộ tiêu chí: {r.title or r.id} ({r.decision.number}, phiên bản {r.version})"
            + (f" — {sub}" if sub else ""))
    ws.merge_range(1, 0, 1, width - 1, info, st.subtitle)
    row = 2
    if not r.bands_verified:
        ws.merge_range(row, 0, row, width - 1,
                       "Lưu ý: ngưỡng xếp loại của bộ tiêu chí này chưa được đối chiếu với văn "
                       "bản gốc; xếp loại chỉ để tham khảo.", st.warning)
        row += 1
    return row + 1


def write_ranking(c: Consolidation, path: str | Path) -> Path:
    """Write the ranking workbook atomically (a temporary file, then a rename)."""
    import xlsxwriter

    inputs = [*c.inputs, *(r.path for r in c.sources), *(p for p, _ in c.skipped)]
    refuse_inputs(path, inputs)  # the plainest mistake is said first
    # inside an inbox, the ranking would be read as a submission by the next run
    refuse_inside(Path(path).parent, c.inputs, "ghi bảng xếp hạng")
    with atomic_path(path, inputs=inputs, suffixes=(".xlsx",), what="bảng xếp hạng",
                     kind="ranking") as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False,
                                            "strings_to_urls": False,
                                            "strings_to_numbers": False})
        wb.set_properties({"title": f"Kết quả xếp hạng công tác dân vận chính quyền {c.year or ''}",
                           "author": "dvcq_xl", "comments": f"dvcq_xl {__version__}"})
        st = _Styles(wb)
        taken: set[str] = {s.casefold() for s in (STATS, MATRIX, CHANGES, GAPS, SOURCES, META,
                                                   FIGURES, PROPOSALS, APPEALS)}
        ranking_sheets = []
        for block in c.blocks:
            units = c.block_units(block)
            ws = wb.add_worksheet(sheet_title(RANKING_PREFIX, block, taken))
            _ranking_sheet(ws, st, c, block, units)
            ranking_sheets.append(ws.name)
        if not ranking_sheets:
            ws = wb.add_worksheet(sheet_title(RANKING_PREFIX, NO_BLOCK, taken))
            _ranking_sheet(ws, st, c, NO_BLOCK, [])
            ranking_sheets.append(ws.name)
        _stats_sheet(wb, wb.add_worksheet(STATS), st, c)
        _matrix_sheet(wb.add_worksheet(MATRIX), st, c)
        if any(leaf.measure is not None or leaf.not_applicable for leaf in c.rubric.leaves()):
            _figures_sheet(wb.add_worksheet(FIGURES), st, c)
        if c.rubric.titles:
            _proposals_sheet(wb.add_worksheet(PROPOSALS), st, c)
        if c.appeals_used:
            _appeals_sheet(wb.add_worksheet(APPEALS), st, c)
        _changes_sheet(wb.add_worksheet(CHANGES), st, c)
        _gaps_sheet(wb.add_worksheet(GAPS), st, c)
        _sources_sheet(wb.add_worksheet(SOURCES), st, c)
        _meta_sheet(wb, wb.add_worksheet(META), c, ranking_sheets)
        wb.worksheets()[0].activate()
        wb.close()
    return Path(path)


def _ranking_sheet(ws, st: _Styles, c: Consolidation, block: str, units: list[Unit]) -> None:
    columns = RANKING_COLUMNS + (APPEAL_COLUMNS if c.appeals_used else ())
    width = len(columns)
    top = _titles(ws, st, c, "KẾT QUẢ XẾP HẠNG CÔNG TÁC DÂN VẬN CHÍNH QUYỀN", width,
                  f"Khối: {block}")
    rows = []
    for i, u in enumerate(units, start=1):
        rows.append([i, u.agency_code, u.agency, u.block, _score(u.self_total),
                     _score(u.review_total), _score(u.delta), _score(u.final_score),
                     u.class_name, u.rank, "; ".join(u.notes)])
        if c.appeals_used:
            before = u.score_before_appeals
            rows[-1] += [_score(before if before is not None else u.final_score),
                         _score(round(u.final_score - before, 9)) if before is not None
                         else None]
    styles = [st.center, st.center, st.text, st.text, st.number, st.number, st.delta, st.number,
              st.text, st.center, st.text] + ([st.number, st.delta] if c.appeals_used else [])
    end = _table(ws, st, top, columns, rows, styles,
                 widths=(5, max(9, _code_width(c)), 38, 18, 9, 10, 9, 9, 18, 7, 40, 11, 11))
    gaps = [m for m in c.missing if (m.block or NO_BLOCK) == block]
    if gaps:
        text = (f"Chưa có bài hợp lệ ({len(gaps)}): "
                + "; ".join(f"{m.agency} ({m.note})" for m in gaps))
        ws.merge_range(end + 1, 0, end + 1, width - 1, text, st.warning)
        ws.set_row(end + 1, 16 * (1 + len(text) // 150))
    ws.set_row(top, 32)
    ws.freeze_panes(top + 1, 3)
    _print_setup(ws, top)


def _stats_sheet(wb, ws, st: _Styles, c: Consolidation) -> None:
    """Counts per class per block (+ chart), the score distribution (+ chart), the weakest items.

    Every table starts with STT in a narrow column A and its name column in a wide column B, so
    that the three tables share column widths (and a reader finds them by their STT header)."""
    classes = c.rubric.all_class_names + [NOT_ELIGIBLE_CLASS]
    headers = ["STT", "Khối"] + classes + ["Tổng số"]
    top = _titles(ws, st, c, "THỐNG KÊ KẾT QUẢ XẾP LOẠI", len(headers))
    rows = []
    for i, block in enumerate(c.blocks, start=1):
        counts = c.class_counts(block)
        rows.append([i, block] + [counts[k] for k in classes] + [sum(counts.values())])
    total = c.class_counts()
    rows.append(["", "Toàn tỉnh"] + [total[k] for k in classes] + [sum(total.values())])
    styles = [st.center, st.text] + [st.number] * (len(classes) + 1)
    end = _table(ws, st, top, headers, rows, styles, name="ThongKeXepLoai")
    n_blocks = len(rows) - 1
    name = ws.get_name()
    if n_blocks and any(total[k] for k in classes):  # a chart needs a series: none before
        chart = wb.add_chart({"type": "column"})     # any agency has a valid file
        for k, cls in enumerate(classes, start=2):
            if not total[cls]:
                continue
            chart.add_series({
                "name": [name, top, k],
                "categories": [name, top + 1, 1, top + n_blocks, 1],
                "values": [name, top + 1, k, top + n_blocks, k],
                "data_labels": {"value": True},
            })
        chart.set_title({"name": "Xếp loại theo khối", "name_font": {"name": FONT, "size": 12}})
        chart.set_y_axis({"name": "Số đơn vị", "major_gridlines": {"visible": True},
                          "num_format": "0"})
        chart.set_legend({"position": "bottom", "font": {"name": FONT}})
        chart.set_x_axis({"num_font": {"name": FONT}})
        ws.insert_chart(end + 1, 0, chart, {"x_scale": 1.4, "y_scale": 1.1})
    # score distribution, in bins of 5 points
    row = end + 19
    ws.write_string(row, 0, "Phân bố điểm xếp loại (số đơn vị theo khoảng điểm)", st.heading)
    bins = [[i] + b for i, b in enumerate(_bins(c), start=1)]
    end2 = _table(ws, st, row + 1, ["STT", "Khoảng điểm", "Số đơn vị"], bins,
                  [st.center, st.center, st.number], name="PhanBoDiem")
    if bins:
        chart = wb.add_chart({"type": "column"})
        chart.add_series({"name": "Số đơn vị",
                          "categories": [name, row + 2, 1, row + 1 + len(bins), 1],
                          "values": [name, row + 2, 2, row + 1 + len(bins), 2],
                          "data_labels": {"value": True}, "gap": 30})
        chart.set_title({"name": "Phân bố điểm xếp loại", "name_font": {"name": FONT, "size": 12}})
        chart.set_legend({"none": True})
        chart.set_y_axis({"name": "Số đơn vị", "num_format": "0"})
        ws.insert_chart(row + 1, 3, chart, {"x_scale": 1.1, "y_scale": 1.0})
    row = max(end2, row + 17) + 1
    ws.write_string(row, 0, f"Các nội dung đạt thấp nhất toàn tỉnh (theo tỷ lệ điểm bình quân "
                            f"so với điểm chuẩn, {WEAKEST} nội dung)", st.heading)
    weak = weakest_items(c)[:WEAKEST]
    _table(ws, st, row + 1, ["STT", "Nội dung", "Mã", "Điểm chuẩn", "Bình quân", "Tỷ lệ"],
           [[i, label, code, _score(mx), _score(avg), share]
            for i, (code, label, mx, avg, share) in enumerate(weak, start=1)],
           [st.center, st.text, st.center, st.number, st.number, st.percent], name="NoiDungYeu")
    if c.notes:
        r = row + len(weak) + 4
        ws.write_string(r, 0, "Ghi chú khi áp dụng tỷ lệ:", st.heading)
        for i, note in enumerate(c.notes, start=1):
            ws.write_string(r + i, 0, note, st.plain)
    ws.set_column(0, 0, 6)
    ws.set_column(1, 1, 36)
    ws.set_column(2, len(headers), 12)
    ws.set_row(top, 45)
    _print_setup(ws, None, landscape=False)


def _bins(c: Consolidation) -> list[list[Any]]:
    scores = [u.final_score for u in c.units]
    if not scores:
        return []
    top = max(c.rubric.total_max, max(scores))
    edges = list(range(0, int(math.ceil(top / 5.0)) * 5 + 1, 5))
    low = max(0, (int(min(scores)) // 5) * 5)
    rows = []
    for a in edges:
        if a < low or a > top:
            continue
        b = a + 5
        count = sum(1 for s in scores if a - 1e-9 <= s < b - 1e-9 or (b > top and s >= a))
        rows.append([f"{a} – dưới {b}" if b <= top else f"từ {a}", count])
    return rows


def weakest_items(c: Consolidation) -> list[tuple[str, str, float, float, float]]:
    """(code, label, max, average final points, share of max) of every scored leaf, lowest first."""
    out = []
    for leaf in c.rubric.leaves():
        if leaf.kind not in ("scored", SUPERIOR):
            continue
        values = [u.values.get(leaf.code) for u in c.units]
        values = [v for v in values if v is not None]
        if not values:
            continue
        avg = sum(values) / len(values)
        out.append((leaf.code, leaf_label(c.rubric, leaf.code), leaf.max_points, round(avg, 2),
                    round(avg / leaf.max_points, 4)))
    return sorted(out, key=lambda t: (t[4], t[0]))


def _appeals_sheet(ws, st: _Styles, c: Consolidation) -> None:
    """The giải trình round: each decided row (agency, item, self, team, explanation, decision,
    final, reason, form), then every form read with its SHA-256 and fate, then the agencies
    whose score the team lowered and that sent no decided form."""
    head = ["STT", "Mã", "Tên cơ quan", "Mục", "Tự chấm", "Tổ kiểm tra", "Giải trình",
            "Quyết định", "Điểm sau giải trình", "Lý do quyết định", "Phiếu"]
    top = _titles(ws, st, c, "KẾT QUẢ GIẢI TRÌNH", len(head),
                  f"{len(c.appeals)} mục được quyết định")
    for col, text in enumerate(head):
        ws.write_string(top, col, text, st.head)
    row = top + 1
    for i, a in enumerate(c.appeals, start=1):
        values = [i, a.agency_code, a.agency, a.item, _score(a.own) if isinstance(
            a.own, (int, float)) else a.own, _score(a.team) if isinstance(a.team, (int, float))
            else a.team, a.explanation, a.decision, _score(a.final), a.reason,
            Path(a.source).name]
        for col, value in enumerate(values):
            _put(ws, row, col, value, st.text if col in (2, 6, 7, 9, 10) else st.center)
        ws.set_row(row, 16 * max(1, -(-len(a.explanation) // 30), -(-len(a.reason) // 26)))
        row += 1
    row += 1
    ws.merge_range(row, 0, row, len(head) - 1, "Các phiếu đã đọc", st.bold_text)
    row += 1
    for col, text in enumerate(["STT", "Mã", "Tên cơ quan", "Tệp", "Tình trạng", "SHA-256",
                                "Lý do"]):
        ws.write_string(row, col, text, st.head)
    row += 1
    for i, f in enumerate(c.appeal_forms, start=1):
        values = [i, f["agency_code"], f["agency"], Path(f["path"]).name, f["status"],
                  f["sha256"], "; ".join(f["problems"])]
        for col, value in enumerate(values):
            _put(ws, row, col, value, st.text)
        row += 1
    if c.appeals_missing:
        row += 1
        ws.merge_range(row, 0, row, len(head) - 1,
                       "Chưa có bản quyết định giải trình: " + "; ".join(c.appeals_missing),
                       st.warning)
    ws.set_column(0, 0, 5)
    ws.set_column(1, 1, _code_width(c))
    ws.set_column(2, 2, 28)
    ws.set_column(3, 5, 10)
    ws.set_column(6, 6, 32)
    ws.set_column(7, 8, 14)
    ws.set_column(9, 9, 28)
    ws.set_column(10, 10, 24)
    _print_setup(ws, top)


def _proposals_sheet(ws, st: _Styles, c: Consolidation) -> None:
    """Per khối: each member's registered title, the title proposed, and why not (the rubric's
    rules: registration, targets, class, total, quota), then the notes for the council."""
    head = ["STT", "Mã", "Tên cơ quan", "Khối", "Điểm", "Xếp loại", "Hạng",
            "Danh hiệu đăng ký", "Danh hiệu đề nghị", "Lý do, ghi chú"]
    top = _titles(ws, st, c, "ĐỀ NGHỊ KHEN THƯỞNG THEO GIAO ƯỚC THI ĐUA", len(head),
                  "; ".join(f"«{t.name}»" + (f" tối đa {t.quota}/khối" if t.quota else "")
                            for t in c.rubric.titles))
    for col, text in enumerate(head):
        ws.write_string(top, col, text, st.head)
    row = top + 1
    for i, u in enumerate(c.units, start=1):
        why = "; ".join(n for n in u.notes if "đề nghị «" in n.casefold())
        values = [i, u.agency_code, u.agency, u.block, _score(u.final_score), u.class_name,
                  u.rank, u.title_registered or "—", u.title_proposed or "—", why]
        for col, value in enumerate(values):
            _put(ws, row, col, value, st.text if col in (2, 3, 5, 7, 8, 9) else
                 st.number if col == 4 else st.center)
        widths = {2: 28, 3: 16, 5: 10, 7: 22, 8: 22, 9: 48}
        ws.set_row(row, 16 * max(1, *(-(-len(str(values[k])) // w) for k, w in widths.items())))
        row += 1
    for note in c.notes:
        if "Hội đồng" in note:
            ws.merge_range(row + 1, 0, row + 1, len(head) - 1, note, st.warning)
            row += 1
    ws.set_column(0, 0, 5)
    ws.set_column(1, 1, _code_width(c))
    ws.set_column(2, 2, 30)
    ws.set_column(3, 3, 18)
    ws.set_column(4, 6, 11)
    ws.set_column(7, 8, 24)
    ws.set_column(9, 9, 50)
    _print_setup(ws, top)


def _figures_sheet(ws, st: _Styles, c: Consolidation) -> None:
    """Per agency and per measured item or item that may not apply: the figures that count
    (the team's where it gave them, else the agency's), the points, or «Không áp dụng»."""
    leaves = [leaf for leaf in c.rubric.leaves() if leaf.measure is not None
              or leaf.not_applicable]
    targets = any(leaf.measure is not None and leaf.measure.rule == TARGET for leaf in leaves)
    head = ["STT", "Mã", "Tên cơ quan", "Khối", "Mục", "Nội dung",
            "Kết quả đạt được" if targets else "Số liệu 1",
            "Chỉ tiêu đăng ký" if targets else "Số liệu 2",
            "Tỷ lệ", "Điểm xếp loại", "Điểm chuẩn"]
    top = _titles(ws, st, c, "SỐ LIỆU CỦA CÁC CHỈ TIÊU VÀ CÁC MỤC KHÔNG ÁP DỤNG", len(head),
                  "Điểm tính từ số liệu theo bộ tiêu chí; số liệu của Tổ kiểm tra nếu có")
    for col, text in enumerate(head):
        ws.write_string(top, col, text, st.head)
    row, n = top + 1, 0
    for u in c.units:
        rubric = c.rubric.for_block(u.block)
        for leaf in leaves:
            item = rubric.item(leaf.code)
            figures = list(u.figures.get(leaf.code, ()))
            dropped = leaf.code in u.not_applicable
            if not figures and not dropped and u.values.get(leaf.code) is not None \
                    and item.measure is None:
                continue  # an item that may not apply, and applies: the matrix has it
            n += 1
            a = figures[0] if figures else None
            b = figures[1] if len(figures) > 1 else None
            share = a / b if a is not None and b else None
            unit = item.measure.unit if item.measure is not None else ""
            if unit == YESNO:  # «Có»/«Không» as they were typed
                a, b, share = (None if v is None else YES if v else NO for v in (a, b, None))
            label = (f"{item.text or item.title} — " + "; ".join(item.measure.figures)
                     if item.measure is not None else item.text or item.title)
            values = [n, u.agency_code, u.agency, u.block, leaf.code, label, a, b, share,
                      NOT_APPLICABLE if dropped else _score(u.values.get(leaf.code)),
                      item.max_points]
            for col, value in enumerate(values):
                style = (st.percent if col == 8 or (col in (6, 7) and unit == PERCENT)
                         else st.number if col >= 6 else st.text if col in (2, 3, 5)
                         else st.center)
                _put(ws, row, col, value, style)
            # neither engine fits a row to wrapped text on opening: give it the lines it needs
            ws.set_row(row, 16 * max(1, -(-len(label) // 55), -(-len(u.agency) // 28),
                                     -(-len(u.block) // 14)))
            row += 1
    ws.set_column(0, 0, 5)
    ws.set_column(1, 1, _code_width(c))
    ws.set_column(2, 2, 30)
    ws.set_column(3, 3, 16)
    ws.set_column(4, 4, 6)
    ws.set_column(5, 5, 60)
    ws.set_column(6, 10, 11)
    ws.freeze_panes(top + 1, 3)
    _print_setup(ws, top)


def _matrix_sheet(ws, st: _Styles, c: Consolidation) -> None:
    leaves = c.rubric.leaves()
    fixed = ["STT", "Mã", "Tên cơ quan", "Khối"]
    width = len(fixed) + 2 * len(leaves) + 2
    top = _titles(ws, st, c, "ĐIỂM TỪNG NỘI DUNG CỦA TỪNG ĐƠN VỊ", min(width, 16),
                  "TC: tự chấm; XL: điểm xếp loại (điểm Tổ kiểm tra nếu có, không thì tự chấm)")
    head_row = top + 1
    for col, text in enumerate(fixed):
        ws.merge_range(top, col, head_row, col, text, st.head)
    col = len(fixed)
    for leaf in leaves:
        ws.merge_range(top, col, top, col + 1,
                       f"{leaf.code} ({comma(leaf.max_points)} đ)", st.head)
        ws.write_string(head_row, col, "TC", st.head)
        ws.write_string(head_row, col + 1, "XL", st.head)
        ws.write_comment(top, col, leaf_label(c.rubric, leaf.code))
        col += 2
    ws.merge_range(top, col, top, col + 1, "Tổng", st.head)
    ws.write_string(head_row, col, "TC", st.head)
    ws.write_string(head_row, col + 1, "XL", st.head)
    row = head_row + 1
    for i, u in enumerate(c.units, start=1):
        for k, value in enumerate([i, u.agency_code, u.agency, u.block]):
            _put(ws, row, k, value, st.text if k >= 2 else st.center)
        points = [v for leaf in leaves for v in (_score(u.self_values.get(leaf.code)),
                                                   _score(u.values.get(leaf.code)))]
        points += [_score(u.self_total), _score(u.final_score)]
        if all(p is None or p.__class__ is int or math.isfinite(p) for p in points):
            ws.write_row(row, len(fixed), points, st.number)  # numbers and blanks, as _put
        else:
            for k, value in enumerate(points, start=len(fixed)):
                _put(ws, row, k, value, st.number)
        row += 1
    ws.merge_range(row, 0, row, 3, "Bình quân", st.bold_text)
    share_row = row + 1
    ws.merge_range(share_row, 0, share_row, 3, "Tỷ lệ so với điểm chuẩn (XL)", st.bold_text)
    k = len(fixed)
    for leaf in leaves:
        own = [u.self_values.get(leaf.code) for u in c.units]
        fin = [u.values.get(leaf.code) for u in c.units]
        avg_own, avg_fin = _mean(own), _mean(fin)
        _put(ws, row, k, avg_own, st.bold_number)
        _put(ws, row, k + 1, avg_fin, st.bold_number)
        ws.merge_range(share_row, k, share_row, k + 1,
                       None if avg_fin is None else avg_fin / leaf.max_points, st.percent)
        k += 2
    _put(ws, row, k, _mean([u.self_total for u in c.units]), st.bold_number)
    _put(ws, row, k + 1, _mean([u.final_score for u in c.units]), st.bold_number)
    ws.set_column(0, 0, 5)
    ws.set_column(1, 1, _code_width(c))
    ws.set_column(2, 2, 34)
    ws.set_column(3, 3, 16)
    ws.set_column(4, width, 6.5)
    ws.freeze_panes(head_row + 1, 3)
    if c.units:
        ws.autofilter(head_row, 0, head_row + len(c.units), width - 1)
    _print_setup(ws, None)
    ws.repeat_rows(top, head_row)


def _mean(values: list[float | None]) -> float | None:
    got = [v for v in values if v is not None]
    return round(sum(got) / len(got), 2) if got else None


def _changes_sheet(ws, st: _Styles, c: Consolidation) -> None:
    headers = ["STT", "Mã", "Tên cơ quan", "Khối", "Mục", "Nội dung", "Tự chấm", "Tổ kiểm tra",
               "Chênh lệch", "Lý do", "Tệp"]
    top = _titles(ws, st, c, "CÁC NỘI DUNG TỔ KIỂM TRA CHẤM LẠI", len(headers))
    rows = []
    for i, ch in enumerate(c.changes, start=1):
        diff = (ch.review_value - ch.self_value
                if isinstance(ch.review_value, (int, float))
                and isinstance(ch.self_value, (int, float)) else None)
        rows.append([i, ch.agency_code, ch.agency, ch.block, ch.item, ch.label,
                     _score(ch.self_value) if diff is not None else ch.self_value,
                     _score(ch.review_value) if diff is not None else ch.review_value,
                     _score(diff), ch.reason or "(không ghi lý do)", Path(ch.source).name])
    styles = [st.center, st.center, st.text, st.text, st.center, st.text, st.number, st.number,
              st.delta, st.text, st.text]
    _table(ws, st, top, headers, rows, styles, name="ToKiemTraChamLai",
           widths=(5, 8, 30, 16, 7, 34, 8, 8, 8, 40, 24))
    ws.freeze_panes(top + 1, 3)
    _print_setup(ws, top)


def _gaps_sheet(ws, st: _Styles, c: Consolidation) -> None:
    widths = (5, 30, 32, 20, 26, 60)
    row = _titles(ws, st, c, "BÀI CHƯA NỘP, BỊ TỪ CHỐI, KHÔNG CÓ TRONG DANH SÁCH, TRÙNG", 6)
    ws.write_string(row, 0, f"1. Chưa có bài hợp lệ ({len(c.missing)})"
                    + ("" if c.roster is not None else " — không có danh sách cơ quan (--roster), "
                       "không đối chiếu được"), st.heading)
    row = _table(ws, st, row + 1, ["STT", "Mã", "Tên cơ quan", "Khối", "Ghi chú"],
                 [[i, m.agency_code, m.agency, m.block, m.note]
                  for i, m in enumerate(c.missing, start=1)],
                 [st.center, st.center, st.text, st.text, st.text], widths=widths) + 1
    ws.write_string(row, 0, f"2. Tệp bị từ chối, không xếp hạng ({len(c.rejected)} tệp)",
                    st.heading)
    rows = []
    for i, rej in enumerate(c.rejected, start=1):
        for f in (f for f in rej.findings if f.severity == "error"):
            where = f"{f.sheet}!{f.cell}" if f.sheet and f.cell else (f.sheet or "")
            rows.append([i, Path(rej.path).name, rej.agency, f.code, where, f.message])
    row = _table(ws, st, row + 1, ["STT", "Tệp", "Cơ quan (theo tệp)", "Mã lỗi", "Vị trí",
                                   "Nội dung lỗi"], rows,
                 [st.center, st.text, st.text, st.text, st.center, st.text], widths=widths) + 1
    ws.write_string(row, 0, f"3. Tệp của cơ quan không có trong danh sách ({len(c.unknown)})",
                    st.heading)
    row = _table(ws, st, row + 1, ["STT", "Tệp", "Cơ quan (theo tệp)", "Mã (theo tệp)",
                                   "Gần giống trong danh sách"],
                 [[i, Path(u.path).name, u.agency, u.agency_code,
                   u.suggestion or "(không có tên gần giống)"]
                  for i, u in enumerate(c.unknown, start=1)],
                 [st.center, st.text, st.text, st.center, st.text], widths=widths) + 1
    ws.write_string(row, 0, f"4. Cơ quan nộp nhiều tệp ({len(c.duplicates)}): chỉ tính một tệp",
                    st.heading)
    row = _table(ws, st, row + 1, ["STT", "Mã", "Tên cơ quan", "Tệp được tính",
                                   "Tệp không tính", "Lý do"],
                 [[i, d.agency_code, d.agency, Path(d.counted).name,
                   ", ".join(Path(p).name for p in d.others), d.reason]
                  for i, d in enumerate(c.duplicates, start=1)],
                 [st.center, st.center, st.text, st.text, st.text, st.text], widths=widths) + 1
    ws.write_string(row, 0, f"5. Tệp bỏ qua, không phải bảng tính ({len(c.skipped)})",
                    st.heading)
    _table(ws, st, row + 1, ["STT", "Tệp", "Lý do"],
           [[i, p, why] for i, (p, why) in enumerate(c.skipped, start=1)],
           [st.center, st.text, st.text], widths=widths)
    _print_setup(ws, None)


def _sources_sheet(ws, st: _Styles, c: Consolidation) -> None:
    from .consolidate import file_digest

    headers = ["STT", "Tệp", "SHA-256", "Kích thước (byte)", "Sửa đổi lúc", "Bộ tiêu chí",
               "Phiên bản", "Bản", "Trạng thái", "Sử dụng", "Cơ quan (theo tệp)"]
    top = _titles(ws, st, c, "NGUỒN DỮ LIỆU (NHẬT KÝ ĐỐI CHIẾU)", len(headers),
                  f"Lập lúc {c.created:%d/%m/%Y %H:%M} bằng dvcq_xl {__version__}")
    rows = []
    for i, r in enumerate(c.sources, start=1):
        sha, size = r.sha256, r.size
        if not sha:
            sha, size = file_digest(r.path)
        mtime = datetime.fromtimestamp(r.mtime).replace(microsecond=0) if r.mtime else None
        rows.append([i, os.path.abspath(r.path), sha, size, mtime, r.rubric_id, r.rubric_version,
                     {"review": "Tổ kiểm tra", "agency": "Cơ quan"}.get(r.copy, r.copy),
                     STATUS.get(r.status, r.status), USED.get(c.used.get(r.path, ""), "—"),
                     r.agency])
    for f in c.appeal_forms:  # the giải trình round's forms, traceable by SHA-256 too
        rows.append([len(rows) + 1, os.path.abspath(f["path"]), f["sha256"], None, None,
                     c.rubric.id, c.rubric.version, APPEAL_COPY, f["status"],
                     "Áp dụng" if f["status"] == "áp dụng" else "Không áp dụng", f["agency"]])
    styles = [st.center, st.text, st.mono, st.number, st.date, st.text, st.text, st.text, st.text,
              st.text, st.text]
    end = _table(ws, st, top, headers, rows, styles, name="NguonDuLieu")
    facts = [("Công cụ", f"dvcq_xl {__version__}"),
             ("Bộ tiêu chí của đợt", f"{c.rubric.id} phiên bản {c.rubric.version}"),
             ("Mã kiểm tra bộ tiêu chí (SHA-256)", c.rubric.hash),
             ("Năm đánh giá", c.year or ""),
             ("Danh sách cơ quan", f"{len(c.roster)} cơ quan" if c.roster is not None
              else "không dùng"),
             ("Bảng xếp hạng năm trước", c.previous or "không dùng"),
             ("Lập lúc", c.created)]
    for k, (label, value) in enumerate(facts, start=end + 1):
        ws.write_string(k, 1, label, st.bold_text)
        _put(ws, k, 2, value, st.date if isinstance(value, datetime) else st.text)
    for col, w in enumerate((5, 48, 66, 12, 16, 20, 10, 12, 14, 20, 30)):
        ws.set_column(col, col, w)
    ws.freeze_panes(top + 1, 2)
    _print_setup(ws, top)


def _meta_sheet(wb, ws, c: Consolidation, ranking_sheets: list[str]) -> None:
    facts = [(ranking_name("rubric_id"), c.rubric.id),
             (ranking_name("rubric_version"), c.rubric.version),
             (ranking_name("rubric_hash"), c.rubric.hash),
             (ranking_name("year"), c.year or ""),
             (ranking_name("toolkit_version"), __version__),
             (ranking_name("units"), len(c.units))]
    for r, (name, value) in enumerate(facts):
        ws.write_string(r, 0, name)
        _put(ws, r, 1, value, None)
        wb.define_name(name, f"='{META}'!$B${r + 1}")
    for k, title in enumerate(ranking_sheets, start=1):
        quoted = title.replace("'", "''")
        wb.define_name(ranking_name(str(k)), f"='{quoted}'!$A$1")
    for key, title in SHEET_NAMES.items():  # so that the report stage reads these sheets too
        wb.define_name(ranking_sheet(key), f"='{title}'!$A$1")
    if c.rubric.titles:  # the council's decisions are written there: the reports read it
        wb.define_name(ranking_sheet("proposals"), f"='{PROPOSALS}'!$A$1")
    _data(wb, ws, c, column=3)
    ws.hide()


def _data(wb, ws, c: Consolidation, column: int) -> None:
    """The consolidation as data (its ``to_dict()`` JSON, the same as ``--json``) in the hidden
    sheet: what the toolkit computed is read back from here, never parsed out of the visible
    sheets' notes."""
    write_json_cells(wb, ws, META, ranking_name("data"), c.to_dict(), column)


__all__ = ["write_ranking", "weakest_items", "sheet_title", "RANKING_COLUMNS", "RANKING_PREFIX"]
