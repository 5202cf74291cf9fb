"""The macro-enabled files, checked without Excel.

What Excel would do with them cannot be run here; what it reads can be checked: the VBA project
read back by two independent readers (oletools' olevba and pyOpenVBA) and by LibreOffice, which
imports it and binds each button to its macro; the package's content types, code names and
relationships; protection and validation unchanged from the ``.xlsx`` variant; the reader and
the checks seeing the same workbook.
"""

from __future__ import annotations

import configparser
import re
import zipfile
from pathlib import Path

import pytest
from oletools.olevba import VBA_Parser
from openpyxl import load_workbook

from dvcq_xl import vba
from dvcq_xl.errors import OutputError
from dvcq_xl.excel import CONTROL_BUTTONS, write_control_workbook
from dvcq_xl.intake import check_paths
from dvcq_xl.reader import read_workbook
from dvcq_xl.template import BUTTON_CAPTION, BUTTON_MACRO, SHEET, Agency, render_template

from .helpers import full_fill

ROOT = Path(__file__).resolve().parents[1]
MACRO_ENABLED = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
AGENCY = Agency("Sở Tư pháp", "STP", "Sở, ban, ngành")


def _body(code: str) -> list[str]:
    """Source lines without the attribute header (readers differ on showing it)."""
    lines = code.replace("\r\n", "\n").split("\n")
    return [line for line in lines if not line.startswith("Attribute ")]


def _olevba(data: bytes, name: str = "vbaProject.bin") -> dict[str, str]:
    parser = VBA_Parser(name, data=data)
    try:
        assert parser.detect_vba_macros()
        return {Path(stream).name: code for _, stream, _, code in parser.extract_macros()}
    finally:
        parser.close()


def _expected_modules(sheet_count: int, modules: tuple[str, ...]) -> set[str]:
    return {"ThisWorkbook", *(f"Sheet{i}" for i in range(1, sheet_count + 1)), *modules}


@pytest.fixture(scope="module")
def variants(tmp_path_factory, bac_giang):
    """The same filled template as .xlsx and as .xlsm."""
    folder = tmp_path_factory.mktemp("variants")
    fill = full_fill(bac_giang)
    return tuple(render_template(bac_giang, folder / f"stp-{ext}.{ext}", 2025, AGENCY, fill=fill,
                                 macros=ext == "xlsm") for ext in ("xlsx", "xlsm"))


@pytest.fixture(scope="module")
def control(tmp_path_factory):
    folder = tmp_path_factory.mktemp("control")
    values = {"rubric": "bac-giang-274-2017", "year": 2025, "inbox": "nop", "output": "."}
    return (Path(write_control_workbook(folder / "dk.xlsm", [AGENCY], values)),
            Path(write_control_workbook(folder / "dk.xlsx", [AGENCY], values)))


# --- the project ----------------------------------------------------------------------------


@pytest.mark.parametrize("sheets, modules", [(4, vba.TEMPLATE_MODULES), (3, vba.CONTROL_MODULES)])
def test_project_reads_back_with_exactly_our_modules(sheets, modules):
    data = vba.vba_project(sheets, modules)
    found = _olevba(data)
    assert set(found) == _expected_modules(sheets, modules)
    for stem in modules:
        assert _body(found[stem]) == _body(vba.module_source(stem))
    for document in set(found) - set(modules):  # document modules hold no code
        assert not [line for line in _body(found[document]) if line.strip()]


def test_project_is_deterministic_and_made_once_per_shape():
    first = vba.vba_project(4, vba.TEMPLATE_MODULES)
    vba.vba_project.cache_clear()
    assert vba.vba_project(4, vba.TEMPLATE_MODULES) == first
    assert vba.vba_project(3, vba.TEMPLATE_MODULES) != first


def test_project_has_no_compiled_code_to_go_stale():
    """Excel compiles from source: no p-code cache (__SRP_ streams) in the project."""
    import olefile

    ole = olefile.OleFileIO(vba.vba_project(4, vba.TEMPLATE_MODULES))
    streams = ["/".join(entry) for entry in ole.listdir()]
    assert {"PROJECT", "VBA/dir", "VBA/_VBA_PROJECT"} <= set(streams)
    assert not [s for s in streams if "__SRP_" in s]


def test_xlwings_module_is_the_pinned_release_unchanged():
    import xlwings

    shipped = Path(xlwings.__file__).with_name("xlwings.bas").read_bytes()
    assert (ROOT / "macros" / "xlwings.bas").read_bytes() == shipped
    assert vba.xlwings_version() == xlwings.__version__
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg", encoding="utf-8")
    extras = cfg["options.extras_require"]
    for extra in ("excel", "test"):
        assert f"xlwings=={vba.xlwings_version()}" in extras[extra].split()


def test_the_buttons_macros_are_public_subs():
    assert vba.public_macros("DvcqKiemTra") == [BUTTON_MACRO]
    assert vba.public_macros("DvcqDieuKhien") == [m for m, _, _ in CONTROL_BUTTONS]


# --- the macro-enabled template ------------------------------------------------------------


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist()}


def _buttons(parts: dict[str, bytes]) -> list[tuple[str, str]]:
    """(caption, macro) of every form button in the package's VML drawings."""
    found = []
    for name, data in parts.items():
        if name.endswith(".vml"):
            text = data.decode("utf-8")
            for shape in re.findall(r"<v:shape .*?</v:shape>", text, re.S):
                caption = re.search(r"<font[^>]*>(.*?)</font>", shape, re.S).group(1)
                macro = re.search(r"<x:FmlaMacro>\[0\]!(\w+)</x:FmlaMacro>", shape).group(1)
                found.append((caption, macro))
    return found


def test_template_package_is_macro_enabled_with_code_names(variants):
    _, xlsm = variants
    parts = _parts(xlsm)
    types = parts["[Content_Types].xml"].decode()
    assert MACRO_ENABLED in types and "application/vnd.ms-office.vbaProject" in types
    assert b"relationships/vbaProject" in parts["xl/_rels/workbook.xml.rels"]
    book = parts["xl/workbook.xml"].decode()
    assert '<workbookPr codeName="ThisWorkbook"' in book
    sheets = re.findall(r'<sheet name="([^"]+)" sheetId="(\d+)"(?: state="(\w+)")?', book)
    assert [(name, state) for name, _, state in sheets] == [
        (SHEET, ""), ("Hướng dẫn", ""), ("dvcq", "hidden"), (vba.XLWINGS_SHEET, "veryHidden")]
    code_names = {re.search(rb'<sheetPr[^>]*codeName="(\w+)"', parts[
        f"xl/worksheets/sheet{i}.xml"]).group(1).decode() for i in range(1, len(sheets) + 1)}
    modules = _olevba(parts["xl/vbaProject.bin"])
    # every sheet's code name has its document module, and nothing else is there
    assert {"ThisWorkbook", *code_names} | set(vba.TEMPLATE_MODULES) == set(modules)


def test_template_button_runs_the_check_macro(variants):
    xlsx, xlsm = variants
    parts = _parts(xlsm)
    assert _buttons(parts) == [(BUTTON_CAPTION, BUTTON_MACRO)]
    assert BUTTON_MACRO in vba.public_macros("DvcqKiemTra")
    assert 'RunPython "import dvcq_xl.excel as dvcq; dvcq.validate()"' in _olevba(
        parts["xl/vbaProject.bin"])["DvcqKiemTra"]
    assert "<x:PrintObject>False</x:PrintObject>" in parts["xl/drawings/vmlDrawing1.vml"].decode()
    assert not _buttons(_parts(xlsx)) and "xl/vbaProject.bin" not in _parts(xlsx)


def test_template_sheet_is_the_xlsx_sheet_plus_the_button(variants):
    """Same cells, formulas, validation and protection: only the code name and the drawing
    that holds the button differ."""
    xlsx, xlsm = (_parts(p) for p in variants)
    plain = xlsx["xl/worksheets/sheet1.xml"].decode()
    macro = xlsm["xl/worksheets/sheet1.xml"].decode()
    macro = macro.replace(' codeName="Sheet1"', "")
    macro = re.sub(r'<legacyDrawing r:id="rId\d+"/>', "", macro)
    assert macro == plain
    assert "<sheetProtection " in plain and plain.count("<dataValidation ") > 10
    assert "lockStructure=\"1\"" in xlsm["xl/workbook.xml"].decode()


def test_xlwings_settings_sheet(variants):
    wb = load_workbook(variants[1])
    conf = wb[vba.XLWINGS_SHEET]
    assert conf.sheet_state == "veryHidden"
    assert [tuple(r) for r in conf.iter_rows(values_only=True)] == list(vba.XLWINGS_SETTINGS)


def test_checks_see_the_same_workbook(variants):
    xlsx, xlsm = variants
    plain, macro = read_workbook(xlsx), read_workbook(xlsm)
    assert {n: c.value for n, c in macro.cells.items()} == {
        n: c.value for n, c in plain.cells.items()}
    report = check_paths([xlsx, xlsm], year=2025)
    assert [r.status for r in report.files] == ["ok", "ok"]
    assert report.files[0].self_total == report.files[1].self_total == 100


def test_a_saved_result_sheet_keeps_the_project_and_passes_the_check(variants, tmp_path):
    """The clerk pressed «Kiểm tra» and saved: the result sheet travels with the file."""
    saved = tmp_path / "stp-da-kiem-tra.xlsm"
    wb = load_workbook(variants[1], keep_vba=True)
    ws = wb.create_sheet("Kết quả kiểm tra", 0)
    ws["A1"] = "KẾT QUẢ KIỂM TRA BẢNG CHẤM ĐIỂM"
    wb.save(saved)
    assert _parts(saved)["xl/vbaProject.bin"] == _parts(variants[1])["xl/vbaProject.bin"]
    (result,) = check_paths([saved], year=2025).files
    assert result.status == "ok" and result.self_total == 100


def test_an_xlsm_review_copy_gets_the_button_too(variants, tmp_path):
    """A review copy (or any template) named .xlsm is a real macro-enabled package."""
    from dvcq_xl.generate import review_copy

    out = review_copy(variants[1], tmp_path / "stp-to-kiem-tra.xlsm").path
    parts = _parts(out)
    assert MACRO_ENABLED in parts["[Content_Types].xml"].decode()
    assert _buttons(parts) == [(BUTTON_CAPTION, BUTTON_MACRO)]
    assert read_workbook(out).text("dvcq_copy") == "review"


def test_macro_template_needs_an_xlsm_name(bac_giang, tmp_path):
    with pytest.raises(OutputError, match=r"phải là tệp \.xlsm"):
        render_template(bac_giang, tmp_path / "mau.xlsx", 2025, macros=True)
    assert not list(tmp_path.iterdir())


# --- the control workbook ------------------------------------------------------------------


def test_control_workbook_buttons(control):
    xlsm, xlsx = control
    parts = _parts(xlsm)
    assert MACRO_ENABLED in parts["[Content_Types].xml"].decode()
    assert _buttons(parts) == [(caption, macro) for macro, caption, _ in CONTROL_BUTTONS]
    modules = _olevba(parts["xl/vbaProject.bin"])
    assert set(modules) == _expected_modules(3, vba.CONTROL_MODULES)
    for macro, _, _ in CONTROL_BUTTONS:
        assert re.search(rf"Public Sub {macro}\(\)\s+RunPython \"import dvcq_xl\.excel as dvcq;"
                         rf" dvcq\.\w+\(\)\"", modules["DvcqDieuKhien"])
    plain = _parts(xlsx)
    assert "xl/vbaProject.bin" not in plain and not _buttons(plain)
    assert MACRO_ENABLED not in plain["[Content_Types].xml"].decode()


# --- LibreOffice ---------------------------------------------------------------------------


@pytest.mark.libreoffice
def test_libreoffice_imports_the_project_and_binds_the_buttons(libreoffice, variants, control,
                                                               tmp_path):
    import json

    jobs = [{"src": str(p), "inspect": str(tmp_path / f"{p.stem}-{p.suffix[1:]}.json")}
            for p in (variants[1], control[0])]
    template, dk = (json.loads(Path(p).read_text(encoding="utf-8"))
                    for p in libreoffice.edit(jobs))
    for seen, modules, sheets in ((template, vba.TEMPLATE_MODULES, 4),
                                  (dk, vba.CONTROL_MODULES, 3)):
        project = seen["libraries"]["VBAProject"]
        assert set(project) == _expected_modules(sheets, modules)
        for stem in modules:  # LibreOffice keeps the code, behind its own header lines
            assert all(line in project[stem].split("\n")
                       for line in _body(vba.module_source(stem)) if line.strip())
    script = "vnd.sun.star.script:VBAProject.{}.{}?language=Basic&location=document"
    assert template["controls"] == [{"sheet": SHEET, "label": BUTTON_CAPTION, "events": [
        ["XActionListener", "actionPerformed", "Script", script.format("DvcqKiemTra",
                                                                       BUTTON_MACRO)]]}]
    assert [(c["label"], c["events"][0][3]) for c in dk["controls"]] == [
        (caption, script.format("DvcqDieuKhien", macro)) for macro, caption, _ in CONTROL_BUTTONS]


@pytest.mark.libreoffice
def test_libreoffice_recalculates_the_macro_template_as_the_plain_one(libreoffice, variants,
                                                                      tmp_path):
    xlsx, xlsm = variants
    out = libreoffice.recalculate([xlsx, xlsm], tmp_path)
    names = read_workbook(xlsx).cells
    values = []
    for recalced in out:
        wb = load_workbook(recalced, data_only=True)
        values.append({n: wb[c.sheet][c.ref].value for n, c in names.items()})
        wb.close()
    assert values[0] == values[1]
    assert values[1]["dvcq_self_total"] == 100
