"""Edit workbooks in real LibreOffice through UNO, as a clerk would in the application.

Run by the system Python that has the ``uno`` module (Debian's python3-uno), not by the test's
interpreter: ``python3 lo_edit.py JOBS.json PROFILE_URL SOFFICE``. Each job opens ``src``, applies
its operations in order, recalculates and saves ``dst`` as xlsx (or xls). A job with ``inspect``
writes there, as JSON, what LibreOffice made of the file: its sheets, the Basic libraries and
modules it imported (the VBA project), and each form control with the script its click runs.
"""

import json
import os
import subprocess
import sys
import time

import uno
from com.sun.star.beans import PropertyValue

FILTERS = {"xlsx": "Calc MS Excel 2007 XML", "xls": "MS Excel 97"}


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def connect(soffice, profile):
    pipe = f"dvcqtest{os.getpid()}"
    proc = subprocess.Popen([soffice, f"-env:UserInstallation={profile}", "--headless",
                             "--invisible", "--norestore", "--nologo", "--nodefault",
                             f"--accept=pipe,name={pipe};urp;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(120):
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            break
        except Exception:
            time.sleep(0.5)
    else:
        proc.kill()
        raise SystemExit("LibreOffice did not start")
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    return proc, desktop


def apply(doc, op):
    kind, sheet = op[0], doc.Sheets.getByName(op[1])
    if kind == "unprotect":
        sheet.unprotect(op[2])
    elif kind == "protect":
        sheet.protect(op[2])
    elif kind == "insert_rows":  # before 1-based row op[2]
        sheet.Rows.insertByIndex(op[2] - 1, op[3])
    elif kind == "delete_rows":
        sheet.Rows.removeByIndex(op[2] - 1, op[3])
    elif kind == "number":
        sheet.getCellRangeByName(op[2]).setValue(op[3])
    elif kind == "text":
        sheet.getCellRangeByName(op[2]).setString(op[3])
    elif kind == "formula":
        sheet.getCellRangeByName(op[2]).setFormula(op[3])
    else:
        raise SystemExit(f"unknown operation {kind}")


def control_events(control):
    """The scripts bound to a form control, as (listener, method, type, code)."""
    form = control.Parent
    for index in range(form.Count):
        if form.getByIndex(index) == control:
            return [[e.ListenerType, e.EventMethod, e.ScriptType, e.ScriptCode]
                    for e in form.getScriptEvents(index)]
    return []


def inspect(doc):
    libraries = doc.BasicLibraries
    report = {"sheets": [doc.Sheets.getByIndex(i).Name for i in range(doc.Sheets.Count)],
              "libraries": {}, "controls": []}
    for name in libraries.ElementNames:
        library = libraries.getByName(name)
        report["libraries"][name] = {m: library.getByName(m) for m in library.ElementNames}
    for i in range(doc.Sheets.Count):
        sheet = doc.Sheets.getByIndex(i)
        for j in range(sheet.DrawPage.Count):
            shape = sheet.DrawPage.getByIndex(j)
            control = getattr(shape, "Control", None)
            if control is not None:
                report["controls"].append({"sheet": sheet.Name, "label": control.Label,
                                           "events": control_events(control)})
    return report


def main():
    jobs = json.load(open(sys.argv[1], encoding="utf-8"))
    proc, desktop = connect(sys.argv[3], sys.argv[2])
    try:
        for job in jobs:
            doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(job["src"]), "_blank", 0,
                                               (prop("Hidden", True),))
            if "inspect" in job:
                with open(job["inspect"], "w", encoding="utf-8") as out:
                    json.dump(inspect(doc), out, ensure_ascii=False)
            for op in job.get("ops", []):
                apply(doc, op)
            doc.calculateAll()
            if "dst" not in job:
                doc.close(True)
                continue
            fmt = job["dst"].rsplit(".", 1)[-1]
            doc.storeToURL(uno.systemPathToFileUrl(job["dst"]),
                           (prop("FilterName", FILTERS[fmt]), prop("Overwrite", True)))
            doc.close(True)
    finally:
        try:
            desktop.terminate()
        except Exception:
            pass
        try:
            proc.wait(timeout=30)
        except Exception:
            proc.kill()


if __name__ == "__main__":
    main()
