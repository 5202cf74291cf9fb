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

import functools
import decimal
import hashlib
import json
import math
import re
import stat
from collections import deque
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

import yaml

from .text import nfc, num  # noqa: F401 - part of this module's API too
from .errors import RubricError, YamlProblem, YamlRefused, rubric_error
from .output import os_message
from .findings import Finding, make

# --- vocabulary ------------------------------------------------------------------------------

SCORED, BONUS, PENALTY, SUPERIOR = "scored", "bonus", "penalty", "superior"
#: a bonus that only the reviewing side gives («+10 Cờ thi đua của UBND tỉnh»)
SUPERIOR_BONUS = "superior_bonus"
KINDS = (SCORED, BONUS, PENALTY, SUPERIOR, SUPERIOR_BONUS)
#: kinds the agency does not score: only the reviewing side (the superior) fills them
REVIEWER_ONLY = (SUPERIOR, SUPERIOR_BONUS)
#: What a Sở officer reads and types in the rubric workbook.
KIND_LABELS = {
    SCORED: "Tự chấm",
    BONUS: "Điểm thưởng",
    PENALTY: "Điểm trừ",
    SUPERIOR: "Cấp trên chấm",
    SUPERIOR_BONUS: "Thưởng do cấp trên chấm",
}
#: Kinds that may share one tiêu chí: what counts in "Tổng cộng".
_FAMILY = {SCORED: "base", SUPERIOR: "base", BONUS: BONUS, PENALTY: PENALTY,
           SUPERIOR_BONUS: BONUS}

REMOVE_BONUS, CAP_CLASS, FORCE_CLASS, NOT_ELIGIBLE = (
    "remove_bonus",
    "cap_class",
    "force_class",
    "not_eligible",
)
EFFECT_LABELS = {
    REMOVE_BONUS: "Mất điểm thưởng",
    CAP_CLASS: "Xếp loại tối đa",
    FORCE_CLASS: "Buộc xếp loại",
    NOT_ELIGIBLE: "Không đủ điều kiện xếp loại",
}
NOT_ELIGIBLE_CLASS = "Không đủ điều kiện xếp loại"
YES, NO = "Có", "Không"

MAX_DEPTH = 4  # tiêu chí + three levels below it

# Measured items ("chỉ tiêu có số liệu"): the agency reports figures, the sheet derives the points.
TIERS, RATIO, COUNT, TARGET = "tiers", "ratio", "count", "target"
#: how the points come from the figures, as a Sở officer reads and types it
MEASURE_LABELS = {
    TIERS: "Bậc theo tỷ lệ",  # in_1 / in_2 as a percentage, points by tiers
    RATIO: "Tỷ lệ thuận",  # max × min(in_1 / in_2, 1), rounded
    COUNT: "Theo số lần",  # in_1 × points per occurrence, at most max (a deduction likewise)
    TARGET: "Theo chỉ tiêu đăng ký",  # in_1 = achieved against the member's registered target
}
# Target items (giao ước thi đua): the unit of a target.
PERCENT, NUMBER_UNIT, YESNO = "percent", "number", "yesno"
UNIT_LABELS = {PERCENT: "%", NUMBER_UNIT: "Số lượng", YESNO: "Có/Không"}
FULL, ZERO, DROP = "full", "zero", "drop"
#: what a measured item scores when its second figure (the total) is 0: «không phát sinh»
ZERO_LABELS = {FULL: "Tính đủ điểm", ZERO: "Không có điểm", DROP: "Không áp dụng"}
#: what an item marked «Không áp dụng» counts: its full points, or nothing with the total rescaled
NA_LABELS = {FULL: "Tính đủ điểm", DROP: "Không tính, quy đổi tổng điểm"}
#: what a result below its registered target scores (at or above it: the item's full points)
BELOW_LABELS = {RATIO: "Tỷ lệ thuận", ZERO: "Không có điểm", TIERS: "Bậc theo tỷ lệ"}
#: the one value of a «Không áp dụng» cell's list
NOT_APPLICABLE = "Không áp dụng"
MAX_DECIMALS = 6
#: the largest figure a measured item takes (beyond it a sheet's products lose whole numbers)
MAX_FIGURE = 1e12

#: Rows of the score sheet that the reader reads (``dvcq_xl.reader`` takes its limit from here).
#: The rubric check refuses a rubric whose template would need more, so that every template the
#: toolkit writes is read back whole.
MAX_SHEET_ROWS = 2_000
#: Bounds on a rubric file, far above any real decision (a few hundred items, ~20 KB of YAML).
MAX_RUBRIC_BYTES = 4 * 1024 * 1024
MAX_NESTING = 24  # collections inside one another: five levels of items need eleven
MAX_NODES = 200_000
MAX_POINTS = 10_000  # the largest point value (max, step, band limits, caps, floor)
MAX_TEXT = 5_000  # characters of one text field; an Excel cell holds 32,767

#: The shape of a raw rubric: field -> kind of value. A dict is a mapping with those fields, a
#: one-element list a list of such values; TEXT, NUMBER and FLAG are scalars (a NUMBER may be
#: typed as text, "0,5"; a FLAG as Có/Không). Every field is optional as far as the shape goes.
TEXT, NUMBER, FLAG = "text", "number", "flag"
MEASURE_SCHEMA: dict[str, Any] = {
    "rule": TEXT, "figures": [TEXT], "tiers": [{"min": NUMBER, "points": NUMBER}],
    "per": NUMBER, "when_zero": TEXT, "decimals": NUMBER,
    # a target item (giao ước thi đua): the unit of the target, the khối's minimum target (a
    # share for a percentage: 0.15 is 15 %; 1 for «Có»), what a result below the target scores
    "unit": TEXT, "minimum": NUMBER, "below": TEXT,
}
ITEM_SCHEMA: dict[str, Any] = {
    "code": TEXT, "label": TEXT, "title": TEXT, "text": TEXT, "max": NUMBER, "kind": TEXT,
    "step": NUMBER, "evidence_required": FLAG, "measure": MEASURE_SCHEMA, "not_applicable": TEXT,
    "floor": NUMBER,
}
ITEM_SCHEMA["items"] = [ITEM_SCHEMA]
#: what a block's variant may change of an item (found by its code): its wording, its points,
#: its step and evidence rule, how its points come from figures
BLOCK_ITEM_SCHEMA: dict[str, Any] = {
    "code": TEXT, "label": TEXT, "title": TEXT, "text": TEXT, "max": NUMBER, "step": NUMBER,
    "evidence_required": FLAG, "measure": MEASURE_SCHEMA,
}
_BAND_SCHEMA: dict[str, Any] = {"name": TEXT, "min": NUMBER, "max": NUMBER, "quota": NUMBER}
SCHEMA: dict[str, Any] = {
    "id": TEXT,
    "version": TEXT,
    "title": TEXT,
    "decision": {"number": TEXT, "date": TEXT, "body": TEXT, "province": TEXT},
    "defaults": {"step": NUMBER, "evidence_required": FLAG},
    "total_rule_text": TEXT,
    "sheet_title": TEXT,
    "content_heading": TEXT,
    "legal_basis": TEXT,
    "rules": {"bonus_cap": NUMBER, "penalty_cap": NUMBER, "total_floor": NUMBER,
              "criterion_floor": NUMBER, "criterion_floor_class": TEXT},
    "bands_verified": FLAG,
    "example": FLAG,
    "bands": [_BAND_SCHEMA],
    "conditions": [{"id": TEXT, "question": TEXT, "effect": TEXT, "class": TEXT}],
    "items": [ITEM_SCHEMA],
    # the titles a khối's members compete for (giao ước thi đua), highest first
    "titles": [{"name": TEXT, "quota": NUMBER, "all_targets": FLAG, "class": TEXT,
                "min_total": NUMBER}],
    # per-block variants: «địa phương tổ chức ít nhất 2 hoạt động; sở, ngành ít nhất 1»
    "blocks": [{"name": TEXT, "bands": [_BAND_SCHEMA], "items": [BLOCK_ITEM_SCHEMA]}],
}
_CODE = re.compile(r"^\d+(\.\d+)*$")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_COND_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_EPS = 1e-9


def is_multiple(value: float, step: float) -> bool:
    q = value / step
    return abs(q - round(q)) < 1e-7


def at_least(a: float, b: float) -> bool:
    """``a >= b`` as Excel and LibreOffice compare: two values equal to about 15 significant
    digits are equal (64,9 × 1000 is 64 900,000…01 in binary, and still 64 900 for them)."""
    return a >= b or abs(a - b) <= max(abs(a), abs(b)) * 2.0 ** -48


def excel_round(value: float, digits: int = 0) -> float:
    """ROUND as Excel and LibreOffice compute it: half away from zero, on the value as they show
    it (15 significant digits). 75.625 -> 75.63 and 2.675 -> 2.68, where Python's ``round``
    gives 75.62 and 2.67 (halves to even, on the binary value). The sheets' formulas use ROUND;
    every rounding of a score in Python goes through here."""
    shown = decimal.Decimal(format(value, ".15g"))
    return float(shown.quantize(decimal.Decimal(1).scaleb(-digits),
                                rounding=decimal.ROUND_HALF_UP))


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
class Tier:
    """A tier of a measured item: from ``min_percent`` % (in_1 / in_2) up, ``points``."""

    min_percent: float
    points: float

    def to_dict(self) -> dict[str, Any]:
        return {"min": num(self.min_percent), "points": num(self.points)}


@dataclass(frozen=True)
class Measure:
    """How a measured item's points come from the figures the agency reports.

    ``figures`` names them: the achieved count and the total (:data:`TIERS`, :data:`RATIO`), or
    the number of occurrences alone (:data:`COUNT`). Figures are whole numbers from 0, the first
    at most the second.
    """

    rule: str
    figures: tuple[str, ...]
    tiers: tuple[Tier, ...] = ()  # highest first
    per: float = 0.0  # COUNT: points per occurrence
    when_zero: str = FULL  # TIERS, RATIO: what a total of 0 scores
    decimals: int = 2  # RATIO (and TARGET below it, proportional): decimals of the points
    #: TARGET: the target's unit, the khối's minimum target, what a result below it scores
    unit: str = ""
    minimum: float | None = None
    below: str = RATIO

    @property
    def count(self) -> int:
        """How many figures the agency reports (a target item: what it achieved)."""
        return 1 if self.rule in (COUNT, TARGET) else 2

    def fits(self, value: float | None) -> bool:
        """Whether a target item's value (achieved or target) is one of its unit: a share from
        0 to 1 (a percentage as Excel stores it), a whole number from 0, or 1/0 («Có»/«Không»)."""
        if value is None or value < 0 or value > MAX_FIGURE:
            return False
        if self.unit == PERCENT:
            return value <= 1
        if self.unit == YESNO:
            return value in (0, 1)
        return value == int(value)

    def valid(self, figures: tuple[float | None, ...]) -> bool:
        """Whether ``figures`` are usable: whole numbers from 0, the first at most the second;
        a target item's (achieved, target) both of its unit."""
        if self.rule == TARGET:
            return len(figures) >= 2 and self.fits(figures[0]) and self.fits(figures[1])
        values = tuple(figures[:self.count]) + (None,) * (self.count - len(figures))
        if any(v is None or v < 0 or v > MAX_FIGURE or v != int(v) for v in values):
            return False
        return self.count == 1 or values[0] <= values[1]

    def points(self, max_points: float, figures: tuple[float | None, ...]
               ) -> tuple[float | None, bool]:
        """(points, does not apply) from the figures, as the sheet's formula computes them;
        (None, False) when the figures are not usable (:meth:`valid`). A target item's
        figures are (achieved, registered target): full points at or above the target."""
        if not self.valid(figures):
            return None, False
        a = float(figures[0])  # type: ignore[arg-type]
        if self.rule == COUNT:
            return min(a * self.per, max_points), False
        if self.rule == TARGET:
            return self._against_target(max_points, a, float(figures[1])), False
        b = float(figures[1])  # type: ignore[arg-type]
        if b == 0:
            return {FULL: (max_points, False), ZERO: (0.0, False),
                    DROP: (None, True)}[self.when_zero]
        if self.rule == RATIO:
            return excel_round(max_points * min(a / b, 1.0), self.decimals), False
        return self._tier_points(a, b), False

    def _tier_points(self, a: float, b: float) -> float:
        """The points of the first tier that ``a`` of ``b`` reaches (0 below them all)."""
        for tier in self.tiers:  # compared as 100·a ≥ p·b: exact for whole numbers
            if at_least(a * 100, tier.min_percent * b):
                return tier.points
        return 0.0

    def _against_target(self, max_points: float, achieved: float, target: float) -> float:
        if at_least(achieved, target):
            return max_points
        if self.below == ZERO:
            return 0.0
        if self.below == RATIO:  # the target is above 0 here
            return excel_round(max_points * achieved / target, self.decimals)
        return self._tier_points(achieved, target)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"rule": self.rule, "figures": list(self.figures)}
        if self.rule == TARGET:
            d.update(unit=self.unit, below=self.below)
            if self.minimum is not None:
                d["minimum"] = num(self.minimum)
            if self.below == TIERS:
                d["tiers"] = [t.to_dict() for t in self.tiers]
            if self.below == RATIO:
                d["decimals"] = self.decimals
            return d
        if self.rule == TIERS:
            d["tiers"] = [t.to_dict() for t in self.tiers]
        if self.rule == COUNT:
            d["per"] = num(self.per)
        else:
            d["when_zero"] = self.when_zero
        if self.rule == RATIO:
            d["decimals"] = self.decimals
        return d


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
    #: a measured item: its points come from figures (None: the points are typed)
    measure: Measure | None = None
    #: "" when the item always applies; else what «Không áp dụng» counts: FULL or DROP
    not_applicable: str = ""
    #: at least this share of its points (0.5), else the class is at most the rubric's
    #: ``criterion_floor_class`` — a floor on any item, not only on the tiêu chí
    floor: float | None = None

    @property
    def is_leaf(self) -> bool:
        return not self.children

    @property
    def reviewer_only(self) -> bool:
        """Whether only the reviewing side scores the item (the agency leaves it empty)."""
        return self.kind in REVIEWER_ONLY

    @property
    def droppable(self) -> bool:
        """Whether the item may not apply and then counts nothing (the total is rescaled)."""
        return self.not_applicable == DROP or (
            self.measure is not None and self.measure.count == 2 and self.measure.when_zero == DROP)

    def points_from(self, typed: float | None, figures: tuple[float | None, ...] = (),
                    marked: bool = False) -> tuple[float | None, bool]:
        """(points, does not apply) of a leaf: what «Không áp dụng» counts when ``marked`` (and
        allowed), else the points from the figures of a measured item, else ``typed``."""
        if marked and self.not_applicable:
            return (self.max_points, False) if self.not_applicable == FULL else (None, True)
        if self.measure is not None:
            return self.measure.points(self.max_points, figures)
        return typed, False

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
        if self.floor is not None:
            d["floor"] = num(self.floor)
        if self.is_leaf:
            d.update(kind=self.kind, step=num(self.step), evidence_required=self.evidence_required)
            # only when set: the hash of every rubric without them stays what it was
            if self.measure is not None:
                d["measure"] = self.measure.to_dict()
            if self.not_applicable:
                d["not_applicable"] = self.not_applicable
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
        if self.criterion_floor is not None or self.criterion_floor_class:
            d["criterion_floor_class"] = self.criterion_floor_class  # items' floors use it too
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
    #: «Tổng cộng» on the full scale when items may not apply (:meth:`Rubric.scaled_base`)
    scaled: float | None = None

    @property
    def complete(self) -> bool:
        return self.missing == 0


@dataclass(frozen=True)
class Title:
    """A title the members of a khối thi đua compete for («Cờ thi đua của UBND tỉnh»), and who
    may be proposed for it: a member that registered for it (or for a title above it), meeting
    every condition given, within the quota per khối (a tie at the quota is never split)."""

    name: str
    quota: int | None = None
    all_targets: bool = False  # every registered target achieved
    class_name: str = ""  # at least this class
    min_total: float | None = None  # at least this total

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "all_targets": self.all_targets}
        if self.quota is not None:
            d["quota"] = self.quota
        if self.class_name:
            d["class"] = self.class_name
        if self.min_total is not None:
            d["min_total"] = num(self.min_total)
        return d


@dataclass(frozen=True)
class Block:
    """A block's variant of the rubric: the items it words or scores otherwise, its own class
    bands. ``rubric`` is the whole rubric as that block's agencies use it."""

    name: str
    rubric: "Rubric"
    #: (code, the fields the variant changes), in the order written
    changes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    own_bands: bool = False

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name}
        if self.own_bands:
            d["bands"] = [b.to_dict() for b in self.rubric.bands]
        items = []
        for code, fields in self.changes:
            item = self.rubric.item(code)
            whole = item.to_dict()
            items.append({"code": code, **{f: whole[f] if f in whole else (
                item.measure.to_dict() if f == "measure" and item.measure else None)
                for f in fields}})
        if items:
            d["items"] = items
        return d


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
    #: an illustration, not a province's decision: shown as «ví dụ», never as verified
    example: bool = False
    rules: Rules = field(default_factory=Rules)
    total_rule_text: str = ""
    #: the rubric's own wording on the sheet (empty: the DVCQ wording of QĐ 274's sheet)
    sheet_title: str = ""
    content_heading: str = ""
    legal_basis: str = ""
    #: per-block variants (:meth:`for_block`)
    blocks: tuple[Block, ...] = ()
    #: the titles of a giao ước thi đua, highest first (empty for DVCQ scoring)
    titles: tuple[Title, ...] = ()
    #: a variant: the block it is for, and the hash of the whole rubric (what templates stamp)
    block: str = ""
    parent_hash: str = field(default="", compare=False)
    source: str = field(default="", compare=False)

    def for_block(self, name: str | None) -> "Rubric":
        """The rubric as agencies of block ``name`` use it: its variant, or the rubric itself
        for a block without one. Names compare as consolidation groups blocks: exactly, after
        Unicode normalisation (a block «ubnd cấp xã» is another block than «UBND cấp xã»)."""
        key = nfc(name)
        for block in self.blocks:
            if key and nfc(block.name) == key:
                return block.rubric
        return self

    @property
    def stamp_hash(self) -> str:
        """The hash a template stamps and a returned workbook is checked against: the whole
        rubric's, for a block's variant too."""
        return self.parent_hash or self.hash

    @property
    def all_class_names(self) -> list[str]:
        """Every class any block can be given, the rubric's own first."""
        names = list(self.class_names)
        for block in self.blocks:
            names += [n for n in block.rubric.class_names if n not in names]
        return names

    # -- structure ------------------------------------------------------------------------
    def walk(self) -> Iterator[Item]:
        for item in self.items:
            yield from item.walk()

    def leaves(self, kinds: tuple[str, ...] = KINDS) -> list[Item]:
        """The leaves of the given kinds; :data:`BONUS` includes the superior's bonus (both
        count in the capped bonus), :data:`SUPERIOR` the superior's bonus too (neither is the
        agency's to score)."""
        found = self._leaves_of.get(kinds)
        if found is None:
            wanted = (*kinds, SUPERIOR_BONUS) if BONUS in kinds or SUPERIOR in kinds else kinds
            found = self._leaves_of[kinds] = tuple(leaf for leaf in self._leaves
                                                   if leaf.kind in wanted)
        return list(found)

    @cached_property
    def _leaves_of(self) -> dict[tuple[str, ...], tuple[Item, ...]]:
        return {}  # kinds -> leaves: asked for many times per checked file

    @cached_property
    def _leaves(self) -> tuple[Item, ...]:
        return tuple(leaf for item in self.items for leaf in item.leaves())

    def item(self, code: str) -> Item:
        """The item with ``code`` (KeyError if none); looked up many times per checked file."""
        return self._by_code[code]

    @cached_property
    def _families(self) -> dict[str, tuple[Item, ...]]:
        """Top-level items by what they count in (asked for on every score)."""
        return {family: tuple(i for i in self.items if _family_of(i) == family)
                for family in ("base", BONUS, PENALTY)}

    @cached_property
    def _by_code(self) -> dict[str, Item]:
        return {it.code: it for it in self.walk()}

    @property
    def base_items(self) -> list[Item]:
        """Top-level tiêu chí that count in "Tổng cộng" (scored or superior-only)."""
        return list(self._families["base"])

    @property
    def bonus_items(self) -> list[Item]:
        return list(self._families[BONUS])

    @property
    def penalty_items(self) -> list[Item]:
        return list(self._families[PENALTY])

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
    def heading(self) -> str:
        """The sheet's first line: the rubric's own, or «BẢNG CHẤM ĐIỂM»."""
        return self.sheet_title or "BẢNG CHẤM ĐIỂM"

    @property
    def content_title(self) -> str:
        """The heading of the content column: the rubric's own, or the DVCQ one."""
        return self.content_heading or "NỘI DUNG CÁC TIÊU CHÍ ĐÁNH GIÁ CÔNG TÁC DÂN VẬN CHÍNH QUYỀN"

    @property
    def basis(self) -> str:
        """The legal basis line: «(Theo …)» with the rubric's documents (a Quyết định and its
        Thông tư, say), or its decision."""
        if self.legal_basis:
            return f"(Theo {self.legal_basis})"
        text = f"(Theo Quyết định số {self.decision.number}"
        if self.decision.date:
            text += f" ngày {self.decision.date_vn}"
        if self.decision.body:
            text += f" của {self.decision.body}"
        return text + ")"

    @property
    def trust(self) -> str:
        """How far the rubric can be trusted, in Vietnamese: an example never reads as more
        trustworthy than a real decision."""
        if self.example:
            return "ví dụ, không phải văn bản thật"
        return "đã đối chiếu" if self.bands_verified else "chưa đối chiếu"

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
            # only when set, so that the hash of every rubric written before them stays the same
            **{key: value for key, value in (("sheet_title", self.sheet_title),
                                             ("content_heading", self.content_heading),
                                             ("legal_basis", self.legal_basis)) if value},
            # only when set, so that the hash of every real rubric stays what it was
            **({"example": True} if self.example else {}),
            **({"blocks": [b.to_dict() for b in self.blocks]} if self.blocks else {}),
            **({"titles": [t.to_dict() for t in self.titles]} if self.titles else {}),
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
            return list(self._self_leaves)
        return self.leaves()

    @cached_property
    def _self_leaves(self) -> tuple[Item, ...]:
        return tuple(leaf for leaf in self.leaves() if not leaf.reviewer_only)

    def score(
        self,
        values: Mapping[str, float | None],
        answers: Mapping[str, bool | None] | None = None,
        column: str = "self",
        dropped: Iterable[str] = (),
    ) -> Score:
        """Compute one column exactly as the template's formulas do.

        ``values`` maps leaf codes to points (None or absent: not filled) — for a measured item
        or one marked «Không áp dụng», the points :meth:`Item.points_from` gives; ``dropped``
        holds the items that do not apply and count nothing, whose maxima leave the scale
        (:meth:`scaled_base`). ``answers`` maps condition ids to True ("Có"), False ("Không")
        or None (not answered). Superior-only items count only in the review column. Unfilled
        items count 0 in the sums; ``missing`` tells how many inputs (items and conditions) are
        still empty.
        """
        answers = answers or {}
        dropped = frozenset(dropped)
        leaves = self.column_leaves(column)
        counted = {leaf.code: values.get(leaf.code) for leaf in leaves}
        filled = sum(1 for leaf in leaves
                     if counted[leaf.code] is not None or leaf.code in dropped)
        filled += sum(1 for c in self.conditions if answers.get(c.id) is not None)
        missing = len(leaves) + len(self.conditions) - filled
        raw = self.base_sum(counted)
        base = self.scaled_base(raw, dropped)
        bonus, penalty, total = self.totals(base or 0.0, counted, answers)
        return Score(
            base=round(raw or 0.0, 9),
            bonus=round(bonus, 9),
            penalty=round(penalty, 9),
            total=total,
            class_name=self.classify(total, answers, counted, dropped),
            filled=filled,
            missing=missing,
            scaled=base if self.rescaled and raw is not None else None,
        )

    @cached_property
    def rescaled(self) -> bool:
        """Whether an item may not apply and count nothing: the sheet then has a row «quy đổi»
        that brings «Tổng cộng» back to the full scale."""
        return any(leaf.droppable for item in self.base_items for leaf in item.leaves())

    def scaled_base(self, base: float | None, dropped: Iterable[str] = ()) -> float | None:
        """«Tổng cộng» on the full scale: base × full / (full − maxima of the items that do not
        apply), rounded to 2 decimals (half away from zero, as ROUND); 0 when nothing applies.
        The base itself for a rubric where every item applies (:attr:`rescaled`)."""
        if not self.rescaled or base is None:
            return base
        applicable = self.base_max - sum(self.item(code).max_points for code in dropped)
        if applicable <= _EPS:
            return 0.0
        return excel_round(base * self.base_max / applicable, 2)

    def subtotals(self, values: Mapping[str, float | None]) -> dict[str, float | None]:
        """Every item's points as the sheet shows them: a leaf its value, a parent the sum of its
        children that hold a number (None when none does, as the template's ``IF(COUNT(…)=0,"",
        SUM(…))``)."""
        out: dict[str, float | None] = {}
        for code, children in self._post_order:
            if children is None:
                value = values.get(code)
                out[code] = None if value is None else float(value)
            else:
                parts = [out[c] for c in children if out[c] is not None]
                out[code] = float(sum(parts)) if parts else None
        return out

    @cached_property
    def _post_order(self) -> tuple[tuple[str, tuple[str, ...] | None], ...]:
        """(code, children's codes or None for a leaf), children before their parent."""
        out: list[tuple[str, tuple[str, ...] | None]] = []

        def visit(item: Item) -> None:
            for child in item.children:
                visit(child)
            out.append((item.code, None if item.is_leaf else
                        tuple(c.code for c in item.children)))

        for item in self.items:
            visit(item)
        return tuple(out)

    def base_sum(self, values: Mapping[str, float | None]) -> float | None:
        """«Tổng cộng»: the tiêu chí that count in it, summed as the sheet does (None if empty)."""
        subs = self.subtotals(values)
        parts = [subs[item.code] for item in self.base_items if subs[item.code] is not None]
        return float(sum(parts)) if parts else None

    def over_caps(self, values: Mapping[str, float | None],
                  answers: Mapping[str, bool | None] | None = None
                  ) -> list[tuple[str, float, float]]:
        """(kind, sum, cap) for bonus and penalty items whose points add up past their cap
        (:meth:`totals` counts the cap): none for the bonus when a condition removes it."""
        answers = answers or {}
        removed = any(answers.get(c.id) for c in self.conditions if c.effect == REMOVE_BONUS)
        out = []
        for kind, cap in ((BONUS, self.bonus_max), (PENALTY, self.penalty_max)):
            if kind == BONUS and removed:
                continue
            raw = float(sum(float(values.get(leaf.code) or 0) for leaf in self.leaves((kind,))))
            if raw > cap + _EPS:
                out.append((kind, round(raw, 9), cap))
        return out

    def totals(self, base: float, values: Mapping[str, float | None],
               answers: Mapping[str, bool | None] | None = None) -> tuple[float, float, float]:
        """(bonus, penalty, total) from «Tổng cộng» and the bonus and penalty items: each sum cut
        to its cap («tối đa»), the bonus removed by a condition answered «Có», the total floored.
        The one computation of them: the score, the checks and the template's formulas agree."""
        answers = answers or {}

        def family(kind: str) -> float:
            return float(sum(float(values.get(leaf.code) or 0) for leaf in self.leaves((kind,))))

        bonus = min(family(BONUS), self.bonus_max)
        if any(answers.get(c.id) for c in self.conditions if c.effect == REMOVE_BONUS):
            bonus = 0.0
        penalty = min(family(PENALTY), self.penalty_max)
        total = round(max(self.rules.total_floor, base + bonus - penalty), 9)
        return bonus, penalty, total

    def below_floor(self, values: Mapping[str, float | None], dropped: Iterable[str] = ()
                    ) -> list[tuple[Item, float]]:
        """The items under their floor (:attr:`floors`; NĐ 122's «no tiêu chí under 50 %»), with
        the points they got; the points of items that do not apply (``dropped``) leave the tiêu
        chí's maximum. A tiêu chí not scored at all yet (superior-only before the review) is
        not «low»."""
        dropped = frozenset(dropped)
        low = []
        for item, floor in self.floors:
            scored = [values.get(leaf.code) for leaf in item.leaves()]
            if all(v is None for v in scored):
                continue
            got = float(sum(v or 0 for v in scored))
            full = item.max_points - sum(leaf.max_points for leaf in item.leaves()
                                         if leaf.code in dropped)
            if got < floor * full - _EPS:
                low.append((item, got))
        return low

    @cached_property
    def floors(self) -> tuple[tuple[Item, float], ...]:
        """(item, share) of every floor, in the sheet's order: an item's own ``floor``, and
        ``rules.criterion_floor`` on every tiêu chí that counts in «Tổng cộng» without one."""
        out = []
        for top in self.items:
            for item in top.walk():
                share = item.floor
                if share is None and item is top and top in self.base_items:
                    share = self.rules.criterion_floor
                if share is not None:
                    out.append((item, share))
        return tuple(out)

    def floor_class(self, class_name: str) -> str:
        """The class a tiêu chí below the floor allows at most (``criterion_floor_class``)."""
        index = max(self.band_index(class_name),
                    self.band_index(self.rules.criterion_floor_class))
        return self.bands[index].name

    def classify(self, total: float, answers: Mapping[str, bool | None] | None = None,
                 values: Mapping[str, float | None] | None = None,
                 dropped: Iterable[str] = ()) -> str:
        """The class of a total, after the overriding conditions answered "Có" and — given the
        points item by item (``values``) — the criterion floor (:meth:`below_floor`)."""
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
        if values is not None and self.below_floor(values, dropped):
            index = max(index, self.band_index(self.rules.criterion_floor_class))
        return self.bands[index].name


def _family_of(item: Item) -> str:
    return _FAMILY[next(item.leaves()).kind]


# --- building and validating ------------------------------------------------------------------


class _Marker:
    """A key of the raw mapping that no rubric file can write: where the mapping came from."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.name}>"


#: raw[LOC]: where a mapping is ({"line": n} or {"sheet": …, "cell": …}); raw[KEYS]: key -> where
#: that key's value is. Set by the loaders; a raw mapping without them is reported unlocated.
LOC, KEYS = _Marker("loc"), _Marker("keys")
_PLACE_FIELDS = ("line", "sheet", "cell")


def _place(where: Any) -> dict[str, Any]:
    """Only the location fields of ``where`` (anything else a caller put there is ignored)."""
    if not isinstance(where, Mapping):
        return {}
    return {k: where[k] for k in _PLACE_FIELDS if where.get(k) is not None}


def _loc_of(raw: Any, key: Any = None) -> dict[str, Any]:
    """Where ``raw[key]`` is (or ``raw`` itself when the key's place is not known)."""
    if not isinstance(raw, Mapping):
        return {}
    keys = raw.get(KEYS)
    if key is not None and isinstance(keys, Mapping) and key in keys:
        return _place(keys[key])
    return _place(raw.get(LOC))


def _where(loc: Mapping[str, Any]) -> str:
    if "sheet" in loc:
        return f"{loc['sheet']}!{loc['cell']}" if loc.get("cell") else str(loc["sheet"])
    return f"dòng {loc['line']}" if "line" in loc else "một mục trước"


class _Problems:
    """Collects findings while building; locations come from the raw mapping's LOC and KEYS."""

    def __init__(self, source: str):
        self.source = source
        self.findings: list[Finding] = []

    def add(self, code: str, raw: Any = None, key: Any = None, **fields: Any) -> None:
        loc = _loc_of(raw, key)
        if "loc" in fields:
            loc.update(_place(fields.pop("loc")))
        self.findings.append(make(code, path=self.source, **loc, **fields))


def _shown(value: Any) -> str:
    """A value as a finding quotes it: short, and never the loader's bookkeeping."""
    if isinstance(value, Mapping):
        return "một bảng khóa: giá trị"
    if isinstance(value, (list, tuple, set, frozenset)):
        return "một danh sách"
    if isinstance(value, (bytes, bytearray)):
        return "dữ liệu nhị phân"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = nfc(value)
    return text if len(text) <= 60 else text[:57] + "…"


_NEED = {
    dict: "cần một bảng các dòng «khóa: giá trị»",
    list: "cần một danh sách (mỗi phần tử một dòng «- …»)",
    TEXT: "cần một đoạn chữ",
    NUMBER: "cần một con số",
    FLAG: "cần «Có» hoặc «Không»",
}
# Characters a cell cannot hold or that reorder what a reader sees; whitespace is folded by nfc.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _check_shape(p: _Problems, raw: Any) -> int:
    """Report every value whose kind is not the one :data:`SCHEMA` gives its field, and every
    unknown field; bound the document's size and depth. Return how many items and conditions
    it has (each takes at least a row of the score sheet).

    Walked breadth-first with an explicit queue: a mapping handed to :func:`build_rubric` by a
    program may be nested without limit.
    """
    if not isinstance(raw, Mapping):
        p.add("rubric-syntax", detail="nội dung phải là một bảng các dòng «khóa: giá trị», "
              f"không phải {_shown(raw)}")
        return 0
    queue: deque[tuple[Any, Any, str, dict, int]] = deque([(raw, SCHEMA, "", _loc_of(raw), 1)])
    nodes = rows = 0
    while queue:
        value, spec, name, loc, depth = queue.popleft()
        nodes += 1
        nested = isinstance(value, (Mapping, list))  # depth counts collections, as the loader
        if (nested and depth > MAX_NESTING) or nodes > MAX_NODES:
            detail = (f"lồng nhau quá {MAX_NESTING} cấp" if depth > MAX_NESTING
                      else f"hơn {MAX_NODES} giá trị")
            p.add("rubric-too-large", loc=loc, detail=detail)
            return rows
        if isinstance(spec, dict):
            if not isinstance(value, Mapping):
                p.add("rubric-field-invalid", loc=loc, field=name, found=_shown(value),
                      detail=_NEED[dict])
                continue
            if spec is ITEM_SCHEMA or spec is SCHEMA["conditions"][0]:
                rows += 1
            here = _loc_of(value)
            keys = value.get(KEYS)
            for key, sub in value.items():
                if isinstance(key, _Marker):
                    continue
                # a workbook names a field by its column header, which is what the user sees
                entry = keys.get(key) if isinstance(keys, Mapping) else None
                shown_as = entry.get("name") if isinstance(entry, Mapping) else None
                field_name = (shown_as if isinstance(shown_as, str) and shown_as
                              else f"{name}.{key}" if name else str(key))
                key_loc = _loc_of(value, key) or here
                if key not in spec:
                    p.add("rubric-field-unknown", loc=key_loc, found=field_name,
                          expected=", ".join(spec))
                elif sub is not None:  # null: as if the field were left out
                    queue.append((sub, spec[key], field_name, key_loc, depth + 1))
        elif isinstance(spec, list):
            if not isinstance(value, list):
                p.add("rubric-field-invalid", loc=loc, field=name, found=_shown(value),
                      detail=_NEED[list])
                continue
            lines = getattr(value, "lines", None) or []
            # a list gathered from cells (a workbook's «Số liệu 1», «Số liệu 2») names each
            # element by its own column
            places = getattr(value, "places", None) or []
            for i, element in enumerate(value):
                element_loc = (_loc_of(element) if isinstance(element, Mapping) else
                               {"line": lines[i]} if i < len(lines) else
                               _place(places[i]) if i < len(places) else loc)
                element_name = (places[i]["name"] if i < len(places) and places[i].get("name")
                                else f"{name}[{i + 1}]")
                queue.append((element, spec[0], element_name, element_loc, depth + 1))
        else:
            problem = _scalar_problem(value, spec)
            if problem:
                p.add("rubric-field-invalid", loc=loc, field=name, found=_shown(value),
                      detail=problem)
    return rows


def _scalar_problem(value: Any, spec: str) -> str:
    """Why ``value`` cannot be a TEXT, NUMBER or FLAG ("" when it can)."""
    if value is None:
        return "phần tử trống; " + _NEED[spec]
    if isinstance(value, bool):
        if spec == TEXT:
            return (_NEED[TEXT] + "; nếu đúng là chữ yes/no/true/false thì đặt trong dấu nháy")
        return _NEED[NUMBER] if spec == NUMBER else ""
    if not isinstance(value, (str, int, float)):
        return _NEED[spec]
    if spec == NUMBER and _parse_number(value) is None:
        return _NEED[NUMBER]
    if spec == FLAG and nfc(value).lower() not in _YES_WORDS + _NO_WORDS:
        return _NEED[FLAG]
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            return f"dài {len(value)} ký tự, quá mức tối đa {MAX_TEXT} ký tự"
        bad = _FORBIDDEN.search(value)
        if bad:
            return f"có ký tự điều khiển U+{ord(bad.group()):04X} không ghi được vào bảng tính"
    return ""


_NUMBER_TEXT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def _parse_number(value: Any) -> float | None:
    """A finite number from a number or from text typed as one ("0,5"); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            result = float(value)
        except OverflowError:  # an integer of hundreds of digits
            return None
        return result if math.isfinite(result) else None
    text = nfc(value).replace(",", ".")
    if not _NUMBER_TEXT.match(text):
        return None
    result = float(text)
    return result if math.isfinite(result) else None


def _present(raw: Mapping, key: str) -> bool:
    value = raw.get(key)
    return value is not None and not (isinstance(value, str) and not value.strip())


#: What a band's numbers are called on the sheet, for rubric-band-invalid.
_BAND_WORDS = {"min": "điểm «từ»", "max": "điểm «đến»", "quota": "tỷ lệ tối đa"}


def _number(p: _Problems, raw: Mapping, key: str, default: Any = None, *, item: str = "",
            code: str = "rubric-field-invalid", field: str = "", low: float = 0.0,
            high: float = MAX_POINTS, above: bool = False) -> Any:
    """The number in ``raw[key]``, or ``default`` when it is left empty.

    A value that is not a number, or lies outside [low, high] ((low, high] with ``above``), is
    reported with ``code`` at the key's place and gives None.
    """
    if not _present(raw, key):
        return default
    value = raw.get(key)
    number = _parse_number(value)
    if number is not None and (number > low if above else number >= low) and number <= high:
        return number
    need = (f"cần một số lớn hơn {num(low)} và không quá {num(high)}" if above
            else f"cần một số từ {num(low)} đến {num(high)}")
    found = _shown(value)
    # a workbook names a field by its column, which is what the officer sees
    entry = raw.get(KEYS, {}).get(key) if isinstance(raw.get(KEYS), Mapping) else None
    if isinstance(entry, Mapping) and entry.get("name"):
        field = str(entry["name"])
    if code in ("rubric-max-invalid", "rubric-step-invalid"):
        p.add(code, raw, key, item=item, found=found, expected=num(high))
    elif code == "rubric-rule-invalid":
        p.add(code, raw, key, field=field or key, found=found, detail=f"«{found}» không hợp lệ, "
              + need)
    elif code == "rubric-measure-invalid":
        p.add(code, raw, key, item=item, found=found, detail=f"«{field or key}» «{found}» không "
              f"hợp lệ, {need}")
    elif code == "rubric-band-invalid":
        p.add(code, raw, key, item=item, found=found,
              detail=f"{_BAND_WORDS.get(key, key)} «{found}» không hợp lệ, {need}")
    else:
        p.add(code, raw, key, field=field or key, found=found, item=item or None, detail=need)
    return None


_YES_WORDS = ("có", "co", "yes", "true", "x", "1")
_NO_WORDS = ("không", "khong", "no", "false", "", "0")


def _flag(p: _Problems, raw: Mapping, key: str, default: bool) -> bool:
    value = raw.get(key, default)
    if isinstance(value, bool):
        return value
    text = nfc(value).lower()
    if text in _YES_WORDS:
        return True
    if text in _NO_WORDS:
        return False if text else default
    p.add("rubric-field-invalid", raw, key, field=key, found=_shown(value),
          detail="cần «Có» hoặc «Không»")
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
        "kind",
        item=code,
        found=_shown(text),
        expected=", ".join(f"{label} ({k})" for k, label in KIND_LABELS.items()),
    )
    return inherited


def _build_item(p: _Problems, raw: Mapping, parent: str | None, defaults: dict, seen: dict,
                inherited_kind: str) -> Item | None:
    code = nfc(raw.get("code"))
    if not _CODE.match(code):
        p.add("rubric-code-invalid", raw, "code", found=_shown(code) or "(trống)", item=code)
        return None
    if code in seen:
        p.add("rubric-code-duplicate", raw, "code", item=code, expected=seen[code])
        return None
    seen[code] = _where(_loc_of(raw, "code"))
    if parent is not None and not code.startswith(parent + "."):
        p.add("rubric-code-orphan", raw, "code", item=code, expected=parent)
    if parent is None and "." in code:
        p.add("rubric-code-orphan", raw, "code", item=code, expected=code.rsplit(".", 1)[0])
    if code.count(".") + 1 > MAX_DEPTH:
        p.add("rubric-too-deep", raw, "code", item=code)

    kind = _kind(p, raw, raw.get("kind"), inherited_kind, code)
    step = _number(p, raw, "step", defaults["step"], item=code, code="rubric-step-invalid",
                   above=True)
    floor = _number(p, raw, "floor", None, item=code, field="floor", high=1.0, above=True)
    evidence = _flag(p, raw, "evidence_required", defaults["evidence_required"])
    max_given = _present(raw, "max")
    max_points = _number(p, raw, "max", None, item=code, code="rubric-max-invalid", above=True)
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
            p.add("rubric-sum-mismatch", raw, "max", item=code, found=num(max_points),
                  expected=num(child_sum))
    elif raw_children:
        max_points = max_points or 0.0  # children all invalid: already reported
    else:
        if max_points is None:
            if not max_given:  # an invalid value is already reported
                p.add("rubric-max-invalid", raw, item=code, found="(trống)",
                      expected=num(MAX_POINTS))
            max_points = 0.0
        elif step and not is_multiple(max_points, step):
            p.add("rubric-step-mismatch", raw, "step" if _present(raw, "step") else "max",
                  item=code, found=num(step), expected=num(max_points))
    measure = not_applicable = None
    if children:  # step, kind and evidence belong to leaves; a parent only passes them down
        kind, step, evidence = children[0].kind, 1.0, False
        for key in ("measure", "not_applicable"):
            if _present(raw, key):
                p.add("rubric-measure-invalid", raw, key, item=code,
                      detail="chỉ mục không có mục con mới tính từ số liệu hoặc được đánh dấu "
                             "«Không áp dụng»")
    else:
        if isinstance(raw.get("measure"), Mapping):
            measure = _build_measure(p, raw["measure"], code, float(max_points or 0), kind)
        not_applicable = _choice(p, raw, "not_applicable", NA_LABELS, code)
        if not_applicable and kind != SCORED:
            p.add("rubric-measure-invalid", raw, "not_applicable", item=code,
                  detail=f"chỉ mục «{KIND_LABELS[SCORED]}» mới được đánh dấu «Không áp dụng»")
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
        measure=measure,
        not_applicable=not_applicable or "",
        floor=floor,
    )


def _choice(p: _Problems, raw: Mapping, key: str, labels: Mapping[str, str], item: str,
            ) -> str | None:
    """The key of ``labels`` that ``raw[key]`` names (by key or by its Vietnamese label, any
    case); None when empty, or reported when it names none."""
    if not _present(raw, key):
        return None
    text = nfc(raw.get(key)).casefold()
    for choice, label in labels.items():
        if text in (choice, label.casefold()):
            return choice
    p.add("rubric-measure-invalid", raw, key, item=item,
          detail=f"«{_shown(raw.get(key))}» không có; dùng một trong: " + ", ".join(
              f"{label} ({choice})" for choice, label in labels.items()))
    return None


def _target_fields(p: _Problems, raw: Mapping, code: str, figures: tuple[str, ...]
                   ) -> tuple[str, float | None, str]:
    """A target item's unit, the khối's minimum target and what scores below the target."""
    unit = _choice(p, raw, "unit", UNIT_LABELS, code) or ""
    if not unit and not _present(raw, "unit"):
        p.add("rubric-measure-invalid", raw, "unit", item=code,
              detail="chỉ tiêu đăng ký cần đơn vị (unit): " + ", ".join(
                  f"{label} ({key})" for key, label in UNIT_LABELS.items()))
    below = _choice(p, raw, "below", BELOW_LABELS, code) or RATIO
    minimum = _number(p, raw, "minimum", None, item=code, code="rubric-measure-invalid",
                      field="minimum")
    if minimum is not None and unit and not Measure(TARGET, figures, unit=unit).fits(minimum):
        p.add("rubric-measure-invalid", raw, "minimum", item=code,
              detail=f"mức tối thiểu {num(minimum)} không phải một giá trị của đơn vị "
                     f"«{UNIT_LABELS[unit]}» (tỷ lệ viết từ 0 đến 1, ví dụ 0,15 là 15 %; "
                     "Có/Không viết 1 hoặc 0; số lượng là số nguyên)")
    return unit, minimum, below


def _build_measure(p: _Problems, raw: Mapping, code: str, max_points: float, kind: str
                   ) -> Measure | None:
    """A measured item's rule, every problem reported (rubric-measure-invalid)."""
    def bad(key: str | None, detail: str) -> None:
        p.add("rubric-measure-invalid", raw, key, item=code, detail=detail)

    if kind in REVIEWER_ONLY:
        bad("rule", f"mục «{KIND_LABELS[kind]}» không tính từ số liệu của cơ quan")
        return None
    rule = _choice(p, raw, "rule", MEASURE_LABELS, code)
    if rule is None:
        if not _present(raw, "rule"):
            bad(None, "thiếu cách tính (rule): " + ", ".join(
                f"{label} ({key})" for key, label in MEASURE_LABELS.items()))
        return None
    count = 1 if rule in (COUNT, TARGET) else 2
    figures = tuple(nfc(f) for f in (raw.get("figures") or []))
    if rule == TARGET and not figures:
        figures = ("Kết quả đạt được",)
    if len(figures) != count or not all(figures):
        bad("figures", f"cách tính «{MEASURE_LABELS[rule]}» cần tên của {count} số liệu "
                       f"(có {sum(1 for f in figures if f)})")
    when_zero = FULL
    if count == 2:
        when_zero = _choice(p, raw, "when_zero", ZERO_LABELS, code) or FULL
        if when_zero == DROP and kind != SCORED:
            bad("when_zero", f"chỉ mục «{KIND_LABELS[SCORED]}» mới có thể không áp dụng")
    elif _present(raw, "when_zero"):
        bad("when_zero", "chỉ cách tính theo tỷ lệ mới có số liệu 2 (tổng số)")
    number = functools.partial(_number, p, raw, code="rubric-measure-invalid", item=code)
    per, decimals, tiers = 0.0, 2, []
    unit, minimum, below = (_target_fields(p, raw, code, figures) if rule == TARGET
                            else ("", None, RATIO))
    if rule == COUNT:
        per = number("per", None, above=True, field="per")
        if per is None and not _present(raw, "per"):
            bad("per", "thiếu số điểm cho mỗi lần (per)")
        per = per or 0.0
    if rule == RATIO or (rule == TARGET and below == RATIO):
        decimals = number("decimals", 2, high=MAX_DECIMALS, field="decimals")
        if decimals is not None and decimals != int(decimals):
            bad("decimals", "số chữ số thập phân phải là số nguyên")
        decimals = int(decimals or 0)
    allowed = {"per": rule == COUNT,
               "decimals": rule == RATIO or (rule == TARGET and below == RATIO),
               "tiers": rule == TIERS or (rule == TARGET and below == TIERS),
               "unit": rule == TARGET, "minimum": rule == TARGET, "below": rule == TARGET}
    wanted = {"per": COUNT, "decimals": RATIO, "tiers": TIERS, "unit": TARGET,
              "minimum": TARGET, "below": TARGET}
    for key, ok in allowed.items():
        if not ok and _present(raw, key) and raw.get(key) != []:
            bad(key, f"«{key}» chỉ dùng với cách tính «{MEASURE_LABELS[wanted[key]]}»")
    if rule == TIERS or (rule == TARGET and below == TIERS):
        for tier_raw in raw.get("tiers") or []:
            low = _number(p, tier_raw, "min", None, item=code, code="rubric-measure-invalid",
                          field="tiers.min", high=MAX_POINTS)
            pts = _number(p, tier_raw, "points", None, item=code, code="rubric-measure-invalid",
                          field="tiers.points", high=max_points)
            if low is None or pts is None:
                if not (_present(tier_raw, "min") and _present(tier_raw, "points")):
                    p.add("rubric-measure-invalid", tier_raw, item=code,
                          detail="mỗi bậc cần tỷ lệ tối thiểu (min, %) và số điểm (points)")
                continue
            tiers.append(Tier(low, pts))
        if not tiers and not raw.get("tiers"):
            bad("tiers", "cách tính «Bậc theo tỷ lệ» cần ít nhất một bậc")
        tiers.sort(key=lambda t: -t.min_percent)
        for hi, lo in zip(tiers, tiers[1:]):
            if hi.min_percent == lo.min_percent:
                bad("tiers", f"hai bậc cùng bắt đầu từ {num(hi.min_percent)} %")
            elif hi.points < lo.points:
                bad("tiers", f"bậc từ {num(hi.min_percent)} % được {num(hi.points)} điểm, ít hơn "
                             f"bậc thấp hơn từ {num(lo.min_percent)} % ({num(lo.points)} điểm)")
    return Measure(rule=rule, figures=figures, tiers=tuple(tiers), per=per,
                   when_zero=when_zero, decimals=decimals, unit=unit, minimum=minimum,
                   below=below)


def _raise(p: _Problems, name: str) -> None:
    first = p.findings[0]
    raise RubricError(f"Bộ tiêu chí {name} có {len(p.findings)} lỗi; lỗi đầu tiên: {first}",
                      p.findings)


def _mapping(raw: Mapping, key: str) -> Mapping:
    value = raw.get(key)
    return value if isinstance(value, Mapping) else {}


def _identity(p: "_Problems", raw: Mapping[str, Any]) -> str:
    """The id, version and title every rubric must have; the id as it is used in file names."""
    for key in ("id", "version", "title"):
        if not nfc(raw.get(key)):
            p.add("rubric-field-missing", raw, key, field=key)
    rubric_id = nfc(raw.get("id"))
    if rubric_id and not _ID.match(rubric_id):
        p.add("rubric-field-invalid", raw, "id", field="id", found=_shown(rubric_id),
              detail="chỉ dùng chữ thường không dấu, số và dấu gạch ngang")
    return rubric_id


def _real_date(text: str) -> bool:
    import datetime as _dt

    if not re.match(r"^\d{4}-\d{2}-\d{2}$", text):
        return False
    try:
        _dt.date.fromisoformat(text)
    except ValueError:  # 2025-13-45
        return False
    return True


def _decision(p: "_Problems", raw: Mapping[str, Any]) -> Decision:
    dec = _mapping(raw, "decision")
    decision = Decision(
        number=nfc(dec.get("number")),
        date=nfc(dec.get("date")),
        body=nfc(dec.get("body")),
        province=nfc(dec.get("province")),
    )
    if decision.date and not _real_date(decision.date):
        p.add("rubric-field-invalid", dec, "date", field="decision.date", found=decision.date,
              detail="ngày viết dạng năm-tháng-ngày và có thật, ví dụ 2017-05-26")
    return decision


def _rules(p: "_Problems", rules_raw: Mapping[str, Any]) -> Rules:
    rule = functools.partial(_number, p, rules_raw, code="rubric-rule-invalid")
    return Rules(
        bonus_cap=rule("bonus_cap"),
        penalty_cap=rule("penalty_cap"),
        total_floor=rule("total_floor", 0.0) or 0.0,
        criterion_floor=rule("criterion_floor", high=1.0, above=True),
        criterion_floor_class=nfc(rules_raw.get("criterion_floor_class")),
    )


def build_rubric(raw: Mapping[str, Any], source: str = "") -> Rubric:
    """Validate a raw rubric mapping and build the model; raise RubricError with every problem.

    The shape comes first (every field of the kind :data:`SCHEMA` gives it, nothing unknown,
    within :data:`MAX_NESTING` and :data:`MAX_NODES`), then the content. Any value is accepted
    as input: what is not a rubric is reported, never raised as another exception.
    """
    p = _Problems(source)
    rows = _check_shape(p, raw)
    if p.findings:
        _raise(p, source or "này")
    if rows > MAX_SHEET_ROWS:  # each item and condition takes a row at least: refuse before work
        p.add("rubric-too-many-rows", raw, found=f"ít nhất {rows}", expected=MAX_SHEET_ROWS)
        _raise(p, source or nfc(raw.get("id")))
    rubric_id = _identity(p, raw)
    decision = _decision(p, raw)
    defaults_raw = _mapping(raw, "defaults")
    defaults = {
        "step": _number(p, defaults_raw, "step", 1.0, field="defaults.step", above=True) or 1.0,
        "evidence_required": _flag(p, defaults_raw, "evidence_required", False),
    }
    seen: dict[str, str] = {}
    # Pair each built item with its own raw mapping: invalid items are dropped, so a later zip
    # of the two lists would point at the wrong line.
    built = [(_build_item(p, r, None, defaults, seen, SCORED), r) for r in raw.get("items") or []]
    built = [(item, item_raw) for item, item_raw in built if item is not None]
    items = tuple(item for item, _ in built)
    if not raw.get("items"):
        p.add("rubric-no-items", raw, "items")
    for item, item_raw in built:
        families = {_FAMILY[leaf.kind] for leaf in item.leaves()}
        if len(families) > 1:
            kinds = sorted({KIND_LABELS[leaf.kind] for leaf in item.leaves()})
            p.add("rubric-kind-mixed", item_raw, "code", item=item.code, found=", ".join(kinds))

    rules_raw = _mapping(raw, "rules")
    rules = _rules(p, rules_raw)
    bands = _build_bands(p, raw.get("bands") or [], raw)
    names = [b.name for b in bands]
    _check_floors_placed(p, built)
    has_floor = rules.criterion_floor is not None or any(
        item.floor is not None for top in items for item in top.walk())
    if has_floor and rules.criterion_floor_class not in names:
        p.add("rubric-rule-invalid", rules_raw, "criterion_floor_class",
              field="criterion_floor_class",
              detail=f"«{rules.criterion_floor_class}» không phải một mức xếp loại")
    conditions = _build_conditions(p, raw.get("conditions") or [], names)
    titles = _build_titles(p, raw.get("titles") or [], names)

    rubric = Rubric(
        id=rubric_id,
        version=nfc(raw.get("version")),
        title=nfc(raw.get("title")),
        decision=decision,
        items=items,
        bands=bands,
        bands_verified=_flag(p, raw, "bands_verified", False),
        example=_flag(p, raw, "example", False),
        conditions=conditions,
        rules=rules,
        total_rule_text=nfc(raw.get("total_rule_text")),
        sheet_title=nfc(raw.get("sheet_title")),
        content_heading=nfc(raw.get("content_heading")),
        legal_basis=nfc(raw.get("legal_basis")),
        titles=titles,
        source=source,
    )
    if bands and items and not p.findings:
        _check_coverage(p, rubric, raw)
    if items and not p.findings:
        _check_sheet_rows(p, rubric, raw)
    if raw.get("blocks") and not p.findings:
        rubric = _with_blocks(p, rubric, raw, source)
    if p.findings:
        _raise(p, source or rubric_id)
    return rubric


def _check_floors_placed(p: _Problems, built: list[tuple[Item, Mapping]]) -> None:
    """A floor only on what counts in «Tổng cộng»: on a bonus or a deduction it would cap the
    class of an agency that simply had nothing to add or deduct."""
    for item, item_raw in built:
        if _family_of(item) == "base":
            continue
        for node in item.walk():
            if node.floor is not None:
                p.add("rubric-field-invalid", item_raw, "code", field="floor", item=node.code,
                      found=num(node.floor), detail=f"mục {node.code}: mức sàn chỉ đặt cho mục "
                      "tính vào «Tổng cộng», không cho điểm thưởng hay điểm trừ")
                break


def _with_blocks(p: _Problems, rubric: Rubric, raw: Mapping, source: str) -> Rubric:
    """The rubric with its blocks' variants, each built and checked as a whole rubric (the same
    validation: sums, steps, bands, contradictions), its problems reported at the variant's
    own lines or cells."""
    blocks, seen = [], set()
    for block_raw in raw.get("blocks") or []:
        name = nfc(block_raw.get("name"))
        if not name or name in seen:
            p.add("rubric-block-invalid", block_raw, "name", item=name or "(trống)",
                  detail="khối trùng tên với một khối trước" if name else "thiếu tên khối")
            continue
        seen.add(name)
        merged, changes = _merge_block(p, raw, block_raw, rubric, name)
        if merged is None:
            continue
        try:
            variant = build_rubric(merged, source)
        except RubricError as exc:
            root, here = _loc_of(raw), _loc_of(block_raw)
            for f in exc.findings:
                # a problem of the whole variant (a band no one reaches) is the block's
                where = {k: getattr(f, k) for k in _PLACE_FIELDS if getattr(f, k) is not None}
                where = here if where == root or not where else where
                p.findings.append(make("rubric-block-invalid", path=f.path, item=name,
                                       detail=f.message, **where))
            continue
        blocks.append(Block(name=name, rubric=replace(variant, block=name), changes=changes,
                            own_bands=bool(block_raw.get("bands"))))
    if p.findings:
        return rubric
    whole = replace(rubric, blocks=tuple(blocks))
    return replace(whole, blocks=tuple(
        replace(b, rubric=replace(b.rubric, parent_hash=whole.hash)) for b in blocks))


def _merge_block(p: _Problems, raw: Mapping, block_raw: Mapping, rubric: Rubric, name: str
                 ) -> tuple[dict | None, tuple[tuple[str, tuple[str, ...]], ...]]:
    """The raw rubric as block ``name`` has it: its items' changes written over the rubric's
    (each change keeping its own place for findings), its bands in place of the rubric's."""
    by_code: dict[str, dict] = {}

    def copy(node: Any) -> Any:
        if isinstance(node, Mapping):
            out = {k: copy(v) for k, v in node.items()}
            if isinstance(node.get("code"), (str, int, float)):
                by_code.setdefault(nfc(node.get("code")), out)
            return out
        if isinstance(node, list):
            out_list = type(node)(copy(v) for v in node)
            for attr in ("lines", "places"):
                if hasattr(node, attr):
                    setattr(out_list, attr, getattr(node, attr))
            return out_list
        return node

    merged = {k: copy(v) for k, v in raw.items() if k != "blocks"}
    changes = []
    ok = True
    for change in block_raw.get("items") or []:
        code = nfc(change.get("code"))
        target = by_code.get(code)
        if target is None or code not in {i.code for i in rubric.walk()}:
            p.add("rubric-block-invalid", change, "code", item=name,
                  detail=f"mục «{_shown(code) or '(trống)'}» không có trong bộ tiêu chí")
            ok = False
            continue
        fields = tuple(k for k in change if isinstance(k, str) and k != "code"
                       and change.get(k) is not None)
        keys = target.setdefault(KEYS, {})
        for key in fields:
            target[key] = change[key]
            where = _loc_of(change, key)
            if where:
                keys[key] = where
        changes.append((code, fields))
    if block_raw.get("bands"):
        merged["bands"] = block_raw["bands"]
        merged.setdefault(KEYS, {})["bands"] = _loc_of(block_raw, "bands")
    return (merged if ok else None), tuple(changes)


#: Rows the template writes below the «Xếp loại» row at most: a blank row, three notes (the
#: total rule, the bands, the warning on unverified bands), a blank row, two signature rows.
_FOOTER_ROWS = 7


def sheet_rows(rubric: Rubric) -> int:
    """The last row of the score sheet that the template of ``rubric`` writes (at most)."""
    # The layout is the template's to decide; imported here because template imports this module.
    from .contract import plan_layout

    return plan_layout(rubric).class_row.number + _FOOTER_ROWS


def _check_sheet_rows(p: _Problems, rubric: Rubric, raw: Mapping) -> None:
    rows = sheet_rows(rubric)
    if rows > MAX_SHEET_ROWS:
        p.add("rubric-too-many-rows", raw, found=rows, expected=MAX_SHEET_ROWS)
        return
    _check_formulas(p, rubric, raw)


#: What Excel accepts in one formula (Microsoft, "Excel specifications and limits"). A template
#: formula past them is one Excel will not open, whatever LibreOffice does with it.
EXCEL_FORMULA_CHARS, EXCEL_ARGUMENTS, EXCEL_NESTING = 8_192, 255, 64


def formula_shape(formula: str) -> tuple[int, int, int]:
    """(length, most arguments of one call, deepest nesting of parentheses) of a formula."""
    args: list[int] = []
    most = deepest = 0
    in_text = False
    for ch in formula:
        if in_text:
            in_text = ch != '"'  # a doubled quote closes and reopens: the same for counting
        elif ch == '"':
            in_text = True
        elif ch == "(":
            args.append(1)
            deepest = max(deepest, len(args))
        elif ch == "," and args:
            args[-1] += 1
        elif ch == ")" and args:
            most = max(most, args.pop())
    return len(formula), most, deepest


def _check_formulas(p: _Problems, rubric: Rubric, raw: Mapping) -> None:
    """Every formula of the rubric's template within Excel's limits: a tiêu chí of 300 items
    would need COUNT and SUM over 300 cells, past the 255 arguments Excel allows."""
    from .contract import blueprint, plan_layout  # see sheet_rows

    layout = plan_layout(rubric)
    rows = {row.number: row for row in layout.rows}
    rows.update({layout.total_row.number: layout.total_row, layout.class_row.number:
                 layout.class_row})
    places = {"base": "dòng «Tổng cộng»", "total": "dòng «Tổng điểm để đánh giá, phân loại»",
              "class": "dòng «Xếp loại»"}
    reported: set[int] = set()
    for ref, content in blueprint(rubric).items():
        number = int(re.sub(r"\D", "", ref))
        if not (isinstance(content, str) and content.startswith("=")) or number in reported:
            continue
        length, most, deepest = formula_shape(content)
        over = [text for bad, text in (
            (length > EXCEL_FORMULA_CHARS, f"dài {length} ký tự, Excel cho tối đa "
                                           f"{EXCEL_FORMULA_CHARS}"),
            (most > EXCEL_ARGUMENTS, f"có hàm {most} đối số, Excel cho tối đa {EXCEL_ARGUMENTS}"),
            (deepest > EXCEL_NESTING, f"lồng {deepest} cấp, Excel cho tối đa {EXCEL_NESTING}"),
        ) if bad]
        if over:
            row = rows.get(number)
            item = row.item if row is not None else None
            where = (f"dòng của mục «{item.code}»" if item is not None
                     else places.get(row.role if row else "", "dòng trạng thái ở đầu trang"))
            p.add("rubric-excel-limit", raw, found=ref, item=item.code if item else None,
                  detail=f"công thức ở {where} " + "; ".join(over))
            reported.add(number)
            if len(reported) == 5:
                return


def _build_bands(p: _Problems, raws: list, parent_raw: Mapping) -> tuple[Band, ...]:
    if not raws:
        p.add("rubric-bands-missing", parent_raw, "bands")
        return ()
    bands = []
    seen = set()
    for raw in raws:
        name = nfc(raw.get("name"))
        if not name:
            p.add("rubric-band-invalid", raw, "name", item="(trống)",
                  detail="thiếu tên mức xếp loại")
            continue
        if name in seen:
            p.add("rubric-band-duplicate", raw, "name", item=name)
            continue
        seen.add(name)
        band = functools.partial(_number, p, raw, item=name, code="rubric-band-invalid")
        low = band("min")
        if low is None:
            if not _present(raw, "min"):
                p.add("rubric-band-invalid", raw, item=name, detail="thiếu điểm tối thiểu («từ»)")
            continue
        high = band("max", above=True)
        if high is None and _present(raw, "max"):
            continue
        if high is not None and high <= low:
            p.add("rubric-band-invalid", raw, "max", item=name,
                  detail=f"điểm «đến» {num(high)} phải lớn hơn điểm «từ» {num(low)}")
            continue
        # A share of the block (0.2) or a percentage (20): stored as the share.
        quota = band("quota", high=100.0)
        if quota is None and _present(raw, "quota"):
            continue
        if quota is not None and quota > 1:
            quota = quota / 100
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
            p.add("rubric-condition-invalid", raw, "id", item=_shown(cid) or "(trống)",
                  detail="mã điều kiện chỉ gồm chữ không dấu, số và dấu gạch dưới, bắt đầu "
                  "bằng chữ")
            continue
        if cid in ids:
            p.add("rubric-condition-invalid", raw, "id", item=cid, detail="mã điều kiện bị trùng")
            continue
        ids.add(cid)
        if not question:
            p.add("rubric-condition-invalid", raw, "question", item=cid, detail="thiếu câu hỏi")
        effect_text = nfc(raw.get("effect"))
        effect = next(
            (e for e, label in EFFECT_LABELS.items() if effect_text.lower() in (e, label.lower())),
            None,
        )
        if effect is None:
            p.add("rubric-condition-invalid", raw, "effect", item=cid,
                  detail=f"tác động «{_shown(effect_text)}» không có; dùng một trong: "
                  + ", ".join(EFFECT_LABELS.values()))
            continue
        target = nfc(raw.get("class"))
        if effect in (CAP_CLASS, FORCE_CLASS) and target not in class_names:
            p.add("rubric-condition-invalid", raw, "class", item=cid,
                  detail=f"«{_shown(target) or '(trống)'}» không phải một mức xếp loại của bộ "
                  "tiêu chí")
            continue
        out.append(Condition(id=cid, question=question, effect=effect,
                             target_class=target if effect in (CAP_CLASS, FORCE_CLASS) else ""))
    return tuple(out)


def _build_titles(p: _Problems, raws: list, class_names: list[str]) -> tuple[Title, ...]:
    out, seen = [], set()
    for raw in raws:
        name = nfc(raw.get("name"))
        if not name or name.casefold() in seen:
            p.add("rubric-title-invalid", raw, "name", item=name or "(trống)",
                  detail="danh hiệu trùng tên" if name else "thiếu tên danh hiệu")
            continue
        seen.add(name.casefold())
        quota = _number(p, raw, "quota", None, item=name, code="rubric-title-invalid",
                        field="quota", above=True)
        if quota is not None and quota != int(quota):
            p.add("rubric-title-invalid", raw, "quota", item=name,
                  detail=f"số lượng tối đa {num(quota)} phải là số nguyên")
        class_name = nfc(raw.get("class"))
        if class_name and class_name not in class_names:
            p.add("rubric-title-invalid", raw, "class", item=name,
                  detail=f"«{_shown(class_name)}» không phải một mức xếp loại của bộ tiêu chí")
        out.append(Title(name=name, quota=int(quota) if quota else None,
                         all_targets=_flag(p, raw, "all_targets", False), class_name=class_name,
                         min_total=_number(p, raw, "min_total", None, item=name,
                                           code="rubric-title-invalid", field="min_total")))
    return tuple(out)


def contradictions(rubric: Rubric) -> list[str]:
    """Settings no agency can meet or that can never act (Vietnamese, one line each): a class
    above the highest total, a cap without items, a quota on the lowest class, a per-criterion
    floor that caps nothing."""
    out = []
    for band in rubric.bands:
        if band.min_points > rubric.total_max + _EPS:
            out.append(f"mức «{band.name}» bắt đầu từ {num(band.min_points)} điểm nhưng tổng "
                       f"điểm cao nhất có thể đạt là {num(rubric.total_max)}: không ai đạt được")
    rules = rubric.rules
    if rules.bonus_cap is not None and not rubric.bonus_items:
        out.append(f"có điểm thưởng tối đa {num(rules.bonus_cap)} nhưng không có mục điểm thưởng")
    if rules.penalty_cap is not None and not rubric.penalty_items:
        out.append(f"có mức trừ tối đa {num(rules.penalty_cap)} nhưng không có mục điểm trừ")
    if rubric.bands and rubric.bands[-1].quota is not None:
        out.append(f"mức thấp nhất «{rubric.bands[-1].name}» có hạn mức tỷ lệ, nhưng không có "
                   f"mức nào thấp hơn để chuyển xuống")
    for leaf in rubric.leaves():
        measure = leaf.measure
        if measure is None or not measure.tiers:
            continue
        if measure.rule == TARGET:  # tiers below the target; at it: full points
            out += [f"mục {leaf.code}: bậc từ {num(t.min_percent)} % chỉ tiêu không bao giờ dùng "
                    f"(đạt chỉ tiêu là được đủ điểm)" for t in measure.tiers
                    if t.min_percent >= 100 - _EPS]
            continue
        if measure.tiers[0].points < leaf.max_points - _EPS:
            out.append(f"mục {leaf.code}: bậc cao nhất được {num(measure.tiers[0].points)} điểm, "
                       f"không bao giờ đạt điểm chuẩn {num(leaf.max_points)}")
        for tier in measure.tiers:
            if tier.min_percent > 100 + _EPS:
                out.append(f"mục {leaf.code}: bậc từ {num(tier.min_percent)} % không đạt được "
                           f"(số liệu 1 không vượt số liệu 2, tỷ lệ tối đa 100 %)")
    targets = [leaf for leaf in rubric.leaves()
               if leaf.measure is not None and leaf.measure.rule == TARGET]
    for title in rubric.titles:
        if title.min_total is not None and title.min_total > rubric.total_max + _EPS:
            out.append(f"danh hiệu «{title.name}» cần tổng điểm từ {num(title.min_total)} nhưng "
                       f"tổng điểm cao nhất có thể đạt là {num(rubric.total_max)}")
        if title.all_targets and not targets:
            out.append(f"danh hiệu «{title.name}» cần đạt mọi chỉ tiêu đăng ký nhưng bộ tiêu "
                       f"chí không có chỉ tiêu đăng ký nào")
    if (rubric.floors and rubric.bands
            and rules.criterion_floor_class == rubric.bands[0].name):
        out.append(f"tiêu chí dưới ngưỡng bị giới hạn ở mức cao nhất «{rubric.bands[0].name}»: "
                   f"quy tắc không bao giờ có tác dụng")
    return out


def _check_coverage(p: _Problems, rubric: Rubric, raw: Mapping) -> None:
    top, bottom = rubric.bands[0], rubric.bands[-1]
    if top.max_points is not None and top.max_points <= rubric.total_max:
        p.add("rubric-band-coverage", raw.get("bands")[0] if raw.get("bands") else raw,
              detail=f"mức cao nhất «{top.name}» dừng ở {num(top.max_points)} nhưng tổng điểm tối đa "
              f"là {num(rubric.total_max)}; để trống điểm «đến» của mức cao nhất")
    for problem in contradictions(rubric):
        p.add("rubric-setting-contradiction", raw, detail=problem)
    if bottom.min_points > rubric.rules.total_floor + _EPS:
        p.add("rubric-band-coverage", raw,
              detail=f"mức thấp nhất «{bottom.name}» bắt đầu từ {num(bottom.min_points)}, "
              f"điểm thấp hơn sẽ không có xếp loại; đặt «từ» bằng {num(rubric.rules.total_floor)}")


# --- loading -----------------------------------------------------------------------------------


class _Lines(list):
    """A YAML sequence that remembers the line of each element (for located findings)."""

    lines: list[int]


class Placed(list):
    """A list gathered from cells, with the place (sheet, cell, column name) of each element."""

    places: list[dict[str, Any]]


class _Screens:
    """What a rubric file's loader refuses and records, whichever parser feeds it.

    Anchors, aliases and merge keys are refused as the composer meets them, before any node is
    built: a few KB of nested aliases (a "billion laughs") would otherwise expand without bound
    when the text is walked. Nesting and node count are bounded while composing, so recursion
    stays shallow. Duplicate keys, which YAML resolves silently (the last wins), are collected
    with their lines. Each mapping gets its line (LOC) and the line of each key (KEYS).
    """

    def _start(self) -> None:
        self.nesting = 0
        self.nodes = 0
        self.duplicates: list[tuple[Any, int, int]] = []  # key, line, line of the first

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise YamlRefused("rubric-yaml-alias", event.start_mark, found=f"*{event.anchor}")
        if getattr(event, "anchor", None) is not None:
            raise YamlRefused("rubric-yaml-alias", event.start_mark, found=f"&{event.anchor}")
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise YamlRefused("rubric-too-large", event.start_mark, detail=f"hơn {MAX_NODES} giá trị")
        nested = isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent))
        if nested:
            self.nesting += 1
            if self.nesting > MAX_NESTING:
                raise YamlRefused("rubric-too-large", event.start_mark,
                               detail=f"lồng nhau quá {MAX_NESTING} cấp")
        try:
            return super().compose_node(parent, index)
        finally:
            if nested:
                self.nesting -= 1


class _RubricLoader(_Screens, yaml.SafeLoader):
    """SafeLoader for rubric files: refuses what a rubric never needs, records where things are
    (see :class:`_Screens`)."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._start()


try:  # libyaml's parser, when PyYAML was built with it (its wheels are)
    from yaml._yaml import CParser as _CParser
except ImportError:  # pragma: no cover - a PyYAML without libyaml: the pure-Python loader
    _CParser = None


if _CParser is not None:
    class _FastRubricLoader(_Screens, yaml.composer.Composer, _CParser,
                            yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
        """The same loader on libyaml's C parser (events in C, composed and screened in Python
        as above): reading a rubric five times faster. Only a text it reads without any
        problem is taken from it; otherwise the pure-Python loader reads the text again, so
        that every message and line is what it has always been."""

        def __init__(self, stream: str):
            _CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            self._start()


def _construct_mapping(loader: _RubricLoader, node: yaml.MappingNode) -> dict:
    mapping: dict[Any, Any] = {}
    keys: dict[Any, dict[str, int]] = {}
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        if key_node.tag == "tag:yaml.org,2002:merge":
            raise YamlRefused("rubric-yaml-alias", key_node.start_mark, found="<<")
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise YamlRefused("rubric-syntax", key_node.start_mark,
                           detail="khóa phải là một chữ, không phải danh sách hay bảng") from None
        if key in keys:
            loader.duplicates.append((key, line, keys[key]["line"]))
            continue
        keys[key] = {"line": line}
        mapping[key] = loader.construct_object(value_node, deep=True)
    mapping[LOC] = {"line": node.start_mark.line + 1}
    mapping[KEYS] = keys
    return mapping


def _construct_sequence(loader: _RubricLoader, node: yaml.SequenceNode) -> list:
    seq = _Lines(loader.construct_object(child, deep=True) for child in node.value)
    seq.lines = [child.start_mark.line + 1 for child in node.value]
    return seq


for _loader in (_RubricLoader, *([_FastRubricLoader] if _CParser is not None else [])):
    _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG,
                            _construct_sequence)
    # Dates stay text (the model keeps ISO strings); YAML would make 2017-05-26 a date object.
    _loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: node.value)


#: characters around which libyaml and PyYAML disagree: texts holding one are read by PyYAML
_PYYAML_ONLY = ("\t", "?", "\ufeff")


def _loaded(text: str) -> _Screens:
    """A loader that has read ``text`` without a problem (its data in ``.data``), or raises
    what the pure-Python loader raises. Texts with a tab, «?» or a BOM go straight to it:
    libyaml lets some of those through that PyYAML refuses (``{a?b: 1}``, a BOM starting a later
    line), and a rubric must read the same everywhere."""
    if _CParser is not None and not any(ch in text for ch in _PYYAML_ONLY):
        fast = None
        try:
            fast = _FastRubricLoader(text)  # a lone surrogate fails here: not UTF-8
            fast.data = fast.get_single_data()
            return fast
        except Exception:  # noqa: BLE001 - read again below, for PyYAML's own words
            pass
        finally:
            if fast is not None:
                fast.dispose()
    loader = _RubricLoader(text)
    try:
        loader.data = loader.get_single_data()
    finally:
        loader.dispose()
    return loader


def _read_rubric_file(path: str | Path, source: str) -> bytes:
    """The bytes of a rubric file: a regular file (a FIFO would block), of bounded size."""
    try:
        info = Path(path).stat()
        if not stat.S_ISREG(info.st_mode):
            raise rubric_error("rubric-file-unreadable", path=source,
                               detail="đây là thư mục" if stat.S_ISDIR(info.st_mode)
                               else "không phải một tệp thông thường")
        if info.st_size > MAX_RUBRIC_BYTES:
            raise _too_big(source, info.st_size)
        with open(path, "rb") as fh:
            data = fh.read(MAX_RUBRIC_BYTES + 1)
    except FileNotFoundError:
        raise rubric_error("rubric-file-unreadable", path=source,
                           detail="không tìm thấy tệp") from None
    except PermissionError:
        raise rubric_error("rubric-file-unreadable", path=source,
                           detail="không có quyền đọc tệp") from None
    except OSError as exc:
        raise rubric_error("rubric-file-unreadable", path=source,
                           detail=f"lỗi đọc tệp ({os_message(exc)})") from None
    if len(data) > MAX_RUBRIC_BYTES:  # grew while being read
        raise _too_big(source, len(data))
    return data


def _too_big(source: str, size: int) -> RubricError:
    return rubric_error("rubric-too-large", path=source,
                        detail=f"{size / 1048576:.1f} MB, quá mức tối đa "
                               f"{MAX_RUBRIC_BYTES // 1048576} MB")


#: PyYAML's problems (English) -> what a user reads. Checked in order; the first match wins.
_YAML_PROBLEMS = (
    (r"character '\\t'|tab character", "có ký tự tab; YAML chỉ thụt dòng bằng dấu cách"),
    (r"mapping values are not allowed",
     "dấu hai chấm «:» đặt sai chỗ (một giá trị có dấu hai chấm phải đặt trong dấu nháy), hoặc "
     "dòng trên thiếu «khóa:»"),
    (r"expected ',' or '\]'", "danh sách […] thiếu dấu phẩy hoặc dấu đóng «]»"),
    (r"expected ',' or '\}'", "bảng {…} thiếu dấu phẩy hoặc dấu đóng «}»"),
    (r"expected <block end>|did not find expected (key|'-')",
     "thụt dòng không khớp với các dòng trên"),
    (r"unexpected end of stream", "tệp hết giữa chừng: thiếu dấu nháy hoặc dấu ngoặc đóng"),
    (r"unknown escape character",
     "trong dấu nháy kép có «\\» không hợp lệ; dùng dấu nháy đơn hoặc viết «\\\\»"),
    (r"cannot start any token",
     "một giá trị bắt đầu bằng ký tự đặc biệt (@, `, %…); hãy đặt giá trị trong dấu nháy"),
    (r"single document|another document", "tệp có nhiều phần «---»; bộ tiêu chí chỉ có một phần"),
    (r"constructor for the tag", "có thẻ «!…» mà bộ tiêu chí không dùng"),
    (r"unacceptable character|special characters",
     "có ký tự điều khiển hoặc ký tự không hợp lệ trong văn bản"),
    (r"could not find expected ':'", "thiếu dấu hai chấm «:» sau khóa"),
)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """What went wrong, in Vietnamese (PyYAML says it in English)."""
    problem = " ".join(str(getattr(exc, name, "") or "") for name in ("problem", "context"))
    problem = problem.strip() or str(exc)
    for pattern, text in _YAML_PROBLEMS:
        if re.search(pattern, problem):
            return text
    return "cấu trúc YAML không hợp lệ ở chỗ này (xem lại thụt dòng, dấu hai chấm và dấu nháy)"


def plain_yaml(text: str) -> Any:
    """Plain data (dicts, lists, scalars) from a small YAML file other than a rubric (a round's
    settings), read with the rubric loader's safety: no anchors or aliases, bounded nesting and
    size, duplicate keys refused; problems raised as :class:`YamlProblem` in Vietnamese."""
    try:
        loader = _loaded(text)
        data = loader.data
    except YamlRefused as exc:
        detail = ("không dùng neo, bí danh hay «<<» của YAML (&, *)"
                  if exc.code == "rubric-yaml-alias" else str(exc.fields.get("detail", exc.code)))
        raise YamlProblem(detail, exc.line) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        raise YamlProblem(_yaml_problem(exc), mark.line + 1 if mark is not None else None
                          ) from None
    except (ValueError, OverflowError, TypeError, RecursionError):
        raise YamlProblem("có giá trị không đọc được (một số quá dài hoặc một giá trị lạ)"
                          ) from None
    if loader.duplicates:
        key, line, first = loader.duplicates[0]
        raise YamlProblem(f"khóa «{_shown(key)}» lặp lại (đã có ở dòng {first})", line)
    return _plain(data)


def _plain(data: Any) -> Any:
    if isinstance(data, Mapping):
        return {k: _plain(v) for k, v in data.items() if k not in (LOC, KEYS)}
    if isinstance(data, list):
        return [_plain(v) for v in data]
    return data


def load_yaml_rubric(path: str | Path, text: str | None = None) -> Rubric:
    """Load a rubric from its YAML text form (``text``, or the file at ``path``)."""
    source = str(path)
    if text is None:
        try:
            text = _read_rubric_file(path, source).decode("utf-8")
        except UnicodeDecodeError:
            raise rubric_error("rubric-file-unreadable", path=source,
                               detail="tệp không phải UTF-8") from None
    if len(text) > MAX_RUBRIC_BYTES:
        raise _too_big(source, len(text.encode("utf-8", "surrogatepass")))
    try:
        loader = _loaded(text)  # its reader refuses characters YAML does not allow
        raw = loader.data
    except YamlRefused as exc:
        raise rubric_error(exc.code, path=source, line=exc.line, **exc.fields) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        position = getattr(exc, "position", None)  # a ReaderError: a character YAML refuses
        line = (mark.line + 1 if mark is not None else
                text.count("\n", 0, position) + 1 if isinstance(position, int) else None)
        raise rubric_error("rubric-syntax", path=source, line=line,
                           detail=_yaml_problem(exc)) from None
    except (ValueError, OverflowError, TypeError, RecursionError):
        # e.g. an integer of more digits than Python converts: text no rubric holds
        raise rubric_error("rubric-syntax", path=source,
                           detail="có giá trị không đọc được (một số quá dài hoặc một giá trị "
                                  "lạ)") from None
    if loader.duplicates:
        findings = [make("rubric-key-duplicate", path=source, line=line, found=_shown(key),
                         expected=f"dòng {first}") for key, line, first in loader.duplicates]
        raise RubricError(f"Bộ tiêu chí {source} có {len(findings)} lỗi; lỗi đầu tiên: "
                          f"{findings[0]}", findings)
    if not isinstance(raw, Mapping):
        raise rubric_error("rubric-syntax", path=source,
                           detail="nội dung phải là một bảng các dòng «khóa: giá trị», không "
                                  f"phải {_shown(raw) if raw is not None else 'tệp trống'}")
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
    # Only a listed id: a name is never joined to a path ("../x", a name too long to stat).
    if rubric_id not in _builtin_ids():
        raise rubric_error("rubric-unknown", found=_shown(rubric_id),
                           expected=", ".join(builtin_ids()))
    resource = resources.files("dvcq_xl.rubrics") / f"{rubric_id}.yaml"
    return load_yaml_rubric(f"{rubric_id}.yaml", resource.read_text(encoding="utf-8"))


def builtin_rubrics() -> list[Rubric]:
    return [builtin_rubric(i) for i in builtin_ids()]


def _looks_like_zip(path: Path) -> bool:
    """A workbook whatever its name says (``.xls``, no suffix): told by its first bytes."""
    try:
        if not path.is_file():  # a pipe would block the open below
            return False
        with open(path, "rb") as fh:
            return fh.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def load_rubric(id_or_path: str | Path) -> Rubric:
    """A built-in rubric by id, or a rubric file (``.yaml``/``.yml`` or a rubric workbook)."""
    text = str(id_or_path)
    path = Path(text)
    try:
        exists = path.exists()
    except (OSError, ValueError):  # a name too long for the system, or with a NUL: no such file
        exists = False
    looks_like_file = path.suffix.lower() in (".yaml", ".yml", ".xlsx", ".xlsm") or exists
    if not looks_like_file:
        return builtin_rubric(text)
    if not exists:
        raise rubric_error("rubric-file-unreadable", path=text, detail="không tìm thấy tệp")
    if path.suffix.lower() in (".xlsx", ".xlsm") or _looks_like_zip(path):
        from .rubric_workbook import load_rubric_workbook

        return load_rubric_workbook(path)
    return load_yaml_rubric(path)
