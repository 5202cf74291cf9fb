from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from dvcq_xl.rubric import builtin_rubric
from openpyxl import load_workbook

from dvcq_xl import template as tpl
from dvcq_xl.errors import OutputError, WorkbookError
from dvcq_xl.generate import review_copy, templates_for_roster
from dvcq_xl.reader import read_workbook
from dvcq_xl.rubric import SUPERIOR
from dvcq_xl.template import (
    AGENCY, REVIEW, SHEET, Agency, Fill, contract_names, excel_password_hash, render_template,
)

#: Every function the formulas may use: known to Excel 2010 and LibreOffice, none "_xlfn."
ALLOWED = {"IF", "SUM", "MIN", "MAX", "COUNT", "COUNTIF", "ISNUMBER", "NOT", "OR", "AND", "ABS",
           "ROUND", "LEN", "TRIM", "CHOOSE", "LEFT", "SUBSTITUTE", "INT", "ISERROR"}


@pytest.fixture(params=["bac-giang-274-2017", "vi-du-minh-hoa", "vi-du-do-luong"])
def rubric(request, bac_giang, example):
    return {bac_giang.id: bac_giang, example.id: example}.get(
        request.param) or builtin_rubric(request.param)


def render(rubric, tmp_path, **kw) -> Path:
    return render_template(rubric, tmp_path / "t.xlsx", 2025, **kw)


def test_defined_names_are_the_contract(rubric, tmp_path):
    path = render(rubric, tmp_path, agency=Agency("Sở Y tế", "SYT", "Sở, ban, ngành"))
    ir = read_workbook(path)
    assert set(ir.cells) == set(contract_names(rubric))
    assert ir.rubric_id == rubric.id and ir.rubric_hash == rubric.hash
    assert ir.year == 2025 and ir.text("dvcq_agency") == "Sở Y tế"
    assert ir.text("dvcq_block") == "Sở, ban, ngành"
    for leaf in rubric.leaves():
        assert ir.value(f"dvcq_max_{leaf.key}") == leaf.max_points
    wb = load_workbook(path)
    for name, defn in wb.defined_names.items():
        if name.startswith("dvcq_"):
            (dest,) = list(defn.destinations)
            assert ":" not in dest[1], name  # one cell each


def _unlocked(path: Path) -> set[str]:
    """Unlocked cells, a merged range counted once by its top-left cell (what a user edits)."""
    wb = load_workbook(path)
    ws = wb[SHEET]
    covered = {c for rng in ws.merged_cells.ranges for row in rng.cells for c in [row]}
    covered -= {(rng.min_row, rng.min_col) for rng in ws.merged_cells.ranges}
    return {c.coordinate for row in ws.iter_rows() for c in row
            if c.protection.locked is False and (c.row, c.column) not in covered}


def _expected_inputs(rubric, path: Path, mode: str, agency_blank: bool) -> set[str]:
    ir = read_workbook(path)
    cells = set()
    for leaf in rubric.leaves():
        column = "self" if mode == AGENCY else "review"
        for prefix in (["note"] + ([] if leaf.reviewer_only else ["self", "evidence"])
                       if mode == AGENCY else ["review", "reason"]):
            if prefix == column and leaf.measure is not None:
                continue  # its points are a formula: its figures are typed instead
            cells.add(ir.cells[f"dvcq_{prefix}_{leaf.key}"].ref)
        if leaf.measure is not None:
            cells |= {ir.cells[f"dvcq_{column}_in_{leaf.key}_{i}"].ref
                      for i in range(1, leaf.measure.count + 1)}
        if leaf.not_applicable:
            cells.add(ir.cells[f"dvcq_{column}_na_{leaf.key}"].ref)
    for cond in rubric.conditions:
        col = "self" if mode == AGENCY else "review"
        cells.add(ir.cells[f"dvcq_{col}_cond_{cond.id}"].ref)
    if agency_blank and mode == AGENCY:
        cells.add(ir.cells["dvcq_agency"].ref)
    return cells


@pytest.mark.parametrize("agency", [Agency(), Agency("UBND xã An Phú", "XANPHU", "UBND cấp xã")])
def test_only_inputs_are_unlocked(rubric, tmp_path, agency):
    path = render(rubric, tmp_path, agency=agency)
    assert _unlocked(path) == _expected_inputs(rubric, path, AGENCY, not agency.name)


def test_review_mode_unlocks_review_and_keeps_entries(rubric, tmp_path):
    fill = Fill(self_scores={l.code: l.max_points for l in rubric.leaves()
                             if l.kind != SUPERIOR},
                evidence={rubric.leaves()[0].code: "Kế hoạch số 12/KH-BDT ngày 15/3/2023"})
    filled = render(rubric, tmp_path, agency=Agency("Sở Y tế", "SYT", "Sở, ban, ngành"), fill=fill)
    out = review_copy(filled, tmp_path / "review.xlsx").path
    assert _unlocked(out) == _expected_inputs(rubric, out, REVIEW, False)
    ir = read_workbook(out)
    assert ir.text("dvcq_copy") == REVIEW and ir.text("dvcq_agency") == "Sở Y tế"
    first = rubric.leaves()[0]
    assert ir.value(f"dvcq_self_{first.key}") == first.max_points
    assert ir.text(f"dvcq_evidence_{first.key}") == "Kế hoạch số 12/KH-BDT ngày 15/3/2023"


def test_review_copy_refuses_to_overwrite_and_other_versions(bac_giang, tmp_path):
    filled = render(bac_giang, tmp_path)
    with pytest.raises(OutputError):
        review_copy(filled, filled)
    wb = load_workbook(filled)
    wb["dvcq"]["B4"] = "0" * 64  # another version's hash
    tampered = tmp_path / "old.xlsx"
    wb.save(tampered)
    with pytest.raises(WorkbookError) as info:
        review_copy(tampered, tmp_path / "r.xlsx")
    finding = info.value.findings[0]
    assert finding.code == "rubric-mismatch"
    # the hash lives on the hidden «dvcq» sheet, which the user cannot open: no cell named
    assert (finding.sheet, finding.cell) == (None, None)


def test_protection(rubric, tmp_path):
    path = render(rubric, tmp_path, password="bí-mật")
    wb = load_workbook(path)
    for ws in wb.worksheets:
        assert ws.protection.sheet, ws.title
    assert wb[SHEET].protection.password == excel_password_hash("bí-mật")
    assert wb.security.lockStructure
    assert wb.security.workbookPassword == excel_password_hash("bí-mật")
    assert wb["dvcq"].sheet_state == "hidden"
    assert wb.sheetnames[:2] == [SHEET, "Hướng dẫn"]


def test_excel_password_hash_known_value():
    # The legacy hash of "password" is 83AF (ECMA-376 Part 4, 15.2.15; widely reproduced).
    assert excel_password_hash("password") == "83AF"


def test_every_score_cell_is_validated(rubric, tmp_path):
    path = render(rubric, tmp_path)
    ir = read_workbook(path)
    ws = load_workbook(path)[SHEET]
    rules = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            rules[rng.coord] = dv
    for leaf in rubric.leaves():
        columns = ["review"] + ([] if leaf.reviewer_only else ["self"])
        for column in columns:
            if leaf.measure is not None:  # whole numbers from 0 in each figure's cell
                for i in range(1, leaf.measure.count + 1):
                    dv = rules[ir.cells[f"dvcq_{column}_in_{leaf.key}_{i}"].ref]
                    assert (dv.type, dv.operator, float(dv.formula1)) == (
                        "whole", "greaterThanOrEqual", 0) and dv.error and dv.prompt
                continue
            if leaf.not_applicable:
                dv = rules[ir.cells[f"dvcq_{column}_na_{leaf.key}"].ref]
                assert dv.type == "list" and dv.formula1 == '"Không áp dụng"'
            dv = rules[ir.cells[f"dvcq_{column}_{leaf.key}"].ref]
            assert dv.showErrorMessage and dv.errorStyle in (None, "stop")
            assert "phải là số từ 0 đến" in dv.error and dv.prompt
            if leaf.step == 1:
                # "between" is the OOXML default operator, so it is not written
                assert dv.type == "whole" and dv.operator in (None, "between")
                assert float(dv.formula1) == 0 and float(dv.formula2) == leaf.max_points
            else:
                assert dv.type == "custom" and f"<={leaf.max_points:g}" in dv.formula1
    for cond in rubric.conditions:
        dv = rules[ir.cells[f"dvcq_self_cond_{cond.id}"].ref]
        assert dv.type == "list" and dv.formula1 == '"Có,Không"'


def test_formulas_use_only_portable_functions(rubric, tmp_path):
    path = render(rubric, tmp_path)
    with zipfile.ZipFile(path) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    assert "_xlfn" not in xml
    formulas = re.findall(r"<f>(.*?)</f>", xml) + re.findall(r"<formula>(.*?)</formula>", xml)
    assert formulas
    used = set()
    for f in formulas:
        used |= set(re.findall(r"([A-Z][A-Z0-9.]*)\(", re.sub(r"&quot;.*?&quot;", "", f)))
    assert used <= ALLOWED, used - ALLOWED


def test_print_setup(rubric, tmp_path):
    ws = load_workbook(render(rubric, tmp_path))[SHEET]
    assert ws.page_setup.paperSize == 9
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    # fitToWidth 1 is the OOXML default, written as an absent attribute
    assert ws.page_setup.fitToWidth in (None, 1) and int(ws.page_setup.fitToHeight) == 0
    assert ws.print_title_rows == "$8:$9"
    assert ws.print_area.startswith("'Bảng chấm điểm'!$A$1:$H$")
    assert ws.freeze_panes == "A10"
    assert ws.merged_cells and "C8:E8" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["C8"].value == "ĐIỂM" and ws["D9"].value == "Cơ quan, đơn vị, địa phương tự chấm"
    # wrapped long texts get a row tall enough for several lines
    ir = read_workbook(tmp_path / "t.xlsx")
    longest = max(rubric.leaves(), key=lambda leaf: len(leaf.text))
    assert len(longest.text) > tpl.WIDTHS[tpl.CONTENT]
    first = ir.cells[f"dvcq_self_{longest.key}"]
    row = int(re.sub(r"\D", "", first.ref))
    assert ws.row_dimensions[row].height >= 2 * tpl.LINE_PT


def test_unverified_bands_are_said_where_the_class_is(bac_giang, example, tmp_path):
    ws = load_workbook(render(bac_giang, tmp_path))[SHEET]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "Xếp loại (*)" in texts and "Ngưỡng chưa xác minh" in texts
    assert any("chưa được đối chiếu với Quyết định số 274/QĐ-UBND" in t for t in texts)
    ws = load_workbook(render(example, tmp_path))[SHEET]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "Xếp loại" in texts and not any("chưa được đối chiếu" in t for t in texts)


def test_agency_text_is_never_a_formula(bac_giang, tmp_path):
    path = render(bac_giang, tmp_path, agency=Agency("=HYPERLINK(\"http://x\")", "=1+1", "@x"),
                  fill=Fill(evidence={"1.1": "=SUM(A1:A9)"}))
    wb = load_workbook(path)
    ir = read_workbook(path)
    for name in ("dvcq_agency", "dvcq_agency_code", "dvcq_block", "dvcq_evidence_1_1"):
        cell = wb[SHEET][ir.cells[name].ref]
        assert cell.data_type == "s", name


def test_roster_names_cannot_escape(bac_giang, tmp_path):
    agencies = [Agency("Sở A", "../../etc/passwd", "x"), Agency("Sở B", "CON", "x"),
                Agency("Sở C", "con", "x"), Agency("Ủy ban / xã Đông", "", "x"),
                Agency("Sở D", "a\\b:c", "x")]
    out = tmp_path / "out"
    written = templates_for_roster(bac_giang, agencies, 2025, out)
    names = [w.path.name for w in written]
    assert len(set(n.lower() for n in names)) == len(agencies)
    for w in written:
        assert w.path.parent == out and w.path.exists()
        assert re.fullmatch(r"[a-z0-9-]+\.xlsx", w.path.name), w.path.name
    # no path part survives, and codes that differ only in case get distinct names
    assert names == ["etc-passwd-2025.xlsx", "con-2025.xlsx", "con-2025-2.xlsx",
                     "uy-ban-xa-dong-2025.xlsx", "a-b-c-2025.xlsx"]
    assert sorted(p.name for p in out.iterdir()) == sorted(names)


def test_failed_render_leaves_the_old_file(bac_giang, tmp_path, monkeypatch):
    target = tmp_path / "t.xlsx"
    target.write_bytes(b"old")

    def boom(ctx):
        raise RuntimeError("interrupted")

    monkeypatch.setattr(tpl, "STEPS", tpl.STEPS[:3] + (boom,))
    with pytest.raises(RuntimeError):
        render_template(bac_giang, target, 2025)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["t.xlsx"]


def test_missing_output_folder_is_created(bac_giang, tmp_path):
    path = render_template(bac_giang, tmp_path / "khong-co" / "t.xlsx", 2025)
    assert path.is_file() and load_workbook(path).sheetnames[0] == SHEET


@pytest.mark.libreoffice
def test_printed_pages_show_the_whole_guide(bac_giang, libreoffice, tmp_path):
    """Nothing of the guide is cut at the page edge: every line of it is on the printed page."""
    import subprocess

    from openpyxl import load_workbook

    path = render_template(bac_giang, tmp_path / "mau.xlsm", 2025, macros=True)
    lines = [str(c.value) for c in load_workbook(path)["Hướng dẫn"]["A"] if c.value]
    pdf = libreoffice.convert([path], "pdf", tmp_path / "pdf")[0]
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    printed = "".join(text.split())  # lines wrap anywhere, also after a hyphen
    missing = [line for line in lines if "".join(line.split()) not in printed]
    assert missing == []


def test_agency_text_from_the_command_line_is_cleaned_before_it_reaches_a_cell(tmp_path):
    from dvcq_xl.rubric import builtin_rubric

    out = render_template(builtin_rubric("bac-giang-274-2017"), tmp_path / "t.xlsx", 2025,
                          Agency("Sở \x1b[31mĐỏ\x07\u202e", "A\x01", "Khối\x02"))
    ir = read_workbook(out)
    assert ir.text("dvcq_agency") == "Sở [31mĐỏ" and ir.text("dvcq_agency_code") == "A"
    assert not any(ord(ch) < 32 or ch == "\u202e" for ch in ir.text("dvcq_block"))


def test_a_capped_bonus_or_penalty_tieu_chi_shows_its_cap_as_chuan(tmp_path):
    """Deductions 7.1 (5) + 7.2 (10) under «tối đa 10»: the tiêu chí's Chuẩn reads 10."""
    from dvcq_xl.rubric import builtin_rubric

    ex = builtin_rubric("vi-du-minh-hoa")
    out = render_template(ex, tmp_path / "t.xlsx", 2025)
    wb = load_workbook(out)
    row = next(r for r in wb[SHEET].iter_rows() if r[0].value == "7")
    assert ex.item("7").max_points == 15 and row[2].value == 10


def test_long_tt_labels_widen_the_tt_column_not_the_page(tmp_path):
    """«1.1. Nội dung 1» in TT: the column fits it, the content column gives the width back."""
    import dataclasses

    from dvcq_xl.rubric import builtin_rubric
    from dvcq_xl.template import WIDTHS, blueprint, column_widths

    bg = builtin_rubric("bac-giang-274-2017")
    first = bg.items[0].children[0]
    long = dataclasses.replace(bg, items=(dataclasses.replace(bg.items[0], children=(
        dataclasses.replace(first, label="1.1. Nội dung 1"), *bg.items[0].children[1:])),
        *bg.items[1:]))
    widths = column_widths(blueprint(long))
    assert widths["A"] >= len("1.1. Nội dung 1") and sum(widths.values()) == sum(WIDTHS.values())


def test_the_rubrics_own_wording_heads_the_sheet(tmp_path):
    """A rubric that is not DVCQ's (a Chuẩn tiếp cận pháp luật, say) says so on its sheet; the
    built-in rubrics keep the DVCQ wording without writing it (their hashes unchanged)."""
    import dataclasses

    from dvcq_xl.rubric import builtin_rubric

    bg = builtin_rubric("bac-giang-274-2017")
    own = dataclasses.replace(
        bg, sheet_title="PHIẾU ĐÁNH GIÁ", content_heading="NỘI DUNG CHỈ TIÊU",
        legal_basis="Quyết định số 25/2021/QĐ-TTg và Thông tư số 09/2021/TT-BTP")
    wb = load_workbook(render_template(own, tmp_path / "t.xlsx", 2025))
    ws = wb[SHEET]
    assert ws["A1"].value == "PHIẾU ĐÁNH GIÁ" and ws["B8"].value == "NỘI DUNG CHỈ TIÊU"
    assert ws["A3"].value == ("(Theo Quyết định số 25/2021/QĐ-TTg và Thông tư số "
                              "09/2021/TT-BTP)")
    plain = load_workbook(render_template(bg, tmp_path / "bg.xlsx", 2025))[SHEET]
    assert plain["A1"].value == "BẢNG CHẤM ĐIỂM" and plain["A3"].value.startswith(
        "(Theo Quyết định số 274/QĐ-UBND")
    assert own.hash != bg.hash and "sheet_title" not in bg.to_dict()


def test_the_review_copy_keeps_figures_and_marks(tmp_path):
    """The team's copy of a measured, commune submission: the agency's figures and «Không áp
    dụng» kept and locked, the team's figure cells open; checked by the commune's variant."""
    from dvcq_xl.intake import check_file

    from .helpers import full_fill

    dl = builtin_rubric("vi-du-do-luong")
    fill = full_fill(dl, self_figures={"1.2": (9, 10)}, self_na={"3.1": "Không áp dụng"},
                     self_scores={"3.1": None})
    filled = render(dl, tmp_path, agency=Agency("UBND xã An Phú", "XAP", "UBND cấp xã"),
                    fill=fill)
    out = review_copy(filled, tmp_path / "to-kiem-tra.xlsx").path
    ir = read_workbook(out)
    assert (ir.value("dvcq_self_in_1_2_1"), ir.value("dvcq_self_in_1_2_2")) == (9, 10)
    assert ir.value("dvcq_self_na_3_1") == "Không áp dụng"
    assert _unlocked(out) == _expected_inputs(dl, out, REVIEW, False)
    result = check_file(out)
    assert result.status == "ok" and result.copy == REVIEW, [str(f) for f in result.findings]
    # 20 + 16 + 20 + 20 of the 80 that apply -> 95: «Hoàn thành xuất sắc» (85 in communes)
    assert result.self_total == 95 and result.self_class == "Hoàn thành xuất sắc"
