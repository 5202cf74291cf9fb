"""Consolidate a round: every submitted workbook checked, reconciled with the roster, scored,
classified and ranked per block.

:func:`consolidate` is what ``dvcq consolidate`` calls; it returns a :class:`Consolidation`, which
:mod:`dvcq_xl.ranking` writes as the ranking workbook and whose :meth:`Consolidation.to_dict` is
the command's JSON. Nothing is dropped silently: every input file ends up ranked, rejected,
unknown (not on the roster), a duplicate that does not count, or skipped, each with its reason.

Rules (documented in the README, because the Sở must be able to defend them):

- **Final score**: item by item, the inspection team's points where it scored the item, else the
  agency's own; condition answers likewise. It is computed by the rubric (caps, floor, conditions).
- **Which file counts** for an agency with several valid files: the team's copy beats the
  agency's copy (that is the normal flow of the round, not a duplicate); then the file modified
  last; then the last in path order. Several copies of one kind are listed as duplicates; no file
  is ranked twice.
- **Criterion floor** (``rules.criterion_floor``): a unit with a tiêu chí below that share of its
  points is classed at most ``criterion_floor_class``.
- **Quota** (``band.quota``): at most ``floor(quota × units ranked in the block)`` units of a block
  keep that class, the best scores first; the rest move one class down. Units tied at the cut all
  move down (the quota is a ceiling), and the note says so: the council decides.
- **Ranking**: per block, by final score, competition ranking (1, 2, 2, 4); ties are flagged.
  Units "Không đủ điều kiện xếp loại" get no rank and come last. Within a tie, names are shown
  in Vietnamese alphabetical order.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from . import __version__
from .errors import ConsolidationError, DvcqError
from .findings import ERROR, Finding, make
from .intake import OK, FileResult, Marks, check_paths, find_rubric
from .output import TEMP_PREFIX
from .roster import ABBREVIATIONS, RosterIndex, RosterMatch, identity, name_key  # noqa: F401
from .rubric import (BONUS, NOT_APPLICABLE, NOT_ELIGIBLE_CLASS, PENALTY, SUPERIOR, Rubric,
                     builtin_ids, nfc, num)
from .contract import REVIEW, Agency
from .text import comma, points_text, readable, sort_key

NO_BLOCK = "Chưa phân khối"
_EPS = 1e-6


# --- the result ----------------------------------------------------------------------------------


@dataclass
class Unit:
    """One ranked agency."""

    agency: str
    agency_code: str
    block: str
    source: str
    copy: str
    self_total: float | None
    review_total: float | None
    final_score: float
    class_name: str
    rank: int | None = None
    tied: bool = False
    rescored: bool = False
    values: dict[str, float | None] = field(default_factory=dict, repr=False)  # final, per leaf
    self_values: dict[str, float | None] = field(default_factory=dict, repr=False)
    notes: list[str] = field(default_factory=list)
    previous_score: float | None = None
    previous_class: str = ""
    #: items that do not apply (dropped, the total rescaled) and a measured item's figures
    not_applicable: list[str] = field(default_factory=list)
    figures: dict[str, tuple[float | None, ...]] = field(default_factory=dict, repr=False)
    #: giao ước thi đua: the title registered for, the title proposed (by :func:`propose_titles`)
    title_registered: str = ""
    title_proposed: str = ""
    #: what rescoring after the giải trình needs: the answers, the items that do not apply
    answers: dict[str, bool | None] = field(default_factory=dict, repr=False)
    dropped: frozenset[str] = field(default_factory=frozenset, repr=False)
    #: the final score and class before the giải trình (None: no decision applied)
    score_before_appeals: float | None = None
    class_before_appeals: str = ""
    has_appeals: bool = field(default=False, repr=False)

    @property
    def delta(self) -> float | None:
        """Review total minus self total, where the team scored."""
        if self.review_total is None or self.self_total is None:
            return None
        return round(self.review_total - self.self_total, 9)

    @property
    def eligible(self) -> bool:
        return self.class_name != NOT_ELIGIBLE_CLASS

    def to_dict(self) -> dict[str, Any]:
        return {
            "agency": self.agency,
            "agency_code": self.agency_code,
            "block": self.block,
            "self_total": self.self_total,
            "review_total": self.review_total,
            "final_score": self.final_score,
            "class": self.class_name,
            "rank": self.rank,
            "tied": self.tied,
            "source": self.source,
            "delta": self.delta,
            "previous_score": self.previous_score,
            "previous_class": self.previous_class or None,
            "notes": list(self.notes),
            # only for a rubric with measured items or items that may not apply
            **({"not_applicable": list(self.not_applicable)} if self.not_applicable else {}),
            **({"figures": {code: [num(f) if f is not None else None for f in figures]
                            for code, figures in self.figures.items()}}
               if self.figures else {}),
            **({"title_registered": self.title_registered or None,
                "title_proposed": self.title_proposed or None} if self.has_titles else {}),
            **({"score_before_appeals": self.score_before_appeals,
                "class_before_appeals": self.class_before_appeals or None}
               if self.has_appeals else {}),
        }

    has_titles: bool = field(default=False, repr=False)


@dataclass(frozen=True)
class Change:
    """One item (or condition) the inspection team scored differently from the agency."""

    agency: str
    agency_code: str
    block: str
    item: str  # leaf code, or condition id
    label: str
    self_value: Any
    review_value: Any
    reason: str
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {"agency": self.agency, "agency_code": self.agency_code, "block": self.block,
                "item": self.item, "label": self.label, "self": self.self_value,
                "review": self.review_value, "reason": self.reason, "source": self.source}


@dataclass(frozen=True)
class Rejected:
    path: str
    agency: str
    findings: tuple[Finding, ...]

    @property
    def codes(self) -> list[str]:
        return list(dict.fromkeys(f.code for f in self.findings if f.severity == ERROR))

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "agency": self.agency, "codes": self.codes,
                "messages": [f.message for f in self.findings if f.severity == ERROR],
                "findings": [f.to_dict(within_file=True) for f in self.findings]}


@dataclass(frozen=True)
class Missing:
    agency: str
    agency_code: str
    block: str
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Unknown:
    path: str
    agency: str
    agency_code: str
    suggestion: str

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "agency": self.agency, "agency_code": self.agency_code,
                "suggestion": self.suggestion or None}


@dataclass(frozen=True)
class Duplicate:
    agency: str
    agency_code: str
    counted: str
    others: tuple[str, ...]
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"agency": self.agency, "agency_code": self.agency_code, "counted": self.counted,
                "not_counted": list(self.others), "reason": self.reason}


@dataclass
class Consolidation:
    """A consolidated round: what the ranking workbook shows and ``--json`` prints."""

    rubric: Rubric
    year: int | None
    units: list[Unit] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)
    unknown: list[Unknown] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    sources: list[FileResult] = field(default_factory=list)
    used: dict[str, str] = field(default_factory=dict)  # path -> how the file was used
    roster: list[Agency] | None = None
    previous: str = ""
    created: datetime = field(default_factory=lambda: datetime.now().replace(microsecond=0))
    notes: list[str] = field(default_factory=list)  # round-level notes (quota cuts …)
    #: every path the round read (folders and files given, roster, previous ranking): an output
    #: of the round may never replace one of them
    inputs: list[str] = field(default_factory=list)
    #: the giải trình round (``--appeals``): the decided rows applied; every form read, with its
    #: fate (path, sha256, agency, status, reasons); the agencies that sent none
    appeals_used: bool = False
    appeals: list[Any] = field(default_factory=list)
    appeal_forms: list[dict[str, Any]] = field(default_factory=list)
    appeals_missing: list[str] = field(default_factory=list)

    @property
    def blocks(self) -> list[str]:
        """Blocks in roster order (then alphabetically), each with at least one unit or gap."""
        order: list[str] = []
        for a in self.roster or []:
            if (a.block or NO_BLOCK) not in order:
                order.append(a.block or NO_BLOCK)
        rest = {u.block for u in self.units} | {m.block or NO_BLOCK for m in self.missing}
        order += sorted(rest - set(order), key=sort_key)
        return [b for b in order if any(u.block == b for u in self.units)
                or any((m.block or NO_BLOCK) == b for m in self.missing)]

    def block_units(self, block: str) -> list[Unit]:
        return [u for u in self.units if u.block == block]

    @property
    def attention(self) -> bool:
        """Something the Sở must look at: rejected, missing, unknown or duplicate submissions;
        in a giải trình round, a form not applied or an agency without a decision."""
        return bool(self.rejected or self.missing or self.unknown or self.duplicates
                    or self.appeals_missing
                    or any(f["status"] != "áp dụng" for f in self.appeal_forms))

    def class_counts(self, block: str | None = None) -> dict[str, int]:
        names = self.rubric.all_class_names + [NOT_ELIGIBLE_CLASS]
        counts = Counter(u.class_name for u in self.units if block is None or u.block == block)
        return {name: counts.get(name, 0) for name in names}

    def to_dict(self) -> dict[str, Any]:
        return {
            "rubric_id": self.rubric.id,
            "rubric_version": self.rubric.version,
            "year": self.year,
            "toolkit_version": __version__,
            "units": [u.to_dict() for u in self.units],
            "rejected": [r.to_dict() for r in self.rejected],
            "missing": [m.to_dict() for m in self.missing],
            "unknown": [u.to_dict() for u in self.unknown],
            "duplicates": [d.to_dict() for d in self.duplicates],
            "skipped": [{"path": p, "reason": why} for p, why in self.skipped],
            "changes": [c.to_dict() for c in self.changes],
            "notes": list(self.notes),
            "summary": self.summary(),
            # only with --appeals: the decided rows, and the forms and their fate
            **({"appeals": [a.to_dict() for a in self.appeals],
                "appeal_forms": [f for f in self.appeal_forms],
                "appeals_missing": list(self.appeals_missing)}
               if self.appeals_used else {}),
        }

    def summary(self) -> dict[str, int]:
        return {"files": len(self.sources), "ranked": len(self.units),
                "rejected": len(self.rejected), "missing": len(self.missing),
                "unknown": len(self.unknown), "duplicates": len(self.duplicates),
                "skipped": len(self.skipped), "rescored": sum(u.rescored for u in self.units)}

    def flat(self) -> list[tuple[str, str, float, str, int | None, bool]]:
        """(block, agency, final score, class, rank, tied) per unit: the shape tests compare."""
        return [(u.block, u.agency, u.final_score, u.class_name, u.rank, u.tied)
                for u in self.units]


# --- scoring -------------------------------------------------------------------------------------


def final_values(rubric: Rubric, marks: Marks) -> tuple[dict[str, float | None],
                                                         dict[str, bool | None]]:
    """Item by item the team's points where it scored, else the agency's; answers likewise.
    An item the team found not to apply counts as the team says (:func:`final_dropped`)."""
    values = {}
    for leaf in rubric.leaves():
        review = marks.review.get(leaf.code)
        own = None if leaf.reviewer_only else marks.self.get(leaf.code)
        if leaf.code in marks.review_dropped:
            values[leaf.code] = None
        else:
            values[leaf.code] = review if review is not None else own
    answers = {cid: (marks.review_answers.get(cid) if marks.review_answers.get(cid) is not None
                     else marks.self_answers.get(cid)) for cid in marks.self_answers}
    return values, answers


def final_dropped(marks: Marks) -> frozenset[str]:
    """The items that do not apply in the end: the team's word where it scored the item (its
    points, or «Không áp dụng»), else the agency's."""
    kept = {code for code, value in marks.review.items() if value is not None}
    return frozenset((marks.self_dropped - kept) | marks.review_dropped)


def final_figures(marks: Marks) -> dict[str, tuple[float | None, ...]]:
    """A measured item's figures in the end: the team's where it gave any, else the agency's."""
    out = dict(marks.self_figures)
    for code, figures in marks.review_figures.items():
        if any(f is not None for f in figures):
            out[code] = figures
    return out


def criterion_floor(rubric: Rubric, values: dict[str, float | None], class_name: str,
                    dropped: frozenset[str] = frozenset()) -> tuple[str, list[str]]:
    """Apply ``rules.criterion_floor`` (:meth:`Rubric.below_floor`, :meth:`Rubric.floor_class`)
    and say why in a note."""
    low = rubric.below_floor(values, dropped) if class_name != NOT_ELIGIBLE_CLASS else []
    if not low:
        return class_name, []
    rules = rubric.rules
    shares = dict(rubric.floors)
    said = "; ".join(f"{item.title or 'mục ' + item.code} đạt {points_text(got)}/"
                     f"{points_text(item.max_points)}, dưới {_percent(shares[item])}"
                     for item, got in low)
    note = (f"Có mục dưới mức sàn số điểm ({said}): "
            f"xếp loại tối đa «{rules.criterion_floor_class}»")
    return rubric.floor_class(class_name), [note]


def _percent(share: float) -> str:
    return f"{comma(share * 100)} %"


def apply_quotas(rubric: Rubric, units: list[Unit]) -> list[str]:
    """Apply the bands' quotas within one block; return round-level notes on cuts and ties."""
    notes = []
    ranked = [u for u in units if u.eligible]
    n = len(ranked)
    for index, band in enumerate(rubric.bands):
        if band.quota is None or index + 1 >= len(rubric.bands):
            continue
        holders = sorted((u for u in ranked if u.class_name == band.name),
                         key=lambda u: -u.final_score)
        allowed = math.floor(band.quota * n + _EPS)
        if len(holders) <= allowed:
            continue
        cut = holders[allowed].final_score
        keep = [u for u in holders[:allowed] if u.final_score > cut + _EPS]
        lower = rubric.bands[index + 1].name
        tied_at_cut = [u for u in holders if abs(u.final_score - cut) < _EPS]
        for u in holders:
            if u in keep:
                continue
            u.class_name = lower
            u.notes.append(f"Vượt tỷ lệ «{band.name}» tối đa {_percent(band.quota)} "
                           f"({allowed}/{n} đơn vị): xếp «{lower}»")
        if len(tied_at_cut) > 1 and any(u in holders[:allowed] for u in tied_at_cut):
            names = ", ".join(u.agency for u in tied_at_cut)
            notes.append(f"Khối «{units[0].block}»: {len(tied_at_cut)} đơn vị đồng "
                         f"{points_text(cut)} điểm tại ngưỡng tỷ lệ «{band.name}» ({names}); "
                         f"cả nhóm được xếp «{lower}» để không vượt tỷ lệ — Hội đồng thi đua "
                         f"xem xét.")
            for u in tied_at_cut:
                u.notes.append("Đồng điểm tại ngưỡng tỷ lệ: Hội đồng xem xét")
        # units moved down may now exceed the next band's quota: the loop goes on to it
    return notes


def rank_block(units: list[Unit]) -> list[Unit]:
    """Competition ranking by final score ("1, 2, 2, 4"); ties flagged; returns display order."""
    eligible = sorted((u for u in units if u.eligible),
                      key=lambda u: (-round(u.final_score, 6), sort_key(u.agency)))
    previous, rank = None, 0
    for position, u in enumerate(eligible, start=1):
        score = round(u.final_score, 6)
        if score != previous:
            rank, previous = position, score
        u.rank = rank
    counts = Counter(u.rank for u in eligible)
    for u in eligible:
        u.tied = counts[u.rank] > 1
        if u.tied:
            u.notes.insert(0, f"Đồng hạng {u.rank}")
    others = sorted((u for u in units if not u.eligible), key=lambda u: sort_key(u.agency))
    for u in others:
        u.rank, u.tied = None, False
    return eligible + others


# --- the round -----------------------------------------------------------------------------------


def consolidate(
    paths: Iterable[str | Path],
    *,
    roster: Sequence[Agency] | None = None,
    rubric: Rubric | None = None,
    year: int | None = None,
    previous: str | Path | None = None,
    jobs: int | None = None,
    progress: Callable[[FileResult], None] | None = None,
    found: Callable[[int], None] | None = None,
    roster_source: str | Path | None = None,
    appeals: Iterable[str | Path] | None = None,
) -> Consolidation:
    """Check every workbook under ``paths`` and consolidate the valid ones into a ranking.

    ``rubric`` and ``year`` default to those of most valid files; files of another rubric or
    year are rejected. With a ``roster``, every agency without a valid file is listed (the
    ranking is written even when none has one yet). Raises :class:`ConsolidationError` when
    nothing can be consolidated. ``roster_source`` names the roster's file (for the audit trail
    and so that no output replaces it).
    """
    paths = [str(p) for p in paths]
    prior = read_previous(previous) if previous else None
    report = check_paths(paths, [rubric] if rubric else [], year, jobs=jobs, progress=progress,
                         found=found)
    files = report.files
    rubric = rubric or _round_rubric(files)
    if year is None:
        years = Counter(r.year for r in files if r.status == OK and r.year is not None)
        year = years.most_common(1)[0][0] if years else None
    out = Consolidation(rubric=rubric, year=year, skipped=list(report.skipped),
                        sources=files, roster=list(roster) if roster is not None else None,
                        previous=str(previous or ""),
                        inputs=[*paths, *(str(p) for p in (roster_source, previous) if p)])
    candidates = _reject(out, files)
    index = RosterIndex(roster) if roster is not None else None
    groups = _reconcile(out, candidates, index)
    _score(out, groups, {r.path: r for r in files})
    if appeals is not None:
        apply_appeals(out, [str(p) for p in appeals])
    if roster is not None:
        _gaps(out, roster, set(groups), _files_by_agency(index, out, {r.path: r for r in files}))
    if not out.units and not out.missing:
        raise ConsolidationError(
            "Không có bảng chấm điểm hợp lệ nào để tổng hợp"
            + (f" ({len(out.rejected)} tệp bị từ chối)." if out.rejected else "."),
            [f for rej in out.rejected for f in rej.findings if f.severity == ERROR])
    _rank(out)
    if prior:
        _compare(out, prior)
    return out


def _reject(out: Consolidation, files: list[FileResult]) -> list[FileResult]:
    """Step «check»: files with errors, of another rubric or of another year are rejected (with
    their findings); the others are candidates for the ranking."""
    candidates: list[FileResult] = []
    rubric, year = out.rubric, out.year
    for r in files:
        problems = list(r.errors)
        if r.marks is None and r.status == OK:  # a registration form: no results to rank
            problems.append(make("round-not-results", path=r.path))
        elif r.status == OK and r.rubric_id != rubric.id:
            problems.append(make("round-rubric-other", path=r.path, found=r.rubric_id,
                                 expected=rubric.id))
        elif r.status == OK and year is not None and r.year is not None and r.year != year:
            problems.append(make("year-mismatch", path=r.path, found=r.year, expected=year))
        if problems:
            out.rejected.append(Rejected(r.path, r.agency, tuple(problems)))
            out.used[r.path] = "rejected"
        else:
            candidates.append(r)
    return candidates


def _reconcile(out: Consolidation, candidates: list[FileResult], index: RosterIndex | None
               ) -> dict[str, list[tuple[FileResult, Agency]]]:
    """Step «reconcile»: each candidate's agency (on the roster: by code, then by name), and the
    files of each agency together; files of agencies not on the roster are listed apart."""
    groups: dict[str, list[tuple[FileResult, Agency]]] = {}
    for r in candidates:
        agency = Agency(r.agency, r.agency_code, r.block)
        if index is not None:
            match = index.find(r.agency_code, r.agency)
            if match.agency is None:
                out.unknown.append(Unknown(r.path, r.agency, r.agency_code, match.suggestion))
                out.used[r.path] = "unknown"
                continue
            agency = match.agency
        groups.setdefault(identity(agency), []).append((r, agency))
    return groups


def _score(out: Consolidation, groups: dict[str, list[tuple[FileResult, Agency]]],
           by_path: dict[str, FileResult]) -> None:
    """Step «score»: one file per agency (the team's copy before the agency's, then the last
    sent), its final points item by item, and what the others were."""
    for members in groups.values():
        chosen, agency = _choose(members)
        kinds = Counter(m.copy for m, _ in members)
        others = tuple(m.path for m, _ in members if m is not chosen)
        if any(n > 1 for n in kinds.values()):
            out.duplicates.append(Duplicate(agency.name, agency.code, chosen.path, others,
                                            _why_chosen(chosen, members)))
        for path in others:  # the team's copy replacing the agency's is the normal flow
            out.used[path] = "duplicate" if kinds[by_path[path].copy] > 1 else "superseded"
        out.used[chosen.path] = "ranked"
        # scored by the variant of the block it is ranked in (the roster's, else its file's)
        block = agency.block or chosen.block
        rubric = out.rubric.for_block(block)
        out.units.append(_unit(rubric, chosen, agency, out.changes))
        if chosen.block and agency.block and nfc(chosen.block) != nfc(agency.block):
            out.units[-1].notes.append(f"Tệp làm cho khối «{chosen.block}», danh sách ghi khối "
                                       f"«{agency.block}»: xếp loại, xếp hạng theo khối "
                                       f"«{agency.block}»")


def _gaps(out: Consolidation, roster: Sequence[Agency], present: set[str],
          files_of: dict[str, dict[str, list[str]]]) -> None:
    """Every roster agency without a valid file, with why when it sent one."""
    for a in roster:
        key = identity(a)
        if key not in present:
            out.missing.append(Missing(a.name, a.code, a.block or NO_BLOCK,
                                       _missing_note(files_of.get(key, {}))))


def _rank(out: Consolidation) -> None:
    """Step «rank»: quotas and competition ranking per block, in block order; the team's changes
    in the order of the units."""
    ordered: list[Unit] = []
    for block in out.blocks:
        units = out.block_units(block)
        if units:
            out.notes += apply_quotas(out.rubric.for_block(block), units)
            ranked = rank_block(units)
            ordered += ranked
            out.notes += propose_titles(out.rubric.for_block(block), ranked)
    out.units = ordered
    order = {u.source: i for i, u in enumerate(out.units)}
    out.changes.sort(key=lambda c: (order.get(c.source, 0), _code_key(c.item)))


def apply_appeals(out: Consolidation, paths: list[str]) -> None:
    """Step «giải trình»: the Sở's decided copies under ``paths`` applied item by item (the
    score after the decision replaces the team's), each unit rescored; every form is listed with
    its fate, and every agency with a lowered item that sent none. A form whose items or scores
    are not the round's (another year, a consolidation before the team re-scored, another
    agency) is not applied (``appeal-other-round``)."""
    from .appeals import applicable, read_appeals
    from .reader import ranking_key

    out.appeals_used = True
    out.inputs += paths
    forms, skipped = read_appeals(paths, [out.rubric])
    out.skipped += skipped
    units = {ranking_key(u.agency_code, u.agency): u for u in out.units}
    changes = {(ranking_key(c.agency_code, c.agency), c.item): c for c in out.changes}
    answered = set()
    forms = _latest_decisions(forms, out)
    for form in forms:
        key = ranking_key(form.agency_code, form.agency)
        unit = units.get(key)
        problems = [f.message for f in form.errors]
        if not problems and unit is None:
            problems.append(make("appeal-other-round", found=form.agency or "?",
                                 detail="không có đơn vị này trong kết quả").message)
        if not problems:
            other = [r.code for r in form.rows if r.explanation and not _same_change(
                changes.get((key, r.code)), r.own, r.team)]
            if other or (form.facts.get("year") not in (None, out.year)):
                problems.append(make("appeal-other-round", found=form.agency,
                                     detail="mục " + ", ".join(other) if other
                                     else f"năm {form.facts.get('year')}").message)
        decided = applicable(form) if not problems and not getattr(
            form, "superseded", False) else []
        status = ("áp dụng" if decided else "có lỗi, không áp dụng" if problems else
                  "trùng, không áp dụng" if getattr(form, "superseded", False) else
                  "chưa có quyết định của Sở" if form.copy != "decision" else
                  "không có mục được quyết định")
        out.appeal_forms.append({"path": readable(form.path), "sha256": form.sha256,
                                 "agency": form.agency, "agency_code": form.agency_code,
                                 "status": status, "problems": problems})
        if unit is None or not decided:
            if unit is not None and form.copy == "decision":
                answered.add(key)
            continue
        answered.add(key)
        _rescore(out.rubric.for_block(unit.block), unit, decided)
        out.appeals += decided
    for c in out.changes:
        key = ranking_key(c.agency_code, c.agency)
        if key not in answered and key in units and c.agency not in out.appeals_missing \
                and _lowered(c):
            out.appeals_missing.append(c.agency)
    for unit in out.units:
        unit.has_appeals = True


def _latest_decisions(forms: list[Any], out: Consolidation) -> list[Any]:
    """Two decided copies for one agency: the one saved last counts, the other is listed (a
    warning on it) and not applied — never both, one over the other."""
    import os

    from .reader import ranking_key

    latest: dict[str, Any] = {}
    for form in forms:
        if form.copy != "decision" or form.errors:
            continue
        key = ranking_key(form.agency_code, form.agency)
        other = latest.get(key)
        mtime = os.stat(form.path).st_mtime if os.path.exists(form.path) else 0.0
        if other is None or (mtime, form.path) > (other[0], other[1].path):
            if other is not None:
                _supersede(other[1], form)
            latest[key] = (mtime, form)
        else:
            _supersede(form, other[1])
    return forms


def _supersede(old: Any, new: Any) -> None:
    old.superseded = True
    old.findings.append(make("appeal-duplicate", path=old.path, found=old.agency,
                             expected=Path(new.path).name))


def _same_change(change: Change | None, own: Any, team: Any) -> bool:
    if change is None:
        return False

    def same(a: Any, b: Any) -> bool:
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            return abs(float(a) - float(b)) < _EPS
        return nfc(a) == nfc(b)

    return same(change.self_value, own) and same(change.review_value, team)


def _lowered(change: Change) -> bool:
    own, team = change.self_value, change.review_value
    if isinstance(own, (int, float)) and isinstance(team, (int, float)):
        return team < own - _EPS
    return NOT_APPLICABLE in (own, team)


def _rescore(rubric: Rubric, unit: Unit, decided: list[Any]) -> None:
    """A unit's scores after the council's decisions: the decided items' points replace the
    team's, the total, class and notes follow."""
    values = dict(unit.values)
    for d in decided:
        values[d.item] = d.final
    dropped = unit.dropped - {d.item for d in decided}
    score = rubric.score(values, unit.answers, column="review", dropped=dropped)
    unit.score_before_appeals = unit.final_score
    unit.class_before_appeals = unit.class_name
    unit.final_score, unit.class_name, unit.values = score.total, score.class_name, values
    changed = (f" ({unit.class_before_appeals} → {score.class_name})"
               if unit.class_before_appeals != score.class_name else "")
    unit.notes.append(f"Sau giải trình: {points_text(unit.score_before_appeals)} → "
                      f"{points_text(score.total)} điểm{changed}")


def targets_met(rubric: Rubric, unit: Unit) -> list[str]:
    """The target items a unit did not reach (achieved below its registered target, or not
    known), by code: none means every target achieved."""
    from .rubric import TARGET

    missed = []
    for leaf in rubric.leaves():
        if leaf.measure is None or leaf.measure.rule != TARGET:
            continue
        figures = unit.figures.get(leaf.code) or ()
        achieved, target = (tuple(figures) + (None, None))[:2]
        if achieved is None or target is None or achieved < target:
            missed.append(leaf.code)
    return missed


def _title_reasons(rubric: Rubric, unit: Unit, index: int) -> list[str]:
    """Why ``unit`` may not be proposed for the rubric's title ``index`` (none: it may)."""
    title = rubric.titles[index]
    names = [t.name.casefold() for t in rubric.titles]
    registered = unit.title_registered.casefold()
    reasons = []
    if registered not in names or names.index(registered) > index:
        reasons.append("không đăng ký danh hiệu này" if registered else "không đăng ký danh hiệu")
    if not unit.eligible:
        reasons.append("không đủ điều kiện xếp loại")
    if title.all_targets:
        missed = targets_met(rubric, unit)
        if missed:
            reasons.append("chưa đạt chỉ tiêu " + ", ".join(missed))
    if title.class_name and unit.eligible and title.class_name in rubric.class_names and (
            unit.class_name not in rubric.class_names
            or rubric.band_index(unit.class_name) > rubric.band_index(title.class_name)):
        reasons.append(f"xếp loại «{unit.class_name}», cần «{title.class_name}»")
    if title.min_total is not None and unit.final_score < title.min_total - _EPS:
        reasons.append(f"{points_text(unit.final_score)} điểm, cần từ "
                       f"{points_text(title.min_total)}")
    return reasons


def propose_titles(rubric: Rubric, units: list[Unit]) -> list[str]:
    """Propose the rubric's titles within one khối (giao ước thi đua), highest title first,
    each member at most one: a member that registered for a title (or for one above it) and
    meets its conditions, the best scores first, within the title's quota. A tie at the quota
    is never split — the whole tie is left out and a note tells the council, as for class
    quotas. Each member that registered and is not proposed gets a note saying why; return the
    round's notes."""
    notes: list[str] = []
    proposed: set[int] = set()
    for index, title in enumerate(rubric.titles):
        candidates = []
        for unit in units:
            if id(unit) in proposed:
                continue
            reasons = _title_reasons(rubric, unit, index)
            if not reasons:
                candidates.append(unit)
            elif "không đăng ký" not in reasons[0]:
                unit.notes.append(f"Không đề nghị «{title.name}»: " + "; ".join(reasons))
        candidates.sort(key=lambda u: -u.final_score)
        chosen = candidates
        if title.quota is not None and len(candidates) > title.quota:
            cut = candidates[title.quota - 1].final_score
            tied = candidates[title.quota].final_score >= cut - _EPS
            chosen = [u for u in candidates if u.final_score > cut + _EPS] if tied \
                else candidates[:title.quota]
            if tied:
                names = ", ".join(u.agency for u in candidates if abs(u.final_score - cut) < _EPS)
                notes.append(f"«{title.name}» (tối đa {title.quota}): {names} bằng điểm "
                             f"({points_text(cut)}) tại giới hạn số lượng; không tách, chưa đề "
                             f"nghị ai trong số này — Hội đồng xem xét.")
            for unit in candidates[len(chosen):]:
                at_cut = tied and abs(unit.final_score - cut) < _EPS
                unit.notes.append(f"Không đề nghị «{title.name}»: ngoài số lượng tối đa "
                                  f"{title.quota} của khối" + (" (bằng điểm tại giới hạn, Hội "
                                                              "đồng xem xét)" if at_cut else ""))
        for unit in chosen:
            unit.title_proposed = title.name
            unit.notes.append(f"Đề nghị «{title.name}»")
            proposed.add(id(unit))
    return notes


def _files_by_agency(index: RosterIndex, out: Consolidation, by_path: dict[str, FileResult]
                     ) -> dict[str, dict[str, list[str]]]:
    """Per roster agency, its files that could not be used: "rejected" (read, with errors) and
    "unreadable" (not a workbook the toolkit reads, e.g. an .ods). A rejected file is matched by
    the code or name it carries, else — like a file never read — by the file name the toolkit
    gave it (``‹code›-‹year›…``)."""
    found: dict[str, dict[str, list[str]]] = {}
    for rej in out.rejected:
        res = by_path[rej.path]
        match = index.find(res.agency_code, res.agency)
        agency = match.agency or index.by_file_name(rej.path)
        if agency is not None:
            found.setdefault(identity(agency), {}).setdefault("rejected", []).append(
                Path(rej.path).name)
    for path, _why in out.skipped:
        name = Path(path).name
        if name.startswith(("~$", "._", ".~lock.", TEMP_PREFIX)) or not Path(path).suffix:
            continue  # lock and temporary files, macOS's companions, folders: no submission
        name = name.lstrip(".")  # a hidden copy of a submission is still that agency's file
        agency = index.by_file_name(name)
        if agency is not None:
            found.setdefault(identity(agency), {}).setdefault("unreadable", []).append(
                Path(path).name)
    return found


def _missing_note(files: dict[str, list[str]]) -> str:
    parts = []
    if files.get("rejected"):
        parts.append("Có tệp bị từ chối: " + ", ".join(files["rejected"]))
    if files.get("unreadable"):
        parts.append("Có tệp không đọc được: " + ", ".join(files["unreadable"]))
    return "; ".join(parts) or "Chưa nộp"


def _round_rubric(files: list[FileResult]) -> Rubric:
    counts = Counter(r.rubric_id for r in files if r.status == OK and r.rubric_id)
    if not counts:
        counts = Counter(r.rubric_id for r in files if r.rubric_id and r.rubric_id in builtin_ids())
    if not counts:
        raise ConsolidationError(
            "Không xác định được bộ tiêu chí của đợt: không có tệp hợp lệ nào. Hãy kiểm tra các "
            "tệp (dvcq check) hoặc chỉ rõ --rubric.",
            [f for r in files for f in r.errors][:50])
    rid = sorted(counts, key=lambda i: (-counts[i], i))[0]
    rubric = find_rubric(rid)
    if rubric is None:  # a rubric given only as a file: the caller must pass it
        raise ConsolidationError(f"Bộ tiêu chí «{rid}» không có sẵn: hãy chỉ tệp bộ tiêu chí "
                                 f"bằng --rubric.")
    return rubric


def _choose(members: list[tuple[FileResult, Agency]]) -> tuple[FileResult, Agency]:
    def key(m):
        r = m[0]
        return (r.copy == REVIEW, r.mtime or 0.0, r.path)

    return max(members, key=key)


def _why_chosen(chosen: FileResult, members: list[tuple[FileResult, Agency]]) -> str:
    if chosen.copy == REVIEW and any(m.copy != REVIEW for m, _ in members) and sum(
            m.copy == REVIEW for m, _ in members) == 1:
        return "Tính bản chấm của Tổ kiểm tra (thay cho bản tự chấm)"
    same_kind = [m for m, _ in members if m.copy == chosen.copy]
    if len({m.sha256 for m in same_kind}) == 1:
        return "Các tệp giống hệt nhau (cùng SHA-256); tính một lần"
    return "Tính tệp sửa đổi sau cùng (theo thời điểm sửa đổi tệp)"


def _unit(rubric: Rubric, r: FileResult, agency: Agency, changes: list[Change]) -> Unit:
    marks = r.marks
    assert marks is not None  # every valid file of a known rubric has its marks
    values, answers = final_values(rubric, marks)
    dropped = final_dropped(marks)
    score = rubric.score(values, answers, column="review", dropped=dropped)
    # the score's class already takes the floor into account: only why is added here
    class_name, notes = score.class_name, criterion_floor(rubric, values, score.class_name,
                                                          dropped)[1]
    self_total = r.self_total  # given whenever the self column is complete and valid
    if self_total is None:
        self_total = rubric.score(marks.self, marks.self_answers, column="self",
                                  dropped=marks.self_dropped).total
    unit = Unit(
        agency=agency.name, agency_code=agency.code, block=agency.block or NO_BLOCK,
        source=r.path, copy=r.copy,
        self_total=self_total,
        review_total=r.review_total, final_score=score.total, class_name=class_name,
        values=values, self_values=dict(marks.self), notes=notes,
        not_applicable=sorted(dropped), figures=final_figures(marks),
        title_registered=marks.title, has_titles=bool(rubric.titles),
        answers=dict(answers), dropped=dropped,
    )
    if dropped:
        unit.notes.append("Không áp dụng: mục " + ", ".join(sorted(dropped)) +
                          f" (tổng cộng quy đổi về thang {points_text(rubric.base_max)} điểm)")
    if agency.name and r.agency and name_key(agency.name) != name_key(r.agency):
        unit.notes.append(f"Tên trong tệp: «{r.agency}»")
    if any(values[leaf.code] is None for leaf in rubric.leaves((SUPERIOR,))):
        unit.notes.append("Chưa có điểm do cấp trên chấm")
    unit.notes += _cap_notes(rubric, values, answers)
    before = len(changes)
    for leaf in rubric.leaves():
        own, review = marks.self.get(leaf.code), marks.review.get(leaf.code)
        # «Không áp dụng» is a score of its own: the team's decision either way is a change
        own_na, review_na = leaf.code in marks.self_dropped, leaf.code in marks.review_dropped
        if not leaf.reviewer_only and own_na != review_na and (review_na or review is not None):
            changes.append(Change(unit.agency, unit.agency_code, unit.block, leaf.code,
                                  leaf_label(rubric, leaf.code),
                                  NOT_APPLICABLE if own_na else own,
                                  NOT_APPLICABLE if review_na else review,
                                  marks.reasons.get(leaf.code, ""), r.path))
            continue
        if leaf.reviewer_only or review is None or own is None or abs(own - review) < _EPS:
            continue
        changes.append(Change(unit.agency, unit.agency_code, unit.block, leaf.code,
                              leaf_label(rubric, leaf.code), own, review,
                              marks.reasons.get(leaf.code, ""), r.path))
    for cond in rubric.conditions:
        own, review = marks.self_answers.get(cond.id), marks.review_answers.get(cond.id)
        if review is not None and review != own:
            changes.append(Change(unit.agency, unit.agency_code, unit.block, cond.id,
                                  cond.question, _yes_no(own), _yes_no(review), "", r.path))
    unit.rescored = len(changes) > before
    if unit.rescored:
        unit.notes.append("Tổ kiểm tra chấm lại")
    return unit


def _cap_notes(rubric: Rubric, values: dict[str, float | None],
               answers: dict[str, bool | None]) -> list[str]:
    """A note where bonus or deductions add up past their cap and only the cap counted — also
    when the sum comes from the agency's and the team's points together."""
    what = {BONUS: "điểm thưởng", PENALTY: "điểm trừ"}
    return [f"Tổng {what[kind]} {points_text(raw)} vượt mức tối đa {points_text(cap)}: "
            f"chỉ tính {points_text(cap)}" for kind, raw, cap in rubric.over_caps(values, answers)]


def leaf_label(rubric: Rubric, code: str) -> str:
    """How a leaf is named to a reader: "Tiêu chí 3 – Nội dung 1" (labels repeat per tiêu chí)."""
    leaf = rubric.item(code)
    top = rubric.item(code.split(".")[0])
    if top is leaf:
        return leaf.title or leaf.display
    label = leaf.label or leaf.code
    return f"{top.title or top.code} – {label}"


def _yes_no(answer: bool | None) -> str:
    return {True: "Có", False: "Không", None: ""}[answer]


def _code_key(code: str) -> tuple:
    return tuple(int(p) if p.isdigit() else 10**6 for p in re.split(r"[.]", code))


# --- the previous year ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PriorUnit:
    agency: str
    agency_code: str
    score: float | None
    class_name: str


@dataclass(frozen=True)
class PriorRound:
    """An earlier ranking workbook as read back: its units and the rubric it was made from."""

    path: str
    units: list[PriorUnit]
    rubric_id: str = ""
    rubric_version: str = ""
    rubric_hash: str = ""
    year: int | None = None
    recorded: int | None = None  # how many units the workbook had when it was written

    def differs_from(self, rubric: Rubric) -> str:
        """A Vietnamese note when this round used another rubric or version, else ""."""
        if not self.rubric_id:
            return ""
        same = (self.rubric_id == rubric.id and self.rubric_version == rubric.version
                and (not self.rubric_hash or self.rubric_hash == rubric.hash))
        if same:
            return ""
        return (f"Bảng xếp hạng năm trước dùng bộ tiêu chí {self.rubric_id} phiên bản "
                f"{self.rubric_version or '?'}, khác bộ của đợt này ({rubric.id} phiên bản "
                f"{rubric.version}): điểm hai năm không cùng thang nên chỉ so sánh xếp loại, "
                f"không so sánh điểm.")


def read_previous(path: str | Path) -> PriorRound:
    """An earlier ranking workbook written by this toolkit (as edited by hand)."""
    from .reader import read_ranking

    try:
        book = read_ranking(path)
    except DvcqError as exc:
        raise ConsolidationError(f"Không đọc được bảng xếp hạng năm trước {path}: {exc.message}",
                                 exc.findings) from None
    units = []
    for row in book.units:
        units.append(PriorUnit(nfc(row.get("Tên cơ quan", "")), nfc(row.get("Mã", "")),
                               _points(row.get("Điểm xếp loại")), nfc(row.get("Xếp loại", ""))))
    if not units:
        raise ConsolidationError(f"Tệp {path} không phải bảng xếp hạng do dvcq tạo (không thấy "
                                 f"trang «Xếp hạng …» có cột STT, Mã, Tên cơ quan).")
    meta = book.meta
    year = meta.get("year")
    return PriorRound(str(path), units, nfc(meta.get("rubric_id") or ""),
                      nfc(meta.get("rubric_version") or ""), nfc(meta.get("rubric_hash") or ""),
                      int(year) if isinstance(year, (int, float)) and not isinstance(year, bool)
                      and float(year).is_integer() else None,
                      int(meta["units"]) if isinstance(meta.get("units"), (int, float)) else None)


def _points(value: Any) -> float | None:
    """Points as the officer may have typed them into last year's workbook: 95.5 or «95,5»."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    text = nfc(value).replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _compare(out: Consolidation, prior: PriorRound) -> None:
    other = prior.differs_from(out.rubric)
    if other:
        out.notes.append(other)
    if prior.recorded is not None and len(prior.units) < prior.recorded:
        out.notes.append(f"Bảng xếp hạng năm trước ghi {prior.recorded} đơn vị nhưng chỉ đọc được "
                         f"{len(prior.units)} (một trang «Xếp hạng …» đã bị đổi tên, xóa hoặc sửa "
                         f"dòng tiêu đề): các đơn vị còn lại ghi «Năm trước: không có».")
    if prior.year is not None and out.year is not None and prior.year >= out.year:
        out.notes.append(f"Bảng xếp hạng «năm trước» ghi năm {prior.year}, không trước năm của "
                         f"đợt này ({out.year}): hãy kiểm tra lại tệp --previous.")
    by_code = {p.agency_code.casefold(): p for p in prior.units if p.agency_code}
    names = Counter(name_key(p.agency) for p in prior.units)
    by_name = {name_key(p.agency): p for p in prior.units if names[name_key(p.agency)] == 1}
    for u in out.units:
        p = by_code.get(u.agency_code.casefold()) if u.agency_code else None
        p = p or by_name.get(name_key(u.agency))
        if p is None:
            u.notes.append("Năm trước: không có")
            continue
        u.previous_class = p.class_name
        parts = []
        if not other:
            u.previous_score = p.score
            if p.score is not None:
                diff = round(u.final_score - p.score, 6)
                parts.append(f"{'+' if diff > 0 else ''}{points_text(diff)} điểm" if diff else
                             "bằng điểm")
            else:
                parts.append("năm trước không có điểm đọc được")
        if p.class_name and p.class_name != u.class_name:
            parts.append(f"{p.class_name} → {u.class_name}")
        what = "So với năm trước" + (" (bộ tiêu chí khác, chỉ so xếp loại)" if other else "")
        u.notes.append(what + ": " + ", ".join(parts or ["không đổi"]))


def file_digest(path: str | Path) -> tuple[str, int]:
    """SHA-256 and size of a file the reader could not take (for the audit trail)."""
    h = hashlib.sha256()
    size = 0
    try:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
                size += len(chunk)
    except OSError:
        return "", 0
    return h.hexdigest(), size


__all__ = ["propose_titles", "targets_met", "Consolidation", "ConsolidationError", "Unit", "Change", "Rejected", "Missing",
           "Unknown", "Duplicate", "PriorUnit", "RosterIndex", "consolidate", "final_values",
           "criterion_floor", "apply_quotas", "leaf_label", "points_text", "rank_block", "name_key", "sort_key",
           "read_previous", "PriorRound", "file_digest", "NO_BLOCK"]
