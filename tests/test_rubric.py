from __future__ import annotations

import copy
import json
import datetime as dt
import os
import re
import textwrap
import zipfile
from collections import Counter
from importlib import resources
from pathlib import Path

import pytest
import xlsxwriter
from click.testing import CliRunner
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from dvcq_xl import reader
from dvcq_xl import rubric as rubric_module
from dvcq_xl.checks import run_checks
from dvcq_xl.cli import main
from dvcq_xl.errors import RubricError
from dvcq_xl.reader import col_index, col_letter, read_workbook
from dvcq_xl.rubric import (
    BONUS, FLAG, ITEM_SCHEMA, MAX_RUBRIC_BYTES, MAX_SHEET_ROWS, MAX_TEXT, NUMBER, PENALTY,
    SCHEMA, SUPERIOR, TEXT, build_rubric, builtin_ids, formula_shape, load_rubric,
    load_yaml_rubric, nfc, sheet_rows,
)
from dvcq_xl.rubric_workbook import (
    BANDS, BLOCKS, TITLES, COLUMNS, CONDITIONS, ITEMS, SETTINGS, SETTINGS_KEYS, export_rubric_workbook,
    load_rubric_workbook,
)
from dvcq_xl.template import Agency, blueprint, render_template

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
    assert builtin_ids() == ["bac-giang-274-2017", "vi-du-do-luong", "vi-du-giao-uoc-thi-dua",
                             "vi-du-minh-hoa"]


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


@pytest.mark.parametrize("rid", ["bac-giang-274-2017", "vi-du-minh-hoa", "vi-du-do-luong"])
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
     "rubric-sum-mismatch", 11),  # the line of the parent's «max»
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
    assert ("rubric-kind-unknown", "Tiêu chí", "F3") in found  # the cell of the kind
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
    # the renamed column is both missing and, under its new name, unknown
    assert codes == {("rubric-sheet-missing", "Xếp loại"), ("rubric-column-missing", "Tiêu chí"),
                     ("rubric-field-unknown", "Tiêu chí")}


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


# --- hostile and wrong-shaped rubric files --------------------------------------------------------
#
# Whatever a rubric file holds, loading it either gives a Rubric or raises RubricError with
# located findings: never another exception, never unbounded work.

#: A valid rubric that uses every field of the schema (conditions, rules, quotas, nested items).
VALID: dict = {
    "id": "thu-day-du",
    "version": "1",
    "title": "Thử đủ các trường",
    "decision": {"number": "1/QĐ", "date": "2025-01-15", "body": "UBND tỉnh Thử",
                 "province": "Thử"},
    "defaults": {"step": 0.5, "evidence_required": True},
    "total_rule_text": "Tổng = các mục + thưởng",
    "sheet_title": "PHIẾU ĐÁNH GIÁ",
    "content_heading": "NỘI DUNG CHỈ TIÊU",
    "legal_basis": "Quyết định số 1/QĐ và Thông tư số 2/TT",
    "rules": {"bonus_cap": 5, "penalty_cap": 5, "total_floor": 0, "criterion_floor": 0.5,
              "criterion_floor_class": "Khá"},
    "bands_verified": False,
    "bands": [{"name": "Tốt", "min": 80, "quota": 20},
              {"name": "Khá", "min": 50, "max": 80},
              {"name": "Yếu", "min": 0, "max": 50}],
    "conditions": [{"id": "ky_luat", "question": "Có bị kỷ luật không?", "effect": "cap_class",
                    "class": "Khá"}],
    "example": False,
    "blocks": [{"name": "Khối A",
                "bands": [{"name": "Tốt", "min": 75, "quota": 20},
                          {"name": "Khá", "min": 50, "max": 75},
                          {"name": "Yếu", "min": 0, "max": 50}],
                "items": [{"code": "1.1.1", "label": "1.1.1", "title": "Một", "max": 85,
                           "text": "Một một một (khối A)", "step": 0.5,
                           "evidence_required": True,
                           "measure": {"rule": "tiers", "figures": ["Đạt", "Tổng"],
                                       "tiers": [{"min": 100, "points": 85},
                                                 {"min": 40, "points": 30}],
                                       "when_zero": "zero"}},
                          {"code": "2", "text": "Thưởng của khối A",
                           "measure": {"rule": "target", "unit": "number", "minimum": 1,
                                       "below": "ratio", "decimals": 1}}]}],
    "titles": [{"name": "Cờ thi đua", "quota": 1, "all_targets": False, "class": "Tốt",
                "min_total": 80}],
    "items": [
        {"code": "1", "label": "I", "title": "Tiêu chí 1", "text": "Một", "max": 95,
         "floor": 0.4,
         "items": [{"code": "1.1", "label": "1.1", "title": "Nội dung 1", "text": "Một một",
                    "max": 90, "floor": 0.5, "items": [
                        {"code": "1.1.1", "text": "Một một một", "max": 85,
                         "measure": {"rule": "tiers", "figures": ["Đúng hạn", "Tổng số"],
                                     "tiers": [{"min": 100, "points": 85},
                                               {"min": 50, "points": 40}],
                                     "when_zero": "full"}},
                        {"code": "1.1.2", "text": "Một một hai", "max": 5,
                         "not_applicable": "drop",
                         "measure": {"rule": "ratio", "figures": ["Đạt", "Chỉ tiêu"],
                                     "decimals": 1}}]},
                   {"code": "1.2", "text": "Một hai", "max": 5, "kind": "superior", "step": 1,
                    "evidence_required": False}]},
        {"code": "2", "title": "Thưởng", "text": "Thưởng", "max": 5, "kind": "bonus", "step": 1,
         "evidence_required": True,
         "measure": {"rule": "count", "figures": ["Số mô hình"], "per": 1}},
        {"code": "3", "title": "Trừ", "text": "Trừ", "max": 5, "kind": "penalty"},
    ],
}


# libyaml's C emitter and composer when PyYAML has them (the same text and lines, 3-8 times
# faster: the sweeps below dump and compose a rubric for each of ~900 cases)
_FAST_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _NoAliasDumper(_FAST_DUMPER):
    """Writes shared objects out again instead of as anchors (the loader refuses anchors)."""

    def ignore_aliases(self, data):
        return True


def dump(raw) -> str:
    return yaml.dump(raw, Dumper=_NoAliasDumper, allow_unicode=True, sort_keys=False)


def load_text(text: str):
    """Load YAML text as a rubric; the only exception allowed out is RubricError."""
    try:
        return load_yaml_rubric("thu.yaml", text)
    except RubricError as exc:
        assert exc.findings and all(f.message and f.path == "thu.yaml" for f in exc.findings)
        raise


def test_the_full_example_is_valid():
    rubric = load_text(dump(VALID))
    assert rubric.bands[0].quota == 0.2 and rubric.conditions[0].id == "ky_luat"


def schema_paths(spec=SCHEMA, value=VALID, path=()):
    """(path in VALID, kind of value the schema wants there) for every field VALID has."""
    if isinstance(spec, dict):
        for key, sub in spec.items():
            if key in value:
                yield path + (key,), sub
                yield from schema_paths(sub, value[key], path + (key,))
    elif isinstance(spec, list):
        for i, element in enumerate(value[:2]):
            yield path + (i,), spec[0]
            yield from schema_paths(spec[0], element, path + (i,))


def kind_of(spec) -> str:
    return "mapping" if isinstance(spec, dict) else "list" if isinstance(spec, list) else spec


WRONG = {
    "mapping": [5, "chữ", [1, 2], True],
    "list": [5, "chữ", {"a": 1}, True],
    TEXT: [[1], {"a": 1}, True],
    NUMBER: ["abc", "5 điểm", [1], {"a": 1}, True, float("inf"), float("nan"), "1_000"],
    FLAG: ["có lẽ", 2.5, [1], {"a": 1}],
}


def field_name(path) -> str:
    out = ""
    for part in path:
        out += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def line_of(text: str, path) -> int:
    """The line of the key (or list element) at ``path``, as plain PyYAML composes the text."""
    node = yaml.compose(text, Loader=_FAST_LOADER)
    line = None
    for part in path:
        if isinstance(part, int):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            key, node = next((k, v) for k, v in node.value if k.value == part)
            line = key.start_mark.line + 1
    return line


def set_at(raw, path, value):
    raw = copy.deepcopy(raw)
    target = raw
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return raw


SWEEP = [(path, wrong) for path, spec in schema_paths() for wrong in WRONG[kind_of(spec)]]


def test_the_sweep_covers_every_field_of_the_schema():
    def fields(spec, prefix=""):
        for key, sub in spec.items():
            yield prefix + key
            inner = sub[0] if isinstance(sub, list) else sub
            if isinstance(inner, dict) and inner is not spec:
                yield from fields(inner, prefix + key + ".")
    # an item's field swept on a nested item counts for the item schema («items.items» is
    # the same schema as «items»)
    joined = {".".join(p for p in path if isinstance(p, str)) for path, _ in SWEEP}
    swept = joined | {re.sub(r"^(items\.)+", "items.", name) for name in joined} | {
        re.sub(r"^(items\.){2,}", "items.items.", name) for name in joined}
    wanted = set(fields(SCHEMA)) | {"items.items." + k for k in ITEM_SCHEMA}
    # the rule of a measured item has one schema wherever it is written: a field of it swept
    # in one place stands for all (one item cannot use the fields of three rules at once)
    same = lambda names: {re.sub(r"^.*?\.measure\.", "measure.", n) for n in names}  # noqa: E731
    assert same(wanted) <= same(swept), same(wanted) - same(swept)


@pytest.mark.parametrize("path, wrong", SWEEP,
                         ids=[f"{field_name(p)}={w!r}" for p, w in SWEEP])
def test_a_wrong_type_anywhere_is_a_finding_naming_the_field(path, wrong):
    text = dump(set_at(VALID, path, wrong))
    with pytest.raises(RubricError) as info:
        load_text(text)
    name, line = field_name(path), line_of(text, path)
    found = [(f.code, f.line, f.message) for f in info.value.findings]
    assert any(code == "rubric-field-invalid" and at == line and f"«{name}»" in message
               for code, at, message in found), (name, line, found)


@pytest.mark.parametrize("path", [p for p, _ in schema_paths()],
                         ids=[field_name(p) for p, _ in schema_paths()])
def test_null_anywhere_is_absent_or_a_finding(path):
    try:
        load_text(dump(set_at(VALID, path, None)))
    except RubricError:
        pass


@pytest.mark.parametrize("text, code, line", [
    ("- 1\n- 2\n", "rubric-syntax", None),
    ("5\n", "rubric-syntax", None),
    ("", "rubric-syntax", None),
    ("id: a\n---\nid: b\n", "rubric-syntax", 2),
    ("id: !!python/object:os.system x\n", "rubric-syntax", 1),
    ("id: !!binary aGVsbG8=\n", "rubric-field-invalid", 1),
    ("items: !!set {a, b}\n", "rubric-field-invalid", 1),
    ("max: " + "9" * 5000 + "\n", "rubric-syntax", None),
    ("? [a, b]\n: c\n", "rubric-syntax", 1),
    ("id: a\n" + "x: " + "[" * 5000 + "]" * 5000 + "\n", "rubric-too-large", 2),
    ("a:\n" + "".join("  " * i + "b:\n" for i in range(1, 40)), "rubric-too-large", 25),
    ("id: x\nmaxx: 5\n", "rubric-field-unknown", 2),
    ("id: x\n__loc__: 5\n", "rubric-field-unknown", 2),
    ('title: "a\\x01b"\n', "rubric-field-invalid", 1),
    ("title: '\u202eiac'\n", "rubric-field-invalid", 1),
    ("title: " + "a" * (MAX_TEXT + 1) + "\n", "rubric-field-invalid", 1),
    ("id: x\ntitle: a\x01b\n", "rubric-syntax", 2),
    ("id: \ud800\n", "rubric-syntax", 1),
], ids=["list", "scalar", "empty", "two-documents", "python-tag", "binary", "set", "huge-int",
        "list-key", "deep-flow", "deep-block", "unknown-key", "internal-key", "control-char",
        "bidi-override", "long-text", "raw-control-char", "lone-surrogate"])
def test_hostile_yaml_is_a_finding(text, code, line):
    with pytest.raises(RubricError) as info:
        load_text(text)
    assert (code, line) in [(f.code, f.line) for f in info.value.findings], info.value.findings


@pytest.mark.parametrize("text, words, line", [
    ("id: x\n\ttitle: T\n", "ký tự tab", 2),
    ("id: x\ntitle: Điểm: 5\n", "dấu hai chấm «:» đặt sai chỗ", 2),
    ("id: x\nbands: [1, 2\n", "thiếu dấu phẩy hoặc dấu đóng «]»", 3),
    ("id: x\nitems:\n  - 1\n - 2\n", "thụt dòng không khớp", 4),
    ("id: 'x\n", "tệp hết giữa chừng", 2),
    ('title: "C:\\q"\n', "dấu nháy kép", 1),
    ("title: @x\n", "ký tự đặc biệt", 1),
    ("id: x\n---\nid: y\n", "nhiều phần «---»", 2),
    ("id: !!python/name:os.system x\n", "thẻ «!…»", 1),
    ("id: x\ntitle: a\x01b\n", "ký tự điều khiển", 2),
])
def test_yaml_syntax_errors_are_explained_in_vietnamese(text, words, line):
    with pytest.raises(RubricError) as info:
        load_text(text)
    (finding,) = info.value.findings
    assert finding.code == "rubric-syntax" and finding.line == line
    assert words in finding.message, finding.message
    assert not re.search(r"\b(expected|found|while|scanning|character)\b", finding.message)


def test_top_level_mapping_of_the_wrong_kind_names_the_field():
    with pytest.raises(RubricError) as info:
        load_text("id: x\ndecision: [1, 2]\n")
    (finding,) = info.value.findings
    assert finding.line == 2 and "«decision»" in finding.message


#: Ten levels of 145 references each: 145**10 strings once expanded, from 6 KB of text.
ALIAS_BOMB = 'l0: &l0 ["lol"]\n' + "".join(
    f"l{i}: &l{i} [{','.join([f'*l{i - 1}'] * 145)}]\n" for i in range(1, 11))


@pytest.mark.parametrize("text, found, line", [
    (ALIAS_BOMB, "&l0", 1),
    ("id: x\ntitle: &t Tên\nversion: *t\n", "&t", 2),
    ("base: {max: 5}\nitems:\n  - <<: {code: '1'}\n", "<<", 3),
], ids=["bomb", "anchor", "merge"])
def test_anchors_and_aliases_are_refused_before_anything_is_built(text, found, line):
    with pytest.raises(RubricError) as info:
        load_text(text)
    (finding,) = info.value.findings
    assert (finding.code, finding.found, finding.line) == ("rubric-yaml-alias", found, line)


def test_the_alias_bomb_is_refused_before_it_expands():
    """Expanded, the bomb would take gigabytes; refused at its first anchor, it takes little."""
    import tracemalloc

    assert 5000 < len(ALIAS_BOMB) < 7000
    tracemalloc.start()
    try:
        with pytest.raises(RubricError):
            load_text(ALIAS_BOMB)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20


@pytest.mark.parametrize("old, new, found, line, first", [
    ("id: thu\n", "id: thu\nid: khac\n", "id", 2, 1),
    ("{name: Tốt, min: 80}", "{name: Tốt, min: 80, min: 70}", "min", 5, 5),
    ('  - code: "1"\n    title: Tiêu chí 1\n',
     '  - code: "1"\n    title: Tiêu chí 1\n    title: Tiêu chí một\n', "title", 11, 10),
])
def test_duplicate_keys_are_refused_with_their_lines(old, new, found, line, first):
    assert old in BASE
    with pytest.raises(RubricError) as info:
        load_text(BASE.replace(old, new, 1))
    assert [(f.code, f.found, f.line, f.expected) for f in info.value.findings] == [
        ("rubric-key-duplicate", found, line, f"dòng {first}")]


@pytest.mark.parametrize("old, new, code, line", [
    ("{name: Tốt, min: 80}", "{name: Tốt, min: 80, quota: -5}", "rubric-band-invalid", 5),
    ("{name: Tốt, min: 80}", "{name: Tốt, min: 80, quota: 101}", "rubric-band-invalid", 5),
    ("{name: Yếu, min: 0, max: 50}", "{name: Yếu, min: -5, max: 50}", "rubric-band-invalid", 7),
    ("{name: Tốt, min: 80}", "{name: Tốt, min: 80, max: 20000}", "rubric-band-invalid", 5),
    ('{code: "1.1", text: Một, max: 5}', '{code: "1.1", text: Một, max: 0}',
     "rubric-max-invalid", 13),
    ('{code: "2", title: Tiêu chí 2, text: Ba, max: 90}',
     '{code: "2", title: Tiêu chí 2, text: Ba, max: 100000}', "rubric-max-invalid", 15),
    ('{code: "1.1", text: Một, max: 5}', '{code: "1.1", text: Một, max: 5, step: 0}',
     "rubric-step-invalid", 13),
    ('{code: "1.1", text: Một, max: 5}', '{code: "1.1", text: Một, max: 5, step: -1}',
     "rubric-step-invalid", 13),
    ("items:\n", "defaults: {step: -0.5}\nitems:\n", "rubric-field-invalid", 8),
    ("items:\n", "rules: {bonus_cap: -1}\nitems:\n", "rubric-rule-invalid", 8),
    ("items:\n", "rules: {penalty_cap: -1}\nitems:\n", "rubric-rule-invalid", 8),
    ("items:\n", "rules: {total_floor: -10}\nitems:\n", "rubric-rule-invalid", 8),
    ("items:\n", "rules: {criterion_floor: 0, criterion_floor_class: Yếu}\nitems:\n",
     "rubric-rule-invalid", 8),
    ("items:\n", "rules: {criterion_floor: 1.5, criterion_floor_class: Yếu}\nitems:\n",
     "rubric-rule-invalid", 8),
])
def test_every_number_has_a_range(old, new, code, line):
    assert old in BASE
    with pytest.raises(RubricError) as info:
        load_text(BASE.replace(old, new, 1))
    assert (code, line) in [(f.code, f.line) for f in info.value.findings], info.value.findings


@pytest.mark.parametrize("typed, share", [(0, 0), (0.2, 0.2), (1, 1), (20, 0.2), (100, 1)])
def test_quota_is_a_share_or_a_percentage(typed, share):
    text = BASE.replace("{name: Tốt, min: 80}", f"{{name: Tốt, min: 80, quota: {typed}}}")
    assert load_text(text).bands[0].quota == share


def test_a_big_file_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "lon.yaml"
    path.write_bytes(b"# " + b"x" * MAX_RUBRIC_BYTES + b"\n")
    with pytest.raises(RubricError) as info:
        load_rubric(path)
    assert [f.code for f in info.value.findings] == ["rubric-too-large"]


@pytest.mark.parametrize("make_path, detail", [
    (lambda p: p.mkdir() or p, "thư mục"),
    (lambda p: os.mkfifo(p) or p, "không phải một tệp thông thường"),
    (lambda p: (p.write_bytes(b"id: \xff\xfe\n"), p)[1], "UTF-8"),
])
@pytest.mark.parametrize("name", ["r.yaml", "r.xlsx"])
def test_what_is_not_a_rubric_file_is_unreadable(tmp_path, make_path, detail, name):
    if detail == "UTF-8" and name.endswith(".xlsx"):
        detail = "không mở được tệp"
    path = make_path(tmp_path / name)
    with pytest.raises(RubricError) as info:
        load_rubric(path)
    (finding,) = info.value.findings
    assert finding.code == "rubric-file-unreadable" and detail in finding.message


@pytest.mark.parametrize("ref", ["../rubrics/bac-giang-274-2017", "a" * 5000, "a/" * 3000 + "x"])
def test_a_strange_rubric_id_is_unknown(ref):
    with pytest.raises(RubricError) as info:
        load_rubric(ref)
    assert info.value.findings[0].code in ("rubric-unknown", "rubric-file-unreadable")


# -- one limit for the rubric check and the reader -------------------------------------------------


def wide_rubric(tops: int, per: int, conditions: int = 0) -> dict:
    """``tops`` tiêu chí of ``per`` one-point items, with every note below the table."""
    total = tops * per
    return {
        "id": "rong", "version": "1", "title": "Rộng", "total_rule_text": "Tổng các mục",
        "bands": [{"name": "Đạt", "min": total / 2}, {"name": "Chưa đạt", "min": 0,
                                                      "max": total / 2}],
        "conditions": [{"id": f"c{i}", "question": "Hỏi?", "effect": "remove_bonus"}
                       for i in range(conditions)],
        "items": [{"code": str(i), "title": f"Tiêu chí {i}",
                   "items": [{"code": f"{i}.{j}", "text": f"Mục {i}.{j}", "max": 1}
                             for j in range(1, per + 1)]} for i in range(1, tops + 1)],
    }


def test_the_reader_reads_as_many_rows_as_the_rubric_check_allows():
    assert reader.MAX_ROWS is MAX_SHEET_ROWS


@pytest.mark.parametrize("tops, per", [(1, MAX_SHEET_ROWS + 1), (100, 100)])
def test_a_rubric_too_long_for_the_reader_is_refused_before_it_is_built(tops, per):
    raw = wide_rubric(tops, per)
    with pytest.raises(RubricError) as info:
        build_rubric(raw, "rong.yaml")
    (finding,) = info.value.findings
    assert finding.code == "rubric-too-many-rows" and finding.expected == MAX_SHEET_ROWS
    assert f"tối đa {MAX_SHEET_ROWS} dòng" in finding.message


#: 8 × 247 item rows and 5 rows of conditions: the template ends on the last row read.
LONGEST = (8, 246, 4)


def test_a_rubric_whose_template_ends_one_row_too_low_is_refused():
    raw = wide_rubric(*LONGEST)
    assert sheet_rows(build_rubric(raw)) == MAX_SHEET_ROWS
    raw["conditions"].append({"id": "c", "question": "Hỏi?", "effect": "not_eligible"})
    with pytest.raises(RubricError) as info:
        build_rubric(raw, "rong.yaml")
    assert [(f.code, f.found, f.expected) for f in info.value.findings] == [
        ("rubric-too-many-rows", MAX_SHEET_ROWS + 1, MAX_SHEET_ROWS)]


def test_the_longest_template_allowed_is_read_back_whole(tmp_path):
    rubric = build_rubric(wide_rubric(*LONGEST))
    path = render_template(rubric, tmp_path / "rong.xlsx", 2025, Agency("Sở Thử"))
    with zipfile.ZipFile(path) as zf:
        rows = re.findall(rb'<row r="(\d+)"', zf.read("xl/worksheets/sheet1.xml"))
    assert max(int(r) for r in rows) == sheet_rows(rubric) == MAX_SHEET_ROWS
    codes = Counter(f.code for f in run_checks(read_workbook(path), rubric))
    assert codes == {"score-missing": len(rubric.leaves()), "condition-missing": 4}, codes


def _long_band_names(raw):
    raw["bands"][0]["name"], raw["bands"][1]["name"] = "Đạt " * 1100, "Chưa đạt " * 500
    return raw


@pytest.mark.parametrize("raw, detail", [
    (wide_rubric(1, 255), None),
    (wide_rubric(1, 256), "công thức ở dòng của mục «1» có hàm 256 đối số"),
    (wide_rubric(255, 1), None),
    (wide_rubric(256, 1), "công thức ở dòng «Tổng cộng» có hàm 256 đối số"),
    (_long_band_names(wide_rubric(2, 2)), "công thức ở dòng «Xếp loại» dài"),
], ids=["255-items", "256-items", "255-criteria", "256-criteria", "long-band-names"])
def test_every_template_formula_is_within_excels_limits(raw, detail):
    if detail is None:
        rubric = build_rubric(raw)
        assert all(formula_shape(f)[1] <= 255 for f in blueprint(rubric).values()
                   if isinstance(f, str) and f.startswith("="))
        return
    with pytest.raises(RubricError) as info:
        build_rubric(raw, "rong.yaml")
    (finding,) = info.value.findings
    assert finding.code == "rubric-excel-limit" and detail in finding.message, finding


@pytest.mark.parametrize("formula, shape", [
    ("=SUM(A1,A2,A3)", (14, 3, 1)),
    ('=IF(A1="a,b(",COUNT(B1,B2),"")', (30, 3, 2)),
    ('=""""&MAX(1,2)', (14, 2, 1)),
])
def test_formula_shape(formula, shape):
    assert formula_shape(formula) == shape


@pytest.mark.parametrize("rid", ["bac-giang-274-2017", "vi-du-minh-hoa", "vi-du-do-luong"])
def test_sheet_rows_bounds_what_the_template_writes(tmp_path, rid):
    rubric = load_rubric(rid)
    path = render_template(rubric, tmp_path / "t.xlsx", 2025)
    with zipfile.ZipFile(path) as zf:
        rows = re.findall(rb'<row r="(\d+)"', zf.read("xl/worksheets/sheet1.xml"))
    assert max(int(r) for r in rows) <= sheet_rows(rubric)


# -- any value at all ------------------------------------------------------------------------------

_SCALARS = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
            | st.sampled_from(["1", "1.1", "0,5", "Có", "bonus", "Tốt", "cap_class"]))
_KEYS = st.sampled_from(sorted({"id", "version", "title", "items", "bands", "conditions",
                                "rules", "decision", "defaults", "code", "max", "min", "quota",
                                "step", "kind", "name", "effect", "class", "question",
                                "evidence_required", "bonus_cap"})) | st.text(max_size=4)
_TREES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(_KEYS, inner, max_size=6), max_leaves=40)


def _loads_or_finds(raw) -> None:
    for load in (lambda: build_rubric(raw, "thu.yaml"), lambda: load_text(dump(raw))):
        try:
            load()
        except RubricError as exc:
            assert exc.findings and all(f.message for f in exc.findings)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=st.dictionaries(_KEYS, _TREES, max_size=8))
def test_any_tree_gives_a_rubric_or_findings(tree):
    _loads_or_finds(tree)


_PATHS = [p for p, _ in schema_paths()]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(where=st.sampled_from(_PATHS), value=_TREES)
def test_any_value_in_a_valid_rubric_gives_a_rubric_or_findings(where, value):
    _loads_or_finds(set_at(VALID, where, value))


# -- the workbook form -----------------------------------------------------------------------------


class Formula:
    """A formula cell with the value the application that saved it cached (None: none)."""

    def __init__(self, text: str, cached=None):
        self.text, self.cached = text, cached


def _sheets_of(rid: str, folder: Path) -> dict[str, list[list]]:
    """A built-in rubric's workbook as rows of values, sheet by sheet."""
    wb = load_workbook(export_rubric_workbook(load_rubric(rid), folder / "r.xlsx"))
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


@pytest.fixture(scope="module")
def example_sheets(tmp_path_factory) -> dict[str, list[list]]:
    """The example rubric's workbook."""
    return _sheets_of("vi-du-minh-hoa", tmp_path_factory.mktemp("wb"))


@pytest.fixture(scope="module")
def sheets_with_titles(tmp_path_factory) -> dict[str, list[list]]:
    """The giao ước example's workbook (its titles)."""
    return _sheets_of("vi-du-giao-uoc-thi-dua", tmp_path_factory.mktemp("wb"))


@pytest.fixture(scope="module")
def sheets_with_blocks(tmp_path_factory) -> dict[str, list[list]]:
    """The measured example's workbook (a block's variant included)."""
    return _sheets_of("vi-du-do-luong", tmp_path_factory.mktemp("wb"))


def write_book(path: Path, sheets: dict[str, list[list]], chart: str = "") -> Path:
    """A workbook of these values, written as Excel would (formulas with cached values)."""
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False,
                                         "strings_to_numbers": False, "strings_to_urls": False})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, Formula):
                    ws.write_formula(r, c, value.text, None, value.cached)
                elif isinstance(value, dt.datetime):
                    ws.write_datetime(r, c, value, date)
                elif value is not None:
                    ws.write(r, c, value)
    if chart:
        sheet = wb.add_chartsheet(chart)
        graph = wb.add_chart({"type": "column"})
        graph.add_series({"values": f"='{next(iter(sheets))}'!$E$2:$E$3"})
        sheet.set_chart(graph)
    wb.close()
    return path


def cell_kinds() -> dict[str, dict]:
    return {ITEMS: ITEM_SCHEMA, BANDS: SCHEMA["bands"][0], CONDITIONS: SCHEMA["conditions"][0],
            BLOCKS: SCHEMA["blocks"][0]["items"][0], TITLES: SCHEMA["titles"][0]}


WRONG_CELLS = {TEXT: [True], NUMBER: ["abc", True, dt.datetime(2025, 5, 26)],
               FLAG: ["có lẽ", 2.5, dt.datetime(2025, 5, 26)]}
def column_kind(sheet: str, field: str):
    """What a column holds: a field of the schema, or one part of a measured item's rule (its
    figures' names and its tiers are typed as text, one per cell)."""
    spec = cell_kinds()[sheet]
    for part in field.split("."):
        spec = spec.get(part, TEXT) if isinstance(spec, dict) else TEXT
    return spec if isinstance(spec, str) else TEXT


CELL_SWEEP = [(sheet, c, title, wrong)
              for sheet, columns in COLUMNS.items()
              for c, (field, title, *_) in enumerate(columns)
              for wrong in WRONG_CELLS[column_kind(sheet, field)]]


@pytest.mark.parametrize("sheet, c, title, wrong", CELL_SWEEP,
                         ids=[f"{s}!{t}={w!r}" for s, _, t, w in CELL_SWEEP])
def test_a_wrong_cell_anywhere_is_a_finding_with_its_cell(tmp_path, request, sheet, c,
                                                          title, wrong):
    # the sheet of per-block variants has rows only in a rubric with blocks
    source = {BLOCKS: "sheets_with_blocks", TITLES: "sheets_with_titles"}.get(sheet,
                                                                          "example_sheets")
    sheets = copy.deepcopy(request.getfixturevalue(source))
    assert sheets[sheet][0][c] == title
    sheets[sheet][1][c] = wrong
    with pytest.raises(RubricError) as info:
        load_rubric(write_book(tmp_path / "r.xlsx", sheets))
    cell = f"{col_letter(c + 1)}2"
    found = [(f.code, f.sheet, f.cell, f.message) for f in info.value.findings]
    assert any(code == "rubric-field-invalid" and (at_sheet, at) == (sheet, cell)
               and f"«{title}»" in message for code, at_sheet, at, message in found), found


def setting_kind(key: str):
    spec = SCHEMA
    for part in SETTINGS_KEYS[key][1]:
        spec = spec[part]
    return spec


SETTING_SWEEP = [(key, wrong) for key in SETTINGS_KEYS for wrong in WRONG_CELLS[setting_kind(key)]]


@pytest.mark.parametrize("key, wrong", SETTING_SWEEP, ids=[f"{k}={w!r}" for k, w in SETTING_SWEEP])
def test_a_wrong_setting_is_a_finding_with_its_cell(tmp_path, example_sheets, key, wrong):
    sheets = copy.deepcopy(example_sheets)
    rows = sheets[SETTINGS]
    r = next(i for i, row in enumerate(rows) if row[0] == key)
    rows[r][1] = wrong
    with pytest.raises(RubricError) as info:
        load_rubric(write_book(tmp_path / "r.xlsx", sheets))
    found = [(f.code, f.sheet, f.cell, f.message) for f in info.value.findings]
    assert any(code == "rubric-field-invalid" and (sheet, cell) == (SETTINGS, f"B{r + 1}")
               and f"«{key}»" in message for code, sheet, cell, message in found), found


def _put(sheet: str, ref: str, value):
    def change(sheets):
        letters, number = re.match(r"([A-Z]+)(\d+)$", ref).groups()
        r, c = int(number) - 1, col_index(letters) - 1
        rows = sheets[sheet]
        while len(rows) <= r:
            rows.append([])
        rows[r] += [None] * (c + 1 - len(rows[r]))
        rows[r][c] = value
    return change


def _long(sheet: str, rows: int):
    """A sheet of ``rows`` rows of items, one after another."""
    def change(sheets):
        sheets[sheet] += [[f"9.{i}", None, None, "Mục", 1] for i in range(1, rows)]
    return change


def _drop(sheet: str):
    return lambda sheets: sheets.pop(sheet)


@pytest.mark.parametrize("change, code, sheet, cell", [
    (_drop(ITEMS), "rubric-sheet-missing", ITEMS, None),
    (_drop(BANDS), "rubric-sheet-missing", BANDS, None),
    (_drop(SETTINGS), "rubric-sheet-missing", SETTINGS, None),
    (_put(ITEMS, "E4", Formula("=1/0", "#DIV/0!")), "rubric-cell-formula", ITEMS, "E4"),
    (_put(BANDS, "B2", Formula("=A1+1", "#VALUE!")), "rubric-cell-formula", BANDS, "B2"),
    (_put(SETTINGS, "B3", Formula("=1/0", "#DIV/0!")), "rubric-cell-formula", SETTINGS, "B3"),
    (_put(ITEMS, "A1", Formula("=1/0", "#DIV/0!")), "rubric-column-missing", ITEMS, "A1"),
    (_put(ITEMS, "A1800", "1.9"), "rubric-max-invalid", ITEMS, "A1800"),
    (_put(ITEMS, "A2000", "9.9"), "rubric-too-large", ITEMS, "A2000"),
    (_long(ITEMS, 3000), "rubric-too-large", ITEMS, "A2000"),
    (_put(SETTINGS, "C2000", "ghi chú"), "rubric-too-large", SETTINGS, "A2000"),
    (_put(ITEMS, "I1", "Mã"), "rubric-key-duplicate", ITEMS, "I1"),
    (_put(SETTINGS, "A30", "id"), "rubric-key-duplicate", SETTINGS, "A30"),
    (_put(SETTINGS, "A30", "bonus cap"), "rubric-field-unknown", SETTINGS, "A30"),
    (_put(BANDS, "D2", -5), "rubric-band-invalid", BANDS, "D2"),
    (_put(BANDS, "D2", 150), "rubric-band-invalid", BANDS, "D2"),
    (_put(ITEMS, "E4", -5), "rubric-max-invalid", ITEMS, "E4"),
    (_put(ITEMS, "D4", "x" * (MAX_TEXT + 1)), "rubric-field-invalid", ITEMS, "D4"),
])
def test_a_hostile_workbook_is_a_located_finding(tmp_path, example_sheets, change, code, sheet,
                                                 cell):
    sheets = copy.deepcopy(example_sheets)
    change(sheets)
    with pytest.raises(RubricError) as info:
        load_rubric(write_book(tmp_path / "r.xlsx", sheets))
    found = [(f.code, f.sheet, f.cell) for f in info.value.findings]
    assert (code, sheet, cell) in found, found


def test_a_formula_without_a_cached_value_is_a_finding(tmp_path, bac_giang):
    path = export_rubric_workbook(bac_giang, tmp_path / "r.xlsx")
    wb = load_workbook(path)
    wb[ITEMS]["E3"] = "=2+3"  # openpyxl, like XlsxWriter's users, leaves the result to compute
    wb.save(path)
    with pytest.raises(RubricError) as info:
        load_rubric(path)
    assert [(f.code, f.sheet, f.cell, f.found) for f in info.value.findings] == [
        ("rubric-cell-formula", ITEMS, "E3", "=2+3")]


def test_a_formula_with_a_cached_value_counts_as_that_value(tmp_path, example_sheets):
    sheets = copy.deepcopy(example_sheets)
    row = next(r for r in sheets[ITEMS] if r[0] == "1.1.1")
    row[4] = Formula("=2+3", row[4])  # what Excel saves: the formula and its result
    rubric = load_rubric(write_book(tmp_path / "r.xlsx", sheets))
    assert rubric == load_rubric("vi-du-minh-hoa")


def test_a_formula_outside_the_columns_read_is_not_a_finding(tmp_path, example_sheets):
    sheets = copy.deepcopy(example_sheets)
    _put(ITEMS, "Z3", Formula("=1/0", "#DIV/0!"))(sheets)  # a scratch column beside the table
    _put(SETTINGS, "C3", Formula("=#REF!", "#REF!"))(sheets)  # beside a setting
    assert load_rubric(write_book(tmp_path / "r.xlsx", sheets)) == load_rubric("vi-du-minh-hoa")


def test_a_workbook_without_the_conditions_sheet_has_no_conditions(tmp_path, bac_giang):
    sheets = {ITEMS: [], BANDS: [], SETTINGS: []}
    path = export_rubric_workbook(bac_giang, tmp_path / "r.xlsx")
    wb = load_workbook(path)
    sheets = {name: [list(r) for r in wb[name].iter_rows(values_only=True)] for name in sheets}
    assert load_rubric(write_book(tmp_path / "s.xlsx", sheets)) == bac_giang


def test_a_chart_sheet_in_place_of_a_sheet_is_a_finding(tmp_path, example_sheets):
    sheets = copy.deepcopy(example_sheets)
    del sheets[BANDS]
    with pytest.raises(RubricError) as info:
        load_rubric(write_book(tmp_path / "r.xlsx", sheets, chart=BANDS))
    assert [(f.code, f.sheet) for f in info.value.findings] == [
        ("rubric-file-unreadable", BANDS)]


@pytest.mark.parametrize("sheet, ref", [(ITEMS, "XFD1"), (ITEMS, "B1048576"), (SETTINGS, "A9000")])
def test_cells_out_of_the_readers_reach_are_not_read(tmp_path, example_sheets, sheet, ref):
    sheets = copy.deepcopy(example_sheets)
    _put(sheet, ref, "Mã")(sheets)  # a second «Mã» header, a stray key: beyond what is read
    assert load_rubric(write_book(tmp_path / "r.xlsx", sheets)) == load_rubric("vi-du-minh-hoa")


# -- the three commands that read a rubric file ----------------------------------------------------


def _write_hostile(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    if name == "hong.xlsx":
        export_rubric_workbook(load_rubric("bac-giang-274-2017"), path)
        wb = load_workbook(path)
        wb[ITEMS]["E3"] = "=2+3"
        wb.save(path)
    elif name == "lon.yaml":
        path.write_text(dump(wide_rubric(1, MAX_SHEET_ROWS + 1)), encoding="utf-8")
    else:
        path.write_text(HOSTILE_TEXTS[name], encoding="utf-8")
    return path


HOSTILE_TEXTS = {
    "bom.yaml": ALIAS_BOMB,
    "hinh-sai.yaml": "id: x\nversion: '1'\ntitle: T\nitems: 5\nbands: [1, 2]\n",
    "muc-la.yaml": BASE.replace('{code: "1.2", text: Hai, max: 5}', "Hai"),
    "sau.yaml": "id: x\nitems: " + "[" * 5000 + "]" * 5000 + "\n",
    "trung.yaml": BASE + "id: lan-hai\n",
    "ty-le.yaml": BASE.replace("{name: Tốt, min: 80}", "{name: Tốt, min: 80, quota: -5}"),
    "danh-sach.yaml": "- id: x\n",
}
CODES = {"bom.yaml": "rubric-yaml-alias", "hinh-sai.yaml": "rubric-field-invalid",
         "muc-la.yaml": "rubric-field-invalid", "sau.yaml": "rubric-too-large",
         "trung.yaml": "rubric-key-duplicate", "ty-le.yaml": "rubric-band-invalid",
         "danh-sach.yaml": "rubric-syntax", "hong.xlsx": "rubric-cell-formula",
         "lon.yaml": "rubric-too-many-rows"}
COMMANDS = {
    "rubric check": (["rubric", "check", "{rubric}"], 1),
    "check --rubric": (["check", "--rubric", "{rubric}", "{tmp}/nop"], 2),
    "template --rubric": (["template", "--rubric", "{rubric}", "--year", "2025", "-o",
                           "{tmp}/mau.xlsx"], 2),
}


# the long rubric is slow to parse (pure-Python YAML): one command is enough for it
HOSTILE_RUNS = [(c, n) for n in CODES for c in COMMANDS if n != "lon.yaml" or c == "rubric check"]


@pytest.mark.parametrize("command, name", HOSTILE_RUNS)
def test_no_command_gives_a_traceback_on_a_hostile_rubric(tmp_path, command, name):
    (tmp_path / "nop").mkdir()
    rubric = _write_hostile(tmp_path, name)
    args, status = COMMANDS[command]
    result = CliRunner().invoke(main, [a.format(rubric=rubric, tmp=tmp_path) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exc_info
    assert result.exit_code == status, result.output
    assert "Traceback" not in result.output
    with pytest.raises(RubricError) as info:
        load_rubric(rubric)
    first = info.value.findings[0]
    assert first.code == CODES[name] and first.message in result.output, result.output
    assert not (tmp_path / "mau.xlsx").exists()


def test_rubric_check_lists_every_finding_as_json(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text(BASE + "maxx: 1\nid: lai\n", encoding="utf-8")  # duplicates come first
    result = CliRunner().invoke(main, ["rubric", "check", str(path), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert [(f["code"], f["line"], f["expected"]) for f in data["findings"]] == [
        ("rubric-key-duplicate", 17, "dòng 1")]


@pytest.mark.parametrize("name", ["bo.xls", "bo", "bo.txt"])
def test_a_rubric_workbook_under_another_name_is_read_by_its_content(tmp_path, name):
    export_rubric_workbook(load_rubric("vi-du-minh-hoa"), tmp_path / "bo.xlsx")
    (tmp_path / name).write_bytes((tmp_path / "bo.xlsx").read_bytes())
    assert load_rubric(tmp_path / name).hash == load_rubric("vi-du-minh-hoa").hash


@pytest.mark.parametrize("date", ["2025-13-45", "2025-02-30", "25-1-1"])
def test_an_impossible_decision_date_is_refused(date):
    raw = yaml.safe_load((Path(__file__).parents[1] / "dvcq_xl" / "rubrics" /
                          "vi-du-minh-hoa.yaml").read_text(encoding="utf-8"))
    raw["decision"]["date"] = date
    with pytest.raises(RubricError) as info:
        build_rubric(raw, "r.yaml")
    assert any(f.code == "rubric-field-invalid" and f.found == date
               for f in info.value.findings)


@pytest.mark.parametrize("edit, words", [
    (lambda r: r["bands"][0].update(min=120) or r["bands"][1].update(max=120),
     "không ai đạt được"),
    (lambda r: r["rules"].update(penalty_cap=10) or r.update(items=[
        i for i in r["items"] if i.get("kind") != "penalty" and not any(
            c.get("kind") == "penalty" for c in i.get("items", []))]), "không có mục điểm trừ"),
    (lambda r: r["bands"][-1].update(quota=0.1), "không có mức nào thấp hơn"),
    (lambda r: r["rules"].update(criterion_floor_class="Hoàn thành xuất sắc"),
     "không bao giờ có tác dụng"),
])
def test_settings_no_agency_can_meet_or_that_never_act_are_refused(edit, words):
    """«Hoàn thành xuất sắc» from 90 on a rubric whose total is 11 reads fine and ranks no one."""
    raw = yaml.safe_load((Path(__file__).parents[1] / "dvcq_xl" / "rubrics" /
                          "vi-du-minh-hoa.yaml").read_text(encoding="utf-8"))
    edit(raw)
    with pytest.raises(RubricError) as info:
        build_rubric(raw, "r.yaml")
    found = [f for f in info.value.findings if f.code == "rubric-setting-contradiction"]
    assert found and any(words in f.message for f in found), info.value.findings


def test_the_rubrics_own_wording_round_trips_through_its_workbook(tmp_path):
    raw = yaml.safe_load((Path(__file__).parents[1] / "dvcq_xl" / "rubrics" /
                          "vi-du-minh-hoa.yaml").read_text(encoding="utf-8"))
    raw.update(sheet_title="PHIẾU ĐÁNH GIÁ", content_heading="NỘI DUNG",
               legal_basis="Quyết định số 1 và Thông tư số 2")
    rubric = build_rubric(raw, "r.yaml")
    export_rubric_workbook(rubric, tmp_path / "r.xlsx")
    again = load_rubric(tmp_path / "r.xlsx")
    assert again.hash == rubric.hash and again.legal_basis == "Quyết định số 1 và Thông tư số 2"


# -- measured items, «Không áp dụng», per-block variants, floors ------------------------------------


def test_new_fields_left_out_keep_every_existing_hash():
    """Rubrics written before measured items, marks, blocks and floors hash as they did: a
    template handed out earlier is still recognised."""
    assert load_rubric("bac-giang-274-2017").hash[:16] == "47bab2a613f88d42"
    assert load_rubric("vi-du-minh-hoa").hash[:16] == "516daf4a438618a9"


MEASURED = """\
id: do
version: "1"
title: Đo
items:
  - code: "1"
    title: Tiêu chí 1
    items:
      - code: "1.1"
        max: 20
        measure: {rule: tiers, figures: [Đạt, Tổng], tiers: [{min: 100, points: 20}, {min: 50, points: 10}]}
      - {code: "1.2", max: 10, not_applicable: drop}
bands:
  - {name: Tốt, min: 20}
  - {name: Yếu, min: 0, max: 20}
"""


@pytest.mark.parametrize("old, new, detail", [
    ("rule: tiers", "rule: bậc", "«bậc» không có"),
    ("figures: [Đạt, Tổng]", "figures: [Đạt]", "cần tên của 2 số liệu (có 1)"),
    ("{min: 50, points: 10}", "{min: 50, points: 25}", "«tiers.points» «25» không hợp lệ"),
    ("{min: 50, points: 10}", "{min: 100, points: 10}", "hai bậc cùng bắt đầu từ 100 %"),
    ("{min: 50, points: 10}", "{min: 50, points: 20}, {min: 80, points: 5}",
     "ít hơn bậc thấp hơn"),
    ("tiers: [", "per: 2, tiers: [", "«per» chỉ dùng với cách tính «Theo số lần»"),
    ("not_applicable: drop", "not_applicable: bỏ", "«bỏ» không có"),
    ("{code: \"1.2\", max: 10, not_applicable: drop}",
     "{code: \"1.2\", max: 10, kind: bonus, not_applicable: drop}",
     "chỉ mục «Tự chấm» mới được đánh dấu «Không áp dụng»"),
    ("    title: Tiêu chí 1\n", "    title: Tiêu chí 1\n    not_applicable: full\n",
     "chỉ mục không có mục con"),
])
def test_a_wrong_measure_is_a_located_finding(old, new, detail):
    assert old in MEASURED
    with pytest.raises(RubricError) as info:
        load_text(MEASURED.replace(old, new))
    found = [(f.code, f.line, f.message) for f in info.value.findings]
    assert any(code in ("rubric-measure-invalid", "rubric-kind-mixed") and line and detail in msg
               for code, line, msg in found), found


@pytest.mark.parametrize("old, new, detail", [
    ("{min: 50, points: 10}", "{min: 50, points: 10}, {min: 120, points: 20}",
     "bậc từ 120 % không đạt được"),
    ("{min: 100, points: 20}", "{min: 100, points: 18}", "không bao giờ đạt điểm chuẩn 20"),
])
def test_a_tier_no_agency_can_reach_is_a_contradiction(old, new, detail):
    with pytest.raises(RubricError) as info:
        load_text(MEASURED.replace(old, new))
    assert any(f.code == "rubric-setting-contradiction" and detail in f.message
               for f in info.value.findings), [f.message for f in info.value.findings]


BLOCKED = MEASURED + """\
blocks:
  - name: Khối xã
    items:
      - {code: "1.2", text: Riêng của xã}
      - {code: "1.1", measure: {rule: ratio, figures: [Đạt, Tổng]}}
    bands:
      - {name: Tốt, min: 15}
      - {name: Yếu, min: 0, max: 15}
"""


def test_a_block_variant_is_the_whole_rubric_for_that_block():
    rubric = load_text(BLOCKED)
    xa = rubric.for_block("Khối xã")
    assert rubric.for_block("khối XÃ") is rubric  # blocks are told apart as consolidation does
    assert xa.block == "Khối xã" and xa.item("1.2").text == "Riêng của xã"
    assert xa.item("1.1").measure.rule == "ratio" and rubric.item("1.1").measure.rule == "tiers"
    assert [b.min_points for b in xa.bands] == [15, 0]
    assert rubric.for_block("Sở, ngành") is rubric and rubric.for_block("") is rubric
    # templates stamp the whole rubric's hash; the variant has its own content hash (layouts)
    assert xa.stamp_hash == rubric.hash == rubric.stamp_hash and xa.hash != rubric.hash
    # scored by its own bands: 16 points are «Tốt» for the commune, «Yếu» elsewhere
    assert xa.score({"1.1": 16, "1.2": 0}).class_name == "Tốt"
    assert rubric.score({"1.1": 16, "1.2": 0}).class_name == "Yếu"
    assert rubric.all_class_names == ["Tốt", "Yếu"]
    assert rubric.to_dict()["blocks"][0]["items"][1] == {
        "code": "1.1", "measure": {"rule": "ratio", "figures": ["Đạt", "Tổng"],
                                   "when_zero": "full", "decimals": 2}}


@pytest.mark.parametrize("old, new, detail, line", [
    ('{code: "1.2", text: Riêng của xã}', '{code: "9.9", text: Riêng của xã}',
     "mục «9.9» không có trong bộ tiêu chí", 18),
    ("  - name: Khối xã\n", "  - name: ''\n", "thiếu tên khối", 16),
    ("{name: Tốt, min: 15}\n      - {name: Yếu, min: 0, max: 15}",
     "{name: Tốt, min: 40}\n      - {name: Yếu, min: 0, max: 40}", "bắt đầu từ 40 điểm", 16),
    ('{code: "1.2", text: Riêng của xã}', '{code: "1.2", max: 10.3}', "bước điểm", 18),
])
def test_a_wrong_block_is_a_finding_naming_the_block(old, new, detail, line):
    assert old in BLOCKED
    with pytest.raises(RubricError) as info:
        load_text(BLOCKED.replace(old, new))
    found = [(f.code, f.line, f.message) for f in info.value.findings]
    assert any(code == "rubric-block-invalid" and detail in msg and (line is None or at == line)
               for code, at, msg in found), found


def test_two_blocks_of_one_name_are_refused():
    text = BLOCKED + "  - {name: Khối xã, items: [{code: \"1.2\", text: Khác}]}\n"
    with pytest.raises(RubricError) as info:
        load_text(text)
    assert [f.code for f in info.value.findings] == ["rubric-block-invalid"]


def test_blocks_and_measures_round_trip_through_the_workbook(tmp_path):
    rubric = load_text(BLOCKED)
    again = load_rubric_workbook(export_rubric_workbook(rubric, tmp_path / "r.xlsx"))
    assert again.hash == rubric.hash and again.for_block("Khối xã") == rubric.for_block("Khối xã")


@settings(max_examples=300, deadline=None)
@given(a=st.integers(0, 10_000), b=st.integers(0, 10_000), top=st.sampled_from([1, 6, 20, 35]))
def test_measured_points_stay_within_their_item(a, b, top):
    from dvcq_xl.rubric import COUNT, RATIO, TIERS, Measure, Tier

    tiers = (Tier(100, top), Tier(90, top * 0.8), Tier(50, top * 0.3))
    for m in (Measure(TIERS, ("a", "b"), tiers), Measure(RATIO, ("a", "b")),
              Measure(COUNT, ("a",), per=1.5)):
        points, dropped = m.points(top, (a, b))
        if m.count == 2 and a > b:
            assert (points, dropped) == (None, False)  # the first above the total: no points
            continue
        assert not dropped and 0 <= points <= top
        if m.rule == TIERS and b:  # more achieved never scores less
            better = m.points(top, (min(a + 1, b), b))[0]
            assert better >= points
        if m.rule == RATIO and b:
            assert abs(points - top * a / b) <= 0.005 + 1e-9  # rounded to 2 decimals


@settings(max_examples=300, deadline=None)
@given(st.decimals(min_value=-10_000, max_value=10_000, places=3, allow_nan=False))
def test_excel_round_halves_away_from_zero(value):
    from decimal import ROUND_HALF_UP, Decimal

    from dvcq_xl.rubric import excel_round

    assert excel_round(float(value), 2) == float(value.quantize(Decimal("0.01"), ROUND_HALF_UP))


def test_every_field_round_trips_through_the_workbook(tmp_path):
    """The rubric that uses every field of the schema (measures, marks, floors at two levels,
    a block's variant) reads back from its workbook with the same hash."""
    rubric = build_rubric(VALID)
    again = load_rubric_workbook(export_rubric_workbook(rubric, tmp_path / "r.xlsx"))
    assert again.hash == rubric.hash
    assert again.item("1").floor == 0.4 and again.item("1.1").floor == 0.5


def test_a_misspelt_column_is_not_dropped_without_a_word(tmp_path):
    """«Khi khong ap dung» for «Khi không áp dụng»: the item would silently lose its mark."""
    path = export_rubric_workbook(load_rubric("vi-du-do-luong"), tmp_path / "r.xlsx")
    wb = load_workbook(path)
    ws = wb["Tiêu chí"]
    col = next(c for c in ws[1] if c.value == "Khi không áp dụng")
    col.value = "Khi khong ap dung"
    wb.save(path)
    with pytest.raises(RubricError) as info:
        load_rubric(path)
    assert any(f.code == "rubric-field-unknown" and f.cell == col.coordinate
               and "Khi khong ap dung" in f.message for f in info.value.findings)


@pytest.mark.parametrize("tier, a, b, points", [
    (64.9, 649, 1000, 6),  # 64,9 × 1000 is 64 900,000…01 in binary: still reached
    (64.9, 648, 1000, 0), (92.5, 37, 40, 6), (33.3, 333, 1000, 6), (33.3, 332, 1000, 0),
])
def test_a_decimal_tier_is_reached_as_the_engines_compare(tier, a, b, points):
    from dvcq_xl.rubric import TIERS, Measure, Tier

    measure = Measure(TIERS, ("a", "b"), (Tier(100, 20), Tier(tier, 6)))
    assert measure.points(20, (a, b))[0] == points


def test_a_floor_only_on_what_counts_in_the_base():
    text = MEASURED.replace("bands:", '  - {code: "2", max: 5, kind: penalty, floor: 0.5}\n'
                                      "rules: {criterion_floor_class: Yếu}\nbands:")
    with pytest.raises(RubricError) as info:
        load_text(text)
    assert any(f.code == "rubric-field-invalid" and "mức sàn chỉ đặt" in f.message
               for f in info.value.findings)


def test_a_figure_far_too_large_is_no_figure():
    from dvcq_xl.checks import parse_score
    from dvcq_xl.rubric import MAX_FIGURE

    item = load_text(MEASURED).item("1.1")
    assert item.measure.points(20, (MAX_FIGURE * 10, MAX_FIGURE * 10)) == (None, False)
    assert parse_score(10 ** 400)[0] == "not-number"  # no OverflowError


# --- the rubric loader on libyaml reads what the pure-Python loader reads ------------------------

_BASE_TEXT = (resources.files("dvcq_xl.rubrics") / "vi-du-do-luong.yaml").read_text(encoding="utf-8")
_NOISE = list(":-'\"[]{}#&*!|>%@`,\n \\\u00a0\u0085\u2028\ufeff\x00\x07\x7féđ") + [
    "  ", "- ", ": ", "\r\n", "---\n", "...\n", "\U0001F600", " &a", " *a", " !!str", " ~"]


@pytest.mark.skipif(rubric_module._CParser is None, reason="PyYAML without libyaml")
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.floats(0, 1), st.sampled_from(_NOISE), st.booleans()),
                min_size=1, max_size=4))
def test_the_fast_loader_accepts_only_what_the_pure_loader_reads_the_same(edits):
    """Whatever libyaml reads without a problem, PyYAML reads to the same data, lines and
    duplicate keys (anything else is read again by PyYAML, for its own words)."""
    text = _BASE_TEXT
    for where, piece, cut in edits:
        at = int(where * len(text))
        text = text[:at] + text[at + 3:] if cut else text[:at] + piece + text[at:]

    def read(loader):
        it = loader(text)
        try:
            return it.get_single_data(), it.duplicates
        finally:
            it.dispose()

    if "\t" in text or "?" in text:
        return  # always read by PyYAML (libyaml lets some of these through)
    try:
        fast = read(rubric_module._FastRubricLoader)
    except Exception:  # noqa: BLE001 - refused by libyaml: the pure loader's turn, as in use
        return
    assert fast == read(rubric_module._RubricLoader)
    assert rubric_module._loaded(text).data == fast[0]


@pytest.mark.parametrize("bom_at", ["comment-line", "blank-line", "twice-at-top", "top"])
def test_a_bom_anywhere_reads_as_pyyaml_reads_it(bom_at):
    """libyaml skips a BOM starting any line, PyYAML only the file's first: a rubric reads the
    same verdict as PyYAML's, with or without libyaml."""
    lines = _BASE_TEXT.split("\n")
    if bom_at == "comment-line":
        lines.insert(1, "\ufeff# ghi chú")
    elif bom_at == "blank-line":
        lines.insert(3, "\ufeff")
    elif bom_at == "twice-at-top":
        lines[0] = "\ufeff\ufeff" + lines[0]
    else:
        lines[0] = "\ufeff" + lines[0]
    text = "\n".join(lines)

    def verdict(read):
        try:
            return "ok", read()
        except Exception as exc:  # noqa: BLE001 - which error is the verdict
            return "error", type(exc).__name__

    pure = verdict(lambda: rubric_module._RubricLoader(text).get_single_data())
    used = verdict(lambda: rubric_module._loaded(text).data)
    assert used == pure
