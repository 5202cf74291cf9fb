"""The rubric model: a province's decision on DVCQ scoring, as data.

A rubric is loaded from a YAML file (diff-friendly, kept in a repository) or from a rubric workbook
(edited by a Sở Nội vụ officer in Excel; see :mod:`dvcq_xl.rubric_workbook`). Both produce the same
*raw* nested mapping, annotated with source locations, which :func:`build_rubric` validates and
turns into the frozen :class:`Rubric`. Validation collects every problem at once, each a located
:class:`~dvcq_xl.findings.Finding`, before raising :class:`~dvcq_xl.errors.RubricError`.

The rubric also computes: :meth:`Rubric.score` is the reference computation that the template's
formulas must reproduce in Excel and LibreOffice, and that the checks use to recompute totals.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterator, Mapping

import yaml

from .errors import RubricError, rubric_error
from .findings import Finding, make

# --- vocabulary ------------------------------------------------------------------------------

SCORED, BONUS, PENALTY, SUPERIOR = "scored", "bonus", "penalty", "superior"
KINDS = (SCORED, BONUS, PENALTY, SUPERIOR)
#: What a Sở officer reads and types in the rubric workbook.
KIND_LABELS = {
    SCORED: "Tự chấm",
    BONUS: "Điểm thưởng",
    PENALTY: "Điểm trừ",
    SUPERIOR: "Cấp trên chấm",
}
#: Kinds that may share one tiêu chí: what counts in "Tổng cộng".
_FAMILY = {SCORED: "base", SUPERIOR: "base", BONUS: BONUS, PENALTY: PENALTY}

REMOVE_BONUS, CAP_CLASS, FORCE_CLASS, NOT_ELIGIBLE = (
    "remove_bonus",
    "cap_class",
    "force_class",
    "not_eligible",
)
EFFECTS = (REMOVE_BONUS, CAP_CLASS, FORCE_CLASS, NOT_ELIGIBLE)
EFFECT_LABELS = {
    REMOVE_BONUS: "Mất điểm thưởng",
    CAP_CLASS: "Xếp loại tối đa",
    FORCE_CLASS: "Buộc xếp loại",
    NOT_ELIGIBLE: "Không đủ điều kiện xếp loại",
}
NOT_ELIGIBLE_CLASS = "Không đủ điều kiện xếp loại"
YES, NO = "Có", "Không"

MAX_DEPTH = 4  # tiêu chí + three levels below it
_CODE = re.compile(r"^\d+(\.\d+)*$")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_COND_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_EPS = 1e-9


def nfc(text: Any) -> str:
    """Text as users must see it: NFC, trimmed, inner whitespace runs folded."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFC", str(text))
    return re.sub(r"\s+", " ", s).strip()


def num(value: float) -> float | int:
    """A point value as it should be written: 5 not 5.0, 4.5 as is."""
    value = round(float(value), 9)
    return int(value) if value.is_integer() else value


def is_multiple(value: float, step: float) -> bool:
    q = value / step
    return abs(q - round(q)) < 1e-7


# --- the model -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """The decision that issued the rubric (QĐ số …, ngày …, của …)."""

    number: str = ""
    date: str = ""  # ISO yyyy-mm-dd
    body: str = ""
    province: str = ""

    @property
    def date_vn(self) -> str:
        m = re.match(r"^(\d{4})-(\d{2})-(\d{2})$", self.date)
        return f"{m.group(3)}/{m.group(2)}/{m.group(1)}" if m else self.date


@dataclass(frozen=True)
class Item:
    """A node of the rubric tree: a tiêu chí, a nội dung, or a sub-item. Leaves are scored."""

    code: str
    text: str = ""
    title: str = ""
    label: str = ""
    max_points: float = 0.0
    kind: str = SCORED
    step: float = 1.0
    evidence_required: bool = False
    children: tuple["Item", ...] = ()

    @property
    def is_leaf(self) -> bool:
        return not self.children

    @property
    def depth(self) -> int:
        return self.code.count(".") + 1

    @property
    def key(self) -> str:
        """The code as it appears in defined names: "9.2.1" -> "9_2_1"."""
        return self.code.replace(".", "_")

    @property
    def display(self) -> str:
        """What the TT column shows."""
        return self.label or self.code

    def leaves(self) -> Iterator["Item"]:
        if self.is_leaf:
            yield self
        for child in self.children:
            yield from child.leaves()

    def walk(self) -> Iterator["Item"]:
        yield self
        for child in self.children:
            yield from child.walk()

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"code": self.code}
        for name in ("label", "title", "text"):
            if getattr(self, name):
                d[name] = getattr(self, name)
        d["max"] = num(self.max_points)
        if self.is_leaf:
            d.update(kind=self.kind, step=num(self.step), evidence_required=self.evidence_required)
        else:
            d["items"] = [c.to_dict() for c in self.children]
        return d


@dataclass(frozen=True)
class Band:
    """A class (xếp loại): total in [min_points, max_points); the top band has no upper bound."""

    name: str
    min_points: float
    max_points: float | None = None
    quota: float | None = None  # at most this share of a block (0..1), applied in consolidation

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "min": num(self.min_points)}
        if self.max_points is not None:
            d["max"] = num(self.max_points)
        if self.quota is not None:
            d["quota"] = num(self.quota)
        return d


@dataclass(frozen=True)
class Condition:
    """A yes/no question on the sheet that overrides the score when answered "Có"."""

    id: str
    question: str
    effect: str
    target_class: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = {"id": self.id, "question": self.question, "effect": self.effect}
        if self.target_class:
            d["class"] = self.target_class
        return d


@dataclass(frozen=True)
class Rules:
    """Rubric-level rules. Caps and floor are applied in the sheet; the rest in consolidation."""

    bonus_cap: float | None = None  # None: the sum of the bonus items' maxima
    penalty_cap: float | None = None  # the most that penalties may take away; None: their sum
    total_floor: float = 0.0
    criterion_floor: float | None = None  # e.g. 0.5: no tiêu chí below 50 % of its points …
    criterion_floor_class: str = ""  # … else the class is at most this one

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"total_floor": num(self.total_floor)}
        if self.bonus_cap is not None:
            d["bonus_cap"] = num(self.bonus_cap)
        if self.penalty_cap is not None:
            d["penalty_cap"] = num(self.penalty_cap)
        if self.criterion_floor is not None:
            d["criterion_floor"] = num(self.criterion_floor)
            d["criterion_floor_class"] = self.criterion_floor_class
        return d


@dataclass(frozen=True)
class Score:
    """One column (self or review) of one filled sheet, computed by the rubric."""

    base: float
    bonus: float
    penalty: float
    total: float
    class_name: str
    filled: int
    missing: int

    @property
    def complete(self) -> bool:
        return self.missing == 0


@dataclass(frozen=True)
class Rubric:
    """A scoring rubric: the tree of items, the rules, the classification bands."""

    id: str
    version: str
    title: str
    decision: Decision
    items: tuple[Item, ...]
    bands: tuple[Band, ...]
    bands_verified: bool = False
    conditions: tuple[Condition, ...] = ()
    rules: Rules = field(default_factory=Rules)
    total_rule_text: str = ""
    source: str = field(default="", compare=False)

    # -- structure ------------------------------------------------------------------------
    def walk(self) -> Iterator[Item]:
        for item in self.items:
            yield from item.walk()

    def leaves(self, kinds: tuple[str, ...] = KINDS) -> list[Item]:
        return [leaf for leaf in self._leaves if leaf.kind in kinds]

    @cached_property
    def _leaves(self) -> tuple[Item, ...]:
        return tuple(leaf for item in self.items for leaf in item.leaves())

    def item(self, code: str) -> Item:
        """The item with ``code`` (KeyError if none); looked up many times per checked file."""
        return self._by_code[code]

    @cached_property
    def _by_code(self) -> dict[str, Item]:
        return {it.code: it for it in self.walk()}

    @property
    def base_items(self) -> list[Item]:
        """Top-level tiêu chí that count in "Tổng cộng" (scored or superior-only)."""
        return [i for i in self.items if _family_of(i) == "base"]

    @property
    def bonus_items(self) -> list[Item]:
        return [i for i in self.items if _family_of(i) == BONUS]

    @property
    def penalty_items(self) -> list[Item]:
        return [i for i in self.items if _family_of(i) == PENALTY]

    @property
    def base_max(self) -> float:
        return sum(i.max_points for i in self.base_items)

    @property
    def bonus_max(self) -> float:
        total = sum(i.max_points for i in self.bonus_items)
        return total if self.rules.bonus_cap is None else min(total, self.rules.bonus_cap)

    @property
    def penalty_max(self) -> float:
        total = sum(i.max_points for i in self.penalty_items)
        return total if self.rules.penalty_cap is None else min(total, self.rules.penalty_cap)

    @property
    def total_max(self) -> float:
        return self.base_max + self.bonus_max

    @property
    def class_names(self) -> list[str]:
        return [b.name for b in self.bands]

    def band_index(self, name: str) -> int:
        return self.class_names.index(name)

    # -- identity -------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Canonical content: what the hash covers (everything but where it was loaded from)."""
        return {
            "id": self.id,
            "version": self.version,
            "title": self.title,
            "decision": {
                "number": self.decision.number,
                "date": self.decision.date,
                "body": self.decision.body,
                "province": self.decision.province,
            },
            "items": [i.to_dict() for i in self.items],
            "bands": [b.to_dict() for b in self.bands],
            "bands_verified": self.bands_verified,
            "conditions": [c.to_dict() for c in self.conditions],
            "rules": self.rules.to_dict(),
            "total_rule_text": self.total_rule_text,
        }

    @cached_property
    def hash(self) -> str:
        """SHA-256 of the canonical JSON of :meth:`to_dict`: stamped in every template."""
        blob = json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    # -- computation ----------------------------------------------------------------------
    def column_leaves(self, column: str) -> list[Item]:
        """Leaves that a column scores: the agency does not score superior-only items."""
        if column == "self":
            return [leaf for leaf in self.leaves() if leaf.kind != SUPERIOR]
        return self.leaves()

    def score(
        self,
        values: Mapping[str, float | None],
        answers: Mapping[str, bool | None] | None = None,
        column: str = "self",
    ) -> Score:
        """Compute one column exactly as the template's formulas do.

        ``values`` maps leaf codes to points (None or absent: not filled); ``answers`` maps
        condition ids to True ("Có"), False ("Không") or None (not answered). Superior-only items
        count only in the review column. Unfilled items count 0 in the sums; ``missing`` tells how
        many inputs (items and conditions) are still empty.
        """
        answers = answers or {}
        leaves = self.column_leaves(column)
        filled = sum(1 for leaf in leaves if values.get(leaf.code) is not None)
        filled += sum(1 for c in self.conditions if answers.get(c.id) is not None)
        missing = len(leaves) + len(self.conditions) - filled

        def total_of(kind_family: str) -> float:
            return float(sum(
                float(values.get(leaf.code) or 0)
                for leaf in leaves
                if _FAMILY[leaf.kind] == kind_family
            ))

        base = total_of("base")
        bonus = min(total_of(BONUS), self.bonus_max)
        if any(answers.get(c.id) for c in self.conditions if c.effect == REMOVE_BONUS):
            bonus = 0.0
        penalty = min(total_of(PENALTY), self.penalty_max)
        total = max(self.rules.total_floor, base + bonus - penalty)
        total = round(total, 9)
        return Score(
            base=round(base, 9),
            bonus=round(bonus, 9),
            penalty=round(penalty, 9),
            total=total,
            class_name=self.classify(total, answers),
            filled=filled,
            missing=missing,
        )

    def classify(self, total: float, answers: Mapping[str, bool | None] | None = None) -> str:
        """The class of a total, after the overriding conditions answered "Có"."""
        answers = answers or {}
        yes = [c for c in self.conditions if answers.get(c.id)]
        if any(c.effect == NOT_ELIGIBLE for c in yes):
            return NOT_ELIGIBLE_CLASS
        forced = [self.band_index(c.target_class) for c in yes if c.effect == FORCE_CLASS]
        if forced:
            return self.bands[max(forced)].name
        index = len(self.bands) - 1
        for i, band in enumerate(self.bands):
            if total >= band.min_points - _EPS:
                index = i
                break
        for c in yes:
            if c.effect == CAP_CLASS:
                index = max(index, self.band_index(c.target_class))
        return self.bands[index].name


def _family_of(item: Item) -> str:
    return _FAMILY[next(item.leaves()).kind]


# --- building and validating ------------------------------------------------------------------


class _Problems:
    """Collects findings while building; locations come from the raw mapping's ``__loc__``."""

    def __init__(self, source: str):
        self.source = source
        self.findings: list[Finding] = []

    def add(self, code: str, raw: Mapping[str, Any] | None = None, **fields: Any) -> None:
        loc = dict((raw or {}).get("__loc__") or {})
        if "loc" in fields:
            loc.update(fields.pop("loc") or {})
        self.findings.append(make(code, path=self.source, **loc, **fields))


def _number(p: _Problems, raw: Mapping, key: str, default: Any = None, item: str = "",
            code: str = "rubric-field-invalid") -> Any:
    value = raw.get(key, default)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, (int, float)) and math.isfinite(value):
        return float(value)
    text = nfc(value).replace(",", ".")
    try:
        result = float(text)
        if not math.isfinite(result):
            raise ValueError
        return result
    except ValueError:
        if code == "rubric-field-invalid":
            p.add(code, raw, field=key, found=value, item=item, detail="cần một con số")
        else:
            p.add(code, raw, found=value, item=item)
        return None


def _flag(p: _Problems, raw: Mapping, key: str, default: bool) -> bool:
    value = raw.get(key, default)
    if isinstance(value, bool):
        return value
    text = nfc(value).lower()
    if text in ("có", "co", "yes", "true", "x", "1"):
        return True
    if text in ("không", "khong", "no", "false", "", "0"):
        return False if text else default
    p.add("rubric-field-invalid", raw, field=key, found=value, detail="cần «Có» hoặc «Không»")
    return default


def _kind(p: _Problems, raw: Mapping, value: Any, inherited: str, code: str) -> str:
    if value is None or nfc(value) == "":
        return inherited
    text = nfc(value)
    for kind, label in KIND_LABELS.items():
        if text.lower() in (kind, label.lower()):
            return kind
    p.add(
        "rubric-kind-unknown",
        raw,
        item=code,
        found=text,
        expected=", ".join(f"{label} ({k})" for k, label in KIND_LABELS.items()),
    )
    return inherited


def _build_item(p: _Problems, raw: Mapping, parent: str | None, defaults: dict, seen: dict,
                inherited_kind: str) -> Item | None:
    code = nfc(raw.get("code"))
    if not _CODE.match(code):
        p.add("rubric-code-invalid", raw, found=code or "(trống)", item=code)
        return None
    if code in seen:
        p.add("rubric-code-duplicate", raw, item=code, expected=seen[code])
        return None
    loc = raw.get("__loc__") or {}
    seen[code] = (f"{loc['sheet']}!{loc['cell']}" if "sheet" in loc else f"dòng {loc.get('line')}")
    if parent is not None and not code.startswith(parent + "."):
        p.add("rubric-code-orphan", raw, item=code, expected=parent)
    if parent is None and "." in code:
        p.add("rubric-code-orphan", raw, item=code, expected=code.rsplit(".", 1)[0])
    if code.count(".") + 1 > MAX_DEPTH:
        p.add("rubric-too-deep", raw, item=code)

    kind = _kind(p, raw, raw.get("kind"), inherited_kind, code)
    step = _number(p, raw, "step", defaults["step"], code, "rubric-step-invalid")
    if step is not None and step <= 0:
        p.add("rubric-step-invalid", raw, item=code, found=num(step))
        step = None
    evidence = _flag(p, raw, "evidence_required", defaults["evidence_required"])
    max_points = _number(p, raw, "max", None, code, "rubric-max-invalid")
    raw_children = raw.get("items") or []
    # Children inherit the parent's step and evidence setting unless they say otherwise.
    inherited = {"step": step or defaults["step"], "evidence_required": evidence}
    children = tuple(
        c for c in (
            _build_item(p, child, code, inherited, seen, kind) for child in raw_children
        ) if c is not None
    )
    if children:
        child_sum = sum(c.max_points for c in children)
        if max_points is None:
            max_points = child_sum
        elif abs(max_points - child_sum) > _EPS:
            p.add("rubric-sum-mismatch", raw, item=code, found=num(max_points),
                  expected=num(child_sum))
    elif raw_children:
        max_points = max_points or 0.0  # children all invalid: already reported
    else:
        if max_points is None or max_points <= 0:
            p.add("rubric-max-invalid", raw, item=code,
                  found="(trống)" if max_points is None else num(max_points))
            max_points = max_points or 0.0
        elif step and not is_multiple(max_points, step):
            p.add("rubric-step-mismatch", raw, item=code, found=num(step), expected=num(max_points))
    if children:  # step, kind and evidence belong to leaves; a parent only passes them down
        kind, step, evidence = children[0].kind, 1.0, False
    return Item(
        code=code,
        text=nfc(raw.get("text")),
        title=nfc(raw.get("title")),
        label=nfc(raw.get("label")),
        max_points=float(max_points),
        kind=kind,
        step=float(step or 1.0),
        evidence_required=evidence,
        children=children,
    )


def build_rubric(raw: Mapping[str, Any], source: str = "") -> Rubric:
    """Validate a raw rubric mapping and build the model; raise RubricError with every problem."""
    p = _Problems(source)
    for key in ("id", "version", "title"):
        if not nfc(raw.get(key)):
            p.add("rubric-field-missing", raw.get("__fields__", {}).get(key) or raw, field=key)
    rubric_id = nfc(raw.get("id"))
    if rubric_id and not _ID.match(rubric_id):
        p.add("rubric-field-invalid", raw.get("__fields__", {}).get("id") or raw, field="id",
              found=rubric_id, detail="chỉ dùng chữ thường không dấu, số và dấu gạch ngang")
    dec = raw.get("decision") or {}
    decision = Decision(
        number=nfc(dec.get("number")),
        date=nfc(dec.get("date")),
        body=nfc(dec.get("body")),
        province=nfc(dec.get("province")),
    )
    if decision.date and not re.match(r"^\d{4}-\d{2}-\d{2}$", decision.date):
        p.add("rubric-field-invalid", dec, field="decision.date", found=decision.date,
              detail="ngày viết dạng năm-tháng-ngày, ví dụ 2017-05-26")

    defaults_raw = raw.get("defaults") or {}
    defaults = {
        "step": _number(p, defaults_raw, "step", 1.0) or 1.0,
        "evidence_required": _flag(p, defaults_raw, "evidence_required", False),
    }
    seen: dict[str, str] = {}
    # Pair each built item with its own raw mapping: invalid items are dropped, so a later zip
    # of the two lists would point at the wrong line.
    built = [(_build_item(p, r, None, defaults, seen, SCORED), r) for r in raw.get("items") or []]
    built = [(item, item_raw) for item, item_raw in built if item is not None]
    items = tuple(item for item, _ in built)
    if not raw.get("items"):
        p.add("rubric-no-items", raw)
    for item, item_raw in built:
        families = {_FAMILY[leaf.kind] for leaf in item.leaves()}
        if len(families) > 1:
            kinds = sorted({KIND_LABELS[leaf.kind] for leaf in item.leaves()})
            p.add("rubric-kind-mixed", item_raw, item=item.code, found=", ".join(kinds))

    rules_raw = raw.get("rules") or {}
    rules = Rules(
        bonus_cap=_number(p, rules_raw, "bonus_cap"),
        penalty_cap=_number(p, rules_raw, "penalty_cap"),
        total_floor=_number(p, rules_raw, "total_floor", 0.0) or 0.0,
        criterion_floor=_number(p, rules_raw, "criterion_floor"),
        criterion_floor_class=nfc(rules_raw.get("criterion_floor_class")),
    )
    for key in ("bonus_cap", "penalty_cap"):
        value = getattr(rules, key)
        if value is not None and value < 0:
            p.add("rubric-rule-invalid", rules_raw, field=key, detail="không được âm")
    if rules.criterion_floor is not None and not 0 < rules.criterion_floor <= 1:
        p.add("rubric-rule-invalid", rules_raw, field="criterion_floor",
              detail="là một tỷ lệ lớn hơn 0 và không quá 1, ví dụ 0.5")

    bands = _build_bands(p, raw.get("bands") or [], raw)
    names = [b.name for b in bands]
    if rules.criterion_floor is not None and rules.criterion_floor_class not in names:
        p.add("rubric-rule-invalid", rules_raw, field="criterion_floor_class",
              detail=f"«{rules.criterion_floor_class}» không phải một mức xếp loại")
    conditions = _build_conditions(p, raw.get("conditions") or [], names)

    rubric = Rubric(
        id=rubric_id,
        version=nfc(raw.get("version")),
        title=nfc(raw.get("title")),
        decision=decision,
        items=items,
        bands=bands,
        bands_verified=_flag(p, raw, "bands_verified", False),
        conditions=conditions,
        rules=rules,
        total_rule_text=nfc(raw.get("total_rule_text")),
        source=source,
    )
    if bands and items and not p.findings:
        _check_coverage(p, rubric, raw)
    if p.findings:
        first = p.findings[0]
        raise RubricError(
            f"Bộ tiêu chí {source or rubric_id} có {len(p.findings)} lỗi; lỗi đầu tiên: {first}",
            p.findings,
        )
    return rubric


def _build_bands(p: _Problems, raws: list, parent_raw: Mapping) -> tuple[Band, ...]:
    if not raws:
        p.add("rubric-bands-missing", parent_raw)
        return ()
    bands = []
    seen = set()
    for raw in raws:
        name = nfc(raw.get("name"))
        if not name:
            p.add("rubric-band-invalid", raw, item="(trống)", detail="thiếu tên mức xếp loại")
            continue
        if name in seen:
            p.add("rubric-band-duplicate", raw, item=name)
            continue
        seen.add(name)
        low = _number(p, raw, "min", None, name)
        if low is None:
            p.add("rubric-band-invalid", raw, item=name, detail="thiếu điểm tối thiểu («từ»)")
            continue
        high = _number(p, raw, "max", None, name)
        if high is not None and high <= low:
            p.add("rubric-band-invalid", raw, item=name,
                  detail=f"điểm «đến» {num(high)} phải lớn hơn điểm «từ» {num(low)}")
            continue
        quota = _number(p, raw, "quota", None, name)
        if quota is not None and quota > 1:
            quota = quota / 100  # typed as a percentage
        bands.append((raw, Band(name=name, min_points=low, max_points=high, quota=quota)))
    bands.sort(key=lambda rb: -rb[1].min_points)
    for (raw_hi, hi), (raw_lo, lo) in zip(bands, bands[1:]):
        if lo.max_points is None:
            p.add("rubric-band-invalid", raw_lo, item=lo.name,
                  detail="chỉ mức cao nhất được để trống điểm «đến»")
        elif lo.max_points < hi.min_points - _EPS:
            p.add("rubric-band-gap", raw_hi, item=hi.name, found=num(hi.min_points),
                  expected=num(lo.max_points))
        elif lo.max_points > hi.min_points + _EPS:
            p.add("rubric-band-overlap", raw_hi, item=hi.name, found=num(hi.min_points),
                  expected=num(lo.max_points))
    return tuple(b for _, b in bands)


def _build_conditions(p: _Problems, raws: list, class_names: list[str]) -> tuple[Condition, ...]:
    out = []
    ids = set()
    for raw in raws:
        cid = nfc(raw.get("id"))
        question = nfc(raw.get("question"))
        if not _COND_ID.match(cid or "-"):
            p.add("rubric-condition-invalid", raw, item=cid or "(trống)",
                  detail="mã điều kiện chỉ gồm chữ không dấu, số và dấu gạch dưới, bắt đầu bằng chữ")
            continue
        if cid in ids:
            p.add("rubric-condition-invalid", raw, item=cid, detail="mã điều kiện bị trùng")
            continue
        ids.add(cid)
        if not question:
            p.add("rubric-condition-invalid", raw, item=cid, detail="thiếu câu hỏi")
        effect_text = nfc(raw.get("effect"))
        effect = next(
            (e for e, label in EFFECT_LABELS.items() if effect_text.lower() in (e, label.lower())),
            None,
        )
        if effect is None:
            p.add("rubric-condition-invalid", raw, item=cid,
                  detail=f"tác động «{effect_text}» không có; dùng một trong: "
                  + ", ".join(EFFECT_LABELS.values()))
            continue
        target = nfc(raw.get("class"))
        if effect in (CAP_CLASS, FORCE_CLASS) and target not in class_names:
            p.add("rubric-condition-invalid", raw, item=cid,
                  detail=f"«{target or '(trống)'}» không phải một mức xếp loại của bộ tiêu chí")
            continue
        out.append(Condition(id=cid, question=question, effect=effect,
                             target_class=target if effect in (CAP_CLASS, FORCE_CLASS) else ""))
    return tuple(out)


def _check_coverage(p: _Problems, rubric: Rubric, raw: Mapping) -> None:
    top, bottom = rubric.bands[0], rubric.bands[-1]
    if top.max_points is not None and top.max_points <= rubric.total_max:
        p.add("rubric-band-coverage", raw.get("bands")[0] if raw.get("bands") else raw,
              detail=f"mức cao nhất «{top.name}» dừng ở {num(top.max_points)} nhưng tổng điểm tối đa "
              f"là {num(rubric.total_max)}; để trống điểm «đến» của mức cao nhất")
    if bottom.min_points > rubric.rules.total_floor + _EPS:
        p.add("rubric-band-coverage", raw,
              detail=f"mức thấp nhất «{bottom.name}» bắt đầu từ {num(bottom.min_points)}, "
              f"điểm thấp hơn sẽ không có xếp loại; đặt «từ» bằng {num(rubric.rules.total_floor)}")


# --- loading -----------------------------------------------------------------------------------


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that records each mapping's line as ``__loc__`` for located errors."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__loc__"] = {"line": node.start_mark.line + 1}
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# Dates stay text (the model keeps ISO strings); YAML would turn 2017-05-26 into a date object.
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: node.value)


def load_yaml_rubric(path: str | Path, text: str | None = None) -> Rubric:
    """Load a rubric from its YAML text form."""
    source = str(path)
    try:
        if text is None:
            text = Path(path).read_text(encoding="utf-8")
        raw = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except OSError as exc:
        raise rubric_error("rubric-file-unreadable", path=source, detail=exc.strerror or exc)
    except UnicodeDecodeError:
        raise rubric_error("rubric-file-unreadable", path=source, detail="tệp không phải UTF-8")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise rubric_error(
            "rubric-syntax",
            path=source,
            line=mark.line + 1 if mark else None,
            detail=getattr(exc, "problem", None) or str(exc).splitlines()[0],
        )
    if not isinstance(raw, dict):
        raise rubric_error("rubric-syntax", path=source, detail="nội dung phải là một bảng khóa: giá trị")
    return build_rubric(raw, source)


def builtin_ids() -> list[str]:
    """Ids of the rubrics shipped with the toolkit."""
    return list(_builtin_ids())


@lru_cache(maxsize=1)
def _builtin_ids() -> tuple[str, ...]:
    folder = resources.files("dvcq_xl.rubrics")
    return tuple(sorted(p.name[: -len(".yaml")] for p in folder.iterdir()
                        if p.name.endswith(".yaml")))


def builtin_rubric(rubric_id: str) -> Rubric:
    """A rubric shipped with the toolkit (loaded once per process: rubrics are immutable)."""
    return _builtin_rubric(rubric_id)


@lru_cache(maxsize=None)
def _builtin_rubric(rubric_id: str) -> Rubric:
    resource = resources.files("dvcq_xl.rubrics") / f"{rubric_id}.yaml"
    if not resource.is_file():
        raise rubric_error("rubric-unknown", found=rubric_id, expected=", ".join(builtin_ids()))
    return load_yaml_rubric(f"{rubric_id}.yaml", resource.read_text(encoding="utf-8"))


def builtin_rubrics() -> list[Rubric]:
    return [builtin_rubric(i) for i in builtin_ids()]


def load_rubric(id_or_path: str | Path) -> Rubric:
    """A built-in rubric by id, or a rubric file (``.yaml``/``.yml`` or a rubric workbook)."""
    text = str(id_or_path)
    path = Path(text)
    looks_like_file = path.suffix.lower() in (".yaml", ".yml", ".xlsx", ".xlsm") or path.exists()
    if not looks_like_file:
        return builtin_rubric(text)
    if not path.exists():
        raise rubric_error("rubric-file-unreadable", path=text, detail="không tìm thấy tệp")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from .rubric_workbook import load_rubric_workbook

        return load_rubric_workbook(path)
    return load_yaml_rubric(path)
