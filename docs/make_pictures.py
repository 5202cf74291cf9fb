"""Render the pictures of the user guide: `python docs/make_pictures.py` (needs LibreOffice).

Writes docs/bang-cham-diem.png (a demo submission, page 1) and docs/bang-cham-diem-tong.png
(the page with the totals and class), recalculated by LibreOffice as a user would see them;
docs/xep-hang.png (the first ranking sheet of the demo round), docs/thong-ke.png (its statistics)
and docs/bao-cao.png (page 1 of the summary report in Word).
"""

import subprocess
import sys
import tempfile
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
print("docs/bang-cham-diem.png, docs/bang-cham-diem-tong.png, docs/xep-hang.png, "
      "docs/thong-ke.png, docs/bao-cao.png")
