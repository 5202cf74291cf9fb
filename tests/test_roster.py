"""The roster: names that repeat, and the agencies' own abbreviations."""

from __future__ import annotations

import unicodedata

import pytest
import xlsxwriter

from dvcq_xl.errors import RosterError
from dvcq_xl.roster import RosterAgency, read_roster, write_roster

XA = "UBND cấp xã"
TAN_LAP = "UBND xã Tân Lập"


def _roster(path, rows, header=("STT", "Mã", "Tên cơ quan", "Khối")):
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Danh sách")
    ws.write_row(0, 0, list(header))
    for r, row in enumerate(rows, start=1):
        ws.write_row(r, 0, [r, *row])
    wb.close()
    return path


@pytest.mark.parametrize("first, second", [
    ((None, TAN_LAP), (None, TAN_LAP)),  # no codes at all
    (("TL1", TAN_LAP), (None, TAN_LAP)),  # one code: a file without a code matches both
    ((None, TAN_LAP), (None, unicodedata.normalize("NFD", TAN_LAP))),  # NFC and NFD
    ((None, TAN_LAP), (None, "ubnd  XÃ tân lập ")),  # case and spaces
    ((None, TAN_LAP), (None, "Ủy ban nhân dân xã Tân Lập")),  # the abbreviation spelled out
    ((None, "Uỷ ban nhân dân xã Tân Lập"), (None, "Ủy ban nhân dân xã Tân Lập")),  # tone place
])
def test_a_name_repeated_without_distinct_codes_is_an_error(tmp_path, first, second):
    path = _roster(tmp_path / "ds.xlsx", [(first[0], first[1], XA), ("SYT", "Sở Y tế", "Sở"),
                                          (second[0], second[1], XA)])
    with pytest.raises(RosterError) as info:
        read_roster(path)
    findings = info.value.findings
    assert [(f.code, f.line, f.expected) for f in findings] == [("roster-name-duplicate", 4, 2)]
    assert "dòng 4" in findings[0].message and "dòng 2" in findings[0].message
    assert "dòng 4" in info.value.message


def test_namesakes_with_distinct_codes_are_two_agencies_with_a_warning(tmp_path):
    path = _roster(tmp_path / "ds.xlsx", [("TL1", TAN_LAP, XA), ("SYT", "Sở Y tế", "Sở"),
                                          ("TL2", "UBND xã  Tân Lập", XA)])
    roster = read_roster(path)
    assert [(a.code, a.name) for a in roster] == [("TL1", TAN_LAP), ("SYT", "Sở Y tế"),
                                                  ("TL2", TAN_LAP)]
    assert [(w.code, w.severity, w.expected) for w in roster.warnings] == [
        ("roster-name-shared", "warning", "2, 4")]
    assert "TL1, TL2" in roster.warnings[0].message


def test_every_problem_is_listed_in_row_order(tmp_path):
    path = _roster(tmp_path / "ds.xlsx", [("A", TAN_LAP, XA), ("B", "Sở Y tế", "Sở"),
                                          (None, TAN_LAP, XA), ("b", "Sở Tài chính", "Sở"),
                                          (None, "Sở Y tế", "Sở")])
    with pytest.raises(RosterError) as info:
        read_roster(path)
    assert [(f.code, f.line or int(f.cell[1:])) for f in info.value.findings] == [
        ("roster-name-duplicate", 4), ("roster-code-duplicate", 5),
        ("roster-name-duplicate", 6)]


@pytest.mark.parametrize("title", ["Viết tắt", "Ký hiệu", "kí hiệu", "VIẾT TẮT", "Tên viết tắt",
                                   "Ký hiệu văn bản", " Viết  tắt ",
                                   unicodedata.normalize("NFD", "Ký hiệu")])
def test_the_agencies_own_abbreviation_column(tmp_path, title):
    path = _roster(tmp_path / "ds.xlsx", [("BDT-BG", "Ban Dân tộc", "Sở", "BDT"),
                                          ("XGH", "UBND xã Gia Hòa", XA, None)],
                   header=("STT", "Mã", "Tên cơ quan", "Khối", title))
    roster = read_roster(path)
    assert [(a.code, a.symbol) for a in roster] == [("BDT-BG", "BDT"), ("XGH", "")]


def test_without_the_column_there_is_no_abbreviation(tmp_path):
    path = _roster(tmp_path / "ds.xlsx", [("SYT", "Sở Y tế", "Sở")])
    assert [(a.code, a.symbol) for a in read_roster(path)] == [("SYT", "")]


def test_written_roster_reads_back_with_its_abbreviations(tmp_path):
    agencies = [RosterAgency("Ban Dân tộc", "BDT-BG", "Sở", symbol="BDT"),
                RosterAgency("UBND xã Gia Hòa", "XGH", XA, symbol="")]
    roster = read_roster(write_roster(agencies, tmp_path / "ds.xlsx"))
    assert list(roster) == agencies and roster.warnings == []


@pytest.mark.parametrize("data, words", [
    (b"%PDF-1.4 a letter", "PDF"),
    (b"PK\x03\x04 broken zip", "hỏng"),
    (b"", "rỗng"),
])
def test_a_roster_that_is_not_a_workbook_is_read_safely(tmp_path, data, words):
    """A roster comes by mail like any submission: the same safe reader, the same words."""
    from dvcq_xl.errors import RosterError
    from dvcq_xl.roster import read_roster

    path = tmp_path / "danh-sach.xlsx"
    path.write_bytes(data)
    with pytest.raises(RosterError) as info:
        read_roster(path)
    assert info.value.findings[0].code == "roster-unreadable"
    assert words in info.value.message
