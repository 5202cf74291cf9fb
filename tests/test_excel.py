"""The Python side of the buttons, on Linux without Excel, through ``FakeBook``
(``tests/xlwings_stand_in.py``): the «Kiểm tra» button and the control workbook's buttons."""

from __future__ import annotations

import re

import pytest

from dvcq_xl.excel import MEMO_CELL, RED, RESULT_SHEET, validate
from dvcq_xl.rubric import builtin_rubric
from dvcq_xl.template import SHEET

from .helpers import cell_of, full_fill, make_filled
from .xlwings_stand_in import FakeBook

BG = builtin_rubric("bac-giang-274-2017")


@pytest.fixture
def clean(tmp_path):
    return FakeBook(make_filled(BG, tmp_path / "sach.xlsx"))


@pytest.fixture
def faulty(tmp_path):
    return FakeBook(make_filled(BG, tmp_path / "loi.xlsx",
                                fill=full_fill(BG, self_scores={"2.1": 6})))


def _lines(book):
    ws = book.sheets[RESULT_SHEET]
    out = []
    row = 5
    while (row, 1) in ws.cells and isinstance(ws.cells[(row, 1)].get("value"), float):
        out.append([ws.cells.get((row, c), {}).get("value") or ws.cells.get((row, c), {}).get(
            "formula") for c in range(1, 6)])
        row += 1
    return out


def test_clean_workbook(clean):
    before = {rc: dict(c) for rc, c in clean.sheets[SHEET].cells.items()}
    result = validate(clean)
    assert result.status == "ok" and not result.findings
    assert clean.sheets[0].name == RESULT_SHEET
    assert clean.sheets[RESULT_SHEET].range("A5").value == "Không có lỗi hay cảnh báo."
    (text, title), = clean.app.alerts
    assert text.startswith("Bảng chấm điểm hợp lệ") and "100 điểm" in text
    score = clean.sheets[SHEET]
    assert score.cells == before and score.api.ProtectContents  # nothing changed, still locked
    # the structure was opened only to add the result sheet, and is locked again
    assert clean.api.ProtectStructure and clean.api.calls == ["unprotect", "protect"]


def test_the_button_of_the_xlsm_template(tmp_path):
    """The macro-enabled template, with its hidden xlwings.conf sheet, checks the same."""
    book = FakeBook(make_filled(BG, tmp_path / "sach.xlsm",
                                fill=full_fill(BG, self_scores={"2.1": 6})))
    assert "xlwings.conf" in [s.name for s in book.sheets]
    result = validate(book)
    assert [f.code for f in result.errors] == ["score-above-max"]
    assert book.sheets[0].name == RESULT_SHEET and book.api.ProtectStructure
    assert book.sheets[SHEET].range(cell_of(BG, "dvcq_self_2_1")).color == RED


def test_faulty_workbook_lists_links_and_marks(faulty):
    result = validate(faulty)
    assert [f.code for f in result.errors] == ["score-above-max"]
    cell = cell_of(BG, "dvcq_self_2_1")
    (line,) = _lines(faulty)
    assert line[1:4] == ["Lỗi", f'=HYPERLINK("#\'{SHEET}\'!{cell}","{SHEET}!{cell}")',
                         "score-above-max"]
    assert "vượt điểm chuẩn 5" in line[4]
    score = faulty.sheets[SHEET]
    assert score.range(cell).color == RED
    assert score.api.ProtectContents and score.api.calls == ["unprotect", "protect"]
    assert faulty.app.alerts[-1][0].startswith("Bảng chấm điểm còn 1 lỗi")
    assert score.range(cell).value == 6  # the entry is never changed


def test_running_twice_replaces_and_fixing_restores_the_fill(faulty):
    cell = cell_of(BG, "dvcq_self_2_1")
    original = faulty.sheets[SHEET].range(cell).color
    validate(faulty)
    validate(faulty)
    assert [s.name for s in faulty.sheets].count(RESULT_SHEET) == 1
    assert len(_lines(faulty)) == 1
    faulty.type_into("dvcq_self_2_1", 5.0)  # the clerk corrects it, without saving
    result = validate(faulty)
    assert result.status == "ok"
    assert faulty.sheets[SHEET].range(cell).color == original
    assert faulty.sheets[RESULT_SHEET].range(MEMO_CELL).value == "[]"


def test_a_workbook_locked_with_another_password_is_still_checked(faulty):
    """Templates made with «--password»: the findings are listed in the message box."""
    before = [s.name for s in faulty.sheets]
    result = validate(faulty, password="khong-phai-mat-khau")
    assert [f.code for f in result.errors] == ["score-above-max"]
    text, _title = faulty.app.alerts[-1]
    assert text.startswith("Bảng chấm điểm còn 1 lỗi.")
    assert f"{SHEET}!{cell_of(BG, 'dvcq_self_2_1')}: " in text and "vượt điểm chuẩn 5" in text
    assert "mật khẩu khác" in text
    assert [s.name for s in faulty.sheets] == before and faulty.api.ProtectStructure
    assert faulty.sheets[SHEET].api.ProtectContents


def test_a_workbook_that_cannot_be_read_is_a_message_not_a_traceback(clean, monkeypatch):
    import dvcq_xl.excel as excel

    def broken(book):
        raise ValueError("ô bị hỏng")

    monkeypatch.setattr(excel, "read_book", broken)
    assert validate(clean) is None
    text, _title = clean.app.alerts[-1]
    assert "Không kiểm tra được" in text and "ô bị hỏng" in text and "dvcq check" in text


def test_unsaved_text_typed_into_a_score_is_found(clean):
    clean.type_into("dvcq_self_1_1", "5 điểm")
    result = validate(clean)
    assert [f.code for f in result.errors] == ["score-not-number"]
    assert "5 điểm" in _lines(clean)[0][4]


def test_a_message_that_looks_like_a_formula_stays_text(clean):
    clean.type_into("dvcq_agency", "")
    clean.type_into("dvcq_self_1_1", "=1+1")
    validate(clean)
    messages = [line[4] for line in _lines(clean)]
    assert messages and all(isinstance(m, str) for m in messages)
    ws = clean.sheets[RESULT_SHEET]
    assert all(not (c.get("formula") or "").startswith("=1+1") for c in ws.cells.values())


# --- the control workbook --------------------------------------------------------------------------


@pytest.fixture
def control(tmp_path):
    from dvcq_xl.excel import write_control_workbook
    from dvcq_xl.template import Agency

    agencies = [Agency("Sở Alpha", "SA", "Sở, ban, ngành"), Agency("Sở Bêta", "SB",
                                                                    "Sở, ban, ngành")]
    path = write_control_workbook(tmp_path / "dieu-khien.xlsx", agencies, {
        "rubric": "bac-giang-274-2017", "year": 2025, "inbox": str(tmp_path / "nop"),
        "output": str(tmp_path / "ket-qua"), "province": "Bắc Giang", "number": "125",
        "date": "05/12/2025"})
    return FakeBook(path), tmp_path


def _summary(book, sheet):
    ws = book.sheets[sheet]
    return {ws.cells[(r, 1)]["value"]: ws.cells.get((r, 2), {}).get("value")
            or ws.cells.get((r, 2), {}).get("formula")
            for r in range(3, 200) if (r, 1) in ws.cells}


def test_control_workbook_round(control):
    from dvcq_xl.excel import ACTIONS, consolidate_inbox, make_templates, write_round_reports

    book, tmp = control
    written = make_templates(book)
    assert [w.path.name for w in written] == ["sa-2025.xlsx", "sb-2025.xlsx"]
    summary = _summary(book, ACTIONS["templates"])
    assert summary["Số mẫu đã tạo"] == 2.0
    assert summary["Sở Alpha"] == f'=HYPERLINK("{written[0].path}","sa-2025.xlsx")'
    # Sở Alpha fills its template and sends it; Sở Bêta does not
    inbox = tmp / "nop"
    inbox.mkdir()
    make_filled(BG, inbox / "sa.xlsx", agency=written[0].agency)
    result = consolidate_inbox(book)
    assert [u.agency for u in result.units] == ["Sở Alpha"]
    summary = _summary(book, ACTIONS["consolidate"])
    assert summary["Đơn vị được xếp hạng"] == 1.0 and summary["Chưa nộp: Sở Bêta"] == "Chưa nộp"
    assert summary["Bảng xếp hạng"].startswith('=HYPERLINK("') and (
        tmp / "ket-qua" / "xep-hang-2025.xlsx").is_file()
    docs = write_round_reports(book)
    assert {p.name for p in docs} >= {"bao-cao-ket-qua-dvcq-2025.docx",
                                      "du-thao-quyet-dinh-cong-bo-2025.docx"}
    from docx import Document

    head = Document(str(docs[0])).tables[0]
    assert head.rows[1].cells[0].text == "Số: 125/BC-SNV"  # 125 typed in Excel is 125.0
    assert "ngày 05 tháng 12 năm 2025" in head.rows[1].cells[1].text
    # each run replaces its summary sheet
    consolidate_inbox(book)
    assert [s.name for s in book.sheets].count(ACTIONS["consolidate"]) == 1


def test_control_workbook_errors_are_messages(control):
    from dvcq_xl.excel import ACTIONS, consolidate_inbox

    book, tmp = control
    settings = book.sheets["Cài đặt"]
    row = next(r for (r, c), cell in settings.cells.items() if c == 1
               and cell.get("value") == "inbox")
    settings.cells[(row, 2)] = {"value": ""}
    assert consolidate_inbox(book) is None
    text, _title = book.app.alerts[-1]
    assert "Chưa điền «inbox»" in text
    assert _summary(book, ACTIONS["consolidate"])["Lỗi"].startswith("Chưa điền «inbox»")


def test_control_workbook_unexpected_errors_are_messages(control, monkeypatch):
    import dvcq_xl.workflow as workflow
    from dvcq_xl.excel import ACTIONS, make_templates

    def busy(*args, **kwargs):
        raise PermissionError(13, "Permission denied", "sa-2025.xlsx")

    monkeypatch.setattr(workflow, "make_templates", busy)  # e.g. a file open in Excel
    book, _tmp = control
    assert make_templates(book) is None
    message = _summary(book, ACTIONS["templates"])["Lỗi"]
    assert message.startswith("Lỗi ngoài dự kiến (PermissionError") and "sa-2025.xlsx" in message
    assert book.app.alerts[-1][0] == message


def _set(book, key, value):
    settings = book.sheets["Cài đặt"]
    row = next(r for (r, c), cell in settings.cells.items() if c == 1 and cell.get("value") == key)
    settings.cells[(row, 2)] = {"value": value}


def test_control_workbook_paths_are_relative_to_it_not_to_python(control, monkeypatch):
    from dvcq_xl.excel import make_templates

    book, tmp = control
    _set(book, "output", "ket-qua-2")  # as «dvcq control-workbook» writes them: relative
    elsewhere = tmp / "python-chay-o-day"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # RunPython starts Python in its own folder
    written = make_templates(book)
    assert [w.path.parent for w in written] == [tmp / "ket-qua-2" / "mau"] * 2
    assert not any(elsewhere.iterdir())


def test_control_workbook_on_onedrive_asks_for_full_paths(control):
    from dvcq_xl.excel import ACTIONS, consolidate_inbox

    book, tmp = control
    book.fullname = "https://congty-my.sharepoint.com/personal/snv/Documents/dieu-khien.xlsm"
    _set(book, "inbox", "nop")
    assert consolidate_inbox(book) is None
    message = _summary(book, ACTIONS["consolidate"])["Lỗi"]
    assert "OneDrive/SharePoint" in message and "«inbox»" in message
    assert "đường dẫn đầy đủ" in book.app.alerts[-1][0]


def test_every_macro_calls_an_entry_point_that_exists():
    from pathlib import Path

    import dvcq_xl.excel as excel

    folder = Path(__file__).resolve().parents[1] / "macros"
    calls = []
    for bas in sorted(folder.glob("*.bas")):
        text = bas.read_text(encoding="ascii")  # VBA source stays ASCII
        assert text.startswith(f'Attribute VB_Name = "{bas.stem}"')
        calls += re.findall(r'RunPython "import dvcq_xl\.excel as dvcq; dvcq\.(\w+)\(\)"', text)
    assert sorted(calls) == ["consolidate_inbox", "make_templates", "validate",
                             "write_round_reports"]
    assert all(callable(getattr(excel, name)) and name in excel.__all__ for name in calls)


def test_control_workbook_settings_serve_dvcq_report(tmp_path):
    from dvcq_xl.excel import write_control_workbook
    from dvcq_xl.reports import load_settings

    path = write_control_workbook(tmp_path / "dk.xlsx", [], {
        "rubric": "bac-giang-274-2017", "year": 2025, "province": "Quảng Ngãi", "number": 7})
    s = load_settings(path)  # its own keys (rubric, year, folders) are not the reports'
    assert (s.province, s.number, s.superior) == ("Quảng Ngãi", "7", "UBND TỈNH QUẢNG NGÃI")


@pytest.mark.xdist_group("demo")  # one worker runs the demo, once
def test_the_demo_control_workbook_runs_on_the_demo_folder(demo_round, tmp_path, monkeypatch):
    """As «dvcq demo» writes it, «Tổng hợp» consolidates the demo's inbox beside it."""
    from dvcq_xl.excel import ACTIONS, consolidate_inbox
    from dvcq_xl.reader import read_ranking_rows

    demo_round.copy_to(tmp_path / "demo")
    (tmp_path / "demo" / "xep-hang-2025.xlsx").unlink()
    monkeypatch.chdir(tmp_path)
    book = FakeBook(tmp_path / "demo" / "so-dieu-khien-2025.xlsm")
    result = consolidate_inbox(book)
    assert len(result.units) == 36 and len(result.rejected) == 5  # the planted mistakes
    assert len(read_ranking_rows(tmp_path / "demo" / "xep-hang-2025.xlsx")) == 36
    assert _summary(book, ACTIONS["consolidate"])["Đơn vị được xếp hạng"] == 36.0


DL = builtin_rubric("vi-du-do-luong")


def test_the_button_checks_figures_and_marks_the_cell_to_fix(tmp_path):
    """A measured item's figures: the first above the total is found by the button, the figure's
    cell marked; corrected (unsaved), the sheet is valid and the total said is the model's."""
    from dvcq_xl.template import Agency

    commune = Agency("UBND xã An Phú", "XAP", "UBND cấp xã")
    book = FakeBook(make_filled(DL, tmp_path / "xa.xlsx", agency=commune,
                                fill=full_fill(DL, self_figures={"1.2": (11, 10)},
                                               self_na={"3.1": "Không áp dụng"},
                                               self_scores={"3.1": None})))
    result = validate(book)
    assert [f.code for f in result.errors] == ["figures-inconsistent"]
    cell = cell_of(DL, "dvcq_self_in_1_2_1")
    assert book.sheets[SHEET].range(cell).color == RED
    book.type_into("dvcq_self_in_1_2_1", 9.0)
    result = validate(book)
    assert result.status == "ok", [str(f) for f in result.findings]
    # 20 + 16 (9 of 10) + 20 + 20 of the 80 that apply (3.1 does not) -> 95 on the full scale
    assert result.self_total == 95 and result.self_class == "Hoàn thành xuất sắc"
