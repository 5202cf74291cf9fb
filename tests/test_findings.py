"""The finding catalogue: every code explained, MESSAGES its view, the README's tables from it."""

import dataclasses
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from dvcq_xl import checks, findings
from dvcq_xl.findings import CATALOGUE, ERROR, MESSAGES, SCOPES, WARNING, CodeEntry, make

ROOT = Path(__file__).parents[1]
README = ROOT / "README.md"

#: a letter only Vietnamese spelling has (tone marks, ă â ê ô ơ ư đ): text without one is not
#: Vietnamese written with its diacritics
VIETNAMESE = re.compile("[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]",
                        re.I)


def _sentences(text: str) -> int:
    """Sentences of ``text``: a full stop followed by a capital starts a new one."""
    return 1 + sum(1 for m in re.finditer(r"[.!?]\s+[«(`]?(\w)", text) if m.group(1).isupper())


def _readme() -> str:
    return README.read_text(encoding="utf-8")


# --- every code explained --------------------------------------------------------------------


@pytest.mark.parametrize("code", list(CATALOGUE))
def test_every_code_has_a_title_and_a_description_in_vietnamese(code):
    entry = CATALOGUE[code]
    assert isinstance(entry, CodeEntry)
    assert re.fullmatch(r"[a-z]+(-[a-z]+)+", code)
    assert entry.severity in (ERROR, WARNING)
    assert entry.scope in SCOPES
    for text in (entry.message, entry.title, entry.description):
        assert text.strip() == text and text
        assert unicodedata.normalize("NFC", text) == text
        assert VIETNAMESE.search(text), text
        assert "\n" not in text
    # the title is a cell of a Markdown table: short, one line, no column separator
    assert len(entry.title) <= 120 and "|" not in entry.title
    # the description is sentences for a clerk: one to three of them, more than a title
    assert entry.description.endswith(".")
    assert 1 <= _sentences(entry.description) <= 3
    assert len(entry.description) > len(entry.title)


@pytest.mark.parametrize("text, count", [
    ("Một câu.", 1),
    ("Tệp hỏng (Tệp › Thông tin). Hãy gửi lại.", 2),
    ("Bước 0,5. Hãy sửa «Có». Xong rồi.", 3),
    ("Ví dụ 1.2 thuộc 1. nhưng chưa hết.", 1),
])
def test_sentence_counter(text, count):
    assert _sentences(text) == count


def test_scopes_follow_the_code_families():
    """The README's rule: rubric and roster codes are not about a workbook, except that a
    workbook made from another rubric version is (rubric-mismatch)."""
    by_scope = {s: [c for c, e in CATALOGUE.items() if e.scope == s] for s in SCOPES}
    assert all(by_scope.values())
    assert all(c.startswith("rubric-") for c in by_scope["rubric"])
    assert all(c.startswith("roster-") for c in by_scope["roster"])
    assert all(c.startswith("report-") for c in by_scope["report"])
    assert [c for c in by_scope["workbook"] if c.startswith(("rubric-", "roster-", "report-"))] \
        == ["rubric-mismatch"]


def test_entries_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        CATALOGUE["score-missing"].title = "khác"


# --- MESSAGES and make() ---------------------------------------------------------------------


def test_messages_is_the_view_of_the_catalogue():
    assert MESSAGES == {code: (e.severity, e.message) for code, e in CATALOGUE.items()}
    assert list(MESSAGES) == list(CATALOGUE)
    assert all(isinstance(v, tuple) and len(v) == 2 for v in MESSAGES.values())


@pytest.mark.parametrize("code, fields, severity, message", [
    ("score-above-max", {"item": "3.1", "what": "điểm tự chấm", "found": 6.0, "expected": 5,
                         "cell": "D14"},
     ERROR, "Mục 3.1: điểm tự chấm 6 vượt điểm chuẩn 5 (ô D14)."),
    ("score-step", {"item": "2.1", "what": "điểm tự chấm", "found": 4.3, "expected": 0.5},
     ERROR, "Mục 2.1: điểm tự chấm 4,3 không đúng bước điểm 0,5."),  # no cell: no «(ô …)»
    ("penalty-below-floor", {"what": "tự chấm", "found": 14, "expected": 10, "cell": "D40"},
     WARNING, "Tổng điểm trừ tự chấm 14 vượt mức trừ tối đa 10 của bộ tiêu chí; tính 10 (ô D40)."),
    ("rubric-no-items", {}, ERROR, "Bộ tiêu chí không có tiêu chí nào."),
    ("roster-row-invalid", {"line": 7, "detail": "thiếu tên cơ quan"},
     ERROR, "Dòng 7 của danh sách: thiếu tên cơ quan"),
    ("agency-missing", {}, ERROR, "Chưa ghi tên cơ quan, đơn vị."),
])
def test_make_builds_the_catalogue_message(code, fields, severity, message):
    finding = make(code, **fields)
    assert (finding.code, finding.severity, finding.message) == (code, severity, message)


def test_every_code_a_check_emits_is_catalogued():
    emitted = checks.codes()
    assert emitted and [c for c in emitted if c not in CATALOGUE] == []
    assert {CATALOGUE[c].scope for c in emitted} == {"workbook"}


def test_every_catalogued_code_is_used_by_the_package():
    """An entry that no module names is a code nothing can emit: a stale line of the README."""
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "dvcq_xl").rglob("*.py")
                       if p.name != "findings.py")
    assert [c for c in CATALOGUE if f'"{c}"' not in source] == []


# --- the README's tables ---------------------------------------------------------------------


def test_readme_tables_are_the_catalogue():
    blocks = findings.readme_blocks(_readme())
    assert [scopes for scopes, _ in blocks] == [("workbook",), ("rubric", "roster")]
    for scopes, content in blocks:
        # on failure: python -m dvcq_xl.findings --update README.md
        assert content == findings.readme_table(*scopes), scopes


def test_readme_documents_every_code_once():
    """The generated blocks, and the report section's own table, name every code once."""
    lines = _readme().splitlines()
    for scope in SCOPES:
        for row in findings.readme_table(scope).splitlines()[2:]:
            assert lines.count(row) == 1, row
    rows = [line for line in lines if re.match(r"\| `[a-z-]+` \| (lỗi|cảnh báo) \|", line)]
    assert sorted(re.match(r"\| `([a-z-]+)`", r).group(1) for r in rows) == sorted(CATALOGUE)


def test_readme_table_rows():
    table = findings.readme_table("workbook").splitlines()
    assert table[:2] == ["| mã | mức | nghĩa |", "|---|---|---|"]
    assert ("| `file-legacy-format` | cảnh báo | tệp .xls: đọc được điểm, không kiểm tra được "
            "công thức |") in table
    assert "| `rubric-mismatch` | lỗi | phiên bản hoặc mã kiểm tra khác bộ tiêu chí đang dùng |" \
        in table
    assert not any("`roster-" in row or "`rubric-syntax`" in row for row in table)
    assert len(table) == 2 + sum(e.scope == "workbook" for e in CATALOGUE.values())
    assert findings.readme_table() == findings.readme_table("workbook")
    with pytest.raises(ValueError):
        findings.readme_table("workbooks")


def test_an_edited_readme_table_is_seen_and_rewritten():
    text = _readme()
    assert findings.update_readme(text) == text  # the README is up to date
    row = "| `score-negative` | lỗi | điểm âm |\n"
    assert row in text
    stale = text.replace(row, "| `score-negative` | lỗi | điểm âm hoặc bằng 0 |\n")
    (_, content), _ = findings.readme_blocks(stale)
    assert content != findings.readme_table("workbook")
    assert findings.update_readme(stale) == text


def test_command_prints_and_updates(tmp_path, capsys):
    assert findings._main(["rubric", "roster"]) == 0
    assert capsys.readouterr().out == findings.readme_table("rubric", "roster")
    readme = tmp_path / "README.md"
    readme.write_text("# x\n\n<!-- codes:begin roster -->\n| cũ |\n<!-- codes:end -->\nhết\n",
                      encoding="utf-8")
    assert findings._main(["--update", str(readme)]) == 0
    assert readme.read_text(encoding="utf-8") == (
        "# x\n\n<!-- codes:begin roster -->\n" + findings.readme_table("roster")
        + "\n<!-- codes:end -->\nhết\n")
    capsys.readouterr()
    (tmp_path / "empty.md").write_text("# x\n", encoding="utf-8")
    assert findings._main(["--update", str(tmp_path / "empty.md")]) == 2
    assert findings._main(["bogus"]) == 2
    assert "usage" in capsys.readouterr().err


def test_python_dash_m_prints_the_workbook_table():
    result = subprocess.run([sys.executable, "-m", "dvcq_xl.findings"], capture_output=True,
                            cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode("utf-8") == findings.readme_table("workbook")
