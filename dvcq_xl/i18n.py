"""Vietnamese for what click itself prints in the ``dvcq`` command.

Click marks its messages (``Usage:``, ``Error: …``, ``Show this message and exit.``, the messages
of its parameter types…) for gettext and looks them up through ``gettext.gettext`` and
``gettext.ngettext``, names each of its modules imported at import time. :func:`install` loads the
catalogue shipped with the package (``locale/vi/LC_MESSAGES/click.mo``, domain ``click``) and binds
those names in click's modules to it: neither the process-wide gettext domain nor the environment
changes, and the user's locale does not matter (the toolkit speaks Vietnamese only).

What click prints without gettext is localized by :class:`Group` and :class:`Command`, the command
classes of ``dvcq``: the ``[OPTIONS]`` and ``COMMAND [ARGS]...`` of the usage line, the names of the
parameter types (``'abc' is not a valid integer range``, the default metavars), the description
of number ranges (``2000<=x<=2100``) and the title-casing of the path kind (``Thư Mục``). Their
English is marked with :func:`N_` here and translated by the same catalogue.

Keeping the catalogue (needs Babel, a test dependency; never needed at run time)::

    python -m dvcq_xl.i18n --update    # re-extract the messages of the installed click (and the
                                       # N_ ones here) into click.po, keep the translations, and
                                       # compile click.mo; then translate what is new
    python -m dvcq_xl.i18n --compile   # only compile click.po into click.mo
"""

from __future__ import annotations

import copy
import functools
import gettext
import importlib
import sys
import types as pytypes
from pathlib import Path

import click
import click.types

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "click"
LANGUAGE = "vi"
PO_FILE = LOCALE_DIR / LANGUAGE / "LC_MESSAGES" / f"{DOMAIN}.po"
MO_FILE = PO_FILE.with_suffix(".mo")

#: The click modules that do ``from gettext import gettext as _`` (and ``ngettext``); the console
#: module exists only on Windows (it cannot be imported elsewhere). tests/test_i18n.py checks the
#: list against click's source.
CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "shell_completion",
                 "termui", "_termui_impl", "types", "utils") + (
                     ("_winconsole",) if sys.platform == "win32" else ())


def N_(message: str) -> str:
    """Mark English that click prints without gettext, for extraction; translated where used."""
    return message


# click translates ``extra["required"]``, whose value is this string; no literal to extract
N_("required")

#: Names of click's parameter types as their class declares them: they make the default metavar
#: (``TEXT``, ``INTEGER RANGE``) and fill ``{number_type}`` in «'abc' is not a valid …».
TYPE_NAMES = frozenset({
    N_("text"), N_("integer"), N_("integer range"), N_("float"), N_("float range"),
    N_("boolean"), N_("choice"), N_("datetime"), N_("filename"), N_("uuid"),
})

_OPTIONS_METAVAR = N_("[OPTIONS]")
_SUBCOMMAND_METAVAR = N_("COMMAND [ARGS]...")
_CHAIN_SUBCOMMAND_METAVAR = N_("COMMAND1 [ARGS]... [COMMAND2 [ARGS]...]...")

# a number range in words, for the help text («[từ 2000 đến 2100; bắt buộc]») and the message of a
# value outside it; keyed by (has min, min open, has max, max open)
_RANGES = {
    (True, False, True, False): N_("from {min} to {max}"),
    (True, True, True, False): N_("more than {min}, up to {max}"),
    (True, False, True, True): N_("from {min} to less than {max}"),
    (True, True, True, True): N_("more than {min} and less than {max}"),
    (True, False, False, False): N_("{min} or more"),
    (True, True, False, False): N_("more than {min}"),
    (False, False, True, False): N_("{max} or less"),
    (False, False, True, True): N_("less than {max}"),
}


@functools.cache
def catalogue() -> gettext.GNUTranslations:
    """The Vietnamese catalogue of click's messages shipped with the package.

    Without it the installation is broken (like a missing built-in rubric): no fallback to
    English, so a packaging mistake shows at once.
    """
    return gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[LANGUAGE])


def install() -> None:
    """Make click speak Vietnamese: bind ``_`` and ``ngettext`` of its modules to the catalogue.

    Call once, before the commands are defined (click translates some texts, such as the help of
    ``--version`` and the kind of a ``click.Path``, when they are created). Idempotent.
    """
    translation = catalogue()
    for name in CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        # only the names that are gettext's own; a later call finds them bound already
        if getattr(module, "_", None) is gettext.gettext:
            module._ = translation.gettext
        if getattr(module, "ngettext", None) is gettext.ngettext:
            module.ngettext = translation.ngettext


def describe_range(number_range: click.types._NumberRangeBase) -> str:
    """A number range in Vietnamese words («từ 2000 đến 2100»), in place of ``2000<=x<=2100``."""
    r = number_range
    key = (r.min is not None, bool(r.min_open) and r.min is not None,
           r.max is not None, bool(r.max_open) and r.max is not None)
    if key not in _RANGES:  # no bound at all: nothing to say (click would print «x<=None»)
        return ""
    return catalogue().gettext(_RANGES[key]).format(min=r.min, max=r.max)


class _SentenceCase(str):
    """The kind of a path («thư mục») whose ``title()`` raises only its first letter.

    click starts its path messages with ``name.title()``, and ``"thư mục".title()`` is «Thư Mục»,
    which reads wrong in Vietnamese: «Thư mục 'x' không tồn tại.»
    """

    def title(self) -> str:
        return self[:1].upper() + self[1:]


def localize_type(param_type: click.ParamType) -> click.ParamType:
    """A copy of ``param_type`` whose user-facing name and range read in Vietnamese.

    A copy, because click's types are shared singletons (``click.STRING``…) that other programs
    in the same process may use.
    """
    if isinstance(param_type, click.Path):
        localized = copy.copy(param_type)
        localized.name = _SentenceCase(catalogue().gettext(param_type.name))
        return localized
    english = getattr(type(param_type), "name", None)
    if english not in TYPE_NAMES and not isinstance(param_type, click.types._NumberRangeBase):
        return param_type
    localized = copy.copy(param_type)
    if english in TYPE_NAMES:
        localized.name = catalogue().gettext(english)
    if isinstance(param_type, click.types._NumberRangeBase):
        localized._describe_range = pytypes.MethodType(describe_range, localized)
    return localized


def _localize_params(command: click.Command) -> None:
    for param in command.params:
        param.type = localize_type(param.type)


class Command(click.Command):
    """A click command whose usage line and parameter types read in Vietnamese."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("options_metavar", catalogue().gettext(_OPTIONS_METAVAR))
        super().__init__(*args, **kwargs)
        _localize_params(self)


class Group(Command, click.Group):
    """A click group like :class:`Command`; its subcommands and subgroups are of these classes."""

    command_class = Command
    group_class = type  # a subgroup is a Group too

    def __init__(self, *args, **kwargs) -> None:
        if kwargs.get("subcommand_metavar") is None:
            kwargs["subcommand_metavar"] = catalogue().gettext(
                _CHAIN_SUBCOMMAND_METAVAR if kwargs.get("chain") else _SUBCOMMAND_METAVAR)
        super().__init__(*args, **kwargs)


# --- keeping the catalogue (development only; needs Babel) ----------------------------------------


def extract():
    """The template catalogue: every message click marks in its installed source, then ours."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir, extract_from_file

    click_dir = Path(click.__file__).parent
    template = Catalog(locale=None, domain=DOMAIN, project="click",
                       version=_click_version(), fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
            str(click_dir), method_map=[("**.py", "python")],
            keywords={"_": None, "ngettext": (1, 2)}):
        template.add(message, locations=[(f"click/{filename}", lineno)],
                     auto_comments=comments, context=context)
    here = Path(__file__)
    for lineno, message, comments, context in extract_from_file(
            "python", str(here), keywords={"N_": None}):
        template.add(message, locations=[(f"dvcq_xl/{here.name}", lineno)],
                     auto_comments=["not marked by click; dvcq_xl.i18n translates it"],
                     context=context)
    return template


def _click_version() -> str:
    from importlib.metadata import version

    return version("click")


def read_po(path: Path = PO_FILE):
    """The catalogue in ``path`` (Babel's reader)."""
    from babel.messages.pofile import read_po as babel_read_po

    with open(path, "rb") as f:
        return babel_read_po(f, locale=LANGUAGE, domain=DOMAIN)


def mo_bytes(catalog) -> bytes:
    """The GNU ``.mo`` form of a catalogue, as ``msgfmt`` writes it (untranslated and fuzzy
    messages left out).

    Our own few lines rather than Babel's ``write_mo``: Babel stamps its own version into the
    header of every file it writes, so the shipped ``.mo`` would change with each Babel release
    and could not be proven equal to its ``.po``; this writer depends on the ``.po`` alone.
    """
    import struct

    header = (f"Project-Id-Version: {catalog.project} {catalog.version}\n"
              f"Language: {LANGUAGE}\n"
              "MIME-Version: 1.0\n"
              "Content-Type: text/plain; charset=UTF-8\n"
              "Content-Transfer-Encoding: 8bit\n"
              f"Plural-Forms: {catalog.plural_forms}\n")
    entries = {b"": header.encode("utf-8")}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, (list, tuple)):
            strings = list(message.string)
            if not all(strings):
                continue
            key = "\0".join(message.id)
            value = "\0".join(strings)
        else:
            if not message.string:
                continue
            key, value = message.id, message.string
        if message.context:
            key = f"{message.context}\x04{key}"
        entries[key.encode("utf-8")] = value.encode("utf-8")
    keys = sorted(entries)
    ids = strs = b""
    id_offsets, str_offsets = [], []
    for key in keys:
        id_offsets.append((len(key), len(ids)))
        ids += key + b"\0"
        str_offsets.append((len(entries[key]), len(strs)))
        strs += entries[key] + b"\0"
    count = len(keys)
    ids_start = 7 * 4 + 16 * count
    strs_start = ids_start + len(ids)
    table = []
    for length, offset in id_offsets:
        table += [length, offset + ids_start]
    for length, offset in str_offsets:
        table += [length, offset + strs_start]
    # magic, revision, count, table of msgids, table of msgstrs, no hash table
    head = struct.pack("<7I", 0x950412DE, 0, count, 7 * 4, 7 * 4 + 8 * count, 0, ids_start)
    return head + struct.pack(f"<{len(table)}I", *table) + ids + strs


def compile_catalogue() -> Path:
    """Write ``click.mo`` from ``click.po``."""
    MO_FILE.write_bytes(mo_bytes(read_po()))
    return MO_FILE


def update_catalogue() -> list[str]:
    """Merge the messages of the installed click into ``click.po`` (translations kept, messages
    click dropped removed), write it and compile it; returns the messages still untranslated."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    template = extract()
    if PO_FILE.exists():
        catalog = read_po()
    else:
        catalog = Catalog(locale=LANGUAGE, domain=DOMAIN, fuzzy=False,
                          header_comment="# Vietnamese translation of click's messages, for the "
                                         "dvcq command of dvcq-xl.\n"
                                         "# Kept with: python -m dvcq_xl.i18n --update")
    before = ({m.id if isinstance(m.id, str) else tuple(m.id) for m in catalog},
              catalog.creation_date)
    catalog.update(template, no_fuzzy_matching=True)
    if {m.id if isinstance(m.id, str) else tuple(m.id) for m in catalog} == before[0]:
        catalog.creation_date = before[1]  # same messages: no churn in the header
    catalog.project, catalog.version = "click", _click_version()
    PO_FILE.parent.mkdir(parents=True, exist_ok=True)
    with open(PO_FILE, "wb") as f:
        write_po(f, catalog, width=100, include_lineno=False, ignore_obsolete=True)
    compile_catalogue()
    return [m.id if isinstance(m.id, str) else m.id[0] for m in catalog
            if m.id and not (all(m.string) if isinstance(m.string, (list, tuple)) else m.string)]


def _main(argv: list[str]) -> int:
    if argv == ["--update"]:
        missing = update_catalogue()
        print(f"{PO_FILE}: {len(missing)} message(s) to translate")
        for message in missing:
            print(f"  {message!r}")
        return 1 if missing else 0
    if argv == ["--compile"]:
        print(compile_catalogue())
        return 0
    print("usage: python -m dvcq_xl.i18n --update | --compile", file=sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(_main(sys.argv[1:]))
