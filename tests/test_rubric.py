from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from openpyxl import load_workbook

from dvcq_xl.errors import RubricError
from dvcq_xl.rubric import (
    BONUS, PENALTY, SUPERIOR, builtin_ids, load_rubric, load_yaml_rubric, nfc,
)
from dvcq_xl.rubric_workbook import export_rubric_workbook, load_rubric_workbook

from .conftest import DATA


def seed_table_texts() -> list[str]:
    """Leaf texts of the score sheet in seed 001, re-joined across the transcript's page breaks."""
    rows = [l.split("\t") for l in (DATA / "seed001_bang_cham_diem.txt").read_text(
        encoding="utf-8").splitlines() if "\t" in l]
    texts: list[list[str]] = []
    for row in rows:
        row += [""] * (4 - len(row))
        tt, text, maximum = row[0].strip(), row[1].strip(), row[2].strip()
        if not maximum:  # a continuation after a page break
            if texts and text:
                texts[-1][1] += " " + text
            continue
        if not maximum.isdigit():  # the two header rows
            continue
        texts.append([tt, text])
    return [nfc(t) for tt, t in texts
            if tt.startswith("Nội") or (tt == "" and t not in ("Tổng cộng",))]


def test_builtins_are_listed():
    assert builtin_ids() == ["bac-giang-274-2017", "vi-du-minh-hoa"]


def test_bac_giang_is_the_sheet_of_seed_001(bac_giang):
    assert [i.code for i in bac_giang.items] == [str(n) for n in range(1, 11)]
    assert all(i.max_points == 10 for i in bac_giang.items)
    assert bac_giang.base_max == 90 and bac_giang.bonus_max == 10
    seven = bac_giang.item("7")
    assert seven.is_leaf and seven.max_points == 10 and seven.label == "Nội dung"
    assert bac_giang.item("10").kind == BONUS
    assert [l.code for l in bac_giang.leaves()][:3] == ["1.1", "1.2", "2.1"]
    assert not bac_giang.bands_verified
    assert [b.name for b in bac_giang.bands] == [
        "Hoàn thành xuất sắc", "Hoàn thành tốt", "Hoàn thành", "Không hoàn thành"]


def test_bac_giang_texts_are_verbatim(bac_giang):
    assert [l.text for l in bac_giang.leaves()] == seed_table_texts()


def test_seed_scores_give_99(bac_giang, seed_scores):
    score = bac_giang.score(seed_scores)
    assert (score.base, score.bonus, score.total) == (89, 10, 99)
    assert score.complete


def test_example_exercises_every_shape(example):
    kinds = {l.kind for l in example.leaves()}
    assert kinds == {"scored", BONUS, PENALTY, SUPERIOR}
    assert max(i.depth for i in example.walk()) == 3
    assert any(l.step == 0.5 for l in example.leaves())
    assert {c.effect for c in example.conditions} == {"remove_bonus", "force_class", "cap_class"}
    assert example.bands[0].quota == 0.2 and example.rules.criterion_floor == 0.5


@pytest.mark.parametrize("rid", ["bac-giang-274-2017", "vi-du-minh-hoa"])
def test_workbook_round_trip_keeps_the_hash(tmp_path, rid):
    rubric = load_rubric(rid)
    path = export_rubric_workbook(rubric, tmp_path / "r.xlsx")
    again = load_rubric_workbook(path)
    assert again == rubric and again.hash == rubric.hash


def test_hash_follows_content(bac_giang):
    text = (Path(__file__).parents[1] / "dvcq_xl/rubrics/bac-giang-274-2017.yaml").read_text(
        encoding="utf-8")
    assert load_yaml_rubric("x.yaml", text).hash == bac_giang.hash
    changed = text.replace("Thực hiện tốt quy chế phối hợp", "Thực hiện quy chế phối hợp")
    assert changed != text
    assert load_yaml_rubric("x.yaml", changed).hash != bac_giang.hash


BASE = textwrap.dedent("""\
    id: thu
    version: "1"
    title: Thử
    bands:
      - {name: Tốt, min: 80}
      - {name: Khá, min: 50, max: 80}
      - {name: Yếu, min: 0, max: 50}
    items:
      - code: "1"
        title: Tiêu chí 1
        max: 10
        items:
          - {code: "1.1", text: Một, max: 5}
          - {code: "1.2", text: Hai, max: 5}
      - {code: "2", title: Tiêu chí 2, text: Ba, max: 90}
    """)


@pytest.mark.parametrize("old, new, code, line", [
    ('{code: "1.2", text: Hai, max: 5}', '{code: "1.1", text: Hai, max: 5}',
     "rubric-code-duplicate", 14),
    ('{code: "1.2", text: Hai, max: 5}', '{code: "1.2", text: Hai, max: 4}',
     "rubric-sum-mismatch", 9),
    ("{name: Khá, min: 50, max: 80}", "{name: Khá, min: 50, max: 75}", "rubric-band-gap", 5),
    ("{name: Khá, min: 50, max: 80}", "{name: Khá, min: 50, max: 85}", "rubric-band-overlap", 5),
    ('{code: "1.1", text: Một, max: 5}', '{code: "1.1", text: Một, max: 5, step: 2}',
     "rubric-step-mismatch", 13),
    ('{code: "1.1", text: Một, max: 5}', '{code: "1.1", text: Một, max: 5, kind: extra}',
     "rubric-kind-unknown", 13),
    ('{code: "1.1", text: Một, max: 5}', '{code: "1.x", text: Một, max: 5}',
     "rubric-code-invalid", 13),
    ('{code: "1.1", text: Một, max: 5}', '{code: "2.1", text: Một, max: 5}',
     "rubric-code-orphan", 13),
    ('{code: "1.1", text: Một, max: 5}', '{code: "1.1", text: Một, max: -5}',
     "rubric-max-invalid", 13),
    ('id: thu', 'id: Thử Sai', "rubric-field-invalid", 1),
    ('version: "1"\n', '', "rubric-field-missing", 1),
    ("{name: Tốt, min: 80}", "{name: Tốt, min: 80, max: 100}", "rubric-band-coverage", 5),
    ("{name: Yếu, min: 0, max: 50}", "{name: Yếu, min: 10, max: 50}", "rubric-band-coverage", 1),
    ('{code: "1.2", text: Hai, max: 5}',
     '{code: "1.2", text: Hai, max: 5, items: [{code: "1.2.1", max: 5, items: '
     '[{code: "1.2.1.1", max: 5, items: [{code: "1.2.1.1.1", max: 5}]}]}]}',
     "rubric-too-deep", 14),
    ("items:\n", "conditions:\n  - {id: x, question: Hỏi, effect: cap_class, class: Giỏi}\nitems:\n",
     "rubric-condition-invalid", 9),
])
def test_validation_names_the_line(old, new, code, line):
    assert old in BASE
    with pytest.raises(RubricError) as info:
        load_yaml_rubric("thu.yaml", BASE.replace(old, new, 1))
    found = [(f.code, f.line) for f in info.value.findings]
    assert (code, line) in found, found
    assert all(f.path == "thu.yaml" and f.message for f in info.value.findings)


def test_valid_base_loads():
    rubric = load_yaml_rubric("thu.yaml", BASE)
    assert rubric.total_max == 100 and len(rubric.leaves()) == 3


def test_yaml_syntax_error_has_a_line():
    with pytest.raises(RubricError) as info:
        load_yaml_rubric("thu.yaml", BASE + "  - code: [unclosed\n")
    (finding,) = info.value.findings
    assert finding.code == "rubric-syntax" and finding.line and finding.line > 15


def test_every_problem_is_reported_at_once():
    text = BASE.replace("max: 80}", "max: 75}").replace('"1.2", text: Hai', '"1.1", text: Hai')
    with pytest.raises(RubricError) as info:
        load_yaml_rubric("thu.yaml", text)
    assert {"rubric-band-gap", "rubric-code-duplicate"} <= {f.code for f in info.value.findings}


def test_workbook_errors_name_sheet_and_cell(tmp_path, bac_giang):
    path = export_rubric_workbook(bac_giang, tmp_path / "r.xlsx")
    wb = load_workbook(path)
    ws = wb["Tiêu chí"]
    assert ws["A3"].value == "1.1" and ws["A4"].value == "1.2"
    ws["A4"] = "1.1"            # duplicate code
    ws["F3"] = "Thưởng thêm"     # unknown kind
    wb["Xếp loại"]["C3"] = 95   # Hoàn thành tốt up to 95: overlaps Hoàn thành xuất sắc (≥ 90)
    wb.save(path)
    with pytest.raises(RubricError) as info:
        load_rubric(path)
    found = {(f.code, f.sheet, f.cell) for f in info.value.findings}
    assert ("rubric-code-duplicate", "Tiêu chí", "A4") in found
    assert ("rubric-kind-unknown", "Tiêu chí", "A3") in found
    assert ("rubric-band-overlap", "Xếp loại", "A2") in found


def test_workbook_missing_sheet_and_column(tmp_path, bac_giang):
    path = export_rubric_workbook(bac_giang, tmp_path / "r.xlsx")
    wb = load_workbook(path)
    del wb["Xếp loại"]
    wb["Tiêu chí"]["E1"] = "Điểm"
    wb.save(path)
    with pytest.raises(RubricError) as info:
        load_rubric(path)
    codes = {(f.code, f.sheet) for f in info.value.findings}
    assert codes == {("rubric-sheet-missing", "Xếp loại"), ("rubric-column-missing", "Tiêu chí")}


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04garbage", b"%PDF-1.4 not excel"])
def test_corrupt_rubric_workbook(tmp_path, content):
    path = tmp_path / "r.xlsx"
    path.write_bytes(content)
    with pytest.raises(RubricError) as info:
        load_rubric(path)
    assert info.value.findings[0].code == "rubric-file-unreadable"


def test_unknown_id_lists_builtins():
    with pytest.raises(RubricError) as info:
        load_rubric("ha-noi-2030")
    assert "bac-giang-274-2017" in info.value.message


@pytest.mark.parametrize("total, answers, expected", [
    (95, {}, "Hoàn thành xuất sắc"),
    (90, {}, "Hoàn thành xuất sắc"),
    (89.5, {}, "Hoàn thành tốt"),
    (70, {}, "Hoàn thành tốt"),
    (49.5, {}, "Không hoàn thành"),
    (95, {"don_thu": True}, "Hoàn thành"),
    (40, {"don_thu": True}, "Không hoàn thành"),
    (95, {"ky_luat": True}, "Không hoàn thành"),
    (95, {"ky_luat": False, "phe_binh": True}, "Hoàn thành xuất sắc"),
])
def test_classify(example, total, answers, expected):
    assert example.classify(total, answers) == expected


def test_score_superior_only_counts_in_review(example):
    values = {l.code: l.max_points for l in example.leaves() if l.kind != PENALTY}
    assert example.score(values, column="self").base == 85
    assert example.score(values, column="review").base == 100
    assert example.score(values, column="review").missing == len(example.leaves()) - len(values) + 3


def test_mixed_kinds_point_at_their_own_item_after_an_invalid_one():
    text = BASE.replace('  - {code: "2", title: Tiêu chí 2, text: Ba, max: 90}',
                        '  - {code: "x", max: 5}\n'
                        '  - code: "2"\n    items:\n'
                        '      - {code: "2.1", max: 85}\n'
                        '      - {code: "2.2", max: 5, kind: bonus}')
    with pytest.raises(RubricError) as info:
        load_yaml_rubric("thu.yaml", text)
    found = [(f.code, f.line) for f in info.value.findings]
    assert ("rubric-kind-mixed", 16) in found, found  # line of code "2", not of "x"
