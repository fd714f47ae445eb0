"""Seed CSV files, checked before a warehouse loads them: a seed loads as written or not at all.

A warehouse's CSV sniffer guesses what a file means; on a malformed file it guesses wrong and
loads something else without a word (DuckDB takes a ragged file for a one-column file without
a header). Python's ``csv`` module (C code: about a millisecond for a 1,000-row seed) reads the
file once first, with these rules:

* the file is UTF-8 text (a byte order mark is allowed) without NUL bytes, and not empty;
* its first line is the header: every column has a name, and no name appears twice (names are
  compared without case, as DuckDB compares them);
* the delimiter is ``,`` when the header holds one (outside quotes), else the first of
  ``; TAB |`` that it holds;
* every row has exactly as many values as the header has columns; a quoted value may hold the
  delimiter, a quote (doubled: ``""``) or a line break;
* an empty line is skipped when there are several columns (it holds no values); in a
  one-column file it would be a value, so it is an error there;
* a header without rows is a table with no rows.

:func:`csv_layout` returns what the load must produce (the delimiter to read with, the columns,
the number of rows), or raises :class:`SeedFileError` with the line (1-based, the first line of
the offending row) and what to change in the file.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "users.csv"
>>> _ = path.write_text("id,email\\n1,a@example.com\\n")
>>> csv_layout(path)
CsvLayout(delimiter=',', columns=('id', 'email'), rows=1)
>>> _ = path.write_text("id,email\\n1,a@example.com,x\\n")
>>> try:
...     csv_layout(path)
... except SeedFileError as exc:
...     print(exc.line, exc.problem)
2 line 2 has 3 values, but the header has 2 columns (id, email)
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DELIMITERS = (",", ";", "\t", "|")
#: FastFlowTransform 0.6's seed metadata columns, appended after the file's columns.
METADATA_COLUMNS = ("_ff_loaded_at", "_ff_seed_id", "_ff_seed_file")
#: The DuckDB type of each logical type of seeds/schema.yml (other words are used as written).
_DUCKDB_TYPES = {"string": "VARCHAR", "integer": "INTEGER", "bigint": "BIGINT",
                 "double": "DOUBLE", "numeric": "DECIMAL(38, 10)", "boolean": "BOOLEAN",
                 "timestamp": "TIMESTAMP", "timestamptz": "TIMESTAMPTZ", "date": "DATE"}
FILE = "{file}"  # where a hint names the file
_SHOWN = 3  # offending lines listed in one message
_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # what ends a line for csv (and DuckDB)


@dataclass(frozen=True)
class CsvLayout:
    """What loading a valid seed CSV produces: the columns of its header, read with
    ``delimiter``, and ``rows`` rows."""

    delimiter: str
    columns: tuple[str, ...]
    rows: int


class SeedFileError(ValueError):
    """A seed file that cannot load as written. ``problem`` says what is wrong, ``line`` where
    (the file's line, 1-based, when known), ``hint`` what to change in the file."""

    def __init__(self, problem: str, *, line: int | None = None, hint: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = line
        self.hint = hint  # names the file as {file}: see fix()

    def fix(self, file: str) -> str:
        """The hint, naming the file as ``file`` (the engine knows only its absolute path,
        the project its path in the project, ``seeds/users.csv``)."""
        return self.hint.replace(FILE, file)


def csv_layout(path: str | Path) -> CsvLayout:
    """The layout of the seed CSV at ``path``; :class:`SeedFileError` when it breaks a rule."""
    text = _text_of(Path(path))
    delimiter = sniff_delimiter(_LINE_BREAK.split(text, maxsplit=1)[0])
    rows = _numbered_rows(text, delimiter)
    header = _header(next(rows)[0], delimiter)  # the text is not blank: it has a first row
    count, wrong = 0, []
    for row, start in rows:
        if not row and len(header) > 1:
            continue
        if not row:
            raise SeedFileError(
                f"line {start} is empty, which in a one-column file is a value",
                line=start,
                hint=f'remove line {start} of {FILE}, or write "" on it for an empty value')
        if len(row) != len(header):
            wrong.append((start, len(row), not "".join(row).strip()))
        count += 1
    if wrong:
        raise _width_error(wrong, header, delimiter)
    return CsvLayout(delimiter, header, count)


def sniff_delimiter(first_line: str) -> str:
    """``,`` when it splits the header line (outside quotes), else the first of ``; TAB |``
    that does, else ``,`` (a one-column file).

    >>> sniff_delimiter("id;email"), sniff_delimiter("id"), sniff_delimiter('"a;b",c')
    (';', ',', ',')
    """
    for delimiter in DELIMITERS:
        try:
            if len(next(csv.reader([first_line], delimiter=delimiter), [])) > 1:
                return delimiter
        except csv.Error:  # a quote left open on line 1: the row check reports it
            continue
    return ","


def _text_of(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SeedFileError(f"the file cannot be read: {exc.strerror or exc}",
                            hint=f"check that {FILE} exists and is readable") from None
    if not data.strip():
        raise SeedFileError(
            "the file is empty" if not data else "the file holds only blank lines", line=1,
            hint=f"write the header on line 1 of {FILE} (the column names, separated by commas), "
                 "then one line per row")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SeedFileError(
            f"the file is not UTF-8 text: byte 0x{data[exc.start]:02x} on line {line} cannot be "
            "decoded",
            line=line, hint=f"save {FILE} as UTF-8 (your editor's or exporter's encoding "
                            "setting)") from None
    nul = text.find("\x00")
    if nul >= 0:  # text has none; a UTF-16 file has one in every other byte
        line = text.count("\n", 0, nul) + 1
        raise SeedFileError(f"line {line} contains a NUL byte", line=line,
                            hint=f"save {FILE} as UTF-8 text (not UTF-16), without NUL bytes")
    return text


def _numbered_rows(text: str, delimiter: str) -> Iterator[tuple[list[str], int]]:
    """The rows of ``text``, each with the line it starts on; a csv error becomes a
    :class:`SeedFileError` at the line of the row it broke."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"',
                        doublequote=True, strict=True)
    end = 0  # the last line read so far
    while True:
        start = end + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _syntax_error(str(exc), start, reader.line_num) from None
        end = reader.line_num
        yield row, start


def _header(row: list[str], delimiter: str) -> tuple[str, ...]:
    if not row:
        raise SeedFileError("line 1 is empty, but a seed's first line is its header", line=1,
                            hint=f"write the column names on line 1 of {FILE}")
    names = tuple(name.strip(" ") for name in row)
    seen: dict[str, int] = {}
    for number, name in enumerate(names, 1):
        if not name:
            raise SeedFileError(
                f"column {number} of the header (line 1) has no name", line=1,
                hint=f"remove the {_spelled(delimiter, plural=False)} at the end of line 1 "
                     f"of {FILE}" if number == len(names) and number > 1
                else f"give every column on line 1 of {FILE} a name")
        first = seen.setdefault(name.lower(), number)
        if first != number:
            raise SeedFileError(
                f"the header (line 1) names two columns {name!r} (columns {first} and "
                f"{number}; names are compared without case)", line=1,
                hint=f"give every column on line 1 of {FILE} its own name")
    return names


def _width_error(wrong: list[tuple[int, int, bool]], header: tuple[str, ...],
                 delimiter: str) -> SeedFileError:
    line, width, blank = wrong[0]
    problem = (f"line {line} has {width} value{'s' * (width != 1)}, but the header has "
               f"{len(header)} column{'s' * (len(header) != 1)} ({_names(header)})")
    if len(wrong) > 1:
        shown = ", ".join(str(n) for n, _, _ in wrong[1:1 + _SHOWN])
        more = len(wrong) - 1 - _SHOWN
        problem += (f"; {len(wrong) - 1} more line{'s' * (len(wrong) > 2)} with another "
                    f"number of values: {shown}{f' and {more} more' if more > 0 else ''}")
    sep = _spelled(delimiter)
    if blank:
        hint = f"remove line {line} of {FILE}: it holds only spaces"
    elif width < len(header):
        hint = (f"give line {line} of {FILE} all {len(header)} values, separated by {sep}; "
                "write an empty value as nothing between two delimiters")
    else:
        hint = (f"remove the extra values from line {line} of {FILE}, or put a value that "
                f"contains a {_spelled(delimiter, plural=False)} in double quotes")
    return SeedFileError(problem, line=line, hint=hint)


def _syntax_error(message: str, start: int, end: int) -> SeedFileError:
    if "end of data" in message or "unexpected end" in message:
        return SeedFileError(
            f"the quoted value that starts on line {start} is never closed (it runs to the "
            f"end of the file, line {end})", line=start,
            hint=f"add the closing double quote on line {start} of {FILE} or later; write a "
                 'quote inside a quoted value as ""')
    return SeedFileError(
        f"line {end} is not valid CSV: {message}", line=end,
        hint=f'on line {end} of {FILE}, quote the whole value: "a ""quoted"" word", and put '
             "nothing after its closing quote but the delimiter")


def _names(header: tuple[str, ...], shown: int = 8) -> str:
    names = ", ".join(header[:shown])
    return names + (f", … ({len(header) - shown} more)" if len(header) > shown else "")


def _spelled(delimiter: str, *, plural: bool = True) -> str:
    name = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "'|'"}[delimiter]
    return f"{name}s" if plural and delimiter != "|" else name


@dataclass(frozen=True)
class SeedShape:
    """How a seed's table differs from its file: column types declared in seeds/schema.yml
    (``(column, type)``, a logical type or DuckDB's own), and, when ``seed_id`` is set,
    FastFlowTransform's metadata columns (the load time, the seed id, ``file``)."""

    columns: tuple[tuple[str, str], ...] = ()
    seed_id: str | None = None
    file: str = ""


def shaped_select(reader: str, shape: SeedShape | None, header: tuple[str, ...] | None = None
                  ) -> str:
    """``select ... from <reader>`` in DuckDB SQL, with the shape's casts and metadata columns.
    ``header`` (a CSV's columns) lets a declared column the file lacks be an error naming both.

    >>> print(shaped_select("t", SeedShape((("id", "integer"),))))
    select * replace (cast("id" as INTEGER) as "id") from t
    >>> shaped_select("t", SeedShape((), "raw/u", "u.csv")).split(", ")[1]
    'now() as "_ff_loaded_at"'
    """
    if shape is None or (not shape.columns and shape.seed_id is None):
        return f"select * from {reader}"
    if header is not None:
        known = {name.strip().casefold() for name in header}
        missing = [name for name, _ in shape.columns if name.casefold() not in known]
        if missing:
            raise SeedFileError(
                f"seeds/schema.yml gives a type to {', '.join(missing)}, but the file has no "
                f"such column (its columns: {', '.join(header)})", line=1,
                hint="fix the column names under columns: (or dtypes:) in seeds/schema.yml")
    select = "select *"
    if shape.columns:
        casts = ", ".join(f"cast({_ident(name)} as {_DUCKDB_TYPES.get(kind, kind)}) as "
                          f"{_ident(name)}" for name, kind in shape.columns)
        select += f" replace ({casts})"
    if shape.seed_id is not None:
        select += (f", now() as {_ident(METADATA_COLUMNS[0])}, {_literal(shape.seed_id)} as "
                   f"{_ident(METADATA_COLUMNS[1])}, {_literal(shape.file)} as "
                   f"{_ident(METADATA_COLUMNS[2])}")
    return f"{select} from {reader}"


def file_columns(columns: list[str], shape: SeedShape | None) -> list[str]:
    """The columns of a loaded seed that came from its file (the metadata ones left out)."""
    if shape is None or shape.seed_id is None:
        return columns
    return columns[:len(columns) - len(METADATA_COLUMNS)]


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
