"""Word reports: settings, numbers in words, and the summary report in the NĐ 30 format."""

from __future__ import annotations

import re
import unicodedata
import zipfile
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from docx.shared import Mm

from dvcq_xl.cli import main
from dvcq_xl.consolidate import consolidate
from dvcq_xl.errors import DvcqError
from dvcq_xl.ranking import write_ranking
from dvcq_xl.reader import read_ranking
from dvcq_xl.reports import (
    ReportError,
    Settings,
    load_settings,
    round_context,
    vn_number,
    write_reports,
)
from dvcq_xl.rubric import builtin_rubric
from dvcq_xl.template import REVIEW, Agency

from .helpers import full_fill, make_filled, review_fill

BG = builtin_rubric("bac-giang-274-2017")
SBN, XA = "Sở, ban, ngành", "UBND cấp xã"


@pytest.mark.parametrize("value, text", [
    (94.5, "94,5"), (95.0, "95"), (95, "95"), (0, "0"), (None, ""), (99.25, "99,25"),
    (1 / 3, "0,33"),
])
def test_vietnamese_decimal_comma(value, text):
    assert vn_number(value) == text


@pytest.mark.parametrize("day, text", [
    (date(2025, 12, 5), "ngày 05 tháng 12 năm 2025"),
    (date(2026, 1, 20), "ngày 20 tháng 01 năm 2026"),
    (None, "ngày … tháng … năm …"),
])
def test_date_line_has_leading_zeros(day, text):
    assert Settings(date=day).date_text == text


def test_settings_from_yaml_and_from_a_settings_sheet(tmp_path):
    yaml_file = tmp_path / "cai-dat.yaml"
    yaml_file.write_text("province: Bắc Giang\nnumber: '125'\ndate: 05/12/2025\n"
                         "signer_name: Nguyễn Văn A\nrecipients:\n  - UBND tỉnh (b/c);\n"
                         "  - Lưu: VT.\n", encoding="utf-8")
    s = load_settings(yaml_file)
    assert (s.superior, s.place, s.number, s.date) == ("UBND TỈNH BẮC GIANG", "Bắc Giang", "125",
                                                       date(2025, 12, 5))
    assert s.recipients == ["UBND tỉnh (b/c);", "Lưu: VT."]
    import xlsxwriter

    book = tmp_path / "ds.xlsx"
    wb = xlsxwriter.Workbook(str(book))
    ws = wb.add_worksheet("Cài đặt")
    ws.write_row(0, 0, ["Khóa", "Giá trị", "Ý nghĩa"])
    ws.write_row(1, 0, ["province", "Quảng Ngãi"])
    ws.write_row(2, 0, ["date", "2025-12-20"])
    wb.close()
    s = load_settings(book)
    assert (s.province, s.date, s.signer_title) == ("Quảng Ngãi", date(2025, 12, 20),
                                                    "KT. GIÁM ĐỐC")


@pytest.mark.parametrize("text, words", [
    ("provnce: Bắc Giang\n", "provnce"),
    ("date: 31/02/2025\n", "31/02/2025"),
    ("- a list\n", "khóa: giá trị"),
])
def test_bad_settings_are_named(tmp_path, text, words):
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ReportError, match=re.escape(words)):
        load_settings(path)


# --- the summary report ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ranking(tmp_path_factory):
    folder = tmp_path_factory.mktemp("round")
    inbox = folder / "nop"
    inbox.mkdir()
    make_filled(BG, inbox / "a.xlsx", agency=Agency("Sở Alpha", "SA", SBN))
    fill = full_fill(BG)
    fill.self_scores["7"] = 8
    make_filled(BG, inbox / "b.xlsx", agency=Agency("A & B <Sở>", "SB", SBN), fill=fill)
    review = review_fill(BG, {"3.1": 3.0}, {"3.1": "Thiếu <kế hoạch> & báo cáo"})
    make_filled(BG, inbox / "c.xlsx", agency=Agency("UBND xã Cờ", "XC", XA), fill=review,
                mode=REVIEW)
    roster = [Agency("Sở Alpha", "SA", SBN), Agency("A & B <Sở>", "SB", SBN),
              Agency("UBND xã Cờ", "XC", XA), Agency("UBND xã Vắng", "XV", XA)]
    return write_ranking(consolidate([inbox], roster=roster, jobs=1), folder / "xep-hang.xlsx")


SETTINGS = Settings(province="Bắc Giang", number="125", date=date(2025, 12, 5),
                    signer_name="Nguyễn Văn A",
                    launch_letter="Công văn số 2880/SNV-XDCQ ngày 30/11/2025 của Sở Nội vụ")


@pytest.fixture(scope="module")
def summary(ranking, tmp_path_factory):
    written = write_reports(ranking, tmp_path_factory.mktemp("bc"), SETTINGS)
    return next(p for p in written if p.name == "bao-cao-ket-qua-dvcq-2025.docx")


def _text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


def test_summary_page_and_body_format(summary):
    doc = Document(str(summary))
    section = doc.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(1) and abs(section.page_height - Mm(297)) < Mm(1)
    assert Mm(20) <= section.top_margin <= Mm(25) and Mm(20) <= section.bottom_margin <= Mm(25)
    assert Mm(30) <= section.left_margin <= Mm(35) and Mm(15) <= section.right_margin <= Mm(20)
    normal = doc.styles["Normal"]
    assert normal.font.name == "Times New Roman" and 13 <= normal.font.size.pt <= 14
    fmt = normal.paragraph_format
    assert fmt.alignment == 3  # justified
    assert 1.0 <= fmt.first_line_indent.cm <= 1.27 + 1e-6 and fmt.space_after.pt >= 6
    title = next(p for p in doc.paragraphs if p.text == "BÁO CÁO")
    assert all(r.bold for r in title.runs) and title.alignment == 1
    # page number: a PAGE field in the header, not on the first page
    assert section.different_first_page_header_footer
    header_xml = section.header._element.xml
    assert "PAGE" in header_xml and "fldChar" in header_xml


def test_summary_national_header(summary):
    doc = Document(str(summary))
    head = doc.tables[0]
    left, right = head.rows[0].cells
    assert [p.text for p in left.paragraphs][:2] == ["UBND TỈNH BẮC GIANG", "SỞ NỘI VỤ"]
    assert left.paragraphs[1].runs[0].bold
    motto = [p for p in right.paragraphs if p.text == "Độc lập - Tự do - Hạnh phúc"][0]
    assert motto.runs[0].bold and motto.runs[0].underline
    assert right.paragraphs[0].text == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert 12 <= right.paragraphs[0].runs[0].font.size.pt <= 13
    number, when = head.rows[1].cells
    assert number.text == "Số: 125/BC-SNV"
    assert when.text == "Bắc Giang, ngày 05 tháng 12 năm 2025" and when.paragraphs[0].runs[0].italic
    assert "tblBorders" in head._tbl.xml and 'w:val="nil"' in head._tbl.xml


def test_summary_numbers_equal_the_ranking_workbook(summary, ranking):
    doc = Document(str(summary))
    text = _text(doc)
    book = read_ranking(ranking)
    for row in book.units:
        assert row["Tên cơ quan"] in text
    assert "A & B <Sở>" in text  # escaped in the XML, shown as typed
    context = round_context(book, SETTINGS)
    assert context["n_ranked"] == 3 and context["n_missing"] == 1
    assert "UBND xã Vắng" in text and "được xếp hạng: 3" in text
    assert "Khối Sở, ban, ngành (2 đơn vị): 2 Hoàn thành xuất sắc" in text
    # the change the team made, with its reason, in the changes table
    change = next(r for r in doc.tables[-2].rows if "UBND xã Cờ" in r.cells[1].text)
    assert [c.text for c in change.cells[3:]] == ["5", "3", "Thiếu <kế hoạch> & báo cáo"]
    # scores as the workbook has them, with the decimal comma
    block = next(t for t in doc.tables[1:] if t.rows[0].cells[0].text == "STT"
                 and any("Sở Alpha" in r.cells[1].text for r in t.rows))
    alpha = next(r for r in block.rows if r.cells[1].text == "Sở Alpha")
    assert alpha.cells[2].text == "100"
    assert unicodedata.is_normalized("NFC", text)
    # table header rows repeat on each page; rows do not split
    xml = block._tbl.xml
    assert "w:tblHeader" in xml and "w:cantSplit" in xml


def test_no_tag_is_left_unrendered(summary):
    with zipfile.ZipFile(summary) as zf:
        body = zf.read("word/document.xml").decode()
    assert "{{" not in body and "{%" not in body


def test_broken_tag_in_an_edited_template_is_named(ranking, tmp_path):
    from dvcq_xl.reports import template_path

    folder = tmp_path / "mau"
    folder.mkdir()
    doc = Document(str(template_path("bao-cao-ket-qua.docx")))
    doc.add_paragraph("{{ year ")  # an officer's typo
    doc.save(str(folder / "bao-cao-ket-qua.docx"))
    with pytest.raises(ReportError, match=r"bao-cao-ket-qua.docx có thẻ lỗi .*«\{\{ year»"):
        write_reports(ranking, tmp_path / "out", SETTINGS, templates=folder)
    assert not (tmp_path / "out" / "bao-cao-ket-qua-dvcq-2025.docx").exists()


def test_a_file_that_is_not_a_ranking_is_refused(tmp_path):
    path = make_filled(BG, tmp_path / "a.xlsx")
    with pytest.raises(ReportError, match="không phải bảng xếp hạng"):
        write_reports(path, tmp_path / "out")




# --- the draft decision and the notices ------------------------------------------------------------


@pytest.fixture(scope="module")
def written(ranking, tmp_path_factory):
    return write_reports(ranking, tmp_path_factory.mktemp("all"), SETTINGS)


def test_decision_draft_and_its_annex_per_block(written, ranking):
    decision = next(p for p in written if p.name.startswith("du-thao-quyet-dinh"))
    doc = Document(str(decision))
    text = _text(doc)
    assert "QUYẾT ĐỊNH" in text and "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH BẮC GIANG" in text
    assert "I. KHỐI SỞ, BAN, NGÀNH" in text and "II. KHỐI UBND CẤP XÃ" in text
    annex = [t for t in doc.tables if t.rows[0].cells[0].text == "STT"]
    rows = [[c.text for c in r.cells] for t in annex for r in t.rows[1:]]
    book = read_ranking(ranking)
    assert [(r[1], r[2], r[3]) for r in rows] == [
        (u["Tên cơ quan"], vn_number(u["Điểm xếp loại"]), u["Xếp loại"]) for u in book.units]
    assert "w:br" in doc.element.xml and 'w:type="page"' in doc.element.xml  # annex on its page


def test_one_notice_per_agency_with_its_items(written, ranking):
    notices = sorted(p for p in written if p.parent.name == "thong-bao")
    book = read_ranking(ranking)
    assert len(notices) == len(book.units)
    assert all(re.fullmatch(r"[a-z0-9-]+\.docx", p.name) for p in notices)  # safe names
    doc = Document(str(next(p for p in notices if p.name.startswith("thong-bao-xc-"))))
    text = _text(doc)
    assert "Kính gửi: UBND xã Cờ." in text and "xếp hạng: 1 trong 1 đơn vị khối UBND cấp xã" in text
    items = [[c.text for c in r.cells] for r in doc.tables[1].rows[1:]]
    assert len(items) == len(BG.leaves())
    changed = next(r for r in items if r[1] == "Tiêu chí 3 – Nội dung 1")
    assert changed[2:] == ["5", "5", "3", "Thiếu <kế hoạch> & báo cáo"]
    signature = doc.tables[-1].rows[0].cells[0].text
    assert "- UBND xã Cờ;" in signature and "- Lưu: VT, XDCQ." in signature


@pytest.mark.libreoffice
def test_documents_convert_to_pdf(libreoffice, written, tmp_path):
    from dvcq_xl.reports import write_agency_report

    summary, decision, notice = written[0], written[1], written[2]
    agency = write_agency_report(make_filled(BG, tmp_path / "cq.xlsx"), tmp_path / "cq.docx")
    pdfs = libreoffice.convert([summary, decision, notice, agency], "pdf", tmp_path / "pdf")
    pages = [len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes())) for pdf in pdfs]
    # the summary runs over pages; the decision's annex and the agency's score sheet start on a
    # page of their own; a notice lists 18 items
    assert pages[0] >= 2 and pages[1] >= 2 and pages[2] >= 1 and pages[3] >= 3, pages


# --- an agency's own report ------------------------------------------------------------------------


def test_agency_report_like_seed_001(tmp_path, seed_scores):
    from dvcq_xl.reports import write_agency_report

    fill = full_fill(BG)
    fill.self_scores.update(seed_scores)
    filled = make_filled(BG, tmp_path / "bdt.xlsx", fill=fill,
                         agency=Agency("Ban Dân tộc", "BDT", SBN))
    out = write_agency_report(filled, tmp_path / "bao-cao.docx")
    doc = Document(str(out))
    text = _text(doc)
    for part in ("I. KẾT QUẢ ĐẠT ĐƯỢC", "II. NHỮNG HẠN CHẾ, NGUYÊN NHÂN",
                 "III. NHIỆM VỤ, GIẢI PHÁP", "IV. ĐỀ XUẤT, KIẾN NGHỊ",
                 "V. KẾT QUẢ TỰ CHẤM ĐIỂM CÔNG TÁC DÂN VẬN CHÍNH QUYỀN THEO QUYẾT ĐỊNH "
                 "274/QĐ-UBND NGÀY 26/05/2017", "(Có Phụ lục kèm theo)",
                 "Ban Dân tộc gửi Sở Nội vụ tổng hợp./."):
        assert part in text, part
    assert "Tổng điểm tự chấm: 99 điểm (trong đó điểm thưởng 10 điểm)" in text
    assert doc.tables[0].rows[0].cells[0].paragraphs[0].text == "UBND TỈNH BẮC GIANG"
    annex = doc.tables[-1]
    rows = [[c.text for c in r.cells] for r in annex.rows[1:]]
    assert rows[-1][1:4] == ["Tổng điểm để đánh giá, phân loại", "100", "99"]
    seed_row = next(r for r in rows if r[1].startswith(BG.item("3.1").text[:40]))
    assert seed_row[2:4] == ["5", "4"] and seed_row[4] == "Báo cáo số 1/BC ngày 02/01/2025"


def test_agency_report_refuses_a_sheet_with_errors(tmp_path):
    from dvcq_xl.reports import write_agency_report

    filled = make_filled(BG, tmp_path / "loi.xlsx", fill=full_fill(BG, self_scores={"1.1": 9}))
    with pytest.raises(ReportError, match="còn 1 lỗi") as info:
        write_agency_report(filled, tmp_path / "bao-cao.docx")
    assert info.value.findings[0].code == "score-above-max"
    assert not (tmp_path / "bao-cao.docx").exists()


def test_summary_has_the_class_chart(summary):
    with zipfile.ZipFile(summary) as zf:
        media = [n for n in zf.namelist() if n.startswith("word/media/")]
        assert media and zf.read(media[0])[:8] == b"\x89PNG\r\n\x1a\n"
    doc = Document(str(summary))
    assert any(p.text == "Biểu đồ: Kết quả xếp loại theo khối" for p in doc.paragraphs)


def test_on_time_and_late_by_the_deadline(ranking, tmp_path):
    from dataclasses import replace

    book = read_ranking(ranking)
    on_time = round_context(book, replace(SETTINGS, deadline=date(2999, 1, 1)))
    late = round_context(book, replace(SETTINGS, deadline=date(2000, 1, 1)))
    # c.xlsx is the Tổ kiểm tra's copy alone: the team's saving time says nothing of when the
    # agency sent its file, so it is neither on time nor late
    assert (on_time["n_on_time"], on_time["n_late"]) == (2, 0)
    assert (late["n_on_time"], late["n_late"]) == (0, 2)
    written = write_reports(ranking, tmp_path, replace(SETTINGS, deadline=date(2000, 1, 1)))
    assert "Hạn nộp: 01/01/2000; nộp đúng hạn: 0, nộp muộn: 2" in _text(Document(str(written[0])))


# --- two agencies of one name; submissions and review copies; progress --------------------------

TAN_LAP = "UBND xã Tân Lập"


@pytest.fixture(scope="module")
def namesakes(tmp_path_factory):
    """Two communes of one name, told apart by code, with different items and totals."""
    folder = tmp_path_factory.mktemp("namesakes")
    inbox = folder / "nop"
    inbox.mkdir()
    make_filled(BG, inbox / "tl1.xlsx", agency=Agency(TAN_LAP, "TL1", XA))
    low = full_fill(BG)
    low.self_scores.update({"1.1": 2, "3.1": 1, "7": 3})
    make_filled(BG, inbox / "tl2.xlsx", agency=Agency(TAN_LAP, "TL2", XA), fill=low)
    roster = [Agency(TAN_LAP, "TL1", XA), Agency(TAN_LAP, "TL2", XA)]
    ranking = write_ranking(consolidate([inbox], roster=roster, jobs=1), folder / "xh.xlsx")
    return write_reports(ranking, folder / "bc", SETTINGS)


@pytest.mark.parametrize("code, own", [("tl1", {"1.1": "5", "3.1": "5", "7": "10"}),
                                       ("tl2", {"1.1": "2", "3.1": "1", "7": "3"})])
def test_each_namesake_letter_shows_its_own_items_and_total(namesakes, code, own):
    letter = next(p for p in namesakes if p.name == f"thong-bao-{code}-2025.docx")
    doc = Document(str(letter))
    items = {r.cells[1].text: [c.text for c in r.cells] for r in doc.tables[1].rows[1:]}
    for item, points in own.items():
        label = next(k for k in items if k.startswith(
            f"Tiêu chí {item.split('.')[0]}" + (f" – Nội dung {item.split('.')[1]}"
                                                if "." in item else "")))
        assert items[label][3] == points, (code, item, items[label])
    total = sum(float(row[4]) for row in items.values() if row[4])
    assert f"điểm xếp loại: {vn_number(total)} điểm" in _text(doc)
    assert total == (100 if code == "tl1" else 100 - 3 - 4 - 7)


# Review copies are the Tổ kiểm tra's, not submissions: 2 agencies sent 2 files, the team added 1


@pytest.fixture(scope="module")
def with_review(tmp_path_factory):
    import os

    folder = tmp_path_factory.mktemp("review")
    inbox, team = folder / "nop", folder / "to-kiem-tra"
    inbox.mkdir()
    team.mkdir()
    make_filled(BG, inbox / "a.xlsx", agency=Agency("Sở Alpha", "SA", SBN))
    make_filled(BG, inbox / "b.xlsx", agency=Agency("Sở Beta", "SB", SBN))
    review = review_fill(BG, {"3.1": 3.0}, {"3.1": "Thiếu kế hoạch"})
    make_filled(BG, team / "a-tkt.xlsx", agency=Agency("Sở Alpha", "SA", SBN), fill=review,
                mode=REVIEW)
    sent = datetime(2025, 11, 20).timestamp()  # the agencies before the deadline, the team after
    for path in (inbox / "a.xlsx", inbox / "b.xlsx"):
        os.utime(path, (sent, sent))
    reviewed = datetime(2025, 12, 3).timestamp()
    os.utime(team / "a-tkt.xlsx", (reviewed, reviewed))
    return write_ranking(consolidate([inbox, team], jobs=1), folder / "xh.xlsx")


def test_summary_counts_submissions_and_review_copies_apart(with_review, tmp_path):
    settings = replace(SETTINGS, deadline=date(2025, 11, 30))
    context = round_context(read_ranking(with_review), settings)
    assert (context["n_files"], context["n_review"], context["n_ranked"]) == (2, 1, 2)
    assert (context["n_on_time"], context["n_late"]) == (2, 0)
    written = write_reports(with_review, tmp_path, settings)
    text = _text(Document(str(written[0])))
    assert ("Tổng số bảng chấm điểm các cơ quan, đơn vị gửi đến: 2 tệp (ngoài ra có 1 bản chấm "
            "của Tổ kiểm tra, đánh giá); được xếp hạng: 2") in text
    assert "nộp đúng hạn: 2 (theo thời điểm" in text and "nộp muộn" not in text


def test_write_reports_tells_the_total_then_each_document(ranking, tmp_path):
    events: list = []
    written = write_reports(ranking, tmp_path, SETTINGS, found=lambda n: events.append(n),
                            progress=lambda p: events.append(p))
    assert events == [len(written), *written]
    assert len(written) == 2 + len(read_ranking(ranking).units)


# --- output names and inputs ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["bc.docx", "bao-cao.XLSX", "kq.pdf"])
def test_an_output_folder_named_like_a_file_is_refused(ranking, tmp_path, name):
    with pytest.raises(DvcqError, match="cần một thư mục") as info:
        write_reports(ranking, tmp_path / name, SETTINGS)
    assert info.value.exit_code == 2 and not (tmp_path / name).exists()


@pytest.mark.parametrize("name", ["bao-cao.pdf", "bao-cao", "bao-cao.xlsx", "bao-cao.doc"])
def test_agency_report_must_be_named_docx(tmp_path, name):
    from dvcq_xl.reports import write_agency_report

    filled = make_filled(BG, tmp_path / "cq.xlsx")
    with pytest.raises(DvcqError, match=r"\.docx") as info:
        write_agency_report(filled, tmp_path / name)
    assert info.value.exit_code == 2 and not (tmp_path / name).exists()


@pytest.mark.parametrize("out, words", [
    ("cq.xlsx", r"\.docx"),  # -o SUB.xlsx: the name alone is refused
    ("link.docx", "Không ghi đè tệp đầu vào"),  # a .docx name that is the workbook itself
])
def test_agency_report_never_replaces_its_workbook(tmp_path, out, words):
    from dvcq_xl.reports import write_agency_report

    filled = make_filled(BG, tmp_path / "cq.xlsx")
    (tmp_path / "link.docx").symlink_to(filled)
    before = filled.read_bytes()
    with pytest.raises(DvcqError, match=words):
        write_agency_report(filled, tmp_path / out)
    assert filled.read_bytes() == before and (tmp_path / "link.docx").is_symlink()


def test_agency_report_of_a_folder_says_a_file_is_expected(tmp_path):
    from dvcq_xl.reports import write_agency_report

    inbox = tmp_path / "nop"
    inbox.mkdir()
    make_filled(BG, inbox / "cq.xlsx")
    with pytest.raises(ReportError) as info:
        write_agency_report(inbox, tmp_path / "bc.docx")
    assert [f.code for f in info.value.findings] == ["report-input-folder"]
    assert "là một thư mục" in info.value.message and "một tệp .xlsx" in info.value.message
    result = CliRunner().invoke(main, ["report", "agency", str(inbox), "-o",
                                       str(tmp_path / "bc.docx")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "là một thư mục" in result.output and "còn 1 lỗi" not in result.output


@pytest.mark.parametrize("args, words, out", [
    (["{ranking}", "-o", "{tmp}/bc.docx"], "cần một thư mục", "bc.docx"),
    (["agency", "{ranking}", "-o", "{tmp}/bc.xlsx"], "phải có đuôi .docx", "bc.xlsx"),
    (["agency", "{ranking}", "-o", "{tmp}/bc"], "phải có đuôi .docx", "bc"),
])
def test_report_cli_refuses_bad_output_names(ranking, tmp_path, args, words, out):
    result = CliRunner().invoke(main, ["report", *[a.format(tmp=tmp_path, ranking=ranking)
                                                   for a in args]])
    assert result.exit_code == 2 and words in result.output and "Traceback" not in result.output
    assert not (tmp_path / out).exists()


# --- an agency's own header and symbol (NĐ 30/2020) ----------------------------------------------


@pytest.mark.parametrize("agency, symbol, header, number, place", [
    # a commune: no superior line; the body in full, upper case, bold, on two lines; the place
    # of its date line is the commune
    (Agency("UBND xã Gia Hòa", "XGIAHOA", XA), "UBND",
     [("ỦY BAN NHÂN DÂN", True), ("XÃ GIA HÒA", True)], "Số: …/BC-UBND", "Gia Hòa"),
    # a Ban under the UBND tỉnh: the superior body line, then the body bold (seed 003)
    (Agency("Ban Dân tộc", "BDT-BG", SBN), "BDT",
     [("UBND TỈNH BẮC GIANG", False), ("BAN DÂN TỘC", True)], "Số: …/BC-BDT", "Bắc Giang"),
    # no abbreviation known: «…» to fill by hand, never the Sở's roster code
    (Agency("Ủy ban nhân dân Phường 1", "P1", XA), None,
     [("ỦY BAN NHÂN DÂN", True), ("PHƯỜNG 1", True)], "Số: …/BC-…", "Phường 1"),
])
def test_agency_report_header_and_symbol(tmp_path, agency, symbol, header, number, place):
    from dvcq_xl.reports import write_agency_report
    from dvcq_xl.roster import RosterAgency

    filled = make_filled(BG, tmp_path / "cq.xlsx", agency=agency)
    roster = ([RosterAgency(agency.name, agency.code, agency.block, symbol=symbol)]
              if symbol else None)
    doc = Document(str(write_agency_report(filled, tmp_path / "bc.docx", roster=roster)))
    left = doc.tables[0].rows[0].cells[0]
    lines = [(p.text, all(r.bold for r in p.runs)) for p in left.paragraphs if p.text]
    assert lines[:-1] == header and lines[-1][0].startswith("───")
    assert doc.tables[0].rows[1].cells[0].text == number
    assert doc.tables[0].rows[1].cells[1].text == f"{place}, ngày … tháng … năm …"
    assert agency.code not in _text(doc)
    annex_note = next(p.text for p in doc.paragraphs if p.text.startswith("(Kèm theo Báo cáo"))
    assert number.replace("Số: ", "số ") in annex_note


def test_agency_report_symbol_from_a_roster_file(tmp_path):
    """`dvcq report agency … --roster` finds the agency by code in the roster's «Viết tắt»."""
    import xlsxwriter

    roster = tmp_path / "ds.xlsx"
    wb = xlsxwriter.Workbook(str(roster))
    ws = wb.add_worksheet("Danh sách")
    ws.write_row(0, 0, ["STT", "Mã", "Tên cơ quan", "Khối", "Ký hiệu"])
    ws.write_row(1, 0, [1, "BDT-BG", "Ban Dân tộc", SBN, "BDT"])
    wb.close()
    filled = make_filled(BG, tmp_path / "cq.xlsx", agency=Agency("Ban Dân tộc", "BDT-BG", SBN))
    result = CliRunner().invoke(main, ["report", "agency", str(filled), "-o",
                                       str(tmp_path / "bc.docx"), "--roster", str(roster)])
    assert result.exit_code == 0, result.output
    doc = Document(str(tmp_path / "bc.docx"))
    assert doc.tables[0].rows[1].cells[0].text == "Số: …/BC-BDT"


@pytest.mark.parametrize("year", ["/../../mau/thong-bao-ket-qua", "hai nghìn", "20/25", 9999,
                                  2024.5, None, True])
def test_a_hand_edited_year_never_reaches_a_file_name(ranking, tmp_path, year):
    """The year in the ranking's hidden sheet becomes «…», never a path: no document lands
    outside -o, and no template is replaced."""
    import shutil

    from openpyxl import load_workbook

    from dvcq_xl.report_templates import SUMMARY
    from dvcq_xl.reports import template_path

    mau = tmp_path / "mau"
    shutil.copytree(template_path(SUMMARY).parent, mau,
                    ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    before = {p.name: p.read_bytes() for p in mau.iterdir()}
    edited = tmp_path / "sua.xlsx"
    wb = load_workbook(ranking)
    sheet, ref = next(iter(wb.defined_names["dvcq_ranking_year"].destinations))
    wb[sheet][ref.replace("$", "")] = year
    wb.save(edited)
    out = tmp_path / "ra"
    written = write_reports(edited, out, templates=mau)
    assert all(out in p.parents for p in written)
    assert {p.name: p.read_bytes() for p in mau.iterdir()} == before
    assert sorted(p.name for p in out.iterdir()) == [
        "bao-cao-ket-qua-dvcq.docx", "du-thao-quyet-dinh-cong-bo.docx", "thong-bao"]
    assert all(p.name.endswith("-2025.docx") is False for p in written)


@pytest.mark.parametrize("edit, words", [
    (lambda wb: setattr(wb[wb.sheetnames[0]], "title", "Sheet1"), "chỉ đọc được"),
    (lambda wb: wb[wb.sheetnames[0]].cell(row=5, column=3, value="Tên"), "chỉ đọc được"),
    (lambda wb: _set_unit(wb, 8, "chín chín"), "không phải số"),
    (lambda wb: _set_unit(wb, 10, "nhất"), "không phải số"),
    (lambda wb: _set_unit(wb, 9, "12345"), "không có trong bộ tiêu chí"),
])
def test_hand_edits_that_would_reach_a_letter_wrongly_are_refused(ranking, tmp_path, edit,
                                                                   words):
    from openpyxl import load_workbook

    wb = load_workbook(ranking)
    edit(wb)
    wb.save(tmp_path / "sua.xlsx")
    with pytest.raises(DvcqError) as info:
        write_reports(tmp_path / "sua.xlsx", tmp_path / "ra")
    assert words in info.value.message
    assert not (tmp_path / "ra").exists() or not any((tmp_path / "ra").rglob("*.docx"))


def _set_unit(wb, column: int, value) -> None:
    """Type ``value`` into the first unit row of the first ranking sheet (1-based column)."""
    ws = wb[wb.sheetnames[0]]
    row = next(r[0].row for r in ws.iter_rows(min_row=1) if isinstance(r[0].value, int))
    ws.cell(row=row, column=column, value=value)


def test_the_summary_says_why_an_agency_that_sent_a_file_has_none_valid(tmp_path):
    """An agency whose file was refused or could not be read is not «chưa nộp»."""
    inbox = tmp_path / "nop"
    inbox.mkdir()
    roster = [Agency("Sở Alpha", "SA", SBN), Agency("Sở Beta", "SB", SBN),
              Agency("Sở Cam", "SC", SBN)]
    make_filled(BG, inbox / "sa-2025.xlsx", agency=roster[0])
    (inbox / "sb-2025.ods").write_bytes(b"PK\x03\x04 an ods")
    ranking = write_ranking(consolidate([inbox], roster=roster, jobs=1), tmp_path / "xh.xlsx")
    summary = write_reports(ranking, tmp_path / "bc")[0]
    text = _text(Document(summary))
    assert "Sở Beta (có tệp không đọc được: sb-2025.ods)" in text
    assert "Sở Cam;" in text or "Sở Cam)" in text


def test_last_years_class_comes_from_the_data_and_the_officers_name_wins(ranking, tmp_path):
    """The summary's «So với năm trước» is built from what the toolkit computed (carried as data
    in the ranking), with the name as the officer corrected it in the visible sheet."""
    from openpyxl import load_workbook

    last = tmp_path / "nam-truoc.xlsx"
    wb = load_workbook(ranking)
    ws = wb[wb.sheetnames[0]]
    row = next(r for r in ws.iter_rows() if r[2].value == "Sở Alpha")
    row[8].value = "Hoàn thành tốt"  # last year's class
    sheet, ref = next(iter(wb.defined_names["dvcq_ranking_year"].destinations))
    wb[sheet][ref.replace("$", "")] = 2024
    wb.save(last)
    inbox = Path(ranking).parent / "nop"
    this_year = write_ranking(consolidate([inbox], previous=last, jobs=1), tmp_path / "xh.xlsx")
    wb = load_workbook(this_year)
    ws = wb[wb.sheetnames[0]]
    row = next(r for r in ws.iter_rows() if r[2].value == "Sở Alpha")
    row[2].value = "Sở Alpha tỉnh"  # the officer corrects the name
    row[10].value = "Ghi chú sửa tay, không nhắc năm trước"
    wb.save(this_year)
    summary = write_reports(this_year, tmp_path / "bc")[0]
    assert "Sở Alpha tỉnh (Hoàn thành tốt → Hoàn thành xuất sắc)" in _text(Document(summary))


# --- measured items and items that do not apply ------------------------------------------------------

DL = builtin_rubric("vi-du-do-luong")


def test_letters_and_own_report_show_figures_and_items_that_do_not_apply(tmp_path):
    """A commune's letter: 3.1 said «Không áp dụng», a measured item with the figures that
    counted (the team's); the agency's own report likewise from its sheet, with its block's
    wording of 3.1."""
    from dvcq_xl.reports import write_agency_report

    inbox = tmp_path / "nop"
    inbox.mkdir()
    commune = Agency("UBND xã Cờ", "XC", XA)
    fill = full_fill(DL, self_na={"3.1": "Không áp dụng"}, self_scores={"3.1": None},
                     self_figures={"1.2": (10, 10)})
    fill.review_figures = {"1.2": (9, 10)}
    fill.review_scores = {"5": 2}
    fill.reasons = {"1.2": "Một văn bản quá hạn"}
    make_filled(DL, inbox / "xc.xlsx", agency=commune, fill=fill, mode=REVIEW)
    ranking = write_ranking(consolidate([inbox], jobs=1), tmp_path / "kq" / "xep-hang.xlsx")
    written = write_reports(ranking, tmp_path / "van-ban", SETTINGS)
    notice = next(p for p in written if p.name.startswith("thong-bao-xc-"))
    rows = [[c.text for c in r.cells] for r in Document(str(notice)).tables[1].rows[1:]]
    na = next(r for r in rows if r[1] == "Tiêu chí 3 – 3.1")
    assert na[3:5] == ["", "Không áp dụng"]
    measured = next(r for r in rows if r[1].startswith("Tiêu chí 1 – 1.2"))
    assert "(Số văn bản ban hành đúng hạn: 9; Tổng số văn bản phải ban hành: 10)" in measured[1]
    assert measured[2:6] == ["20", "20", "16", "Một văn bản quá hạn"]
    # the agency's own report, from its own sheet
    own = make_filled(DL, tmp_path / "rieng.xlsx", agency=commune,
                      fill=full_fill(DL, self_na={"3.1": "Không áp dụng"},
                                     self_scores={"3.1": None},
                                     self_figures={"1.2": (9, 10)}))
    doc = Document(str(write_agency_report(own, tmp_path / "bao-cao.docx")))
    annex = [[c.text for c in r.cells] for r in doc.tables[-1].rows[1:]]
    assert any("Số văn bản ban hành đúng hạn: 9" in r[1] and r[3] == "16" for r in annex)
    assert any("thôn, tổ dân phố" in r[1] and r[3] == "Không áp dụng" for r in annex)
    # 20 + 16 + 20 + 20 of 80 that apply -> 95 on the full scale
    assert annex[-1][1:4] == ["Tổng điểm để đánh giá, phân loại", "105", "95"]


def test_templates_are_prepared_as_docxtpl_prepares_them():
    """Each part's tag clean-up is kept per XML (a round fills one template hundreds of times):
    the kept result is docxtpl's own, the first time and every time after."""
    from docxtpl import DocxTemplate

    from dvcq_xl import reports

    folder = Path(reports.__file__).parent.parent / "workbook_templates"
    templates = sorted(folder.glob("*.docx"))
    assert templates
    for path in templates:
        theirs = DocxTemplate(str(path))
        theirs.init_docx()
        expected = theirs.patch_xml(theirs.get_xml())
        for _ in range(2):
            ours = reports._template_class()(str(path))
            ours.init_docx()
            assert ours.patch_xml(ours.get_xml()) == expected, path.name
