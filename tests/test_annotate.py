"""Marked-up copies: comments and fills on the cells, a listing sheet first, the original intact."""

from __future__ import annotations

import hashlib

import pytest
from openpyxl import load_workbook

from dvcq_xl.annotate import RESULT_SHEET, annotate_results
from dvcq_xl.errors import OutputError
from dvcq_xl.intake import check_file
from dvcq_xl.rubric import builtin_rubric
from dvcq_xl.template import SHEET, Agency

from .helpers import cell_of, full_fill, make_filled

EX = builtin_rubric("vi-du-minh-hoa")


@pytest.fixture
def faulty(tmp_path):
    inbox = tmp_path / "nop"
    inbox.mkdir()
    # over the Chuẩn, a number typed as text (errors) and deductions past their cap (a warning)
    fill = full_fill(EX, self_scores={"1.3": 11, "1.2": "4,5", "7.1": 5, "7.2": 9})
    return make_filled(EX, inbox / "Sở Thử.xlsx", fill=fill,
                       agency=Agency('=HYPERLINK("http://x","bấm")', "STN", "Sở"))


def test_marked_copy_has_comments_fills_and_listing(tmp_path, faulty):
    before = hashlib.sha256(faulty.read_bytes()).hexdigest()
    result = check_file(faulty)
    (out,) = annotate_results([result], tmp_path / "kiem-tra")
    assert out.name == "so-thu-kiem-tra.xlsx"
    assert hashlib.sha256(faulty.read_bytes()).hexdigest() == before
    wb = load_workbook(out)
    assert wb.sheetnames[0] == RESULT_SHEET and wb.active.title == RESULT_SHEET
    ws = wb[SHEET]
    above = ws[cell_of(EX, "dvcq_self_1_3")]
    assert "vượt điểm chuẩn 10" in above.comment.text
    assert above.fill.fgColor.rgb.endswith("FFC7CE")
    typed = ws[cell_of(EX, "dvcq_self_1_2")]
    assert "dạng chữ" in typed.comment.text and typed.fill.fgColor.rgb.endswith("FFC7CE")
    capped = next(f for f in result.findings if f.code == "penalty-below-floor")
    assert capped.severity == "warning" and capped.cell
    warned = ws[capped.cell]
    assert "tính 10" in warned.comment.text and warned.fill.fgColor.rgb.endswith("FFEB9C")
    listing = wb[RESULT_SHEET]
    rows = [[c.value for c in row] for row in listing.iter_rows(min_row=8)]
    assert [r[5] for r in rows] == [f.code for f in result.findings]
    link = listing["C8"].hyperlink
    assert link is not None and link.location == f"'{SHEET}'!{result.findings[0].cell}"
    # the agency's text stays text: no formula reaches the Sở's outputs
    assert listing["A3"].data_type == "s" and listing["A3"].value.startswith("Cơ quan")
    assert ws["B4"].data_type == "s"
    assert ws.protection.sheet  # still protected for the agency


def test_clean_files_get_no_copy(tmp_path):
    path = make_filled(EX, tmp_path / "ok.xlsx")
    assert annotate_results([check_file(path)], tmp_path / "out") == []


def test_unreadable_file_gets_a_listing_only(tmp_path):
    bad = tmp_path / "in" / "hong.xlsx"
    bad.parent.mkdir()
    bad.write_bytes(b"PK\x03\x04 broken")
    (out,) = annotate_results([check_file(bad)], tmp_path / "out")
    wb = load_workbook(out)
    assert wb.sheetnames == [RESULT_SHEET]
    assert wb[RESULT_SHEET]["F8"].value == "file-unreadable"


def test_annotate_refuses_the_inbox_itself(tmp_path, faulty):
    with pytest.raises(OutputError):
        annotate_results([check_file(faulty)], faulty.parent)


@pytest.mark.libreoffice
def test_libreoffice_opens_the_marked_copy(libreoffice, tmp_path, faulty):
    (out,) = annotate_results([check_file(faulty)], tmp_path / "kiem-tra")
    (pdf,) = libreoffice.convert([out], "pdf", tmp_path / "pdf")
    assert pdf.stat().st_size > 10_000
