"""The ``dvcq`` command: parse, call one library function, print.

Exit status: 0 success; 1 a checked file is not valid (``rubric check``, ``check``: at least one
error, warnings alone give 0); 2 bad input or command-line use (a Vietnamese message, never a
traceback).
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from . import __version__, i18n
from .contract import BUTTON_CAPTION, DEFAULT_PASSWORD
from .errors import DvcqError
from .findings import ERROR, Report, comma
from .output import (check_folder_name, check_suffix, os_message, refuse_inputs, refuse_inside,
                     require_name, shown)
from .rubric import load_rubric
from .text import INTERRUPTED, json_text, points_text

if TYPE_CHECKING:
    from .consolidate import Consolidation
    from .intake import CheckReport

# Each command imports what it uses when it runs: «dvcq check ONE.xlsx» must not pay for
# XlsxWriter, docxtpl, matplotlib or openpyxl (the start-up is most of a one-file check, and every
# click of the Excel button pays it again).

# click's own messages, help and usage lines in Vietnamese; before the commands below exist
i18n.install()


class _Console:
    """rich's Console, made at the first line printed (``--help`` and usage errors need none)."""

    def __init__(self, **options) -> None:
        self._options = options
        self._console = None

    def real(self):
        if self._console is None:
            from rich.console import Console

            self._console = Console(highlight=False, **self._options)
        return self._console

    def __getattr__(self, name: str):
        return getattr(self.real(), name)


out = _Console()
err = _Console(stderr=True)


def rubric_features(rubric) -> list[str]:
    """What a rubric uses beyond typed scores, one Vietnamese line each (for `rubric check`)."""
    measured = [leaf.code for leaf in rubric.leaves() if leaf.measure is not None]
    marked = [leaf.code for leaf in rubric.leaves() if leaf.not_applicable]
    lines = []
    if measured:
        lines.append("Mục tính từ số liệu: " + ", ".join(measured))
    if marked:
        lines.append("Mục có thể «Không áp dụng»: " + ", ".join(marked))
    if rubric.floors:
        lines.append("Mức sàn: " + ", ".join(f"{item.code} ({share * 100:g} %)"
                                             for item, share in rubric.floors))
    for block in rubric.blocks:
        changed = ", ".join(code for code, _ in block.changes) or "không mục nào"
        lines.append(f"Khối «{block.name}»: mục khác: {changed}"
                     + ("; thang xếp loại riêng" if block.own_bands else ""))
    return lines


def _t(text: object) -> str:
    """Text from users' files or paths, for the terminal: no markup, no control sequences."""
    from rich.markup import escape

    return escape(shown(text))


MAX_LISTED = 20


def _fail(exc: DvcqError) -> None:
    """The error, where it is, and the findings behind it (the first twenty), then exit."""
    findings = list(exc.findings)
    message = exc.message
    if findings and findings[0].message == message:
        first = findings.pop(0)  # the message is that finding's: say where it is, once
        where = first.location
        if where and where not in message:
            message = f"{where}: {message}"
        message += f" [{first.code}]"
    err.print(f"[bold red]Lỗi:[/] {_t(message)}", soft_wrap=True)
    findings = [f for f in findings if f.message not in message]  # said once, not twice
    for finding in findings[:MAX_LISTED]:
        err.print(f"  - {_t(finding)}", soft_wrap=True)
    if len(findings) > MAX_LISTED:
        err.print(f"  … và {len(findings) - MAX_LISTED} lỗi khác.", markup=False)
    sys.exit(exc.exit_code)


def password_option(whose: str = ""):
    """``--password`` of every command that locks sheets (against slips, not a secret)."""
    return click.option("--password", default=DEFAULT_PASSWORD, show_default=True,
                        metavar="MẬT_KHẨU", help=f"Mật khẩu khóa trang tính{whose} (chống sửa "
                                                 f"nhầm, không phải bảo mật).")


def handles_errors(func):
    """Turn the toolkit's errors into a message and exit status 2, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except DvcqError as exc:
            _fail(exc)
        except OSError as exc:  # a path the system refuses (too long, a link loop …)
            where = f"{exc.filename}: " if exc.filename else ""
            err.print(f"[bold red]Lỗi:[/] {_t(where)}{os_message(exc)}.", soft_wrap=True)
            sys.exit(2)
        except KeyboardInterrupt:
            import signal

            signal.signal(signal.SIGINT, signal.SIG_IGN)  # once said, a second Ctrl-C waits
            err.print(INTERRUPTED, markup=False)
            sys.exit(130)

    return wrapper


@click.group(cls=i18n.Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dvcq")
def main() -> None:
    """Chấm điểm, xếp loại công tác dân vận chính quyền bằng Excel."""


@main.command("rubrics")
@handles_errors
def rubrics_cmd() -> None:
    """Liệt kê các bộ tiêu chí có sẵn."""
    from rich.table import Column, Table
    from .rubric import builtin_rubrics

    table = Table("Phiên bản", "Quyết định", "Điểm", "Thang xếp loại")
    table.columns.insert(0, Column("Mã", no_wrap=True))
    for r in builtin_rubrics():
        table.add_row(r.id, r.version, f"{r.decision.number} ({r.decision.body})",
                      f"{r.base_max:g} + {r.bonus_max:g}", trust_text(r))
    out.print(table)


def _roster(path: str):
    """Read a roster; its warnings (a name shared by several codes …) are shown, not lost."""
    from .roster import read_roster

    agencies = read_roster(path)
    for finding in getattr(agencies, "warnings", []):
        err.print(f"[yellow]Lưu ý:[/] {_t(finding)}", soft_wrap=True)
    return agencies


def trust_text(rubric) -> str:
    """How far a rubric can be trusted, as «dvcq rubrics» shows it (:attr:`Rubric.trust`)."""
    return rubric.trust


@main.group("rubric")
def rubric_group() -> None:
    """Xuất và kiểm tra bộ tiêu chí."""


@rubric_group.command("export")
@click.argument("rubric_id", metavar="MÃ")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False),
              metavar="TỆP", help="Tệp .xlsx sẽ ghi.")
@handles_errors
def rubric_export(rubric_id: str, output: str) -> None:
    """Ghi bộ tiêu chí MÃ (hoặc một tệp) thành bảng tính để sửa trong Excel."""
    from .rubric_workbook import export_rubric_workbook

    rubric = load_rubric(rubric_id)
    path = export_rubric_workbook(rubric, output)
    out.print(f"Đã ghi bộ tiêu chí {rubric.id} vào {path}")


@rubric_group.command("check")
@click.argument("file", type=click.Path(), metavar="TỆP")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
@handles_errors
def rubric_check(file: str, as_json: bool) -> None:
    """Kiểm tra một tệp bộ tiêu chí (.yaml hoặc .xlsx). Thoát 0 nếu hợp lệ, 1 nếu có lỗi."""
    report = Report()
    rubric = None
    try:
        rubric = load_rubric(file)
    except DvcqError as exc:
        report.extend(exc.findings)
    if as_json:
        data = report.to_dict()
        if rubric is not None:
            data.update(rubric_id=rubric.id, version=rubric.version, hash=rubric.hash)
        click.echo(json_text(data, indent=2))
    elif rubric is not None:
        out.print(f"Hợp lệ: {_t(rubric.id)} phiên bản {_t(rubric.version)}, "
                  f"{len(rubric.leaves())} mục, "
                  f"{rubric.base_max:g} điểm + {rubric.bonus_max:g} điểm thưởng; "
                  f"mã kiểm tra {rubric.hash[:16]}.", soft_wrap=True)
        for line in rubric_features(rubric):
            out.print(f"  - {_t(line)}", soft_wrap=True)
    else:
        err.print(f"Không hợp lệ: {len(report)} lỗi.")
        for finding in report:
            err.print(f"  - {_t(finding)}", soft_wrap=True)
    sys.exit(0 if rubric is not None else 1)


def _progress():
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    console=err.real(), transient=True)


@main.command("template")
@click.option("--rubric", "rubric_ref", required=True, metavar="BỘ_TIÊU_CHÍ",
              help="Mã bộ tiêu chí có sẵn (xem «dvcq rubrics») hoặc đường dẫn tệp .yaml/.xlsx.")
@click.option("--year", required=True, type=click.IntRange(2000, 2100), metavar="NĂM",
              help="Năm đánh giá.")
@click.option("--agency", default="", metavar="TÊN", help="Tên cơ quan (để trống: cơ quan tự ghi).")
@click.option("--agency-code", default="", metavar="MÃ", help="Mã cơ quan.")
@click.option("--block", default="", metavar="KHỐI", help="Khối.")
@click.option("--roster", type=click.Path(dir_okay=False), metavar="TỆP",
              help="Danh sách cơ quan (.xlsx: Mã | Tên cơ quan | Khối): mỗi cơ quan một tệp.")
@click.option("-o", "--output", "output", required=True, type=click.Path(), metavar="ĐƯỜNG_DẪN",
              help="Tệp .xlsx; với --roster là thư mục.")
@password_option()
@click.option("--xlsm", "macros", is_flag=True,
              help="Tệp .xlsm có nút «Kiểm tra» (chạy trong Excel qua xlwings, xem README).")
@click.option("--register", "register_path", type=click.Path(dir_okay=False), default=None,
              metavar="SỔ.xlsx", help="Giao ước thi đua: sổ đăng ký của khối (dvcq registration "
                                      "collect); chỉ tiêu đã đăng ký được ghi khóa vào bảng.")
@handles_errors
def template_cmd(rubric_ref, year, agency, agency_code, block, roster, output, password,
                 macros, register_path) -> None:
    """Tạo Bảng chấm điểm đã khóa, cho một cơ quan hoặc cho cả danh sách."""
    from .contract import Agency, has_targets
    from .registration import read_register
    from .template import render_template
    from .workflow import make_templates

    if roster and (agency or agency_code or block):
        raise click.UsageError("--agency, --agency-code, --block là cho một cơ quan; với --roster "
                               "tên, mã và khối lấy từ danh sách.")
    rubric = load_rubric(rubric_ref)
    register = read_register(register_path) if register_path else None
    if has_targets(rubric) and register is None:
        raise click.UsageError(f"Bộ tiêu chí «{rubric.id}» chấm theo chỉ tiêu đã đăng ký: cần "
                               "--register SỔ.xlsx (dvcq registration collect).")
    if register is not None and not roster:
        raise click.UsageError("--register đi cùng --roster (mỗi thành viên một bảng kết quả).")
    if roster:
        check_folder_name(output, "Với --roster, -o", "mau/")
        agencies = _roster(roster)
        with _progress() as progress:
            task = progress.add_task("Đang tạo mẫu", total=len(agencies))
            written = make_templates(rubric, agencies, year, output, password=password,
                                     macros=macros, roster_source=roster, register=register,
                                     register_source=register_path,
                                     progress=lambda a: progress.advance(task))
        out.print(f"Đã tạo {len(written)} bảng chấm điểm trong {_t(output)}", soft_wrap=True)
        if register is not None:
            for w in written:
                if register.find(w.agency) is None:
                    err.print(f"[yellow]Lưu ý:[/] {_t(w.agency.name)} chưa có bảng đăng ký "
                              "hợp lệ: bảng kết quả thiếu chỉ tiêu.", soft_wrap=True)
        return
    path = render_template(rubric, output, year, Agency(agency, agency_code, block),
                           password=password, macros=macros)
    # an .xlsm is always the variant with the button (render_template sees to it)
    out.print(f"Đã tạo bảng chấm điểm {_t(path)}"
              + (f" (có nút «{BUTTON_CAPTION}»)" if path.suffix.lower() == ".xlsm" else ""),
              soft_wrap=True)


@main.command("review-copy")
@click.argument("filled", type=click.Path(exists=True, dir_okay=False), metavar="BÀI_NỘP")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False),
              metavar="TỆP", help="Tệp bản chấm của Tổ kiểm tra sẽ ghi (.xlsx).")
@click.option("--rubric", "rubric_ref", default=None, metavar="TỆP",
              help="Tệp bộ tiêu chí, nếu không có sẵn.")
@password_option(" của bản chấm")
@handles_errors
def review_copy_cmd(filled, output, rubric_ref, password) -> None:
    """Tạo bản chấm của Tổ kiểm tra từ bảng cơ quan đã nộp (giữ và khóa phần tự chấm)."""
    from .generate import review_copy

    rubric = load_rubric(rubric_ref) if rubric_ref else None
    made = review_copy(filled, output, rubric=rubric, password=password)
    out.print(f"Đã tạo bản chấm của Tổ kiểm tra {_t(made.path)}", soft_wrap=True)
    if made.findings:
        errors = len(made.errors)
        warn = (f"bài nộp còn {errors} lỗi" if errors else "bài nộp có cảnh báo") + (
            f", {len(made.findings) - errors} cảnh báo" if errors and
            len(made.findings) > errors else "")
        err.print(f"[yellow]Lưu ý:[/] {warn} (như dvcq check); Tổ kiểm tra nên biết trước khi "
                  f"chấm:", soft_wrap=True)
        for f in made.findings[:MAX_LISTED]:
            where = f"{f.sheet}!{f.cell} " if f.sheet and f.cell else ""
            err.print(f"  - {_t(where)}[dim]{f.code}[/] {_t(f.message)}", soft_wrap=True)
        if len(made.findings) > MAX_LISTED:
            err.print(f"  … và {len(made.findings) - MAX_LISTED} mục khác.", markup=False)


@main.command("appeal-form")
@click.argument("ranking", type=click.Path(exists=True, dir_okay=False), metavar="BẢNG_XẾP_HẠNG")
@click.option("-o", "--output", "output", required=True, type=click.Path(file_okay=False),
              metavar="THƯ_MỤC", help="Thư mục ghi các phiếu giải trình.")
@click.option("--deadline", default="", metavar="NGÀY/THÁNG/NĂM",
              help="Hạn gửi lại phiếu giải trình, ví dụ 15/01/2026.")
@click.option("--agency", "agency_code", default="", metavar="MÃ",
              help="Chỉ lập phiếu cho đơn vị có mã này.")
@password_option()
@handles_errors
def appeal_form_cmd(ranking, output, deadline, agency_code, password) -> None:
    """Vòng giải trình: lập «Phiếu giải trình» cho mỗi đơn vị bị Tổ kiểm tra hạ điểm."""
    from .appeals import appeal_forms

    written = appeal_forms(ranking, output, deadline=deadline, agency_code=agency_code,
                           password=password)
    out.print(f"Đã lập {len(written)} phiếu giải trình trong {_t(output)}"
              + ("" if written else " (không đơn vị nào bị Tổ kiểm tra hạ điểm)"),
              soft_wrap=True)


@main.command("appeal-decision")
@click.argument("form", type=click.Path(exists=True, dir_okay=False), metavar="PHIẾU")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False),
              metavar="TỆP", help="Bản quyết định của Sở (.xlsx) sẽ ghi.")
@click.option("--rubric", "rubric_ref", default=None, metavar="TỆP",
              help="Tệp bộ tiêu chí, nếu không có sẵn.")
@password_option()
@handles_errors
def appeal_decision_cmd(form, output, rubric_ref, password) -> None:
    """Vòng giải trình: bản của Sở từ phiếu đơn vị gửi lại (khóa phần của đơn vị, mở ô quyết
    định, điểm sau giải trình và lý do)."""
    from .appeals import decision_copy

    refuse_inputs(output, [form])
    rubric = load_rubric(rubric_ref) if rubric_ref else None
    path = decision_copy(form, output, rubric=rubric, password=password)
    out.print(f"Đã tạo bản quyết định của Sở {_t(path)}", soft_wrap=True)


@main.group("registration", invoke_without_command=True)
@click.option("--rubric", "rubric_ref", default=None, metavar="BỘ_TIÊU_CHÍ",
              help="Bộ tiêu chí giao ước thi đua của khối (có sẵn hoặc tệp .yaml/.xlsx).")
@click.option("--year", type=click.IntRange(2000, 2100), default=None, metavar="NĂM",
              help="Năm thi đua.")
@click.option("--roster", type=click.Path(dir_okay=False), default=None, metavar="TỆP",
              help="Danh sách thành viên của khối (.xlsx: Mã | Tên cơ quan | Khối).")
@click.option("-o", "--output", "output", type=click.Path(), default=None,
              metavar="THƯ_MỤC", help="Thư mục ghi các bảng đăng ký.")
@password_option()
@click.pass_context
@handles_errors
def registration_cmd(ctx, rubric_ref, year, roster, output, password) -> None:
    """Giao ước thi đua: tạo bảng đăng ký cho mỗi thành viên của khối.

    «dvcq registration collect THƯ_MỤC... -o SỔ.xlsx» thu các bảng đã điền thành sổ đăng ký.
    """
    from .registration import registration_forms

    if ctx.invoked_subcommand is not None:
        if any((rubric_ref, year, roster, output)):
            raise click.UsageError("Các tùy chọn --rubric, --year, --roster, -o đặt sau "
                                   f"«{ctx.invoked_subcommand}».")
        return
    missing = [name for name, value in (("--rubric", rubric_ref), ("--year", year),
                                        ("--roster", roster), ("-o", output)) if not value]
    if missing:
        raise click.UsageError("Thiếu " + ", ".join(missing) + ", ví dụ: dvcq registration "
                               "--rubric vi-du-giao-uoc-thi-dua --year 2025 --roster "
                               "khoi.xlsx -o dang-ky/")
    rubric = load_rubric(rubric_ref)
    agencies = _roster(roster)
    check_folder_name(output, "-o", "dang-ky/")
    written = registration_forms(rubric, agencies, year, output, password=password,
                                 inputs=[roster])
    out.print(f"Đã tạo {len(written)} bảng đăng ký giao ước thi đua trong {_t(output)}",
              soft_wrap=True)


@registration_cmd.command("collect")
@click.argument("paths", nargs=-1, type=click.Path(), metavar="ĐƯỜNG_DẪN...")
@click.option("-o", "--output", "output", required=True, type=click.Path(), metavar="TỆP",
              help="Sổ đăng ký của khối (.xlsx).")
@click.option("--rubric", "rubric_ref", default=None, metavar="BỘ_TIÊU_CHÍ",
              help="Bộ tiêu chí (mặc định: theo các bảng đăng ký).")
@click.option("--year", type=click.IntRange(2000, 2100), default=None, metavar="NĂM",
              help="Năm thi đua: bảng của năm khác bị báo lỗi.")
@click.option("--roster", type=click.Path(dir_okay=False), default=None, metavar="TỆP",
              help="Danh sách thành viên: bảng của đơn vị ngoài danh sách bị báo, thành viên "
                   "chưa đăng ký được liệt kê.")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
@handles_errors
def registration_collect_cmd(paths, output, rubric_ref, year, roster, as_json) -> None:
    """Thu các bảng đăng ký đã điền thành sổ đăng ký của khối.

    Thoát 0 khi không bảng nào có lỗi, 1 khi có, 2 khi dùng sai lệnh.
    """
    from .registration import collect, write_register

    if not paths:
        raise click.UsageError("Cần chỉ ít nhất một tệp hoặc thư mục bảng đăng ký, ví dụ: "
                               "dvcq registration collect dang-ky/ -o so-dang-ky.xlsx")
    require_name(output)
    refuse_inputs(output, [*paths, roster])
    refuse_inside(Path(output).parent, paths, "ghi sổ đăng ký")
    check_suffix(output, (".xlsx",), "sổ đăng ký")
    rubric = load_rubric(rubric_ref) if rubric_ref else None
    agencies = _roster(roster) if roster else None
    register = collect(paths, rubric=rubric, year=year, roster=agencies)
    if not register.registrations:
        for path, why in register.skipped:
            err.print(f"  bỏ qua {_t(_shown_path(path))}: {_t(why)}", soft_wrap=True)
        raise click.UsageError("Không có bảng đăng ký nào trong "
                               + ", ".join(_t(p) for p in paths) + ".")
    if rubric is None:
        from .intake import find_rubric

        rubric = find_rubric(register.rubric_id)
        if rubric is None:
            raise click.UsageError("Không xác định được bộ tiêu chí của các bảng đăng ký: "
                                   "hãy chỉ rõ --rubric.")
    path = write_register(register, rubric, output, inputs=[roster] if roster else [])
    if as_json:
        click.echo(json_text(register.to_dict(), indent=2))
    else:
        for finding in register.findings:
            style = "red" if finding.severity == "error" else "yellow"
            err.print(f"[{style}]-[/] {_t(finding)}", soft_wrap=True)
        for path, why in register.skipped:  # nothing under the folders passes unsaid
            err.print(f"  bỏ qua {_t(_shown_path(path))}: {_t(why)}", soft_wrap=True)
        out.print(f"Sổ đăng ký {_t(path)}: {len(register.registered)} thành viên đã đăng ký"
                  + (f", {len(register.missing)} chưa đăng ký" if register.missing else "")
                  + f"; {len(register.errors)} lỗi.", soft_wrap=True)
    sys.exit(0 if not register.errors else 1)


@main.command("check")
@click.argument("paths", nargs=-1, type=click.Path(), metavar="[ĐƯỜNG_DẪN]...")
@click.option("--rubric", "rubric_refs", multiple=True, metavar="TỆP",
              help="Tệp bộ tiêu chí (.yaml/.xlsx) ngoài các bộ có sẵn; dùng được nhiều lần.")
@click.option("--year", type=click.IntRange(2000, 2100), default=None, metavar="NĂM",
              help="Năm đánh giá của đợt: tệp của năm khác bị báo lỗi.")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON (xem README).")
@click.option("--annotate", "annotate_dir", type=click.Path(file_okay=False), default=None,
              metavar="THƯ_MỤC",
              help="Thư mục ghi bản sao đánh dấu lỗi của từng tệp có lỗi (để gửi lại cơ quan).")
@click.option("--jobs", type=click.IntRange(1, 64), default=None, metavar="SỐ",
              help="Số tiến trình đọc song song (mặc định: số lõi CPU).")
@handles_errors
def check_cmd(paths, rubric_refs, year, as_json, annotate_dir, jobs) -> None:
    """Kiểm tra các bảng chấm điểm đã điền (tệp hoặc thư mục .xlsx, .xlsm, .xls).

    Thoát 0 khi không tệp nào có lỗi (được phép có cảnh báo), 1 khi có tệp lỗi, 2 khi dùng sai
    lệnh.
    """
    from .intake import check_paths

    if not paths:
        raise click.UsageError("Cần chỉ ít nhất một tệp hoặc thư mục để kiểm tra, ví dụ: "
                               "dvcq check nop/")
    rubrics = [load_rubric(ref) for ref in rubric_refs]
    if annotate_dir:  # before reading hundreds of files, not after
        check_folder_name(annotate_dir, "--annotate", "tra-lai/")
        refuse_inside(annotate_dir, paths, "--annotate")
    with _progress() as progress:
        task = progress.add_task("Đang kiểm tra", total=None)
        report = check_paths(paths, rubrics, year, jobs=jobs,
                             progress=lambda r: progress.advance(task),
                             found=lambda n: progress.update(task, total=n))
    if not report.files:  # the wrong folder, most likely: never «0 tệp, hợp lệ»
        for path, why in report.skipped:
            err.print(f"  bỏ qua {_t(_shown_path(path))}: {_t(why)}", soft_wrap=True)
        raise click.UsageError("Không có bảng tính nào để kiểm tra trong "
                               + ", ".join(_t(p) for p in paths) + ".")
    annotated = []
    if annotate_dir:
        from .annotate import annotate_results

        annotated = annotate_results(report.files, annotate_dir, inputs=paths)
    if as_json:
        click.echo(json_text(report.to_dict(), indent=2))
    else:
        print_check_report(report)
        if annotate_dir:
            out.print(f"Đã ghi {len(annotated)} bản đánh dấu lỗi vào {_t(annotate_dir)}",
                      soft_wrap=True)
    sys.exit(0 if report.ok else 1)


def _shown_path(path: str) -> str:
    """A path as the user may have typed it: relative to the current folder when inside it (the
    path itself, not where its links lead: a link loop has no end)."""
    try:
        return os.path.relpath(os.path.abspath(path))
    except ValueError:  # another drive (Windows)
        return path


def print_check_report(report: CheckReport, only_problems: bool = False) -> None:
    """Per file a verdict line, then its findings (errors first); a summary at the end."""
    for r in report.files:
        if only_problems and not r.findings:
            continue
        who = f" — {r.agency}" if r.agency else ""
        name = _t(_shown_path(r.path) + who)
        if r.status == "ok":
            score = (f", {comma(r.self_total)} điểm ({r.self_class})"
                     if r.self_total is not None else "")
            extra = f", {len(r.warnings)} cảnh báo" if r.warnings else ""
            out.print(f"[green]✔[/] {name}: hợp lệ{_t(score)}{extra}", soft_wrap=True)
        elif r.status == "unreadable":
            out.print(f"[red]✘[/] {name}: không đọc được", soft_wrap=True)
        else:
            out.print(f"[red]✘[/] {name}: {len(r.errors)} lỗi"
                      + (f", {len(r.warnings)} cảnh báo" if r.warnings else ""), soft_wrap=True)
        for f in r.findings:
            where = f"{f.sheet}!{f.cell}" if f.sheet and f.cell else (f.sheet or "")
            colour = "red" if f.severity == "error" else "yellow"
            out.print(f"    [{colour}]{_t(where)}[/] [dim]{f.code}[/] {_t(f.message)}",
                      soft_wrap=True)
    s = report.summary()
    out.print(f"[bold]Đã kiểm tra {s['files']} tệp:[/] {s['ok']} hợp lệ, {s['invalid']} có lỗi, "
              f"{s['unreadable']} không đọc được; {s['errors']} lỗi, {s['warnings']} cảnh báo."
              + (f" Bỏ qua {s['skipped']} tệp." if s["skipped"] else ""), soft_wrap=True)
    for path, why in report.skipped:
        out.print(f"    [dim]bỏ qua {_t(_shown_path(path))}: {_t(why)}[/]",
                  soft_wrap=True)


@main.command("consolidate")
@click.argument("paths", nargs=-1, type=click.Path(), metavar="[ĐƯỜNG_DẪN]...")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False),
              metavar="TỆP", help="Tệp bảng xếp hạng (.xlsx) sẽ ghi.")
@click.option("--roster", type=click.Path(dir_okay=False), default=None, metavar="TỆP",
              help="Danh sách cơ quan (.xlsx: Mã | Tên cơ quan | Khối) để đối chiếu ai chưa nộp.")
@click.option("--rubric", "rubric_ref", default=None, metavar="BỘ_TIÊU_CHÍ",
              help="Bộ tiêu chí của đợt (mã có sẵn hoặc tệp); mặc định: bộ của đa số tệp.")
@click.option("--year", type=click.IntRange(2000, 2100), default=None, metavar="NĂM",
              help="Năm đánh giá của đợt; mặc định: năm của đa số tệp.")
@click.option("--previous", type=click.Path(exists=True, dir_okay=False), default=None,
              metavar="TỆP",
              help="Bảng xếp hạng năm trước (do dvcq tạo) để so sánh điểm và xếp loại.")
@click.option("--json", "as_json", is_flag=True, help="In tóm tắt dạng JSON (xem README).")
@click.option("--jobs", type=click.IntRange(1, 64), default=None, metavar="SỐ",
              help="Số tiến trình đọc song song (mặc định: số lõi CPU).")
@click.option("--appeals", "appeals", multiple=True, type=click.Path(), metavar="THƯ_MỤC",
              help="Vòng giải trình: bản quyết định của Sở (dvcq appeal-decision) được áp dụng "
                   "từng mục, chấm và xếp hạng lại.")
@handles_errors
def consolidate_cmd(paths, output, roster, rubric_ref, year, previous, as_json, jobs,
                    appeals) -> None:
    """Tổng hợp, xếp loại và xếp hạng theo khối các bảng chấm điểm đã nộp.

    Ghi bảng xếp hạng (.xlsx). Thoát 0 khi mọi bài đều hợp lệ và đủ; 1 khi đã ghi bảng xếp
    hạng nhưng có bài bị từ chối, chưa nộp, không có trong danh sách hoặc nộp trùng; 2 khi
    dùng sai lệnh hoặc không tổng hợp được.
    """
    from .workflow import rank

    if not paths:
        raise click.UsageError("Cần chỉ ít nhất một tệp hoặc thư mục bài nộp, ví dụ: "
                               "dvcq consolidate nop/ -o xep-hang.xlsx")
    agencies = _roster(roster) if roster else None
    rubric = load_rubric(rubric_ref) if rubric_ref else None
    with _progress() as progress:
        task = progress.add_task("Đang đọc và kiểm tra", total=None)
        ranked = rank(paths, output, roster=agencies, roster_source=roster, rubric=rubric,
                      year=year, previous=previous, jobs=jobs,
                      progress=lambda r: progress.advance(task),
                      found=lambda n: progress.update(task, total=n),
                      appeals=list(appeals) if appeals else None)
    result, written = ranked.consolidation, ranked.ranking
    if as_json:
        click.echo(json_text(result.to_dict(), indent=2))
    else:
        print_consolidation(result, written)
    sys.exit(1 if result.attention else 0)


def print_consolidation(c: Consolidation, written: Path, full: bool = True) -> None:
    """Per block the ranking (or its counts per class), then what needs the Sở's attention —
    every file that was not ranked, with its first reason — then where the workbook is."""
    from rich.table import Table

    for block in c.blocks:
        units = c.block_units(block)
        if not full:
            counts = ", ".join(f"{n} {k}" for k, n in c.class_counts(block).items() if n)
            first = ", ".join(u.agency for u in units if u.rank == 1)
            out.print(f"  Khối {_t(block)}: {len(units)} đơn vị — {_t(counts or 'chưa có')}; "
                      f"hạng 1: {_t(first or '—')}", soft_wrap=True)
            continue
        table = Table("Hạng", "Tên cơ quan", "Tự chấm", "Tổ KT", "Điểm", "Xếp loại", "Ghi chú",
                      title=f"Khối: {_t(block)} ({len(units)} đơn vị)", title_justify="left")
        for u in units:
            table.add_row(str(u.rank or "—") + (" =" if u.tied else ""), _t(u.agency),
                          points_text(u.self_total), points_text(u.review_total),
                          points_text(u.final_score), _t(u.class_name),
                          _t("; ".join(u.notes)))
        out.print(table)
    s = c.summary()
    out.print(f"[bold]Đã tổng hợp {s['files']} tệp:[/] {s['ranked']} đơn vị được xếp hạng, "
              f"{s['rejected']} tệp bị từ chối, {s['missing']} đơn vị chưa có bài hợp lệ, "
              f"{s['unknown']} tệp không có trong danh sách, {s['duplicates']} đơn vị nộp trùng, "
              f"{s['rescored']} đơn vị được Tổ kiểm tra chấm lại"
              + (f"; bỏ qua {s['skipped']} tệp." if s["skipped"] else "."), soft_wrap=True)
    for rej in c.rejected:
        first = next((f for f in rej.findings if f.severity == ERROR), None)
        why = (f"{first.message} [{first.code}]" if first else ", ".join(rej.codes))
        more = len([f for f in rej.findings if f.severity == ERROR]) - 1
        out.print(f"  [red]✘[/] {_t(_shown_path(rej.path))}: {_t(why)}"
                  + (f" (và {more} lỗi khác)" if more > 0 else ""), soft_wrap=True)
    for m in c.missing:
        note = m.note[:1].lower() + m.note[1:]
        out.print(f"  [yellow]•[/] chưa có bài: {_t(m.agency)} ({_t(note)})", soft_wrap=True)
    for u in c.unknown:
        hint = f"; gần giống «{u.suggestion}»" if u.suggestion else ""
        out.print(f"  [yellow]?[/] {_t(_shown_path(u.path))}: «{_t(u.agency)}» không có "
                  f"trong danh sách{_t(hint)}", soft_wrap=True)
    for d in c.duplicates:
        out.print(f"  [yellow]≡[/] {_t(d.agency)}: tính {_t(Path(d.counted).name)}, "
                  f"không tính {_t(', '.join(Path(p).name for p in d.others))}",
                  soft_wrap=True)
    for path, why in c.skipped:
        out.print(f"  [dim]bỏ qua {_t(_shown_path(path))}: {_t(why)}[/]", soft_wrap=True)
    for note in c.notes:
        out.print(f"  [yellow]![/] {_t(note)}", soft_wrap=True)
    if c.appeals_used:  # the giải trình round: what was applied, and what was not
        out.print(f"[bold]Giải trình:[/] áp dụng {len(c.appeals)} nội dung của "
                  f"{len({(a.agency_code, a.agency) for a in c.appeals})} đơn vị.",
                  soft_wrap=True)
        for f in c.appeal_forms:
            if f["status"] != "áp dụng":
                why = f"; {f['problems'][0]}" if f["problems"] else ""
                out.print(f"  [yellow]![/] {_t(_shown_path(f['path']))}: {_t(f['status'])}"
                          f"{_t(why)}", soft_wrap=True)
        if c.appeals_missing:
            out.print(f"  [yellow]•[/] chưa có bản quyết định giải trình: "
                      f"{_t('; '.join(c.appeals_missing))}", soft_wrap=True)
    out.print(f"Bảng xếp hạng: {_t(written)}", soft_wrap=True)


@main.command("report")
@click.argument("what", nargs=-1, required=True, metavar="XẾP_HẠNG.xlsx | agency BÀI_NỘP.xlsx")
@click.option("-o", "--output", "output", required=True, type=click.Path(), metavar="ĐƯỜNG_DẪN",
              help="Thư mục ghi các văn bản (với bảng xếp hạng) hoặc tệp .docx (với agency).")
@click.option("--settings", "settings_path", type=click.Path(dir_okay=False), default=None,
              metavar="TỆP",
              help="Cài đặt của đợt: tệp .yaml (khóa: giá trị) hoặc .xlsx có trang «Cài đặt».")
@click.option("--templates", type=click.Path(file_okay=False, exists=True), default=None,
              metavar="THƯ_MỤC",
              help="Thư mục mẫu .docx đã sửa (mặc định: mẫu kèm theo).")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False), default=None,
              metavar="TỆP",
              help="Danh sách cơ quan có cột «Viết tắt» (với agency): ký hiệu trong số văn bản.")
@handles_errors
def report_cmd(what, output, settings_path, templates, roster) -> None:
    """Viết văn bản Word (thể thức NĐ 30/2020).

    \b
    dvcq report XẾP_HẠNG.xlsx -o THƯ_MỤC    báo cáo tổng hợp, dự thảo quyết định,
                                           thông báo kết quả cho từng cơ quan
    dvcq report agency BÀI_NỘP.xlsx -o F.docx  báo cáo của một cơ quan, kèm bảng điểm
    """
    from .reports import load_settings, write_agency_report, write_reports

    if roster and what[0] != "agency":
        raise click.UsageError("--roster chỉ dùng với «dvcq report agency» (ký hiệu văn bản của "
                               "cơ quan); bảng xếp hạng đã có danh sách của đợt.")
    settings = load_settings(settings_path) if settings_path else None
    if what[0] == "agency":
        if len(what) != 2:
            raise click.UsageError("Cách dùng: dvcq report agency BÀI_NỘP.xlsx -o "
                                   "BÁO_CÁO.docx")
        written = [write_agency_report(what[1], output, settings, templates,
                                       _roster(roster) if roster else None)]
    else:
        if len(what) != 1:
            raise click.UsageError("Cách dùng: dvcq report XẾP_HẠNG.xlsx -o THƯ_MỤC")
        with _progress() as progress:
            task = progress.add_task("Đang viết văn bản", total=None)
            written = write_reports(what[0], output, settings, templates,
                                    progress=lambda p: progress.advance(task),
                                    found=lambda n: progress.update(task, total=n))
    _print_written(written)


def _print_written(written: list[Path]) -> None:
    """The summary and the decision by name; the notices to each agency as one line."""
    notices = [p for p in written if p.parent.name == "thong-bao"]
    for path in written:
        if path not in notices:
            out.print(f"Đã ghi {_t(path)}", soft_wrap=True)
    if notices:
        out.print(f"Đã ghi {len(notices)} thông báo kết quả cho từng cơ quan trong "
                  f"{_t(notices[0].parent)}", soft_wrap=True)


@main.command("control-workbook")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False),
              metavar="TỆP",
              help="Tệp sổ điều khiển sẽ ghi: .xlsm có các nút; .xlsx chỉ có các trang.")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False), default=None,
              metavar="TỆP", help="Danh sách cơ quan để chép vào trang «Danh sách».")
@click.option("--rubric", "rubric_ref", default="", metavar="BỘ_TIÊU_CHÍ",
              help="Bộ tiêu chí của đợt.")
@click.option("--year", type=click.IntRange(2000, 2100), default=None, metavar="NĂM",
              help="Năm đánh giá.")
@handles_errors
def control_workbook_cmd(output, roster, rubric_ref, year) -> None:
    """Tạo sổ điều khiển của Sở Nội vụ: trang «Cài đặt», «Danh sách» và (tệp .xlsm) các nút
    Tạo mẫu, Tổng hợp, Xuất báo cáo."""
    from .excel import write_control_workbook

    if rubric_ref:  # a rubric the buttons could not load is said now, not at the first click
        load_rubric(rubric_ref)
    agencies = _roster(roster) if roster else []
    values = {"rubric": rubric_ref, "year": year or "", "inbox": "nop", "output": "ket-qua"}
    write_control_workbook(output, agencies, values, inputs=[roster])
    buttons = ("có các nút Tạo mẫu, Tổng hợp, Xuất báo cáo"
               if Path(output).suffix.lower() == ".xlsm" else
               "không có nút (muốn có nút, ghi tệp .xlsm)")
    out.print(f"Đã tạo sổ điều khiển {_t(output)} ({len(agencies)} cơ quan), {buttons}. "
              f"Trang «Cài đặt» cũng dùng được với «dvcq report … --settings».", soft_wrap=True)


@main.group("roster")
def roster_group() -> None:
    """Danh sách cơ quan (Mã | Tên cơ quan | Khối)."""


@roster_group.command("sample")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False),
              help="Tệp .xlsx sẽ ghi.")
@handles_errors
def roster_sample(output: str) -> None:
    """Ghi danh sách mẫu (tỉnh hư cấu, 41 cơ quan, 3 khối) để chạy thử các lệnh hoặc sửa thành
    danh sách của tỉnh."""
    from .demo import write_sample_roster

    path = write_sample_roster(output)
    out.print(f"Đã ghi danh sách mẫu {_t(path)} (trang «Danh sách»: Mã | Tên cơ quan | Khối).",
              soft_wrap=True)


@main.command("demo")
@click.option("-o", "--output", "output", default="dvcq-demo", show_default=True,
              type=click.Path(file_okay=False), metavar="THƯ_MỤC", help="Thư mục ghi kết quả.")
@handles_errors
def demo_cmd(output: str) -> None:
    """Chạy thử cả vòng chấm điểm trên dữ liệu mẫu kèm theo."""
    from rich.table import Column, Table
    from .demo import DEMO_YEAR, RESENT, run_demo

    with _progress() as progress:
        task = progress.add_task("Đang chạy thử", total=None)
        result = run_demo(output, progress=lambda msg: progress.update(task, description=msg))
    out.print(f"[bold]Chạy thử vòng chấm điểm năm {DEMO_YEAR}[/] — bộ tiêu chí "
              f"{result.rubric.id} ({result.rubric.decision.number}), danh sách mẫu "
              f"{len(result.templates)} cơ quan.")
    out.print(f"Mẫu đã khóa cho từng cơ quan: {Path(output) / 'mau'} ({len(result.templates)} tệp)")
    table = Table("Cơ quan", "Khối", Column("Bài nộp mẫu", no_wrap=True), "Lỗi cố ý",
                  title="Bài nộp mẫu (nop/)")
    for agency, path, mistake in result.submissions:
        table.add_row(agency.name, agency.block, path.name, mistake or "—")
    out.print(table)
    inbox = Path(output) / "nop"
    out.print(f"\n[bold]Kiểm tra các bài nộp[/] (dvcq check {_t(inbox)} --year "
              f"{DEMO_YEAR}):")
    print_check_report(result.report, only_problems=True)
    resender = next(a.name for a, _p, _m in result.submissions if a.code == RESENT)
    out.print(f"Sau bước kiểm tra này, {_t(resender)} gửi lại bài đã sửa "
              f"({_t(result.resent.name)}): từ đây «dvcq check {_t(inbox)}» thấy "
              f"{len(result.report.files) + 1} tệp.", soft_wrap=True)
    out.print(f"Bản đánh dấu lỗi để gửi lại cơ quan: {_t(Path(output) / 'kiem-tra')} "
              f"({len(result.marked)} tệp)", soft_wrap=True)
    out.print(f"\n[bold]Tổng hợp, xếp hạng[/] (dvcq consolidate {_t(inbox)} "
              f"{_t(Path(output) / 'to-kiem-tra')} --roster {_t(result.roster)} -o "
              f"{_t(result.ranking)}): Tổ kiểm tra chấm lại {len(result.reviews)} đơn vị, "
              f"một đơn vị gửi lại bài.", soft_wrap=True)
    print_consolidation(result.consolidation, result.ranking, full=False)
    out.print("\n[bold]Văn bản Word[/] (dvcq report, thể thức NĐ 30/2020):")
    _print_written(result.reports)
    out.print(f"\n[bold]Trong Excel[/] (cần Python và xlwings trên máy Windows, xem README):\n"
              f"  Bảng chấm điểm có nút «{BUTTON_CAPTION}»: "
              f"{_t(result.macro_template)}\n"
              f"  Sổ điều khiển của Sở Nội vụ (nút Tạo mẫu, Tổng hợp, Xuất báo cáo; đặt sẵn cho "
              f"thư mục này): {_t(result.control)}", soft_wrap=True)
    if result.appeals is not None:
        a = result.appeals
        out.print(f"\n[bold]Vòng giải trình[/] (dvcq appeal-form, appeal-decision, consolidate "
                  f"--appeals): {len(a.forms)} phiếu giải trình, {len(a.answered)} đơn vị gửi "
                  f"lại, Sở quyết định {len(a.consolidation.appeals)} nội dung:", soft_wrap=True)
        for d in a.consolidation.appeals:
            out.print(f"  {_t(d.agency)}, nội dung {_t(d.item)}: {_t(d.decision)} → "
                      f"{points_text(d.final)} điểm", soft_wrap=True)
        out.print(f"  Bảng xếp hạng cuối cùng: {_t(a.ranking.name)}; văn bản: "
                  f"{len(a.reports)} tệp", soft_wrap=True)
    if result.khoi is not None:
        _print_khoi_demo(result.khoi)


def _print_khoi_demo(khoi) -> None:
    """The demo's giao ước thi đua round, as a khối trưởng follows it."""
    from .demo import KHOI_MISTAKES, KHOI_NAME

    out.print(f"\n[bold]Giao ước thi đua[/] của {_t(KHOI_NAME)} ({len(khoi.forms)} thành viên) "
              f"trong {_t(khoi.folder)}:", soft_wrap=True)
    out.print(f"  Bảng đăng ký: {_t(khoi.folder / 'dang-ky')}; sổ đăng ký: "
              f"{_t(khoi.register_path.name)} ({len(khoi.register.registered)} thành viên)",
              soft_wrap=True)
    for code, mistake in KHOI_MISTAKES.items():
        out.print(f"  Lỗi cố ý ({code}): {_t(mistake)}", soft_wrap=True)
    for unit in khoi.consolidation.units:
        out.print(f"  {unit.rank or '—'}. {_t(unit.agency)}: {points_text(unit.final_score)} "
                  f"điểm, {_t(unit.class_name)}"
                  + (f" — đề nghị «{_t(unit.title_proposed)}»" if unit.title_proposed else ""),
                  soft_wrap=True)
    for rejected in khoi.consolidation.rejected:
        out.print(f"  ✘ {_t(Path(rejected.path).name)}: "
                  f"{_t(rejected.findings[0].message) if rejected.findings else ''}",
                  soft_wrap=True)
    out.print(f"  Bảng xếp hạng và đề nghị: {_t(khoi.ranking.name)}; văn bản Word: "
              f"{len(khoi.reports)} tệp trong {_t(khoi.folder / 'bao-cao')}", soft_wrap=True)


if __name__ == "__main__":  # pragma: no cover
    main()
