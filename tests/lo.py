"""Real spreadsheet engines, headless: LibreOffice (recalculate, render to PDF/PNG, edit) and
Gnumeric's ``ssconvert --recalc`` (a second engine for the template's formulas).

LibreOffice does not always recalculate an xlsx on load (it may trust cached values), so every
run uses a private profile whose settings force recalculation of OOXML and ODF files on load.
Conversions are batched: one soffice process converts many files.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def find_soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def find_uno_python() -> str | None:
    """A Python that can ``import uno`` (Debian's python3-uno), to drive LibreOffice."""
    for candidate in ("/usr/bin/python3", shutil.which("python3")):
        if candidate and subprocess.run([candidate, "-c", "import uno"], capture_output=True,
                                        timeout=60).returncode == 0:
            return candidate
    return None


def has_writer() -> bool:
    """LibreOffice Writer is there (Word reports are converted with it)."""
    soffice = find_soffice()
    if not soffice:
        return False
    program = Path(os.path.realpath(soffice)).parent
    return any((folder / "libswlo.so").exists() or (folder / "swlo.dll").exists()
               for folder in (program, Path("/usr/lib/libreoffice/program")))


#: what the engine tests need from Debian: LibreOffice (Calc, Writer, its Python bridge),
#: pdftoppm/pdftotext, and Gnumeric for ssconvert
APT_PACKAGES = ("libreoffice-calc-nogui", "libreoffice-writer-nogui", "poppler-utils",
                "python3-uno", "gnumeric")


def install_soffice() -> str | None:
    """Install LibreOffice Calc and Writer (Debian's -nogui packages, with python3-uno to drive
    it), and Gnumeric with them, when we are root with apt."""
    if find_soffice() and find_uno_python() and has_writer():
        return find_soffice()
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return None
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], env=env, check=False, timeout=900,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "-qq", *APT_PACKAGES],
                   env=env, check=False, timeout=1800, stdout=subprocess.DEVNULL)
    return find_soffice()


def find_ssconvert() -> str | None:
    return shutil.which("ssconvert")


def install_gnumeric() -> str | None:
    """Install Gnumeric (Debian package ``gnumeric``, which has ssconvert) when we are root with
    apt."""
    if find_ssconvert():
        return find_ssconvert()
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return None
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], env=env, check=False, timeout=900,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "gnumeric"],
                   env=env, check=False, timeout=1800, stdout=subprocess.DEVNULL)
    return find_ssconvert()


class Gnumeric:
    """Gnumeric's ``ssconvert --recalc``: open, recalculate every formula, save as xlsx.

    It keeps the workbook's defined names, so the recalculated values are read by name like
    LibreOffice's. One process per file (ssconvert converts one file at a time), two at once.
    A formula's text result is stored inline (``t="str"``, as Excel and LibreOffice do) or, when
    the same text is among the shared strings, as a shared string (``t="s"``): read the values
    with openpyxl.
    """

    def __init__(self, ssconvert: str, workdir: Path):
        self.ssconvert = ssconvert
        self.home = workdir / "gnumeric-home"  # its settings stay out of the user's home
        self.home.mkdir(parents=True, exist_ok=True)

    def recalculate(self, files: list[Path], out_dir: Path) -> list[Path]:
        out_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "HOME": str(self.home), "GSETTINGS_BACKEND": "memory"}

        def one(src: Path) -> tuple[Path, subprocess.CompletedProcess]:
            dst = out_dir / f"{Path(src).stem}.xlsx"
            result = subprocess.run(
                [self.ssconvert, "--recalc", "-T", "Gnumeric_Excel:xlsx", str(src), str(dst)],
                capture_output=True, text=True, timeout=300, env=env)
            return dst, result

        with ThreadPoolExecutor(max_workers=2) as pool:
            done = list(pool.map(one, files))
        failed = [(dst, r.stderr[-1000:]) for dst, r in done if r.returncode or not dst.exists()]
        if failed:
            raise RuntimeError(f"ssconvert did not write {failed}")
        return [dst for dst, _ in done]


class LibreOffice:
    def __init__(self, soffice: str, workdir: Path):
        self.soffice = soffice
        self.profile = workdir / "lo-profile"
        (self.profile / "user").mkdir(parents=True, exist_ok=True)
        (self.profile / "user" / "registrymodifications.xcu").write_text(RECALC_ALWAYS)

    def convert(self, files: list[Path], fmt: str, out_dir: Path) -> list[Path]:
        """Convert ``files`` to ``fmt`` (e.g. "xlsx", "pdf") in one soffice run."""
        out_dir.mkdir(parents=True, exist_ok=True)
        cmd = [self.soffice, f"-env:UserInstallation={self.profile.as_uri()}", "--headless",
               "--norestore", "--convert-to", fmt, "--outdir", str(out_dir), *map(str, files)]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        ext = fmt.split(":")[0]
        outputs = [out_dir / f"{Path(f).stem}.{ext}" for f in files]
        missing = [p for p in outputs if not p.exists()]
        if missing:
            raise RuntimeError(f"LibreOffice did not write {missing}: {result.stderr[-2000:]}")
        return outputs

    def recalculate(self, files: list[Path], out_dir: Path) -> list[Path]:
        """Open, recalculate and save each workbook as xlsx (cached values are LibreOffice's)."""
        return self.convert(files, "xlsx", out_dir)

    def edit(self, jobs: list[dict]) -> list[Path]:
        """Open each ``src`` in LibreOffice, apply ``ops`` (see lo_edit.py), save ``dst``; or
        write what LibreOffice read of it to ``inspect`` (JSON)."""
        python = find_uno_python()
        if python is None:
            raise RuntimeError("no Python with the uno module (install python3-uno)")
        spec = self.profile.parent / "lo-edit-jobs.json"
        spec.write_text(json.dumps(jobs, ensure_ascii=False), encoding="utf-8")
        script = Path(__file__).with_name("lo_edit.py")
        result = subprocess.run([python, str(script), str(spec), self.profile.as_uri(),
                                 self.soffice], capture_output=True, text=True, timeout=900)
        outputs = [Path(job.get("dst") or job["inspect"]) for job in jobs]
        missing = [p for p in outputs if not p.exists()]
        if result.returncode != 0 or missing:
            raise RuntimeError(f"LibreOffice edit failed ({missing}): {result.stderr[-2000:]}")
        return outputs

    def render_png(self, file: Path, out_dir: Path, dpi: int = 70) -> list[Path]:
        pdf = self.convert([file], "pdf", out_dir)[0]
        prefix = out_dir / pdf.stem
        subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(prefix)], check=True,
                       timeout=300)
        return sorted(out_dir.glob(f"{pdf.stem}*.png"))
