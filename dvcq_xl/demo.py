"""The demo round: the bundled sample roster, its templates, and sample submissions.

Everything is deterministic (seeded by agency code), so two runs write the same scores. Some
submissions carry the mistakes that agencies really make (DOMAIN.md, "What goes wrong today"), for
the later stages of the round to find.
"""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .annotate import annotate_results
from .consolidate import Consolidation
from .excel import write_control_workbook
from .generate import Written
from .intake import CheckReport, check_paths
from .output import atomic_path, safe_filename
from .reports import Settings, write_reports
from .roster import read_roster
from .rubric import Rubric, builtin_rubric, num
from .contract import REVIEW, Agency
from .template import Fill, render_template
from .workflow import REPORTS_FOLDER, TEMPLATES_FOLDER, make_templates, rank, ranking_file

if TYPE_CHECKING:
    from .registration import Register

DEMO_RUBRIC = "bac-giang-274-2017"
DEMO_YEAR = 2025

#: agency code -> the mistake its sample submission carries (and how it shows in the file)
MISTAKES = {
    "STP": ("Điểm vượt điểm chuẩn", "above-max"),
    "SXD": ("Nhập chữ «5 điểm» thay cho số", "text"),
    "SCT": ("Nhập «4,5» dạng chữ", "comma-text"),
    "BVDK": ("Bỏ trống một mục", "empty"),
    "XANPHU": ("Dùng mẫu chung, quên ghi tên đơn vị", "no-name"),
}
#: the inspection team's re-scoring: agency code -> {leaf: (points, reason)}
REVIEWS = {
    "SYT": {"2.1": (-1, "Chưa có báo cáo sơ kết việc thực hiện Quy chế dân chủ")},
    "XKIMSON": {"4.1": (-2, "Kế hoạch ban hành sau thời hạn; không có văn bản đôn đốc"),
                "10": (-5, "Chỉ đạt một trong hai điều kiện điểm thưởng")},
    "SKHCN": {"6.2": (+1, "Bổ sung tài liệu kiểm chứng: Báo cáo số 88/BC-SKHCN")},
}
#: the agency that sends its sheet twice (the second, corrected one counts)
RESENT = "SNV"
#: the fictional province's settings for the demo's reports
DEMO_SETTINGS = Settings(province="Mẫu", number="…", signer_name="(ký, ghi rõ họ tên)",
                         launch_letter=f"Công văn số …/SNV-XDCQ ngày …/11/{DEMO_YEAR} của Sở "
                                       f"Nội vụ về việc tự chấm điểm công tác dân vận chính "
                                       f"quyền năm {DEMO_YEAR}")
#: the agency whose sample scores are those of the real report in seed 001 (89 + 10 = 99)
SEED_AGENCY = "SDTTG"
SEED_SCORES = {"3.1": 4}


def sample_roster_path() -> Path:
    """The bundled sample roster (a fictional province, three blocks)."""
    return Path(str(resources.files("dvcq_xl.samples") / "roster.xlsx"))


def write_sample_roster(out: str | Path) -> Path:
    """Copy the bundled sample roster to ``out`` (atomically), to try the commands or to edit
    into a province's own roster."""
    source = sample_roster_path()
    with atomic_path(out, inputs=[source], suffixes=(".xlsx",), what="danh sách",
                     kind="roster") as tmp:
        shutil.copyfile(source, tmp)
    return Path(out)


@dataclass
class DemoResult:
    out_dir: Path
    rubric: Rubric
    templates: list[Written]
    submissions: list[tuple[Agency, Path, str]]  # agency, file, mistake ("" when none)
    report: CheckReport  # the submissions checked as ``dvcq check`` does
    marked: list[Path]  # their marked-up copies (``kiem-tra/``)
    reviews: list[Path]  # the inspection team's copies (``to-kiem-tra/``)
    consolidation: Consolidation  # the round consolidated
    ranking: Path  # the ranking workbook
    reports: list[Path]  # the Word reports written from it (``bao-cao/``)
    macro_template: Path  # the score sheet with the «Kiểm tra» button (.xlsm)
    control: Path  # the Sở's control workbook with its buttons (.xlsm), set up for this folder
    roster: Path  # the sample roster, copied into the folder for the README's commands
    resent: Path  # the corrected file one agency sent after the check (in ``nop/`` from then on)
    khoi: "KhoiDemo | None" = None  # the giao ước thi đua round of one khối (``giao-uoc/``)
    appeals: "AppealsDemo | None" = None  # the giải trình round after the ranking


#: the giải trình round: agency code -> (its explanation, the Sở's decision, its reason)
APPEALS = {
    "SYT": ("Đã có Báo cáo sơ kết số 12/BC-SYT ngày 10/12/2025 (gửi kèm)", "Chấp nhận",
            "Tài liệu kiểm chứng hợp lệ, ban hành trong năm"),
    "XKIMSON": ("Kế hoạch được ban hành trong thời hạn của huyện", "Không chấp nhận",
                "Kế hoạch ban hành ngày 15/3, sau thời hạn 28/02 của tỉnh"),
}


@dataclass
class AppealsDemo:
    """The demo's giải trình round (``giai-trinh/``): the forms, the agencies' answers, the
    Sở's decisions, the final ranking and its reports."""

    forms: list[Path]
    answered: list[Path]
    decided: list[Path]
    consolidation: Consolidation
    ranking: Path
    reports: list[Path]


#: the giao ước thi đua round: one khối of the fictional province, its khối trưởng first
KHOI_RUBRIC = "vi-du-giao-uoc-thi-dua"
KHOI_NAME = "Khối các cơ quan Tham mưu - Tổng hợp"
KHOI_MEMBERS = [("VPUB", "Văn phòng UBND tỉnh"), ("SNV", "Sở Nội vụ"), ("STP", "Sở Tư pháp"),
                ("TTT", "Thanh tra tỉnh"), ("SKHDT", "Sở Kế hoạch và Đầu tư"),
                ("BDT", "Ban Dân tộc tỉnh"), ("STC", "Sở Tài chính")]
CO, BK = "Cờ thi đua của UBND tỉnh", "Bằng khen của Chủ tịch UBND tỉnh"
#: code -> (targets, title registered, achieved); «Ban Dân tộc» is seed 004 (95 points)
KHOI_PLAN = {
    "VPUB": ({"1": 1, "2": 1, "3": 0.15, "4": 20, "5": "Có", "6": 1}, CO,
             {"1": 1, "2": 1, "3": 0.18, "4": 21, "5": "Có", "6": 1}),
    "SNV": ({"1": 1, "2": 1, "3": 0.15, "4": 15, "5": "Có", "6": 1}, CO,
            {"1": 1, "2": 1, "3": 0.14, "4": 15, "5": "Có", "6": 1}),
    "STP": ({"1": 0.95, "2": 0.9, "3": 0.1, "4": 12, "5": "Có", "6": 1}, BK,
            {"1": 0.97, "2": 0.92, "3": 0.1, "4": 11, "5": "Có", "6": 1}),
    "TTT": ({"1": 0.95, "2": 0.9, "3": 0.1, "4": 10, "5": "Có", "6": 0.5}, BK,
            {"1": 0.95, "2": 0.85, "3": 0.08, "4": 9, "5": "Có", "6": 0.5}),
    "SKHDT": ({"1": 1, "2": 1, "3": 0.15, "4": 25, "5": "Có", "6": 1}, BK,
              {"1": 0.9, "2": 0.9, "3": 0.1, "4": 20, "5": "Có", "6": 0.75}),
    "BDT": ({"1": 1, "2": 1, "3": 0.15, "4": 12, "5": "Có", "6": 1}, CO,
            {"1": 1, "2": 1, "3": 0.1, "4": 12, "5": "Có", "6": 1}),
    "STC": ({"1": 0.9, "2": 0.9, "3": 0.1, "4": 18, "5": "Có", "6": 1}, "",
            {"1": 0.92, "2": 0.95, "3": 0.12, "4": 18, "5": "Không", "6": 1}),
}
#: the realistic mistakes of the khối round: a target below the khối's minimum on registering
#: (sent again, corrected), a percentage typed as text in the results, a target lowered on an
#: unprotected sheet
KHOI_MISTAKES = {"TTT": "Đăng ký chỉ tiêu 1 thấp hơn mức tối thiểu (gửi lại bảng đã sửa)",
                 "SKHDT": "Gõ «90%» dạng chữ vào ô kết quả",
                 "STC": "Sửa chỉ tiêu đã đăng ký trong bảng kết quả"}


@dataclass
class KhoiDemo:
    """The demo's giao ước thi đua round of one khối (``giao-uoc/``)."""

    folder: Path
    roster: Path
    forms: list[Path]  # the blank registration forms (``dang-ky/``)
    register: "Register"  # the khối's register, as collected
    register_path: Path
    results: list[Path]  # the members' results workbooks as sent (``ket-qua/``)
    consolidation: Consolidation
    ranking: Path
    reports: list[Path]


def sample_fill(rubric: Rubric, agency: Agency, year: int) -> tuple[Fill, str]:
    """Realistic, deterministic self scores for one agency, and the mistake made, if any."""
    rng = random.Random(f"{agency.code}-{year}")
    fill = Fill()
    for leaf in rubric.leaves():
        if leaf.kind == "superior":
            continue
        if agency.code == SEED_AGENCY:
            value = SEED_SCORES.get(leaf.code, leaf.max_points)
        else:
            drop = rng.choices([0, leaf.step, 2 * leaf.step], weights=[70, 22, 8])[0]
            value = max(0.0, leaf.max_points - drop)
        fill.self_scores[leaf.code] = num(value)
        day, month = rng.randint(1, 28), rng.randint(1, 12)
        kind = rng.choice(["Kế hoạch", "Báo cáo", "Quyết định"])
        abbrev = {"Kế hoạch": "KH", "Báo cáo": "BC", "Quyết định": "QĐ"}[kind]
        fill.evidence[leaf.code] = (f"{kind} số {rng.randint(5, 250)}/{abbrev}-{agency.code} "
                                    f"ngày {day:02d}/{month:02d}/{year}")
    for cond in rubric.conditions:
        fill.self_answers[cond.id] = "Không"
    mistake = MISTAKES.get(agency.code, ("", ""))[1]
    codes = [leaf.code for leaf in rubric.leaves() if leaf.kind != "superior"]
    victim = codes[rng.randrange(len(codes))]
    if mistake == "above-max":
        fill.self_scores[victim] = num(rubric.item(victim).max_points + 1)
    elif mistake == "text":
        fill.self_scores[victim] = f"{num(rubric.item(victim).max_points)} điểm"
    elif mistake == "comma-text":
        fill.self_scores[victim] = "4,5"
    elif mistake == "empty":
        fill.self_scores[victim] = None
        fill.evidence.pop(victim, None)
    return fill, mistake


def run_demo(out_dir: str | Path, progress: Callable[[str], None] | None = None) -> DemoResult:
    """Write the demo round into ``out_dir``: templates (``mau/``), submissions (``nop/``), then
    check the submissions and write the marked-up copies of the faulty ones (``kiem-tra/``)."""
    out = Path(out_dir)
    rubric = builtin_rubric(DEMO_RUBRIC)
    roster = write_sample_roster(out / "danh-sach.xlsx")
    agencies = read_roster(roster)
    templates = make_templates(
        rubric, agencies, DEMO_YEAR, out / TEMPLATES_FOLDER, roster_source=roster,
        progress=(lambda a: progress(f"Mẫu: {a.name}")) if progress else None)
    inbox = out / "nop"
    inbox.mkdir(parents=True, exist_ok=True)
    submissions = []
    taken: set[str] = set()
    for agency in agencies:
        fill, mistake = sample_fill(rubric, agency, DEMO_YEAR)
        for_file = Agency() if mistake == "no-name" else agency
        path = inbox / safe_filename(f"{agency.code}-{DEMO_YEAR}-tu-cham", ".xlsx", taken)
        render_template(rubric, path, DEMO_YEAR, for_file, fill=fill, replace_filled=True)
        submissions.append((agency, path, MISTAKES.get(agency.code, ("",))[0]))
        if progress:
            progress(f"Bài nộp mẫu: {agency.name}")
    resent_path = _resent_path(next(p for a, p, _ in submissions if a.code == RESENT))
    resent_path.unlink(missing_ok=True)  # an earlier demo's; it is sent after the check below
    report = check_paths([inbox], year=DEMO_YEAR,
                         progress=(lambda r: progress(f"Kiểm tra: {Path(r.path).name}"))
                         if progress else None)
    marked = annotate_results(report.files, out / "kiem-tra", inputs=[inbox])
    reviews = _review_round(rubric, agencies, out / "to-kiem-tra")
    resent = next(path for agency, path, _ in submissions if agency.code == RESENT)
    resent = _resend(rubric, next(a for a in agencies if a.code == RESENT), resent)
    if progress:
        progress("Tổng hợp, xếp hạng")
    ranked = rank([inbox, out / "to-kiem-tra"], ranking_file(out, DEMO_YEAR), roster=agencies,
                  roster_source=roster, rubric=rubric, year=DEMO_YEAR)
    result, ranking = ranked.consolidation, ranked.ranking
    if progress:
        progress("Báo cáo")
    reports = write_reports(ranking, out / REPORTS_FOLDER, DEMO_SETTINGS)
    if progress:
        progress("Tệp Excel có nút")
    macro_template = render_template(rubric, out / f"bang-cham-diem-co-nut-{DEMO_YEAR}.xlsm",
                                     DEMO_YEAR, macros=True)
    control = write_control_workbook(out / f"so-dieu-khien-{DEMO_YEAR}.xlsm", agencies, {
        "rubric": DEMO_RUBRIC, "year": DEMO_YEAR, "inbox": "nop", "output": ".",
        "province": DEMO_SETTINGS.province, "number": DEMO_SETTINGS.number,
        "signer_name": DEMO_SETTINGS.signer_name, "launch_letter": DEMO_SETTINGS.launch_letter})
    if progress:
        progress("Vòng giải trình")
    appeals = run_appeals_demo(out, ranking, [inbox, out / "to-kiem-tra"], agencies, roster)
    if progress:
        progress("Giao ước thi đua của khối")
    khoi = run_khoi_demo(out / "giao-uoc")
    return DemoResult(out, rubric, templates, submissions, report, marked, reviews, result,
                      ranking, reports, macro_template, Path(control), roster, resent, khoi,
                      appeals)


def run_appeals_demo(out: Path, ranking: Path, inputs: list[Path], agencies: list[Agency],
                     roster: Path) -> AppealsDemo:
    """After the letters: a «Phiếu giải trình» for each agency the team lowered; two answer
    (one explanation accepted, one not), the Sở decides, the round is ranked and reported
    again."""
    import datetime as dt

    from .appeals import DECISION, appeal_forms, read_appeal, render_appeal

    folder = out / "giai-trinh"
    forms = [w.path for w in appeal_forms(ranking, _clean(folder / "phieu"),
                                          deadline=f"15/01/{DEMO_YEAR + 1}")]
    answered, decided = [], []
    for path in forms:
        form = read_appeal(path)
        if form.agency_code not in APPEALS:
            continue
        explanation, decision, reason = APPEALS[form.agency_code]
        row = form.rows[0]
        variant = builtin_rubric(DEMO_RUBRIC).for_block(str(form.facts.get("block") or ""))
        entries = {row.code: {"appeal": explanation, "appeal_evidence": "Gửi kèm phiếu"}}
        answer = render_appeal(_fresh(folder / "da-gui" / path.name), variant, form.facts,
                               entries=entries, date=dt.date(DEMO_YEAR + 1, 1, 12))
        answered.append(answer)
        final = row.own if decision == "Chấp nhận" else row.team
        entries[row.code].update(decision=decision, decided=final, decision_reason=reason)
        decided.append(render_appeal(_fresh(folder / "quyet-dinh" / path.name), variant,
                                     form.facts, copy=DECISION, entries=entries,
                                     date=dt.date(DEMO_YEAR + 1, 1, 12)))
    final = rank(inputs, _fresh(out / f"xep-hang-{DEMO_YEAR}-sau-giai-trinh.xlsx"),
                 roster=agencies, roster_source=roster, rubric=builtin_rubric(DEMO_RUBRIC),
                 year=DEMO_YEAR, appeals=[folder / "quyet-dinh"])
    reports = write_reports(final.ranking, _clean(out / "bao-cao-sau-giai-trinh"),
                            DEMO_SETTINGS)
    return AppealsDemo(forms, answered, decided, final.consolidation, final.ranking, reports)


def _clean(folder: Path) -> Path:
    """A demo output folder emptied of an earlier demo's files (the demo writes its inputs)."""
    if folder.exists():
        shutil.rmtree(folder)
    return folder


def run_khoi_demo(folder: Path) -> KhoiDemo:
    """A khối's giao ước thi đua, from the roster to the proposals and the Word documents:
    registration forms, the members' registrations (one sent again after a mistake), the
    register, results workbooks with the targets locked, the results as sent (two with
    mistakes), the khối's ranking and proposals, and the reports."""
    import os

    from .registration import collect, registration_forms, render_registration, write_register
    from .roster import write_roster

    rubric = builtin_rubric(KHOI_RUBRIC)
    members = [Agency(name, code, KHOI_NAME) for code, name in KHOI_MEMBERS]
    roster = write_roster(members, _fresh(folder / "thanh-vien-khoi.xlsx"))
    forms = [w.path for w in registration_forms(rubric, members, DEMO_YEAR, folder / "dang-ky",
                                                inputs=[roster])]
    sent = folder / "dang-ky-da-gui"
    sent.mkdir(parents=True, exist_ok=True)
    for agency in members:
        targets, title, _ = KHOI_PLAN[agency.code]
        path = _fresh(sent / f"{agency.code.lower()}-dang-ky-{DEMO_YEAR}.xlsx")
        if agency.code == "TTT":  # first sent below the khối's minimum, then corrected
            render_registration(rubric, _fresh(sent / f"ttt-dang-ky-{DEMO_YEAR}-lan-1.xlsx"),
                                DEMO_YEAR, agency, targets={**targets, "1": 0.8}, title=title)
        render_registration(rubric, path, DEMO_YEAR, agency, targets=targets, title=title)
    register = collect([sent], rubric=rubric, year=DEMO_YEAR, roster=members)
    register_path = write_register(register, rubric, _fresh(folder / f"so-dang-ky-{DEMO_YEAR}.xlsx"))
    make_templates(rubric, members, DEMO_YEAR, folder / "mau-ket-qua", roster_source=roster,
                   register=register, register_source=register_path)
    inbox = folder / "ket-qua"
    inbox.mkdir(parents=True, exist_ok=True)
    results = []
    for agency in members:
        targets, title, achieved = KHOI_PLAN[agency.code]
        figures = {code: (value,) for code, value in achieved.items()}
        registered = dict(register.find(agency).targets) if register.find(agency) else targets
        if agency.code == "SKHDT":
            figures["2"] = ("90%",)
        if agency.code == "STC":
            registered["4"] = 15  # lowered after registering, on an unprotected copy
        fill = Fill(targets=registered, title_registered=title, self_figures=figures,
                    evidence={code: "Báo cáo số …/BC ngày …/12/2025" for code in achieved})
        path = _fresh(inbox / f"{agency.code.lower()}-ket-qua-{DEMO_YEAR}.xlsx")
        render_template(rubric, path, DEMO_YEAR, agency, fill=fill)
        if agency.code == "STC":  # the registration stamped in the file stays the khối's
            _restamp(path, targets, title)
        results.append(path)
    ranked = rank([inbox], _fresh(folder / f"xep-hang-giao-uoc-{DEMO_YEAR}.xlsx"),
                  roster=members, roster_source=roster, rubric=rubric, year=DEMO_YEAR)
    reports = write_reports(ranked.ranking, folder / REPORTS_FOLDER,
                            DEMO_SETTINGS.__class__(province=DEMO_SETTINGS.province,
                                                    body="VĂN PHÒNG UBND TỈNH",
                                                    body_name="Văn phòng UBND tỉnh",
                                                    symbol="BC-VP", number="…",
                                                    signer_title="KT. CHÁNH VĂN PHÒNG",
                                                    signer_role="PHÓ CHÁNH VĂN PHÒNG",
                                                    signer_name="(ký, ghi rõ họ tên)"))
    os.utime(folder, None)
    return KhoiDemo(folder, roster, forms, register, register_path, results,
                    ranked.consolidation, ranked.ranking, reports)


def _fresh(path: Path) -> Path:
    """A demo output path, an earlier demo's file removed (the demo writes its own inputs)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    return path


def _restamp(path: Path, targets: dict, title: str) -> None:
    """Write back the registration the khối stamped: the file was made from the register, its
    visible target changed afterwards (what ``target-modified`` finds)."""
    from openpyxl import load_workbook

    from .contract import META, REGISTRATION_PLACE, registration_json

    wb = load_workbook(path)
    wb[META][REGISTRATION_PLACE] = registration_json(targets, title)
    wb.save(path)


def _review_round(rubric: Rubric, agencies: list[Agency], folder: Path) -> list[Path]:
    """The inspection team's copies: the agency's entries kept, the team's scores beside them."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for agency in agencies:
        changes = REVIEWS.get(agency.code)
        if not changes:
            continue
        fill, _ = sample_fill(rubric, agency, DEMO_YEAR)
        fill.review_scores = dict(fill.self_scores)
        fill.review_answers = dict(fill.self_answers)
        for code, (delta, reason) in changes.items():
            item = rubric.item(code)
            points = min(item.max_points, max(0.0, float(fill.self_scores[code]) + delta))
            fill.review_scores[code] = num(points)
            fill.reasons[code] = reason
        path = folder / safe_filename(f"{agency.code}-{DEMO_YEAR}-to-kiem-tra", ".xlsx")
        written.append(render_template(rubric, path, DEMO_YEAR, agency, mode=REVIEW, fill=fill,
                                       replace_filled=True))
    return written


def _resent_path(first: Path) -> Path:
    return first.with_name(first.stem + "-gui-lai.xlsx")


def _resend(rubric: Rubric, agency: Agency, first: Path) -> Path:
    """The agency sends its sheet again, one score corrected: both files are in the inbox."""
    import os

    fill, _ = sample_fill(rubric, agency, DEMO_YEAR)
    code = next(leaf.code for leaf in rubric.leaves() if fill.self_scores.get(leaf.code)
                and fill.self_scores[leaf.code] < leaf.max_points and leaf.kind == "scored")
    fill.self_scores[code] = num(rubric.item(code).max_points)
    path = _resent_path(first)
    render_template(rubric, path, DEMO_YEAR, agency, fill=fill, replace_filled=True)
    earlier = path.stat().st_mtime - 3600
    os.utime(first, (earlier, earlier))  # sent an hour before the correction
    return path
