"""Render the pictures of the user guide: `python docs/make_pictures.py` (needs LibreOffice).

Writes docs/bang-cham-diem.png (a demo submission, page 1) and docs/bang-cham-diem-tong.png
(the page with the totals and class), recalculated by LibreOffice as a user would see them;
docs/xep-hang.png (the first ranking sheet of the demo round), docs/thong-ke.png (its statistics)
and docs/bao-cao.png (page 1 of the summary report in Word); docs/nut-kiem-tra.png (the top of the
macro-enabled score sheet, with its button) and docs/so-dieu-khien.png (the control workbook's
«Cài đặt» with its buttons). Buttons are not printed, so these two are rendered from copies whose
buttons print and whose page shows them: what the screen shows, not the paper.
"""

import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.lo import LibreOffice, find_soffice  # noqa: E402
from dvcq_xl.demo import run_demo  # noqa: E402

with tempfile.TemporaryDirectory() as tmp:
    tmp = Path(tmp)
    run_demo(tmp / "demo")
    lo = LibreOffice(find_soffice(), tmp)
    src = tmp / "demo" / "nop" / "stp-2025-tu-cham.xlsx"
    pdf = lo.convert([src], "pdf", tmp / "pdf")[0]
    pages = int(subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True)
                .stdout.split("Pages:")[1].split()[0])
    # the last page is the "Hướng dẫn" sheet; the one before it ends the score sheet
    for page, name in ((1, "bang-cham-diem"), (pages - 1, "bang-cham-diem-tong"), (pages, "huong-dan")):
        subprocess.run(["pdftoppm", "-r", "80", "-png", "-singlefile", "-f", str(page), "-l",
                        str(page), str(pdf), str(ROOT / "docs" / name)], check=True)
    ranking, report = tmp / "demo" / "xep-hang-2025.xlsx", (
        tmp / "demo" / "bao-cao" / "bao-cao-ket-qua-dvcq-2025.docx")
    ranking_pdf, report_pdf = lo.convert([ranking, report], "pdf", tmp / "pdf2")
    for pdf, page, name in ((ranking_pdf, 1, "xep-hang"), (ranking_pdf, 4, "thong-ke"),
                            (report_pdf, 1, "bao-cao")):
        subprocess.run(["pdftoppm", "-r", "70", "-png", "-singlefile", "-f", str(page), "-l",
                        str(page), str(pdf), str(ROOT / "docs" / name)], check=True)


def screen_copy(src: Path, dst: Path, sheet: str, print_area: str | None) -> Path:
    """A copy of ``src`` whose buttons print, on a wide A2 page at 100 %."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.endswith(".vml"):
                data = data.replace(b"<x:PrintObject>False</x:PrintObject>", b"")
            if info.filename == "xl/workbook.xml" and print_area:
                data = re.sub(rb"(<definedName name=\"_xlnm.Print_Area\" localSheetId=\"0\">)[^<]*",
                              rb"\1" + print_area.encode(), data)
            if info.filename == f"xl/worksheets/{sheet}":
                data = re.sub(rb"<pageSetup [^>]*/>", b'<pageSetup paperSize="66" '
                              b'orientation="landscape"/>', data)
                data = re.sub(rb"<pageSetUpPr fitToPage=\"1\"/>", b"", data)
            zout.writestr(info, data)
    return dst


with tempfile.TemporaryDirectory() as tmp:
    tmp = Path(tmp)
    demo = run_demo(tmp / "demo")
    lo = LibreOffice(find_soffice(), tmp)
    copies = [screen_copy(demo.macro_template, tmp / "nut.xlsm", "sheet1.xml",
                          "'Bảng chấm điểm'!$A$1:$M$12"),
              screen_copy(demo.control, tmp / "dk.xlsm", "sheet1.xml", None)]
    # (x, width, height) of the part of the page worth showing, in pixels at 70 dpi
    crops = {"nut-kiem-tra": (150, 1330, 330), "so-dieu-khien": (30, 1480, 310)}
    for pdf, name in zip(lo.convert(copies, "pdf", tmp / "pdf3"), crops):
        x, width, height = crops[name]
        subprocess.run(["pdftoppm", "-r", "70", "-png", "-singlefile", "-f", "1", "-l", "1",
                        "-x", str(x), "-W", str(width), "-H", str(height), str(pdf),
                        str(ROOT / "docs" / name)], check=True)
print("docs/nut-kiem-tra.png, docs/so-dieu-khien.png, docs/bang-cham-diem.png, docs/bang-cham-diem-tong.png, docs/xep-hang.png, "
      "docs/thong-ke.png, docs/bao-cao.png")
