"""The rubric as a workbook that a Sở Nội vụ officer edits in Excel.

Like XLSForm's survey/choices/settings, four sheets: "Tiêu chí" (one row per item, the tree given
by the codes), "Xếp loại" (bands), "Điều kiện" (overriding yes/no questions) and "Cài đặt"
(key/value settings). :func:`load_rubric_workbook` turns it into the same raw mapping as the YAML
form, each part located by sheet and cell, so both are validated by one
:func:`~dvcq_xl.rubric.build_rubric`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from .errors import rubric_error
from .findings import make
from .output import atomic_path
from .rubric import EFFECT_LABELS, KIND_LABELS, NO, YES, Rubric, build_rubric, nfc, num

ITEMS, BANDS, CONDITIONS, SETTINGS = "Tiêu chí", "Xếp loại", "Điều kiện", "Cài đặt"

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
    ],
    BANDS: [
        ("name", "Tên xếp loại", True, 30, ""),
        ("min", "Từ (≥)", True, 10, ""),
        ("max", "Đến (<)", False, 10, "Để trống ở mức cao nhất."),
        ("quota", "Tỷ lệ tối đa", False, 12, "Ví dụ 20% (áp dụng khi tổng hợp)."),
    ],
    CONDITIONS: [
        ("id", "Mã", True, 14, "Chữ không dấu, số, gạch dưới."),
        ("question", "Câu hỏi (trả lời Có/Không)", True, 70, ""),
        ("effect", "Tác động khi trả lời «Có»", True, 28, ""),
        ("class", "Xếp loại áp dụng", False, 22, "Với «Xếp loại tối đa» và «Buộc xếp loại»."),
    ],
}

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
}


# --- export ------------------------------------------------------------------------------------


def export_rubric_workbook(rubric: Rubric, path: str | Path) -> Path:
    """Write ``rubric`` as an editable rubric workbook (atomically)."""
    import xlsxwriter

    with atomic_path(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp))
        head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                              "valign": "vcenter", "font_name": "Times New Roman"})
        body = wb.add_format({"text_wrap": True, "valign": "top", "font_name": "Times New Roman"})
        bold = wb.add_format({"text_wrap": True, "valign": "top", "bold": True,
                              "font_name": "Times New Roman"})

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

        rows, parents = [], set()
        for item in rubric.walk():
            if item.is_leaf:
                rows.append([item.code, item.label, item.title, item.text, num(item.max_points),
                             KIND_LABELS[item.kind], num(item.step),
                             YES if item.evidence_required else NO])
            else:
                parents.add(len(rows) + 1)
                rows.append([item.code, item.label, item.title, item.text, num(item.max_points),
                             None, None, None])
        ws = sheet(ITEMS, rows, parents)
        last = max(len(rows), 1) + 200
        ws.data_validation(1, 5, last, 5, {"validate": "list", "source": list(KIND_LABELS.values())})
        ws.data_validation(1, 7, last, 7, {"validate": "list", "source": [YES, NO]})

        sheet(BANDS, [[b.name, num(b.min_points),
                       None if b.max_points is None else num(b.max_points),
                       None if b.quota is None else num(b.quota)] for b in rubric.bands])
        pct = wb.add_format({"num_format": "0%", "font_name": "Times New Roman"})
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


# --- load --------------------------------------------------------------------------------------


def load_rubric_workbook(path: str | Path) -> Rubric:
    """Load a rubric workbook; raise RubricError with every located problem."""
    from openpyxl import load_workbook

    source = str(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types on bad files; all mean the same here
        raise rubric_error("rubric-file-unreadable", path=source,
                           detail=f"không phải tệp Excel .xlsx hợp lệ ({type(exc).__name__})")
    try:
        problems = []
        tables = {}
        for name in (ITEMS, BANDS, CONDITIONS):
            if name not in wb.sheetnames:
                if name == CONDITIONS:
                    tables[name] = []
                    continue
                problems.append(make("rubric-sheet-missing", path=source, sheet=name))
                continue
            rows, missing = _read_table(wb[name], name)
            problems += [make("rubric-column-missing", path=source, sheet=name, cell="A1",
                              expected=h) for h in missing]
            tables[name] = rows
        settings = _read_settings(wb[SETTINGS]) if SETTINGS in wb.sheetnames else None
        if settings is None:
            problems.append(make("rubric-sheet-missing", path=source, sheet=SETTINGS))
    finally:
        wb.close()
    if problems:
        from .errors import RubricError

        raise RubricError(f"Tệp bộ tiêu chí {source} thiếu phần bắt buộc: {problems[0]}", problems)

    raw: dict[str, Any] = {"__loc__": {"sheet": SETTINGS}, "__fields__": {}}
    for key, (value, cell) in settings.items():
        if key not in SETTINGS_KEYS:
            continue
        where = SETTINGS_KEYS[key][1]
        target = raw
        for part in where[:-1]:
            target = target.setdefault(part, {"__loc__": {"sheet": SETTINGS, "cell": cell}})
        target[where[-1]] = value
        raw["__fields__"][key] = {"__loc__": {"sheet": SETTINGS, "cell": cell}}
    raw["items"] = _tree(tables[ITEMS])
    raw["bands"] = tables[BANDS]
    raw["conditions"] = tables[CONDITIONS]
    return build_rubric(raw, source)


def _cell_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return nfc(value)
    return value


def _read_table(ws, sheet: str) -> tuple[list[dict], list[str]]:
    rows = ws.iter_rows(values_only=True)
    header = next(rows, ())
    fields = {nfc(h).lower(): i for i, h in enumerate(header or ()) if h is not None}
    index, missing = {}, []
    for field, title, required, _, _ in COLUMNS[sheet]:
        if title.lower() in fields:
            index[field] = fields[title.lower()]
        elif required:
            missing.append(title)
    out = []
    for r, row in enumerate(rows, start=2):
        values = {f: _cell_value(row[i]) if i < len(row) else None for f, i in index.items()}
        if all(v is None or v == "" for v in values.values()):
            continue
        values["__loc__"] = {"sheet": sheet, "cell": f"A{r}"}
        if isinstance(values.get("code"), (int, float)):
            values["code"] = str(num(values["code"]))
        out.append(values)
    return out, missing


def _read_settings(ws) -> dict[str, tuple[Any, str]]:
    out = {}
    for r, row in enumerate(ws.iter_rows(min_row=2, max_col=2, values_only=True), start=2):
        key = nfc(row[0]) if row and row[0] is not None else ""
        if key:
            value = _cell_value(row[1]) if len(row) > 1 else None
            if key == "version" and isinstance(value, (int, float)):
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
