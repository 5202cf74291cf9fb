"""The rubric as a workbook that a Sở Nội vụ officer edits in Excel.

Like XLSForm's survey/choices/settings, four sheets: "Tiêu chí" (one row per item, the tree given
by the codes), "Xếp loại" (bands), "Điều kiện" (overriding yes/no questions) and "Cài đặt"
(key/value settings). :func:`load_rubric_workbook` turns it into the same raw mapping as the YAML
form, each part located by sheet and cell, so both are validated by one
:func:`~dvcq_xl.rubric.build_rubric`.
"""

from __future__ import annotations

import datetime as dt
import re
import os
from dataclasses import dataclass
import stat
from pathlib import Path
from typing import Any

from .contract import FONT, HEADER_FILL
from .errors import RubricError, WorkbookError, rubric_error
from .findings import Finding, make
from .output import atomic_path
from .reader import col_index, col_letter
from .rubric import (
    BELOW_LABELS, TARGET, UNIT_LABELS, COUNT, EFFECT_LABELS, KEYS, KIND_LABELS, LOC, MAX_SHEET_ROWS, MAX_TEXT, MEASURE_LABELS,
    NA_LABELS, NO, RATIO, YES, ZERO_LABELS, Placed, Rubric, _shown, build_rubric, nfc, num,
)
from .text import points

ITEMS, BANDS, CONDITIONS, SETTINGS = "Tiêu chí", "Xếp loại", "Điều kiện", "Cài đặt"
#: per-block variants: one row per item a block words or scores otherwise
BLOCKS = "Theo khối"
#: giao ước thi đua: the titles a khối's members compete for, highest first
TITLES = "Danh hiệu"

#: sheet -> [(field, header, required, width, note)]
COLUMNS: dict[str, list[tuple[str, str, bool, int, str]]] = {
    ITEMS: [
        ("code", "Mã", True, 9, "Mã mục: 1, 1.2, 9.2.1 … Mục cha suy ra từ mã."),
        ("label", "TT hiển thị", False, 12, "Chữ ở cột TT, ví dụ «Nội dung 1». Để trống: dùng mã."),
        ("title", "Tiêu đề", False, 18, "Ví dụ «Tiêu chí 1»."),
        ("text", "Nội dung", False, 80, "Nội dung tiêu chí, giữ nguyên văn của Quyết định."),
        ("max", "Điểm chuẩn", True, 11, "Điểm tối đa. Mục cha: bằng tổng các mục con."),
        ("kind", "Loại", False, 15, "Tự chấm, Điểm thưởng, Điểm trừ hoặc Cấp trên chấm."),
        ("step", "Bước điểm", False, 10, "1, 0,5 hoặc 0,25. Để trống: theo Cài đặt."),
        ("evidence_required", "Bắt buộc kiểm chứng", False, 12, "Có / Không."),
        ("measure.rule", "Tính từ số liệu", False, 16,
         "Để trống: cơ quan tự chấm điểm. Bậc theo tỷ lệ, Tỷ lệ thuận hoặc Theo số lần: cơ quan "
         "nhập số liệu, bảng tự tính điểm."),
        ("measure.figure_1", "Số liệu 1", False, 24,
         "Tên số liệu thứ nhất: số đạt (ví dụ «Số hồ sơ giải quyết đúng hạn») hoặc số lần."),
        ("measure.figure_2", "Số liệu 2", False, 24,
         "Tên tổng số (ví dụ «Tổng số hồ sơ tiếp nhận»); để trống với «Theo số lần»."),
        ("measure.tiers", "Bậc (tỷ lệ %: điểm)", False, 24,
         "Với «Bậc theo tỷ lệ», ví dụ «100: 20; 90: 16; 80: 12; 50: 6» (dưới bậc thấp nhất: 0)."),
        ("measure.per", "Điểm mỗi lần", False, 10, "Với «Theo số lần»: điểm cộng (hoặc trừ) mỗi lần."),
        ("measure.when_zero", "Khi số liệu 2 bằng 0", False, 16,
         "Tính đủ điểm (mặc định), Không có điểm hoặc Không áp dụng."),
        ("measure.decimals", "Làm tròn (chữ số)", False, 10,
         "Với «Tỷ lệ thuận»: số chữ số thập phân của điểm, mặc định 2."),
        ("measure.unit", "Đơn vị chỉ tiêu", False, 12,
         "Với «Theo chỉ tiêu đăng ký» (giao ước thi đua): %, Số lượng hoặc Có/Không."),
        ("measure.minimum", "Mức tối thiểu của khối", False, 12,
         "Chỉ tiêu thấp nhất thành viên được đăng ký: tỷ lệ viết 0,9 (90 %); Có/Không viết 1."),
        ("measure.below", "Chưa đạt chỉ tiêu", False, 14,
         "Tỷ lệ thuận (mặc định), Không có điểm, hoặc Bậc theo tỷ lệ (% của chỉ tiêu)."),
        ("not_applicable", "Khi không áp dụng", False, 20,
         "Để trống: mục luôn áp dụng. «Tính đủ điểm», hoặc «Không tính, quy đổi tổng điểm»."),
        ("floor", "Mức sàn", False, 10,
         "Ví dụ 0,5: mục (ở bất kỳ cấp nào) phải đạt ít nhất 50 % số điểm, nếu không thì xếp "
         "loại tối đa là mức «criterion_floor_class» ở trang Cài đặt."),
    ],
    BANDS: [
        ("name", "Tên xếp loại", True, 30, ""),
        ("min", "Từ (≥)", True, 10, ""),
        ("max", "Đến (<)", False, 10, "Để trống ở mức cao nhất."),
        ("quota", "Tỷ lệ tối đa", False, 12, "Ví dụ 20% (áp dụng khi tổng hợp)."),
        ("block", "Khối", False, 22,
         "Để trống: thang xếp loại chung. Tên một khối: thang riêng của khối đó (ghi đủ các mức)."),
    ],
    BLOCKS: [
        ("block", "Khối", True, 22, "Tên khối như trong danh sách cơ quan, ví dụ «UBND cấp xã»."),
        ("code", "Mã", True, 9, "Mã của mục (đã có ở trang «Tiêu chí») mà khối này khác."),
        ("label", "TT hiển thị", False, 12, "Để trống: như trang «Tiêu chí»."),
        ("title", "Tiêu đề", False, 18, "Để trống: như trang «Tiêu chí»."),
        ("text", "Nội dung", False, 60, "Nội dung riêng của khối. Để trống: như trang «Tiêu chí»."),
        ("max", "Điểm chuẩn", False, 11, "Để trống: như trang «Tiêu chí»."),
        ("step", "Bước điểm", False, 10, ""),
        ("evidence_required", "Bắt buộc kiểm chứng", False, 12, ""),
    ],
    TITLES: [
        ("name", "Danh hiệu", True, 36, "Danh hiệu thi đua, cao nhất trước (ví dụ Cờ thi đua)."),
        ("quota", "Số lượng tối đa mỗi khối", False, 12, "Để trống: không giới hạn."),
        ("all_targets", "Đạt mọi chỉ tiêu đăng ký", False, 12, "Có / Không."),
        ("class", "Xếp loại tối thiểu", False, 26, "Một mức của trang «Xếp loại»."),
        ("min_total", "Tổng điểm tối thiểu", False, 12, ""),
    ],
    CONDITIONS: [
        ("id", "Mã", True, 14, "Chữ không dấu, số, gạch dưới."),
        ("question", "Câu hỏi (trả lời Có/Không)", True, 70, ""),
        ("effect", "Tác động khi trả lời «Có»", True, 28, ""),
        ("class", "Xếp loại áp dụng", False, 22, "Với «Xếp loại tối đa» và «Buộc xếp loại»."),
    ],
}

COLUMNS[BLOCKS] += [c for c in COLUMNS[ITEMS] if c[0].startswith("measure.")]
#: how many columns of «Tiêu chí» describe a measured item's rule
MEASURE_COLUMNS = sum(1 for c in COLUMNS[ITEMS] if c[0].startswith("measure."))

#: key -> (Vietnamese meaning, where it goes in the raw mapping)
SETTINGS_KEYS: dict[str, tuple[str, tuple[str, ...]]] = {
    "id": ("Mã bộ tiêu chí (chữ thường không dấu, số, gạch ngang)", ("id",)),
    "version": ("Phiên bản", ("version",)),
    "title": ("Tên bảng chấm điểm", ("title",)),
    "decision_number": ("Số Quyết định ban hành", ("decision", "number")),
    "decision_date": ("Ngày ban hành (năm-tháng-ngày)", ("decision", "date")),
    "decision_body": ("Cơ quan ban hành", ("decision", "body")),
    "province": ("Tỉnh, thành phố", ("decision", "province")),
    "bands_verified": ("Thang xếp loại đã đối chiếu với Quyết định (Có/Không)", ("bands_verified",)),
    "example": ("Bộ tiêu chí ví dụ, không phải văn bản thật (Có/Không)", ("example",)),
    "default_step": ("Bước điểm mặc định", ("defaults", "step")),
    "default_evidence_required": (
        "Mặc định bắt buộc tài liệu kiểm chứng (Có/Không)",
        ("defaults", "evidence_required"),
    ),
    "bonus_cap": ("Điểm thưởng tối đa", ("rules", "bonus_cap")),
    "penalty_cap": ("Điểm trừ tối đa", ("rules", "penalty_cap")),
    "total_floor": ("Tổng điểm không thấp hơn", ("rules", "total_floor")),
    "criterion_floor": ("Mỗi tiêu chí đạt tối thiểu (tỷ lệ, ví dụ 0,5)", ("rules", "criterion_floor")),
    "criterion_floor_class": (
        "… nếu không, xếp loại tối đa là",
        ("rules", "criterion_floor_class"),
    ),
    "total_rule_text": ("Cách tính tổng điểm (in dưới bảng)", ("total_rule_text",)),
    "sheet_title": ("Dòng đầu của bảng (để trống: BẢNG CHẤM ĐIỂM)", ("sheet_title",)),
    "content_heading": ("Tiêu đề cột nội dung (để trống: tiêu đề của dân vận chính quyền)",
                        ("content_heading",)),
    "legal_basis": ("Căn cứ (sau «Theo», ví dụ «Quyết định số … và Thông tư số …»; để trống: "
                    "Quyết định ban hành)", ("legal_basis",)),
}


# --- export ------------------------------------------------------------------------------------


def export_rubric_workbook(rubric: Rubric, path: str | Path) -> Path:
    """Write ``rubric`` as an editable rubric workbook (atomically; never over the rubric's own
    file)."""
    import xlsxwriter

    with atomic_path(path, inputs=[rubric.source], suffixes=(".xlsx",),
                     what="bộ tiêu chí", kind="rubric") as tmp:
        wb = xlsxwriter.Workbook(str(tmp))
        head = wb.add_format({"bold": True, "bg_color": HEADER_FILL, "border": 1, "text_wrap": True,
                              "valign": "vcenter", "font_name": FONT})
        body = wb.add_format({"text_wrap": True, "valign": "top", "font_name": FONT})
        bold = wb.add_format({"text_wrap": True, "valign": "top", "bold": True,
                              "font_name": FONT})

        def sheet(name: str, rows: list[list[Any]], bold_rows: set[int] = frozenset()):
            ws = wb.add_worksheet(name)
            cols = COLUMNS[name]
            for c, (_, header, _, width, note) in enumerate(cols):
                ws.write(0, c, header, head)
                ws.set_column(c, c, width)
                if note:
                    ws.write_comment(0, c, note)
            for r, row in enumerate(rows, start=1):
                for c, value in enumerate(row):
                    if value is not None and value != "":
                        ws.write(r, c, value, bold if r in bold_rows else body)
            ws.freeze_panes(1, 0)
            ws.autofilter(0, 0, max(len(rows), 1), len(cols) - 1)
            return ws

        rows, parents = _item_rows(rubric)
        ws = sheet(ITEMS, rows, parents)
        last = max(len(rows), 1) + 200
        ws.data_validation(1, 5, last, 5, {"validate": "list", "source": list(KIND_LABELS.values())})
        ws.data_validation(1, 7, last, 7, {"validate": "list", "source": [YES, NO]})
        for field, labels in (("measure.rule", MEASURE_LABELS), ("measure.when_zero", ZERO_LABELS),
                              ("measure.unit", UNIT_LABELS), ("measure.below", BELOW_LABELS),
                              ("not_applicable", NA_LABELS)):
            col = [f for f, *_ in COLUMNS[ITEMS]].index(field)
            ws.data_validation(1, col, last, col, {"validate": "list",
                                                   "source": list(labels.values())})

        sheet(BANDS, _band_rows(rubric.bands) + [
            row for block in rubric.blocks if block.own_bands
            for row in _band_rows(block.rubric.bands, block.name)])
        sheet(BLOCKS, _block_rows(rubric))
        if rubric.titles:
            sheet(TITLES, [[t.name, t.quota, YES if t.all_targets else NO, t.class_name or None,
                            None if t.min_total is None else num(t.min_total)]
                           for t in rubric.titles])
        pct = wb.add_format({"num_format": "0%", "font_name": FONT})
        wb.get_worksheet_by_name(BANDS).set_column(3, 3, 12, pct)

        ws = sheet(CONDITIONS, [[c.id, c.question, EFFECT_LABELS[c.effect], c.target_class]
                                for c in rubric.conditions])
        ws.data_validation(1, 2, 100, 2, {"validate": "list", "source": list(EFFECT_LABELS.values())})

        ws = wb.add_worksheet(SETTINGS)
        ws.write_row(0, 0, ["Khóa", "Giá trị", "Ý nghĩa"], head)
        ws.set_column(0, 0, 26)
        ws.set_column(1, 1, 60)
        ws.set_column(2, 2, 55)
        raw = rubric.to_dict()
        raw["defaults"] = {"step": 1, "evidence_required": False}
        for r, (key, (meaning, where)) in enumerate(SETTINGS_KEYS.items(), start=1):
            value: Any = raw
            for part in where:
                value = value.get(part) if isinstance(value, dict) else None
            if isinstance(value, bool):
                value = YES if value else NO
            ws.write(r, 0, key, body)
            if value is not None and value != "":
                ws.write(r, 1, value, body)
            ws.write(r, 2, meaning, body)
        wb.close()
    return Path(path)


def _item_rows(rubric: Rubric) -> tuple[list[list[Any]], set[int]]:
    """The «Tiêu chí» sheet's rows, and which of them are parents (shown bold)."""
    rows, parents = [], set()
    for item in rubric.walk():
        floor = None if item.floor is None else num(item.floor)
        if item.is_leaf:
            rows.append([item.code, item.label, item.title, item.text, num(item.max_points),
                         KIND_LABELS[item.kind], num(item.step),
                         YES if item.evidence_required else NO, *_measure_cells(item), floor])
        else:
            parents.add(len(rows) + 1)
            rows.append([item.code, item.label, item.title, item.text, num(item.max_points),
                         None, None, None] + [None] * (MEASURE_COLUMNS + 1) + [floor])
    return rows, parents


def _band_rows(bands: Any, block: str | None = None) -> list[list[Any]]:
    return [[b.name, num(b.min_points), None if b.max_points is None else num(b.max_points),
             None if b.quota is None else num(b.quota), block] for b in bands]


def _block_rows(rubric: Rubric) -> list[list[Any]]:
    """The «Theo khối» sheet: one row per item a block words or scores otherwise, only the
    columns it changes filled."""
    rows = []
    for block in rubric.blocks:
        for code, fields in block.changes:
            item = block.rubric.item(code)
            values = {"label": item.label, "title": item.title, "text": item.text,
                      "max": num(item.max_points), "step": num(item.step),
                      "evidence_required": YES if item.evidence_required else NO}
            measure = (_measure_cells(item)[:MEASURE_COLUMNS] if "measure" in fields
                       else [None] * MEASURE_COLUMNS)
            rows.append([block.name, code] + [
                values[f] if f in fields else None for f in
                ("label", "title", "text", "max", "step", "evidence_required")] + measure)
    return rows


def _measure_cells(item: Any) -> list[Any]:
    """The measure and «Không áp dụng» columns of a leaf's row, as a Sở officer types them."""
    m = item.measure
    na = NA_LABELS[item.not_applicable] if item.not_applicable else None
    if m is None:
        return [None] * MEASURE_COLUMNS + [na]
    tiers = "; ".join(f"{points(t.min_percent)}: {points(t.points)}" for t in m.tiers) or None
    target = m.rule == TARGET
    return [MEASURE_LABELS[m.rule], m.figures[0], m.figures[1] if len(m.figures) > 1 else None,
            tiers, num(m.per) if m.rule == COUNT else None,
            ZERO_LABELS[m.when_zero] if m.count == 2 else None,
            m.decimals if m.rule == RATIO or (target and m.below == RATIO) else None,
            UNIT_LABELS[m.unit] if target else None,
            num(m.minimum) if target and m.minimum is not None else None,
            BELOW_LABELS[m.below] if target else None, na]


def _nest_measure(values: dict) -> None:
    """Gather a row's «measure.…» columns into one ``measure`` mapping (as YAML writes it),
    each part keeping its cell; the tiers' text «100: 20; 90: 16» becomes a list of tiers."""
    keys = values[KEYS]
    parts = {f.split(".", 1)[1]: f for f in list(values) if isinstance(f, str)
             and f.startswith("measure.")}
    given = {part: values.pop(field) for part, field in parts.items()}
    places = {part: keys.pop(parts[part]) for part in parts}
    if all(v is None or v == "" for v in given.values()):
        return
    measure: dict[Any, Any] = {LOC: places.get("rule", values[LOC]), KEYS: {}}
    for part in ("rule", "per", "when_zero", "decimals", "unit", "minimum", "below"):
        if part in given and given[part] not in (None, ""):
            measure[part] = given[part]
            measure[KEYS][part] = places[part]
    figures = Placed()
    figures.places = []
    for i in (1, 2):
        if given.get(f"figure_{i}") not in (None, ""):
            figures.append(given[f"figure_{i}"])
            figures.places.append(places[f"figure_{i}"])
    if figures:
        measure["figures"] = figures
        measure[KEYS]["figures"] = figures.places[0]
    tiers = given.get("tiers")
    if isinstance(tiers, (int, float)) and not isinstance(tiers, bool):
        tiers = points(tiers)  # one tier's percentage alone: reported as a tier without points
    if not isinstance(tiers, str) and tiers is not None:
        measure["tiers"] = tiers  # not text: reported as a value of the wrong kind
        measure[KEYS]["tiers"] = places["tiers"]
    elif tiers not in (None, ""):
        place = places["tiers"]
        measure[KEYS]["tiers"] = place
        measure["tiers"] = []
        for part in re.split(r"[;\n]", str(tiers)):  # «;» or one tier a line (Alt+Enter)
            if not part.strip():
                continue
            low, _, pts = part.partition(":")
            tier: dict[Any, Any] = {LOC: place, KEYS: {"min": place, "points": place},
                                    "min": low.strip()}
            if pts.strip():
                tier["points"] = pts.strip()
            measure["tiers"].append(tier)
    values["measure"] = measure
    keys["measure"] = measure[LOC]


# --- load --------------------------------------------------------------------------------------

#: Error values a formula can leave in a cell (what Excel, LibreOffice and Gnumeric write).
_ERROR_VALUES = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
                 "#GETTING_DATA", "#SPILL!", "#CALC!", "Err:502", "Err:504", "Err:508"}


def load_rubric_workbook(path: str | Path) -> Rubric:
    """Load a rubric workbook; raise RubricError with every located problem (sheet and cell).

    The workbook is read by the toolkit's own reader, the one that reads score sheets
    (:func:`dvcq_xl.reader.read_workbook`): the same screening of hostile files (zip bombs, XML
    entities, sizes, encryption) and the same bound of :data:`~dvcq_xl.rubric.MAX_SHEET_ROWS`
    rows per sheet.
    """
    from .reader import read_workbook

    source = str(path)
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        raise rubric_error("rubric-file-unreadable", path=source,
                           detail="không tìm thấy tệp") from None
    if not stat.S_ISREG(mode):  # a FIFO would block the reader
        raise rubric_error("rubric-file-unreadable", path=source,
                           detail="đây là thư mục" if stat.S_ISDIR(mode)
                           else "không phải một tệp thông thường")
    try:
        ir = read_workbook(path)
    except WorkbookError as exc:
        reason = exc.findings[0].message if exc.findings else exc.message
        raise rubric_error("rubric-file-unreadable", path=source,
                           detail=reason[:1].lower() + reason[1:]) from None
    problems: list[Finding] = []
    tables: dict[str, list[dict]] = {}
    for name in (ITEMS, BANDS, CONDITIONS, BLOCKS, TITLES):
        rows = _sheet_cells(ir, name, source, problems,
                            optional=name in (CONDITIONS, BLOCKS, TITLES))
        if rows is not None:
            tables[name] = _read_table(rows, name, source, problems)
    for name in (BANDS, BLOCKS):  # a block is named by text; anything else is a mistake
        for row in tables.get(name, []):
            value = row.get("block")
            if value is not None and not isinstance(value, str):
                place = row[KEYS]["block"]
                problems.append(make("rubric-field-invalid", path=source, sheet=name,
                                     cell=place["cell"], field=place["name"],
                                     found=_shown(value), detail="cần tên một khối (chữ)"))
    settings_rows = _sheet_cells(ir, SETTINGS, source, problems)
    settings = (_read_settings(settings_rows, source, problems) if settings_rows is not None
                else {})
    if problems:
        raise RubricError(f"Tệp bộ tiêu chí {source} có {len(problems)} lỗi; lỗi đầu tiên: "
                          f"{problems[0]}", problems)

    raw: dict[Any, Any] = {LOC: {"sheet": SETTINGS}, KEYS: {}}
    for key, (value, cell) in settings.items():
        where = SETTINGS_KEYS[key][1]
        loc = {"sheet": SETTINGS, "cell": cell, "name": key}
        target = raw
        for part in where[:-1]:
            target = target.setdefault(part, {LOC: loc, KEYS: {}})
        target[where[-1]] = value
        target[KEYS][where[-1]] = loc
    raw["items"] = _tree(tables[ITEMS])
    raw["bands"] = [b for b in tables[BANDS] if b.get("block") in (None, "")]
    for band in raw["bands"]:
        _block_of(band)
    raw["conditions"] = tables.get(CONDITIONS, [])
    if tables.get(TITLES):
        raw["titles"] = tables[TITLES]
    blocks = _blocks([b for b in tables[BANDS] if b.get("block") not in (None, "")],
                     tables.get(BLOCKS, []))
    if blocks:
        raw["blocks"] = blocks
    return build_rubric(raw, source)


def _block_of(row: dict) -> str:
    """The block a row is for ("" for the whole rubric); the column leaves the row."""
    value = row.pop("block", None)
    if value is not None:
        row[KEYS].pop("block", None)
    return nfc(value) if isinstance(value, str) else ("" if value is None else str(value))


def _blocks(bands: list[dict], changes: list[dict]) -> list[dict]:
    """The «blocks» of the raw rubric, in the order the workbook first names them."""
    blocks: dict[str, dict] = {}

    def block(name: str, place: dict) -> dict:
        if name not in blocks:
            blocks[name] = {"name": name, LOC: dict(place), KEYS: {"name": dict(place)}}
        return blocks[name]

    for rows, part in ((bands, "bands"), (changes, "items")):
        for row in rows:
            place = row[KEYS].get("block") or row[LOC]
            name = _block_of(row)
            if name or part == "items":  # a change without its block: reported as one unnamed
                block(name, place).setdefault(part, []).append(row)
    return list(blocks.values())


def _sheet_cells(ir: Any, name: str, source: str, problems: list[Finding],
                optional: bool = False) -> dict[int, dict[int, Any]] | None:
    """The values of sheet ``name`` by row and column number; None (and a finding unless the
    sheet is optional and absent) when the sheet is missing, is not a worksheet, or is too long.
    A formula cell without a usable value is an :class:`_Unusable`, reported where it is read."""
    if name not in ir.sheetnames:
        if not optional:
            problems.append(make("rubric-sheet-missing", path=source, sheet=name))
        return None
    if name not in ir.sheets:  # a chart sheet, or beyond the sheets the reader keeps
        problems.append(make("rubric-file-unreadable", path=source, sheet=name,
                             detail=f"trang «{name}» không phải một trang bảng tính đọc được"))
        return None
    rows: dict[int, dict[int, Any]] = {}
    for cell in ir.sheets[name].values():
        if cell.row >= MAX_SHEET_ROWS:
            problems.append(make("rubric-too-large", path=source, sheet=name,
                                 cell=f"A{MAX_SHEET_ROWS}",
                                 detail=f"trang «{name}» có dữ liệu đến dòng {MAX_SHEET_ROWS} "
                                        f"hoặc xa hơn; một bộ tiêu chí dùng ít hơn "
                                        f"{MAX_SHEET_ROWS} dòng"))
            return None
        value = cell.value
        if cell.is_formula and (value is None or value in _ERROR_VALUES):
            value = _Unusable(cell.formula or "", "nhưng tệp không lưu kết quả tính"
                              if value is None else f"cho kết quả lỗi {value}")
        else:
            value = _cell_value(value)
        rows.setdefault(cell.row, {})[col_index(cell.column)] = value
    return rows


@dataclass(frozen=True)
class _Unusable:
    """A formula cell whose value cannot be used: never calculated (a file written by a program),
    or an error. Only the cells the rubric uses are reported: a scratch column may hold one."""

    formula: str
    detail: str


def _usable(value: Any, sheet: str, ref: str, source: str, problems: list[Finding]) -> Any:
    if isinstance(value, _Unusable):
        problems.append(make("rubric-cell-formula", path=source, sheet=sheet, cell=ref,
                             found=value.formula, detail=value.detail))
        return None
    return value


def _cell_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return nfc(value) if len(value) <= MAX_TEXT else value  # too long: reported as it is
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)  # a time or a duration: reported where a number or text is expected


def _read_table(rows: dict[int, dict[int, Any]], sheet: str, source: str,
                problems: list[Finding]) -> list[dict]:
    header: dict[str, int] = {}
    for col, title in sorted(rows.get(1, {}).items()):
        text = "" if isinstance(title, _Unusable) else nfc(title).lower()
        if not text:
            continue
        if text in header:
            problems.append(make("rubric-key-duplicate", path=source, sheet=sheet,
                                 cell=f"{col_letter(col)}1", found=nfc(title),
                                 expected=f"{sheet}!{col_letter(header[text])}1"))
            continue
        header[text] = col
    index: dict[str, int] = {}
    titles: dict[str, str] = {}
    known = {title.lower() for _, title, *_ in COLUMNS[sheet]}
    for text, col in header.items():  # a misspelt column would be dropped without a word
        if text not in known:
            problems.append(make("rubric-field-unknown", path=source, sheet=sheet,
                                 cell=f"{col_letter(col)}1", found=nfc(rows[1][col]),
                                 expected=", ".join(t for _, t, *_ in COLUMNS[sheet])))
    for field, title, required, _, _ in COLUMNS[sheet]:
        if title.lower() in header:
            index[field] = header[title.lower()]
            titles[field] = title
        elif required:
            problems.append(make("rubric-column-missing", path=source, sheet=sheet, cell="A1",
                                 expected=title))
    out = []
    for r in sorted(n for n in rows if n > 1):
        values: dict[Any, Any] = {f: _usable(rows[r].get(c), sheet, f"{col_letter(c)}{r}",
                                             source, problems) for f, c in index.items()}
        if all(v is None or v == "" for v in values.values()):
            continue
        if isinstance(values.get("code"), (int, float)) and not isinstance(values["code"], bool):
            values["code"] = str(num(values["code"]))
        values[LOC] = {"sheet": sheet, "cell": f"A{r}"}
        values[KEYS] = {f: {"sheet": sheet, "cell": f"{col_letter(c)}{r}", "name": titles[f]}
                        for f, c in index.items()}
        if sheet in (ITEMS, BLOCKS):
            _nest_measure(values)
        out.append(values)
    return out


def _read_settings(rows: dict[int, dict[int, Any]], source: str,
                   problems: list[Finding]) -> dict[str, tuple[Any, str]]:
    out: dict[str, tuple[Any, str]] = {}
    first: dict[str, int] = {}
    for r in sorted(n for n in rows if n > 1):
        key = nfc(_usable(rows[r].get(1), SETTINGS, f"A{r}", source, problems))
        if not key:
            continue
        if key not in SETTINGS_KEYS:
            problems.append(make("rubric-field-unknown", path=source, sheet=SETTINGS,
                                 cell=f"A{r}", found=_shown(key),
                                 expected=", ".join(SETTINGS_KEYS)))
            continue
        if key in first:
            problems.append(make("rubric-key-duplicate", path=source, sheet=SETTINGS,
                                 cell=f"A{r}", found=key, expected=f"{SETTINGS}!A{first[key]}"))
            continue
        first[key] = r
        value = _usable(rows[r].get(2), SETTINGS, f"B{r}", source, problems)
        if key in ("id", "version") and isinstance(value, (int, float)) \
                and not isinstance(value, bool):
            value = str(num(value))
        out[key] = (value, f"B{r}")
    return out


def _tree(rows: list[dict]) -> list[dict]:
    """Nest flat rows by code: "1.2" goes under "1". Orphans stay on top to be reported.

    A parent row's kind, step and evidence columns, when filled, apply to its children.
    """
    by_code: dict[str, dict] = {}
    top: list[dict] = []
    for row in rows:
        code = nfc(row.get("code"))
        parent = by_code.get(code.rsplit(".", 1)[0]) if "." in code else None
        if parent is not None:
            parent.setdefault("items", []).append(row)
        else:
            top.append(row)
        by_code.setdefault(code, row)
    return top
