"""Build the Word report templates (NĐ 30/2020, Phụ lục I) that ``workbook_templates/`` ships.

The templates are ordinary .docx files with Jinja tags (docxtpl): an officer changes wording, the
issuing body or the layout in Word, and ``dvcq report`` fills them. This module writes the
shipped versions from code, so that their format (A4, margins, Times New Roman, the two-column
header, page numbers from page 2, tables whose header repeats and whose rows do not split) is
reviewable and reproducible:

    python -m dvcq_xl.report_templates workbook_templates/
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

FONT = "Times New Roman"
SUMMARY = "bao-cao-ket-qua.docx"
DECISION = "du-thao-quyet-dinh.docx"
NOTICE = "thong-bao-ket-qua.docx"
AGENCY_REPORT = "bao-cao-co-quan.docx"
#: giao ước thi đua: the khối trưởng's summary, and a member's own report draft
KHOI_SUMMARY = "bao-cao-khoi-thi-dua.docx"
MEMBER_REPORT = "bao-cao-giao-uoc.docx"

# NĐ 30/2020 Phụ lục I: top/bottom 20–25 mm, left 30–35 mm, right 15–20 mm; body 13–14 pt
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 18}
BODY_PT = 14
INDENT_CM = 1.27
SPACE_AFTER_PT = 6


def _font(run, size: float | None = None, bold: bool | None = None, italic: bool | None = None,
          underline: bool | None = None) -> None:
    run.font.name = FONT
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    if size is not None:
        run.font.size = Pt(size)
    if bold is not None:
        run.bold = bold
    if italic is not None:
        run.italic = italic
    if underline is not None:
        run.underline = underline


def new_document() -> Document:
    """An empty A4 document in the NĐ 30 format: margins, body style, page numbers from page 2."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = Mm(MARGINS_MM["top"])
    section.bottom_margin = Mm(MARGINS_MM["bottom"])
    section.left_margin = Mm(MARGINS_MM["left"])
    section.right_margin = Mm(MARGINS_MM["right"])
    section.header_distance = Mm(10)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    fmt = normal.paragraph_format
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt.first_line_indent = Cm(INDENT_CM)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(SPACE_AFTER_PT)
    fmt.line_spacing = 1.1
    # page number: top centre, not on the first page
    section.different_first_page_header_footer = True
    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    header.paragraph_format.first_line_indent = Cm(0)
    _field(header, "PAGE", size=13)
    return doc


def _field(paragraph, instruction: str, size: float = 13) -> None:
    run = paragraph.add_run()
    _font(run, size)
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run._element.append(begin)
    run._element.append(text)
    run._element.append(end)


def para(container, text: str = "", *, align=None, indent: bool = True, size: float | None = None,
         bold: bool | None = None, italic: bool | None = None, underline: bool | None = None,
         after: float | None = None, before: float | None = None):
    """A paragraph of one run (one run keeps a Jinja tag whole)."""
    p = container.add_paragraph()
    if align is not None:
        p.alignment = align
    if not indent:
        p.paragraph_format.first_line_indent = Cm(0)
    if after is not None:
        p.paragraph_format.space_after = Pt(after)
    if before is not None:
        p.paragraph_format.space_before = Pt(before)
    if text:
        _font(p.add_run(text), size, bold, italic, underline)
    return p


def _cell_para(cell, text: str, *, align=WD_ALIGN_PARAGRAPH.CENTER, size: float = 13,
               bold: bool = False, italic: bool = False, underline: bool = False,
               first: bool = True):
    p = cell.paragraphs[0] if first else cell.add_paragraph()
    p.alignment = align
    p.paragraph_format.first_line_indent = Cm(0)
    p.paragraph_format.space_after = Pt(0)
    if text:
        _font(p.add_run(text), size, bold, italic, underline)
    return p


def _no_borders(table) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        e = OxmlElement(f"w:{edge}")
        e.set(qn("w:val"), "nil")
        borders.append(e)
    table._tbl.tblPr.append(borders)


def _grid(table) -> None:
    table.style = "Table Grid"


def _widths(table, widths_cm: list[float]) -> None:
    """Column widths in the grid (what LibreOffice reads) and in every cell (what Word reads)."""
    table.autofit = False
    for column, w in zip(table.columns, widths_cm):
        column.width = Cm(w)
    for row in table.rows:
        for cell, w in zip(row.cells, widths_cm):
            cell.width = Cm(w)


def _row_flags(row, header: bool = False) -> None:
    """Repeat a header row on every page; never split a row across pages."""
    tr_pr = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:cantSplit")
    tr_pr.append(flag)
    if header:
        tr_pr.append(OxmlElement("w:tblHeader"))


def _header_table(doc, issuer: Callable[[Any], None], number_line: str, date_line: str) -> None:
    """The two-column borderless header: issuing body (``issuer`` fills its cell) | Quốc hiệu
    and Tiêu ngữ; Số | place, date."""
    table = doc.add_table(rows=2, cols=2)
    _no_borders(table)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = table.rows[0].cells
    issuer(left)
    _cell_para(left, "───────", size=10, first=False)
    _cell_para(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", size=12.5, bold=True)
    _cell_para(right, "Độc lập - Tự do - Hạnh phúc", size=13.5, bold=True, underline=True,
               first=False)
    left, right = table.rows[1].cells
    _cell_para(left, number_line, size=13)
    _cell_para(right, date_line, size=14, italic=True)
    _widths(table, [6.0, 10.2])


def national_header(doc, superior: str, body: str, number_line: str, date_line: str) -> None:
    """The header of a document the Sở issues: its superior body, then its own name in bold."""
    def issuer(cell) -> None:
        _cell_para(cell, superior, size=13)
        _cell_para(cell, body, size=13, bold=True, first=False)

    _header_table(doc, issuer, number_line, date_line)


def issuer_header(doc, number_line: str, date_line: str) -> None:
    """The national header of a document an agency issues itself: the superior body line only
    when there is one (``header_superior``; a UBND has none), then the issuing body's name, in
    full upper case and bold, one paragraph per line of ``header_issuer``."""
    def issuer(cell) -> None:
        _cell_para(cell, "{%p if header_superior %}", size=13)
        _cell_para(cell, "{{ header_superior }}", size=13, first=False)
        _cell_para(cell, "{%p endif %}", size=13, first=False)
        _cell_para(cell, "{%p for line in header_issuer %}", size=13, first=False)
        _cell_para(cell, "{{ line }}", size=13, bold=True, first=False)
        _cell_para(cell, "{%p endfor %}", size=13, first=False)

    _header_table(doc, issuer, number_line, date_line)


def signature_block(doc, recipients: str, title_tag: str, role_tag: str,
                    name_tag: str) -> None:
    """"Nơi nhận:" on the left (12 pt bold italic, list in 11 pt); the signer on the right."""
    table = doc.add_table(rows=1, cols=2)
    _no_borders(table)
    left, right = table.rows[0].cells
    _cell_para(left, "Nơi nhận:", align=WD_ALIGN_PARAGRAPH.LEFT, size=12, bold=True, italic=True)
    _cell_para(left, "{%p for r in " + recipients + " %}", align=WD_ALIGN_PARAGRAPH.LEFT,
               size=11, first=False)
    _cell_para(left, "- {{ r }}", align=WD_ALIGN_PARAGRAPH.LEFT, size=11, first=False)
    _cell_para(left, "{%p endfor %}", align=WD_ALIGN_PARAGRAPH.LEFT, size=11, first=False)
    _cell_para(right, title_tag, size=14, bold=True)
    _cell_para(right, role_tag, size=14, bold=True, first=False)
    for _ in range(4):
        _cell_para(right, "", first=False)
    _cell_para(right, name_tag, size=14, bold=True, first=False)
    _widths(table, [7.7, 8.5])


def opening(doc, body: tuple[str, str], number_line: str, date_line: str, title: str,
            subject: str) -> None:
    """What every document starts with: the national header, the title and its subject line."""
    center = WD_ALIGN_PARAGRAPH.CENTER
    national_header(doc, body[0], body[1], number_line, date_line)
    para(doc, title, align=center, indent=False, bold=True, size=14, before=12, after=0)
    para(doc, subject, align=center, indent=False, bold=True, size=14, after=12)


def _save(doc, path: str | Path) -> Path:
    path = Path(path)
    doc.save(str(path))
    return path


def _data_table(doc, headers: list[str], cells: list[str], widths_cm: list[float],
                loop: str, aligns: list | None = None) -> None:
    """A bordered table: header row (repeats on every page), one Jinja row looped with {%tr %}."""
    table = doc.add_table(rows=4, cols=len(headers))
    _grid(table)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, headers):
        _cell_para(cell, text, size=12, bold=True)
    _row_flags(table.rows[0], header=True)
    table.rows[1].cells[0].paragraphs[0].add_run("{%tr for " + loop + " %}")
    aligns = aligns or [WD_ALIGN_PARAGRAPH.CENTER] * len(cells)
    for cell, text, align in zip(table.rows[2].cells, cells, aligns):
        _cell_para(cell, text, size=12, align=align)
    _row_flags(table.rows[2])
    table.rows[3].cells[0].paragraphs[0].add_run("{%tr endfor %}")
    _widths(table, widths_cm)


def build_summary(path: str | Path) -> Path:
    """The Sở Nội vụ's summary report to the UBND tỉnh (Báo cáo kết quả chấm điểm, xếp loại)."""
    doc = new_document()
    center, left = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT
    opening(doc, ("{{ settings.superior }}", "{{ settings.body }}"),
            "Số: {{ settings.number }}/{{ settings.symbol }}",
            "{{ settings.place }}, {{ date_text }}", "BÁO CÁO",
            "Kết quả chấm điểm, xếp loại công tác dân vận chính quyền năm {{ year }}")
    para(doc, "Thực hiện {{ decision }}{% if settings.launch_letter %}; {{ settings.launch_letter "
              "}}{% endif %}, {{ settings.body_name }} đã tổ chức chấm điểm, xếp loại công tác "
              "dân vận chính quyền năm {{ year }}. {{ settings.body_name }} báo cáo kết quả như "
              "sau:")
    para(doc, "I. TÌNH HÌNH TRIỂN KHAI", bold=True)
    para(doc, "Tổng số bảng chấm điểm các cơ quan, đơn vị gửi đến: {{ n_files }} tệp"
              "{% if n_review %} (ngoài ra có {{ n_review }} bản chấm của Tổ kiểm tra, đánh giá)"
              "{% endif %}; được xếp hạng: {{ n_ranked }} cơ quan, đơn vị, địa phương"
              "{% if n_missing %}; chưa có bài hợp lệ: {{ n_missing }} ({{ missing_text }})"
              "{% endif %}{% if n_rejected %}; tệp bị từ chối do sai sót: {{ n_rejected }}"
              "{% endif %}.{% if deadline %} Hạn nộp: {{ deadline }}; nộp đúng hạn: "
              "{{ n_on_time }}{% if n_late %}, nộp muộn: {{ n_late }} ({{ late_text }})"
              "{% endif %} (theo thời điểm sửa đổi tệp của cơ quan).{% endif %}")
    para(doc, "II. KẾT QUẢ CHẤM ĐIỂM, XẾP LOẠI", bold=True)
    para(doc, "{%p for b in blocks %}", indent=False)
    para(doc, "{{ loop.index }}. Khối {{ b.name }} ({{ b.units|length }} đơn vị): "
              "{{ b.counts_text }}.", bold=False)
    _data_table(doc, ["STT", "Tên cơ quan", "Điểm tự chấm", "Điểm Tổ kiểm tra", "Chênh lệch",
                      "Xếp loại", "Ghi chú"],
                ["{{ u.stt }}", "{{ u.name }}", "{{ u.self }}", "{{ u.review }}", "{{ u.delta }}",
                 "{{ u.cls }}", "{{ u.note }}"],
                [1.3, 4.4, 1.8, 1.8, 1.7, 2.7, 2.3], "u in b.units",
                [center, left, center, center, center, left, left])
    para(doc, "", after=0)
    para(doc, "{%p endfor %}", indent=False)
    para(doc, "Toàn tỉnh: {{ province_counts_text }}.")
    para(doc, "{{ chart }}", align=center, indent=False, after=0)
    para(doc, "Biểu đồ: Kết quả xếp loại theo khối", align=center, indent=False, italic=True,
         size=12)
    para(doc, "III. CÁC ĐƠN VỊ ĐƯỢC TỔ KIỂM TRA ĐIỀU CHỈNH ĐIỂM", bold=True)
    para(doc, "{% if changes %}Tổ kiểm tra, đánh giá đã điều chỉnh điểm của {{ n_rescored }} đơn "
              "vị như sau:{% else %}Tổ kiểm tra, đánh giá không điều chỉnh điểm của đơn vị nào."
              "{% endif %}")
    _data_table(doc, ["STT", "Cơ quan", "Nội dung", "Tự chấm", "Tổ kiểm tra", "Lý do"],
                ["{{ c.stt }}", "{{ c.agency }}", "{{ c.label }}", "{{ c.self }}",
                 "{{ c.review }}", "{{ c.reason }}"],
                [1.3, 3.6, 3.4, 1.6, 1.7, 4.4], "c in changes",
                [center, left, left, center, center, left])
    para(doc, "", after=0)
    para(doc, "{% if appeals %}Sau khi thông báo kết quả, {{ appeals.n_agencies }} đơn vị giải "
              "trình {{ appeals.n_items }} nội dung; Hội đồng chấp nhận {{ appeals.accepted }}, "
              "chấp nhận một phần {{ appeals.partly }}, không chấp nhận {{ appeals.rejected }}"
              "{% if appeals.not_returned %}; chưa có quyết định giải trình: "
              "{{ appeals.not_returned }}{% endif %}. {{ appeals.changes_text }}{% endif %}")
    para(doc, "IV. NHỮNG NỘI DUNG CÒN HẠN CHẾ", bold=True)
    para(doc, "Các nội dung có tỷ lệ điểm bình quân thấp nhất toàn tỉnh: {{ weakest_text }}.")
    para(doc, "{% if previous_text %}So với năm trước: {{ previous_text }}.{% endif %}")
    para(doc, "V. ĐÁNH GIÁ CHUNG", bold=True)
    para(doc, "1. Ưu điểm: {{ n_ranked }} cơ quan, đơn vị, địa phương được xếp hạng; "
              "{{ province_counts_text }}. [Sở Nội vụ bổ sung nhận xét.]")
    para(doc, "2. Hạn chế, tồn tại: {% if n_missing %}{{ n_missing }} đơn vị chưa có bài hợp "
              "lệ; {% endif %}{% if n_rejected %}{{ n_rejected }} tệp phải trả lại do sai sót "
              "(vượt điểm chuẩn, nhập chữ, bỏ trống, sửa mẫu…); {% endif %}{% if changes %}Tổ "
              "kiểm tra điều chỉnh điểm của {{ n_rescored }} đơn vị; {% endif %}các nội dung "
              "đạt thấp nêu tại mục IV. [Sở Nội vụ bổ sung nhận xét.]")
    para(doc, "VI. ĐỀ XUẤT, KIẾN NGHỊ", bold=True)
    para(doc, "Đề nghị {{ settings.superior_name }} xem xét, ban hành Quyết định công bố kết quả "
              "chấm điểm, xếp loại công tác dân vận chính quyền năm {{ year }} (có dự thảo kèm "
              "theo).")
    para(doc, "Trên đây là báo cáo kết quả chấm điểm, xếp loại công tác dân vận chính quyền năm "
              "{{ year }} của {{ settings.body_name }}./.")
    signature_block(doc, "settings.recipients", "{{ settings.signer_title }}",
                    "{{ settings.signer_role }}", "{{ settings.signer_name }}")
    return _save(doc, path)


def _page_break(doc) -> None:
    from docx.enum.text import WD_BREAK

    p = para(doc, "", indent=False, after=0)
    p.add_run().add_break(WD_BREAK.PAGE)


def build_decision(path: str | Path) -> Path:
    """Dự thảo Quyết định công bố kết quả (UBND tỉnh), with its Phụ lục per block."""
    doc = new_document()
    center = WD_ALIGN_PARAGRAPH.CENTER
    national_header(doc, "ỦY BAN NHÂN DÂN", "TỈNH {{ settings.province|upper }}",
                    "Số: {{ settings.decision_number }}/QĐ-UBND",
                    "{{ settings.place }}, ngày … tháng … năm …")
    para(doc, "DỰ THẢO", align=center, indent=False, italic=True, size=12, before=6, after=0)
    para(doc, "QUYẾT ĐỊNH", align=center, indent=False, bold=True, size=14, before=6, after=0)
    para(doc, "Về việc công bố kết quả chấm điểm, xếp loại công tác dân vận chính quyền năm "
              "{{ year }}", align=center, indent=False, bold=True, size=14, after=12)
    para(doc, "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH {{ settings.province|upper }}", align=center,
         indent=False, bold=True, size=14, after=12)
    para(doc, "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;", italic=True)
    para(doc, "Căn cứ {{ decision }};", italic=True)
    para(doc, "Theo đề nghị của Giám đốc Sở Nội vụ tại Tờ trình số {{ settings.proposal }}.",
         italic=True)
    para(doc, "QUYẾT ĐỊNH:", align=center, indent=False, bold=True, size=14, before=6)
    para(doc, "Điều 1. Công bố kết quả chấm điểm, xếp loại công tác dân vận chính quyền năm "
              "{{ year }} của {{ n_ranked }} cơ quan, đơn vị, địa phương (có Phụ lục kèm "
              "theo), trong đó: {{ province_counts_text }}.")
    para(doc, "Điều 2. Kết quả chấm điểm, xếp loại là căn cứ để đánh giá, xếp loại thi đua, "
              "khen thưởng năm {{ year }} của các cơ quan, đơn vị, địa phương và người đứng đầu.")
    para(doc, "Điều 3. Quyết định này có hiệu lực kể từ ngày ký. Chánh Văn phòng UBND tỉnh, "
              "Giám đốc Sở Nội vụ, Thủ trưởng các cơ quan, đơn vị và Chủ tịch UBND các xã, "
              "phường có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này./.")
    signature_block(doc, "settings.decision_recipients", "{{ settings.decision_signer_title }}",
                    "{{ settings.decision_signer_role }}", "{{ settings.decision_signer_name }}")
    _page_break(doc)
    para(doc, "Phụ lục", align=center, indent=False, bold=True, size=14, after=0)
    para(doc, "KẾT QUẢ CHẤM ĐIỂM, XẾP LOẠI CÔNG TÁC DÂN VẬN CHÍNH QUYỀN NĂM {{ year }}",
         align=center, indent=False, bold=True, size=14, after=0)
    para(doc, "(Kèm theo Quyết định số {{ settings.decision_number }}/QĐ-UBND ngày … tháng … "
              "năm … của Chủ tịch UBND tỉnh {{ settings.province }})", align=center,
         indent=False, italic=True, size=14, after=12)
    para(doc, "{%p for b in blocks %}", indent=False)
    para(doc, "{{ roman(loop.index) }}. KHỐI {{ b.name|upper }}", indent=False, bold=True)
    _data_table(doc, ["STT", "Tên cơ quan, đơn vị, địa phương", "Điểm", "Xếp loại", "Hạng"],
                ["{{ u.stt }}", "{{ u.name }}", "{{ u.final }}", "{{ u.cls }}",
                 "{{ u.rank_text }}"],
                [1.3, 7.3, 1.8, 3.8, 2.0], "u in b.units",
                [center, WD_ALIGN_PARAGRAPH.LEFT, center, WD_ALIGN_PARAGRAPH.LEFT, center])
    para(doc, "", after=0)
    para(doc, "{%p endfor %}", indent=False)
    return _save(doc, path)


def build_notice(path: str | Path) -> Path:
    """Thông báo kết quả to one agency: its items, self against the team's scores, class, rank."""
    doc = new_document()
    center, left = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT
    opening(doc, ("{{ settings.superior }}", "{{ settings.body }}"),
            "Số: {{ settings.number }}/{{ settings.notice_symbol }}",
            "{{ settings.place }}, {{ date_text }}", "THÔNG BÁO",
            "Kết quả chấm điểm, xếp loại công tác dân vận chính quyền năm {{ year }}")
    para(doc, "Kính gửi: {{ u.name }}.", align=center, indent=False, size=14, after=12)
    para(doc, "Căn cứ {{ decision }}, kết quả kiểm tra, đánh giá của Tổ kiểm tra, "
              "{{ settings.body_name }} thông báo kết quả chấm điểm, xếp loại công tác dân vận "
              "chính quyền năm {{ year }} của {{ u.name }} như sau:")
    para(doc, "1. Điểm tự chấm: {{ u.self or '—' }}; điểm của Tổ kiểm tra: {{ u.review or "
              "'chưa chấm' }}; điểm xếp loại: {{ u.final }} điểm.")
    para(doc, "2. Xếp loại: {{ u.cls }}; xếp hạng: {{ u.rank_text }} trong {{ u.block_size }} "
              "đơn vị khối {{ u.block }}.{% if u.note %} Ghi chú: {{ u.note }}.{% endif %}")
    para(doc, "3. Điểm từng nội dung:")
    _data_table(doc, ["STT", "Nội dung", "Điểm chuẩn", "Tự chấm", "Điểm được tính",
                      "Lý do Tổ kiểm tra điều chỉnh"],
                ["{{ i.stt }}", "{{ i.label }}", "{{ i.max }}", "{{ i.self }}", "{{ i.final }}",
                 "{{ i.reason }}"],
                [1.3, 5.2, 1.7, 1.7, 1.8, 4.3], "i in u.lines",
                [center, left, center, center, center, left])
    para(doc, "", after=0)
    para(doc, "{% if u.appeals %}4. Kết quả giải trình: {% for a in u.appeals %}nội dung "
              "{{ a.item }}: {{ a.decision }}, điểm được tính {{ a.final }} ({{ a.reason }})"
              "{% if not loop.last %}; {% endif %}{% endfor %}.{% endif %}")
    para(doc, "Đề nghị {{ u.name }} phát huy kết quả đạt được, khắc phục những nội dung còn "
              "hạn chế trong năm tiếp theo./.")
    signature_block(doc, "notice_recipients", "{{ settings.signer_title }}",
                    "{{ settings.signer_role }}", "{{ settings.signer_name }}")
    return _save(doc, path)


def build_agency_report(path: str | Path) -> Path:
    """An agency's own report (seed 001's parts), its score sheet as the Phụ lục."""
    doc = new_document()
    center, left = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT
    issuer_header(doc, "Số: {{ settings.number }}/BC-{{ agency_symbol }}",
                  "{{ settings.place }}, {{ date_text }}")
    para(doc, "BÁO CÁO", align=center, indent=False, bold=True, size=14, before=12, after=0)
    para(doc, "Kết quả công tác dân vận chính quyền năm {{ year }}", align=center, indent=False,
         bold=True, size=14, after=12)
    para(doc, "Căn cứ {{ settings.launch_letter or 'Công văn của Sở Nội vụ về việc báo cáo kết "
              "quả công tác dân vận chính quyền' }}; {{ agency }} tổng hợp, báo cáo kết quả "
              "triển khai thực hiện như sau:")
    for heading in ("I. KẾT QUẢ ĐẠT ĐƯỢC", "II. NHỮNG HẠN CHẾ, NGUYÊN NHÂN",
                    "III. NHIỆM VỤ, GIẢI PHÁP", "IV. ĐỀ XUẤT, KIẾN NGHỊ"):
        para(doc, heading, bold=True)
        para(doc, "[Cơ quan bổ sung nội dung.]")
    para(doc, "V. KẾT QUẢ TỰ CHẤM ĐIỂM CÔNG TÁC DÂN VẬN CHÍNH QUYỀN THEO {{ decision_upper }}",
         bold=True)
    para(doc, "Tổng điểm tự chấm: {{ total }} điểm{% if bonus %} (trong đó điểm thưởng "
              "{{ bonus }} điểm){% endif %}; tự xếp loại: {{ cls }}.")
    para(doc, "(Có Phụ lục kèm theo)", align=center, indent=False, italic=True)
    para(doc, "Trên đây là Báo cáo kết quả công tác dân vận chính quyền năm {{ year }}, "
              "{{ agency }} gửi Sở Nội vụ tổng hợp./.")
    signature_block(doc, "recipients", "{{ settings.signer_title }}",
                    "{{ settings.signer_role }}", "{{ settings.signer_name }}")
    _page_break(doc)
    para(doc, "Phụ lục", align=center, indent=False, bold=True, size=14, after=0)
    para(doc, "BẢNG CHẤM ĐIỂM, ĐÁNH GIÁ XẾP LOẠI CÔNG TÁC DÂN VẬN CHÍNH QUYỀN NĂM {{ year }}",
         align=center, indent=False, bold=True, size=14, after=0)
    para(doc, "(Kèm theo Báo cáo số {{ settings.number }}/BC-{{ agency_symbol }} của "
              "{{ agency }})", align=center, indent=False, italic=True, size=14, after=12)
    _data_table(doc, ["TT", "Nội dung các tiêu chí", "Điểm chuẩn", "Tự chấm",
                      "Tài liệu kiểm chứng, giải trình"],
                ["{{ r.label }}", "{{ r.text }}", "{{ r.max }}", "{{ r.self }}",
                 "{{ r.evidence }}"],
                [1.6, 7.6, 1.6, 1.6, 3.8], "r in rows",
                [center, WD_ALIGN_PARAGRAPH.JUSTIFY, center, center, left])
    return _save(doc, path)


def build_khoi_summary(path: str | Path) -> Path:
    """The khối trưởng's summary to the Ban Thi đua - Khen thưởng: the members, their targets
    against what they achieved, the ranking, the titles proposed and why others were not."""
    doc = new_document()
    center, left = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT
    opening(doc, ("{{ settings.superior }}", "{{ settings.body }}"),
            "Số: {{ settings.number }}/{{ settings.symbol }}",
            "{{ settings.place }}, {{ date_text }}", "BÁO CÁO",
            "Kết quả thực hiện giao ước thi đua năm {{ year }} của {{ khoi.name }}")
    para(doc, "Kính gửi: Ban Thi đua - Khen thưởng tỉnh {{ settings.province }}.", align=center,
         indent=False, after=12)
    para(doc, "Căn cứ {{ decision }} và các bảng đăng ký giao ước thi đua của các thành viên, "
              "{{ settings.body_name }} (khối trưởng) tổng hợp kết quả chấm điểm giao ước thi "
              "đua năm {{ year }} của {{ khoi.name }} như sau:")
    para(doc, "I. THÀNH VIÊN VÀ KẾT QUẢ CHẤM ĐIỂM", bold=True)
    para(doc, "{{ khoi.name }} có {{ khoi.members|length }} thành viên được chấm điểm"
              "{% if khoi.missing %}; chưa có kết quả hợp lệ: {{ khoi.missing }}{% endif %}.")
    _data_table(doc, ["STT", "Thành viên", "Tổng điểm", "Xếp loại", "Hạng",
                      "Danh hiệu đăng ký"],
                ["{{ m.stt }}", "{{ m.name }}", "{{ m.final }}", "{{ m.cls }}",
                 "{{ m.rank_text }}", "{{ m.title_registered }}"],
                [1.2, 4.8, 1.8, 3.2, 1.4, 4.0], "m in khoi.members",
                [center, left, center, left, center, left])
    para(doc, "", after=0)
    para(doc, "II. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU ĐÃ ĐĂNG KÝ", bold=True)
    _data_table(doc, ["STT", "Thành viên", "Chỉ tiêu", "Đăng ký", "Đạt được", "Tỷ lệ",
                      "Điểm"],
                ["{{ t.stt }}", "{{ t.member }}", "{{ t.item }}", "{{ t.registered }}",
                 "{{ t.achieved }}", "{{ t.share }}", "{{ t.points }}"],
                [1.1, 3.2, 5.0, 1.7, 1.7, 1.5, 1.4], "t in khoi.targets",
                [center, left, left, center, center, center, center])
    para(doc, "", after=0)
    para(doc, "III. ĐỀ NGHỊ KHEN THƯỞNG", bold=True)
    para(doc, "{%p for p in khoi.proposals %}", indent=False)
    para(doc, "{{ loop.index }}. {{ p.title }}{% if p.quota %} (tối đa {{ p.quota }} đơn vị)"
              "{% endif %}: {{ p.members or 'không có thành viên đủ điều kiện' }}.")
    para(doc, "{%p endfor %}", indent=False)
    para(doc, "{%p if khoi.not_proposed %}", indent=False)
    para(doc, "Các thành viên đăng ký nhưng không được đề nghị:")
    para(doc, "{%p for n in khoi.not_proposed %}", indent=False)
    para(doc, "- {{ n }}.")
    para(doc, "{%p endfor %}", indent=False)
    para(doc, "{%p endif %}", indent=False)
    para(doc, "{%p for n in khoi.notes %}", indent=False)
    para(doc, "Lưu ý: {{ n }}", italic=True)
    para(doc, "{%p endfor %}", indent=False)
    para(doc, "Đề nghị Ban Thi đua - Khen thưởng xem xét, trình Hội đồng Thi đua - Khen thưởng "
              "tỉnh./.")
    signature_block(doc, "khoi_recipients", "{{ settings.signer_title }}",
                    "{{ settings.signer_role }}", "{{ settings.signer_name }}")
    return _save(doc, path)


def build_member_report(path: str | Path) -> Path:
    """A member's own report draft (seed 004's Phần I): what it registered, against what it
    achieved, as a list in the seed's words and as a table; its score and the title proposed."""
    doc = new_document()
    center, left = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT
    issuer_header(doc, "Số: {{ settings.number }}/BC-{{ agency_symbol }}",
                  "{{ settings.place }}, {{ date_text }}")
    para(doc, "BÁO CÁO", align=center, indent=False, bold=True, size=14, before=12, after=0)
    para(doc, "Kết quả thực hiện giao ước thi đua năm {{ year }}", align=center, indent=False,
         bold=True, size=14, after=12)
    para(doc, "Phần I", align=center, indent=False, bold=True, after=0)
    para(doc, "KẾT QUẢ THỰC HIỆN GIAO ƯỚC THI ĐUA NĂM {{ year }}", align=center, indent=False,
         bold=True)
    para(doc, "I. ĐẶC ĐIỂM, TÌNH HÌNH", bold=True)
    para(doc, "[Đơn vị bổ sung nội dung.]")
    para(doc, "II. KẾT QUẢ THỰC HIỆN", bold=True)
    para(doc, "1. Đăng ký giao ước thi đua", bold=True)
    para(doc, "{{ agency }} đã đăng ký giao ước thi đua {{ khoi }} năm {{ year }}, cụ thể như "
              "sau:")
    para(doc, "{%p for t in targets %}", indent=False)
    para(doc, "- {{ t.registered_text }}.")
    para(doc, "{%p endfor %}", indent=False)
    para(doc, "{% if title_registered %}- Tập thể {{ agency }} đăng ký «{{ title_registered }}» "
              "trong {{ khoi }} năm {{ year }}.{% endif %}")
    para(doc, "2. Kết quả thực hiện các chỉ tiêu đã đăng ký", bold=True)
    para(doc, "{%p for t in targets %}", indent=False)
    para(doc, "- {{ t.achieved_text }}.")
    para(doc, "{%p endfor %}", indent=False)
    _data_table(doc, ["STT", "Chỉ tiêu", "Đăng ký", "Đạt được", "Tỷ lệ", "Điểm"],
                ["{{ t.stt }}", "{{ t.item }}", "{{ t.registered }}", "{{ t.achieved }}",
                 "{{ t.share }}", "{{ t.points }}"],
                [1.2, 7.2, 1.8, 1.8, 1.6, 1.4], "t in targets",
                [center, left, center, center, center, center])
    para(doc, "", after=0)
    para(doc, "Tổng điểm: {{ total }} điểm; xếp loại: {{ cls }}; xếp hạng {{ rank_text }} trong "
              "{{ khoi_size }} thành viên của khối.{% if title_proposed %} Khối trưởng đề nghị "
              "«{{ title_proposed }}».{% endif %}")
    para(doc, "III. ĐÁNH GIÁ CHUNG", bold=True)
    para(doc, "[Đơn vị bổ sung nội dung.]")
    para(doc, "Phần II", align=center, indent=False, bold=True, after=0)
    para(doc, "PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM {{ next_year }}", align=center, indent=False,
         bold=True)
    para(doc, "[Đơn vị bổ sung nội dung.]")
    para(doc, "Trên đây là báo cáo kết quả thực hiện giao ước thi đua năm {{ year }} của "
              "{{ agency }}./.")
    signature_block(doc, "recipients", "{{ settings.signer_title }}",
                    "{{ settings.signer_role }}", "{{ settings.signer_name }}")
    return _save(doc, path)


def build_all(folder: str | Path) -> list[Path]:
    folder = Path(folder)
    return [build_summary(folder / SUMMARY), build_decision(folder / DECISION),
            build_notice(folder / NOTICE), build_agency_report(folder / AGENCY_REPORT),
            build_khoi_summary(folder / KHOI_SUMMARY), build_member_report(folder / MEMBER_REPORT)]


if __name__ == "__main__":  # pragma: no cover - developer tool
    for written in build_all(sys.argv[1] if len(sys.argv) > 1 else "workbook_templates"):
        print(written)
