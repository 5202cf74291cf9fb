"""Giao ước thi đua: the members' registration forms and the khối's register.

Early in the year each member of a khối thi đua registers, for every target item of the khối's
rubric, its own target (a percentage, a count, or Có/Không; at least the khối's minimum) and the
title it competes for. :func:`render_registration` writes a member's locked form
(«Bảng đăng ký giao ước thi đua»); :func:`collect` reads the forms back with the discipline of
``dvcq check`` (every problem a located finding with a stable code) into a :class:`Register`,
which :func:`write_register` writes as the khối's register workbook, its data in a declared form
(JSON on a hidden sheet) that :func:`read_register` reads back for the members' results
workbooks (``dvcq template --register``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from .contract import (DEFAULT_PASSWORD, Formats, meta_sheet, 
    AGENCY_CODE,
    AGENCY_NAME,
    BLOCK,
    COPY,
    HEADER_FILL,
    INPUT_FILL,
    LOCKED_FILL,
    META,
    OK_FILL,
    OK_TEXT,
    REG_FIRST_ROW,
    REG_SHEET,
    REGISTER_SHEET,
    REGISTRATION,
    TITLE_REGISTERED,
    TODO_FILL,
    TODO_TEXT,
    YEAR,
    Agency,
    register_name,
    target_items,
    target_name,
)
from .errors import DvcqError, InputError, WorkbookError
from .findings import Finding, HasFindings, make
from .generate import Written
from .output import (atomic_path, cell_text, check_folder_name, ensure_dir, safe_filename,
                     write_json_cells)
from .rubric import MAX_FIGURE, NO, PERCENT, YES, YESNO, Item, Rubric, nfc, num
from .text import points, readable

EDIT_NOTE = ("Sổ do dvcq ghi. Muốn sửa một đăng ký: sửa bảng đăng ký của thành viên rồi thu lại "
             "(dvcq registration collect); sửa trực tiếp trong sổ này không được dùng.")
TITLE = "BẢNG ĐĂNG KÝ GIAO ƯỚC THI ĐUA"
#: the columns of the form's table
TT, TEXT_COL, UNIT, MINIMUM, TARGET_COL, NOTE, STATE = "ABCDEFI"
#: states of a target row (hidden column I): empty, not of the unit, below the khối's minimum
R_OK, R_EMPTY, R_TYPE, R_LOW = range(4)
STATUS_OK = "Đã đăng ký đủ chỉ tiêu."


# --- the form ----------------------------------------------------------------------------------


def unit_text(item: Item) -> str:
    return {PERCENT: "%", YESNO: "Có/Không"}.get(item.measure.unit, "Số lượng")


def shown_value(item: Item, value: Any) -> str:
    """A target or a result as a person reads it: «15 %», «12», «Có»."""
    if value is None or value == "":
        return ""
    if item.measure.unit == PERCENT and isinstance(value, (int, float)):
        return f"{points(round(value * 100, 6))} %"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return points(value)
    return nfc(value)


def _fits_formula(item: Item, ref: str) -> str:
    """True when the cell holds a value of the item's unit (text never reaches INT)."""
    if item.measure.unit == YESNO:
        return f'OR({ref}="{YES}",{ref}="{NO}")'
    bound = (f"{ref}<=1" if item.measure.unit == PERCENT
             else f"{ref}=INT({ref}),{ref}<={MAX_FIGURE:.0E}")
    return f"IF(ISNUMBER({ref}),AND({ref}>=0,{bound}),0)"


def _below_formula(item: Item, ref: str) -> str:
    minimum = item.measure.minimum
    if minimum is None:
        return "0"
    if item.measure.unit == YESNO:
        return f'AND({num(minimum)}=1,{ref}="{NO}")'
    return f"{ref}<{num(minimum)}"


def state_formula(item: Item, r: int) -> str:
    ref = f"{TARGET_COL}{r}"
    return (f'=IF({ref}="",{R_EMPTY},IF(NOT({_fits_formula(item, ref)}),{R_TYPE},'
            f"IF({_below_formula(item, ref)},{R_LOW},{R_OK})))")


def status_formula(first: int, last: int, title_state: str = "0") -> str:
    rng = f"${STATE}${first}:${STATE}${last}"
    parts = [f'IF(COUNTIF({rng},{code})>0,COUNTIF({rng},{code})&" {text}; ","")'
             for code, text in ((R_EMPTY, "chỉ tiêu chưa đăng ký"),
                                (R_TYPE, "ô sai kiểu hoặc sai đơn vị"),
                                (R_LOW, "chỉ tiêu thấp hơn mức tối thiểu của khối"))]
    parts.append(f'IF({title_state}>0,"danh hiệu không có trong danh sách của khối; ","")')
    agency = "$B$4"
    return (f'=IF(COUNTIF({rng},">0")+IF(LEN(TRIM({agency}))=0,1,0)+{title_state}=0,'
            f'"{STATUS_OK}","Cần xử lý: "&IF(LEN(TRIM({agency}))=0,"chưa nhập tên cơ quan, '
            f'đơn vị; ","")&{"&".join(parts)}&"ô tô màu là ô cần sửa.")')


def render_registration(rubric: Rubric, path: str | Path, year: int,
                        agency: Agency | None = None, *, password: str = DEFAULT_PASSWORD,
                        targets: dict[str, Any] | None = None, title: str = "",
                        inputs: Iterable[str | Path] = ()) -> Path:
    """Write a member's locked registration form (atomically): one row per target item (its
    unit and the khối's minimum shown, the target to type), and the title to enter, chosen from
    the rubric's list. ``targets``/``title`` pre-fill it (the demo, tests)."""
    import xlsxwriter

    agency = agency or Agency()
    items = target_items(rubric)
    if not items:
        raise InputError(f"Bộ tiêu chí «{rubric.id}» không có chỉ tiêu đăng ký (giao ước thi "
                         "đua): không có gì để đăng ký.")
    targets = targets or {}
    with atomic_path(path, inputs=[rubric.source, *inputs], suffixes=(".xlsx",),
                     what="bảng đăng ký", kind="registration") as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False,
                                            "strings_to_numbers": False,
                                            "strings_to_urls": False})
        wb.set_properties({"title": f"{TITLE} NĂM {year}", "author": "dvcq_xl",
                           "keywords": rubric.id})
        ws = wb.add_worksheet(REG_SHEET)
        fmt = _formats(wb)
        _form_head(ws, fmt, rubric, year, agency)
        last = _form_rows(wb, ws, fmt, items, targets)
        _form_title_row(wb, ws, fmt, rubric, last + 1, title)
        ws.protect(password, {"select_locked_cells": True, "select_unlocked_cells": True,
                              "format_rows": True})
        ws.set_paper(9)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.print_area(f"A1:F{last + 4}")
        _form_meta(wb, rubric, year, password)
        wb.close()
    return Path(path)


def _formats(wb) -> dict[str, Any]:
    f = Formats(wb)
    return {"title": f(bold=True, align="center", font_size=14),
            "bold": f(bold=True, align="center"), "label": f(bold=True, align="right"),
            "head": f(bold=True, align="center", border=1, bg_color=HEADER_FILL),
            "cell": f(border=1), "center": f(border=1, align="center"),
            "locked": f(border=1, align="left", bg_color=LOCKED_FILL),
            "input": f(border=1, align="center", locked=False, bg_color=INPUT_FILL),
            "percent": f(border=1, align="center", locked=False, bg_color=INPUT_FILL,
                         num_format="0%"),
            "min_percent": f(border=1, align="center", num_format="0%"),
            "status": f(italic=True, align="left", border=1),
            "name": f(bold=True, border=1, align="left"),
            "name_input": f(bold=True, border=1, align="left", locked=False,
                            bg_color=INPUT_FILL),
            "italic": f(italic=True, align="center")}


def _form_head(ws, fmt, rubric: Rubric, year: int, agency: Agency) -> None:
    ws.set_column("A:A", 6)
    ws.set_column("B:B", 58)
    ws.set_column("C:C", 11)
    ws.set_column("D:D", 14)
    ws.set_column("E:E", 16)
    ws.set_column("F:F", 24)
    ws.set_column("G:H", 14)
    ws.set_column(f"{STATE}:{STATE}", 4, None, {"hidden": True})
    ws.merge_range("A1:F1", TITLE, fmt["title"])
    ws.merge_range("A2:F2", f"{rubric.title.upper()} NĂM {year}", fmt["bold"])
    ws.merge_range("A3:F3", rubric.basis, fmt["italic"])
    ws.write("A4", "Đơn vị:", fmt["label"])
    ws.merge_range("B4:D4", "", fmt["name_input" if not agency.name else "name"])
    ws.write("B4", cell_text(agency.name), fmt["name_input" if not agency.name else "name"])
    ws.write("F4", "Khối:", fmt["label"])
    ws.write("G4", cell_text(agency.block), fmt["cell"])
    ws.write("A5", "Mã:", fmt["label"])
    ws.write("B5", cell_text(agency.code), fmt["cell"])
    ws.write("F5", "Năm:", fmt["label"])
    ws.write_number("G5", year, fmt["cell"])
    ws.write("A6", "Trạng thái:", fmt["label"])
    ws.merge_range("B6:F6", "", fmt["status"])
    ws.set_row(5, 33)
    for col, text in zip("ABCDEF", ("TT", "Chỉ tiêu thi đua", "Đơn vị tính",
                                    "Mức tối thiểu của khối", "Chỉ tiêu đăng ký", "Ghi chú")):
        ws.merge_range(f"{col}8:{col}9", text, fmt["head"])
    ws.set_row(8, 30)


def _form_rows(wb, ws, fmt, items: list[Item], targets: dict[str, Any]) -> int:
    r = REG_FIRST_ROW
    for item in items:
        ws.write(f"A{r}", item.display, fmt["center"])
        text = item.text or item.title
        ws.write(f"B{r}", text, fmt["cell"])
        ws.write(f"C{r}", unit_text(item), fmt["center"])
        minimum = item.measure.minimum
        if minimum is None:
            ws.write_blank(f"D{r}", None, fmt["center"])
        elif item.measure.unit == YESNO:
            ws.write(f"D{r}", YES if minimum else NO, fmt["center"])
        else:
            ws.write_number(f"D{r}", minimum, fmt["min_percent" if item.measure.unit == PERCENT
                                                  else "center"])
        cell_fmt = fmt["percent"] if item.measure.unit == PERCENT else fmt["input"]
        value = targets.get(item.code)
        if value is None or value == "":
            ws.write_blank(f"{TARGET_COL}{r}", None, cell_fmt)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            ws.write_number(f"{TARGET_COL}{r}", value, cell_fmt)
        else:
            ws.write_string(f"{TARGET_COL}{r}", cell_text(value), cell_fmt)
        ws.write_blank(f"{NOTE}{r}", None, fmt["cell"])
        ws.write_formula(f"{STATE}{r}", state_formula(item, r), None, "")
        ws.data_validation(f"{TARGET_COL}{r}", _target_validation(item))
        wb.define_name(target_name(item.key), f"='{REG_SHEET}'!${TARGET_COL}${r}")
        ws.set_row(r - 1, 16 * max(1, -(-len(text) // 60)) + 2)
        r += 1
    last = r - 1
    title_state = f"{STATE}{last + 2}"  # the title row's own state (written with the title)
    ws.write_formula("B6", status_formula(REG_FIRST_ROW, last, title_state), fmt["status"], "")
    ok = wb.add_format({"bg_color": OK_FILL, "font_color": OK_TEXT})
    todo = wb.add_format({"bg_color": TODO_FILL, "font_color": TODO_TEXT})
    ws.conditional_format("B6", {"type": "formula", "format": ok,
                                 "criteria": f'=$B$6="{STATUS_OK}"'})
    ws.conditional_format("B6", {"type": "formula", "format": todo,
                                 "criteria": f'=$B$6<>"{STATUS_OK}"'})
    bad = wb.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006", "bold": True})
    ws.conditional_format(f"{TARGET_COL}{REG_FIRST_ROW}:{TARGET_COL}{last}", {
        "type": "formula", "criteria": f"=${STATE}{REG_FIRST_ROW}>={R_TYPE}", "format": bad})
    for name, ref in ((AGENCY_NAME, "B4"), (AGENCY_CODE, "B5"), (BLOCK, "G4")):
        wb.define_name(name, f"='{REG_SHEET}'!${ref[0]}${ref[1:]}")
    return last


def _target_validation(item: Item) -> dict[str, Any]:
    minimum = item.measure.minimum
    common = {"ignore_blank": True, "error_type": "stop", "error_title": "Chỉ tiêu không hợp lệ",
              "input_title": f"Chỉ tiêu {item.code}"[:32]}
    if item.measure.unit == YESNO:
        return {**common, "validate": "list", "source": [YES, NO],
                "input_message": f"Chọn «{YES}» hoặc «{NO}».",
                "error_message": f"Chỉ chọn «{YES}» hoặc «{NO}»."}
    low = minimum if minimum is not None else 0
    if item.measure.unit == PERCENT:
        return {**common, "validate": "decimal", "criteria": "between", "minimum": low,
                "maximum": 1,
                "input_message": (f"Nhập tỷ lệ, ví dụ 100 %; mức tối thiểu của khối: "
                                  f"{shown_value(item, low)}.")[:255],
                "error_message": (f"Nhập một tỷ lệ từ {shown_value(item, low)} đến 100 %.")}
    return {**common, "validate": "integer", "criteria": ">=", "value": int(low),
            "input_message": f"Nhập số nguyên từ {num(low)} trở lên."[:255],
            "error_message": f"Nhập một số nguyên từ {num(low)} trở lên."}


def _form_title_row(wb, ws, fmt, rubric: Rubric, r: int, title: str) -> None:
    ws.write(f"B{r + 1}", "Danh hiệu đăng ký thi đua", fmt["name"])
    ws.merge_range(f"C{r + 1}:F{r + 1}", "", fmt["name_input"])
    if title:
        ws.write_string(f"C{r + 1}", cell_text(title), fmt["name_input"])
    names = [t.name for t in rubric.titles]
    known = ",".join(f'C{r + 1}="{name}"' for name in names)
    ws.write_formula(f"{STATE}{r + 1}", f'=IF(OR(C{r + 1}=""{"," + known if known else ""}),0,1)',
                     None, "")
    if names:
        ws.data_validation(f"C{r + 1}", {
            "validate": "list", "source": names, "ignore_blank": True,
            "input_title": "Danh hiệu đăng ký",
            "input_message": "Chọn danh hiệu đơn vị đăng ký thi đua (để trống nếu không "
                             "đăng ký).",
            "error_title": "Danh hiệu không có", "error_type": "stop",
            "error_message": "Chỉ chọn một danh hiệu trong danh sách của khối."})
    wb.define_name(TITLE_REGISTERED, f"='{REG_SHEET}'!$C${r + 1}")
    ws.merge_range(f"A{r + 3}:F{r + 3}", "Chỉ nhập vào các ô màu vàng. Tỷ lệ nhập dạng phần "
                   "trăm (ví dụ 15 %); Có/Không chọn trong danh sách.", fmt["italic"])


def _form_meta(wb, rubric: Rubric, year: int, password: str) -> None:
    m = meta_sheet(wb, rubric, year, REGISTRATION)
    m.protect(password)
    m.hide()


def registration_forms(rubric: Rubric, agencies: Iterable[Agency], year: int,
                       out_dir: str | Path, *, password: str = DEFAULT_PASSWORD,
                       inputs: Iterable[str | Path] = (),
                       progress: Callable[[Agency], None] | None = None) -> list[Written]:
    """One registration form per member of the roster, into ``out_dir`` (ASCII names)."""
    check_folder_name(out_dir, "Bảng đăng ký cho cả danh sách", "dang-ky/")
    folder = ensure_dir(out_dir)
    taken: set[str] = set()
    written = []
    for agency in agencies:
        name = safe_filename(f"{agency.code or agency.name}-dang-ky-{year}", ".xlsx", taken)
        written.append(Written(agency, render_registration(
            rubric, folder / name, year, agency, password=password, inputs=inputs)))
        if progress:
            progress(agency)
    return written


# --- reading forms back ---------------------------------------------------------------------------


@dataclass
class Registration(HasFindings):
    """One member's registration as read from its form."""

    path: str
    agency: str = ""
    agency_code: str = ""
    block: str = ""
    year: int | None = None
    rubric_id: str = ""
    sha256: str = ""
    mtime: float | None = None
    targets: dict[str, Any] = field(default_factory=dict)
    title: str = ""
    findings: list[Finding] = field(default_factory=list)
    #: "registered" (in the register), "rejected" (errors), "duplicate" (an older form), or
    #: "unknown" (not on the roster)
    used: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"path": readable(self.path), "agency": self.agency,
                "agency_code": self.agency_code, "block": self.block, "year": self.year,
                "rubric_id": self.rubric_id, "sha256": self.sha256, "used": self.used,
                "targets": dict(self.targets), "title": self.title,
                "findings": [f.to_dict(within_file=True) for f in self.findings]}


def read_registration(path: str | Path, rubrics: Sequence[Rubric] = (),
                      year: int | None = None) -> Registration:
    """Read one registration form; never raises for a bad file (its findings say why)."""
    from .reader import read_workbook

    result = Registration(path=str(path))
    try:
        result.mtime = os.stat(path).st_mtime
        ir = read_workbook(path)
    except DvcqError as exc:
        result.findings = list(exc.findings) or [make("file-unreadable", path=str(path),
                                                      detail=exc.message)]
        return result
    except OSError as exc:
        result.findings = [make("file-unreadable", path=str(path), detail=str(exc))]
        return result
    result.sha256 = ir.sha256
    if not ir.has_metadata or ir.text(COPY) != REGISTRATION:
        result.findings = [make("registration-not-a-form", path=str(path))]
        return result
    return registration_of(ir, rubrics, year, result)


def registration_of(ir: Any, rubrics: Sequence[Rubric] = (), year: int | None = None,
                    result: Registration | None = None) -> Registration:
    """A read registration form (its IR) as a :class:`Registration`, with every finding: the
    one reading of a form, for ``collect`` and ``dvcq check`` alike."""
    from .checks import located
    from .intake import identify

    result = result or Registration(path=ir.path, sha256=ir.sha256)
    rubric, problems = identify(ir, rubrics)
    result.agency, result.agency_code = ir.text(AGENCY_NAME), ir.text(AGENCY_CODE)
    result.block, result.year, result.rubric_id = ir.text(BLOCK), ir.year, ir.rubric_id
    if rubric is None:
        result.findings = problems
        return result
    findings = []
    if not result.agency:
        findings.append(make("agency-missing", **located(ir, AGENCY_NAME)))
    if year is not None and ir.year is not None and ir.year != year:
        findings.append(make("year-mismatch", found=ir.year, expected=year, **located(ir, YEAR)))
    for item in target_items(rubric):
        name = target_name(item.key)
        raw = ir.value(name)
        problem = target_problem(item, raw, item=item.code, **located(ir, name))
        if problem is not None:
            findings.append(problem)
        else:
            value = _target_of(item, raw)
            result.targets[item.code] = raw if item.measure.unit != YESNO else (
                YES if value else NO)
    title = ir.text(TITLE_REGISTERED)
    if title and title.casefold() not in {t.name.casefold() for t in rubric.titles}:
        findings.append(make("registration-title-unknown", found=title,
                             expected=", ".join(t.name for t in rubric.titles) or "(không có)",
                             **located(ir, TITLE_REGISTERED)))
    else:
        result.title = next((t.name for t in rubric.titles
                             if t.name.casefold() == title.casefold()), "")
    result.findings = findings
    return result


def target_problem(leaf: Item, raw: Any, **where: Any) -> Finding | None:
    """What is wrong with a registered target (missing, not of the item's unit, below the
    khối's minimum), located by ``where``; None when it is a target the khối accepts."""
    value = _target_of(leaf, raw)
    if raw is None or raw == "":
        return make("registration-target-missing", **where)
    if value is None or not leaf.measure.fits(value):
        return make("registration-target-invalid", found=_shown_raw(raw),
                    expected=unit_text(leaf), **where)
    if leaf.measure.minimum is not None and value < leaf.measure.minimum - 1e-12:
        return make("registration-target-below-minimum", found=shown_value(leaf, raw),
                    expected=shown_value(leaf, _min_value(leaf)), **where)
    return None


def _target_of(item: Item, raw: Any) -> float | None:
    if item.measure.unit == YESNO:
        text = raw.casefold() if isinstance(raw, str) else None
        return 1.0 if text == YES.casefold() else 0.0 if text == NO.casefold() else None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return float(raw)
    return None


def _min_value(item: Item) -> Any:
    minimum = item.measure.minimum
    if item.measure.unit == YESNO:
        return YES if minimum else NO
    return minimum


def _shown_raw(raw: Any) -> Any:
    if isinstance(raw, float):
        return num(raw)
    return raw if isinstance(raw, (int, str)) else str(raw)


# --- the khối's register ----------------------------------------------------------------------


@dataclass
class Register(HasFindings):
    """The khối's register: every member's registration, the forms not used and why, the
    roster members without one."""

    rubric_id: str = ""
    rubric_hash: str = ""
    year: int | None = None
    registrations: list[Registration] = field(default_factory=list)
    missing: list[Agency] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why not read)

    @property
    def findings(self) -> list[Finding]:  # type: ignore[override]
        out = [f for r in self.registrations for f in r.findings]
        out += [make("registration-missing", item=a.code or a.name, found=a.name)
                for a in self.missing]
        return out

    @property
    def registered(self) -> list[Registration]:
        return [r for r in self.registrations if r.used == "registered"]

    def find(self, agency: Agency) -> Registration | None:
        """The registration of a roster member (by code, else by name)."""
        from .roster import RosterIndex

        index = RosterIndex([Agency(r.agency, r.agency_code, r.block) for r in self.registered])
        match = index.find(agency.code, agency.name)
        if match.agency is None:
            return None
        return next(r for r in self.registered
                    if (r.agency_code, r.agency) == (match.agency.code, match.agency.name))

    def to_dict(self) -> dict[str, Any]:
        return {"rubric_id": self.rubric_id, "rubric_hash": self.rubric_hash, "year": self.year,
                "valid": not self.errors,
                "registrations": [r.to_dict() for r in self.registrations],
                "missing": [{"agency": a.name, "agency_code": a.code, "block": a.block}
                            for a in self.missing],
                "skipped": [{"path": readable(p), "reason": why} for p, why in self.skipped],
                "findings": [f.to_dict() for f in self.findings]}


def collect(paths: Iterable[str | Path], *, rubric: Rubric | None = None,
            year: int | None = None, roster: Sequence[Agency] | None = None,
            progress: Callable[[Registration], None] | None = None) -> Register:
    """Read every registration form under ``paths`` into the khối's register.

    A form with errors is listed with its findings and left out; two forms of one member keep
    the one saved last (the other listed as a duplicate); with a ``roster``, a form of an agency
    not on it is listed and left out, and every member without a valid form is listed.
    """
    from .intake import discover
    from .roster import RosterIndex, identity

    files, skipped = discover(paths)
    rubrics = [rubric] if rubric is not None else []
    register = Register(year=year, skipped=skipped)
    for path in files:
        reg = read_registration(path, rubrics, year)
        if progress:
            progress(reg)
        register.registrations.append(reg)
    _one_round(register, rubric, year)
    index = RosterIndex(roster) if roster is not None else None
    chosen: dict[str, Registration] = {}
    for reg in register.registrations:
        if reg.errors:
            reg.used = "rejected"
            continue
        agency = Agency(reg.agency, reg.agency_code, reg.block)
        if index is not None:
            match = index.find(reg.agency_code, reg.agency)
            if match.agency is None:
                reg.used = "unknown"
                reg.findings.append(make("registration-not-on-roster", path=reg.path,
                                         found=reg.agency or "(trống)",
                                         expected=match.suggestion or "—"))
                continue
            agency = match.agency
            reg.agency, reg.agency_code, reg.block = agency.name, agency.code, (
                agency.block or reg.block)
        key = identity(agency)
        if key in chosen:
            older, newer = sorted((chosen[key], reg), key=lambda r: (r.mtime or 0.0, r.path))
            older.used = "duplicate"
            older.findings.append(make("registration-duplicate", path=older.path,
                                       found=older.agency, expected=Path(newer.path).name))
            chosen[key] = newer
        else:
            chosen[key] = reg
        chosen[key].used = "registered"
    if roster is not None:
        register.missing = [a for a in roster if identity(a) not in chosen]
    ids = {r.rubric_id for r in register.registered} or {
        r.rubric_id for r in register.registrations if r.rubric_id}
    register.rubric_id = rubric.id if rubric is not None else (min(ids) if ids else "")
    if rubric is None and register.rubric_id:
        from .intake import find_rubric

        found = find_rubric(register.rubric_id)
        register.rubric_hash = found.hash if found is not None else ""
    else:
        register.rubric_hash = rubric.hash if rubric is not None else ""
    years = {r.year for r in register.registered if r.year}
    register.year = year or (min(years) if years else None)
    return register


def _one_round(register: Register, rubric: Rubric | None, year: int | None) -> None:
    """All forms of one round: the rubric and the year given, else those of most forms (the
    later year on a tie); a form of another is refused with its reason."""
    from collections import Counter

    read = [r for r in register.registrations if not r.errors]
    rid = rubric.id if rubric is not None else next(
        (i for i, _ in Counter(r.rubric_id for r in read).most_common(1)), "")
    years = Counter(r.year for r in read if r.year)
    year = year or (max(years, key=lambda y: (years[y], y)) if years else None)
    for reg in read:
        if rid and reg.rubric_id != rid:
            reg.findings.append(make("round-rubric-other", path=reg.path, found=reg.rubric_id,
                                     expected=rid))
        elif year is not None and reg.year is not None and reg.year != year:
            reg.findings.append(make("year-mismatch", path=reg.path, found=reg.year,
                                     expected=year))
    register.year = year


def check_register(register: Register, rubric: Rubric, year: int) -> list[Finding]:
    """What makes a register unfit to write a round's results workbooks from: another year or
    rubric, or a registration the rubric refuses (a target missing, of another unit, below the
    khối's minimum; an unknown title) — its data may have been changed since it was collected."""
    found = []
    if register.year is not None and register.year != year:
        found.append(make("register-mismatch", found=f"năm {register.year}",
                          expected=f"năm {year}"))
    if register.rubric_id and register.rubric_id != rubric.id:
        found.append(make("register-mismatch", found=f"bộ tiêu chí «{register.rubric_id}»",
                          expected=f"bộ tiêu chí «{rubric.id}»"))
    titles = {t.name.casefold() for t in rubric.titles}
    for reg in register.registered:
        who = reg.agency or reg.agency_code
        for item in target_items(rubric):
            problem = target_problem(item, reg.targets.get(item.code), item=item.code,
                                     path=reg.path, detail=who)
            if problem is not None:
                found.append(problem)
        if reg.title and reg.title.casefold() not in titles:
            found.append(make("registration-title-unknown", found=reg.title, path=reg.path,
                              expected=", ".join(t.name for t in rubric.titles) or "—"))
    return found


def write_register(register: Register, rubric: Rubric, path: str | Path,
                   inputs: Iterable[str | Path] = ()) -> Path:
    """Write the khối's register workbook (atomically): the registrations as a table a person
    reads, the forms not used and why, and the data on a hidden sheet for the toolkit."""
    import xlsxwriter

    items = target_items(rubric)
    with atomic_path(path, inputs=[*inputs, *(r.path for r in register.registrations)],
                     suffixes=(".xlsx",), what="sổ đăng ký", kind="register") as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False,
                                            "strings_to_numbers": False,
                                            "strings_to_urls": False})
        fmt = _formats(wb)
        ws = wb.add_worksheet(REGISTER_SHEET)
        head = ["STT", "Mã", "Tên cơ quan", "Khối",
                *[f"{item.display}. {item.text or item.title} ({unit_text(item)})"
                  for item in items], "Danh hiệu đăng ký", "Tệp"]
        ws.merge_range(0, 0, 0, len(head) - 1,
                       f"SỔ ĐĂNG KÝ GIAO ƯỚC THI ĐUA NĂM {register.year or ''}".strip(),
                       fmt["title"])
        ws.merge_range(1, 0, 1, len(head) - 1, f"{rubric.title} ({rubric.id})", fmt["italic"])
        ws.merge_range(2, 0, 2, len(head) - 1, EDIT_NOTE, fmt["italic"])
        for col, text in enumerate(head):
            ws.write_string(3, col, text, fmt["head"])
        shown_rows = []
        for i, reg in enumerate(register.registered, start=1):
            row = [i, reg.agency_code, reg.agency, reg.block,
                   *[shown_value(item, reg.targets.get(item.code)) for item in items],
                   reg.title, readable(Path(reg.path).name)]
            shown_rows.append([cell_text(v) if isinstance(v, str) else v for v in row])
            for col, value in enumerate(row):
                style = fmt["cell"] if col in (2, len(row) - 2) else fmt["center"]
                if isinstance(value, int):
                    ws.write_number(3 + i, col, value, style)
                else:
                    ws.write_string(3 + i, col, cell_text(value), style)
        ws.set_column(0, 0, 5)
        ws.set_column(1, 1, 9)
        ws.set_column(2, 2, 32)
        ws.set_column(3, 3, 16)
        ws.set_column(4, 3 + len(items), 16)
        ws.set_column(4 + len(items), 5 + len(items), 26)
        ws.set_row(3, 16 * 4)
        _register_gaps(wb, fmt, register)
        meta = wb.add_worksheet(META)
        data = register.to_dict()
        data["shown"] = shown_rows  # what a person reads, to tell a hand edit from the data
        write_json_cells(wb, meta, META, register_name("data"), data)
        # the visible table is read back too (a hand edit is refused): named, so it is kept
        wb.define_name(register_name("table"), f"='{REGISTER_SHEET}'!$A$4")
        meta.hide()
        wb.close()
    return Path(path)


def _register_gaps(wb, fmt, register: Register) -> None:
    ws = wb.add_worksheet("Chưa đăng ký - không dùng")
    head = ["Tên cơ quan", "Mã", "Tình trạng", "Tệp", "Lý do"]
    for col, text in enumerate(head):
        ws.write_string(0, col, text, fmt["head"])
    why = {"rejected": "Bảng đăng ký có lỗi", "duplicate": "Trùng, dùng bảng gửi sau",
           "unknown": "Không có trong danh sách"}
    row = 1
    for agency in register.missing:
        for col, value in enumerate([agency.name, agency.code, "Chưa có bảng đăng ký hợp lệ",
                                     "", ""]):
            ws.write_string(row, col, cell_text(value), fmt["cell"])
        row += 1
    for reg in register.registrations:
        if reg.used == "registered":
            continue
        reasons = "; ".join(f.message for f in reg.findings)
        for col, value in enumerate([reg.agency, reg.agency_code, why.get(reg.used, ""),
                                     readable(Path(reg.path).name), reasons]):
            ws.write_string(row, col, cell_text(value), fmt["cell"])
        row += 1
    for path, reason in register.skipped:
        for col, value in enumerate(["", "", "Không đọc", readable(Path(path).name), reason]):
            ws.write_string(row, col, cell_text(value), fmt["cell"])
        row += 1
    ws.set_column(0, 0, 32)
    ws.set_column(1, 2, 22)
    ws.set_column(3, 3, 30)
    ws.set_column(4, 4, 80)


def read_register(path: str | Path) -> Register:
    """The khối's register from its workbook's data (what :func:`write_register` wrote).

    Raises :class:`~dvcq_xl.errors.WorkbookError` (finding ``register-unreadable``) when the
    file is not a register the toolkit wrote.
    """
    from .reader import read_workbook

    from .reader import json_cells

    ir = read_workbook(path)
    data = json_cells(ir, register_name("data"))
    if not isinstance(data.get("registrations"), list):
        finding = make("register-unreadable", path=str(path))
        raise WorkbookError(finding.message, [finding])
    _refuse_edits(ir, data, path)
    register = Register(rubric_id=nfc(data.get("rubric_id")),
                        rubric_hash=nfc(data.get("rubric_hash")), year=data.get("year"))
    for entry in data["registrations"]:
        if not isinstance(entry, dict):
            continue
        targets = entry.get("targets") if isinstance(entry.get("targets"), dict) else {}
        register.registrations.append(Registration(
            path=nfc(entry.get("path")), agency=nfc(entry.get("agency")),
            agency_code=nfc(entry.get("agency_code")), block=nfc(entry.get("block")),
            year=entry.get("year"), rubric_id=nfc(entry.get("rubric_id")),
            sha256=nfc(entry.get("sha256")), used=nfc(entry.get("used")),
            targets={str(k): v for k, v in targets.items()
                     if isinstance(v, (int, float, str)) and not isinstance(v, bool)},
            title=nfc(entry.get("title"))))
    return register


def _refuse_edits(ir: Any, data: dict[str, Any], path: str | Path) -> None:
    """A register whose visible table no longer says what its data says was edited by hand:
    the toolkit would write the members' results from data nobody sees. Refuse, naming the
    cell."""
    from .reader import col_letter

    shown = data.get("shown")
    if not isinstance(shown, list) or REGISTER_SHEET not in ir.sheets:
        return
    rows = ir.rows(REGISTER_SHEET)[4:4 + len(shown) + 1]
    for r, expected in enumerate(shown):
        actual = list(rows[r]) if r < len(rows) else []
        for c, value in enumerate(expected if isinstance(expected, list) else []):
            got = actual[c] if c < len(actual) else None
            same = (got == value or (got in (None, "") and value in (None, ""))
                    or (isinstance(got, (int, float)) and isinstance(value, (int, float))
                        and abs(got - value) < 1e-9))
            if not same:
                finding = make("register-edited", path=str(path), sheet=REGISTER_SHEET,
                               cell=f"{col_letter(c + 1)}{r + 5}", found=_shown_raw(got) or "",
                               expected=_shown_raw(value) or "")
                raise WorkbookError(finding.message, [finding])
    if len(rows) > len(shown) and any(v not in (None, "") for v in rows[len(shown)]):
        finding = make("register-edited", path=str(path), sheet=REGISTER_SHEET,
                       cell=f"A{len(shown) + 5}", found="một dòng thêm", expected="(trống)")
        raise WorkbookError(finding.message, [finding])


__all__ = ["Registration", "Register", "render_registration", "registration_forms",
           "read_registration", "collect", "write_register", "read_register", "shown_value",
           "unit_text"]
