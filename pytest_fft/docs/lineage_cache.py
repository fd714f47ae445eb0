"""The column lineage of models, kept between docs builds: sqlglot's parse and qualify of
every SQL model (about 2 ms a model, 2 s of a 1,000-model ``fft docgen``), and the reading of
every Python model's source, happen once per change.

An entry is the result of :func:`~pytest_fft.docs.lineage.sql_lineage` (or
:func:`~pytest_fft.docs.python_lineage.python_lineage`) for one call, keyed by a hash of
everything that result depends on: the rendered SQL (the Python source, the function and
its inputs), the dialect, the columns of the relations it was given (in the order given),
sqlglot's version, the Python version, and the code that traces (:data:`FORMAT`,
pytest-fft's version and the bytes of :mod:`pytest_fft.docs.lineage` and
:mod:`pytest_fft.docs.python_lineage` themselves, so an edited tracer never reads an old
answer). Any change to any of them is a miss; nothing is ever reused in part.

All entries live in one JSON file (``<project>/.pytest_cache/d/fft-docs/sql-lineage.json``
for ``fft docgen``): one read, and one write only when an entry was added. It is written
atomically; two builds writing at once lose at most the other's new entries (misses next
time, never wrong answers). A file that cannot be read, is not JSON or is of another format
is treated as empty, and an entry of the wrong shape as a miss: the cache never fails the
docs. JSON, not pickle: reading a file someone else put there runs no code.

It keeps this build's entries and, after them, as many older ones (other selections, other
envs), so the file stays about the size of the project.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pytest_fft.docs.lineage import ColumnLineage, ColumnSource, sql_lineage

FORMAT = "1"
FILE_NAME = "sql-lineage.json"
MIN_KEPT = 1000  # entries kept whatever the size of this build
# Misses below which one process traces them: forking a worker costs about as much as
# tracing 20 models, and the answers come back pickled.
MIN_PARALLEL = 64

Lineage = tuple[ColumnLineage, ...] | None
Tracer = Callable[..., Lineage]


@functools.cache
def code_digest() -> str:
    """What identifies the tracing code: :data:`FORMAT`, pytest-fft's, sqlglot's and
    Python's versions and the source of :mod:`pytest_fft.docs.lineage` and of
    :mod:`pytest_fft.docs.python_lineage` (every module of it)."""
    import sqlglot

    from pytest_fft._version import __version__
    from pytest_fft.docs import lineage

    digest = hashlib.blake2b(digest_size=20)
    digest.update(f"{FORMAT}\0{__version__}\0{sqlglot.__version__}\0"
                  f"{sys.version_info[:3]}\0".encode())
    here = Path(lineage.__file__).parent
    for path in tracer_sources():
        try:
            data = path.read_bytes()
        except OSError:  # gone since the listing
            data = b"\0absent"
        name = path.relative_to(here).as_posix() if path.is_relative_to(here) else str(path)
        digest.update(f"{name}\0{len(data)}\0".encode() + data)
    return digest.hexdigest()


def tracer_sources() -> list[Path]:
    """The files of the code that traces lineage."""
    from pytest_fft.docs import lineage

    here = Path(lineage.__file__).parent
    python = here / "python_lineage"
    return [here / "lineage.py", *sorted(python.rglob("*.py"))]


def entry_key(sql: str, dialect: str, schema: Mapping[str, Sequence[str]] | None) -> str:
    """The key of ``sql_lineage(sql, dialect=dialect, schema=schema)``."""
    given = [[str(relation), [str(c) for c in columns]]
             for relation, columns in (schema or {}).items()]
    text = json.dumps([code_digest(), dialect, sql, given], separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=20).hexdigest()


Request = tuple[str, str, Mapping[str, Sequence[str]] | None]  # (sql, dialect, schema)


class LineageCache:
    """The entries of one file. :meth:`lineage` answers from it or traces; :meth:`prefetch`
    traces the misses of a whole build on every core first; :meth:`save` writes what this
    build added."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._old: dict[str, Any] | None = None  # the file's entries, read on first use
        self._used: dict[str, Any] = {}  # this build's entries, encoded
        self._fresh: dict[str, Lineage] = {}  # traced by prefetch, not asked for yet
        self.hits = 0
        self.misses = 0

    @classmethod
    def in_folder(cls, folder: Path) -> LineageCache:
        return cls(folder / FILE_NAME)

    def lineage(self, sql: str, *, dialect: str,
                schema: Mapping[str, Sequence[str]] | None = None,
                trace: Tracer | None = None) -> Lineage:
        """``sql_lineage(sql, dialect=dialect, schema=schema)``, from the file when it holds
        the answer (``trace``: the function that computes it, for tests)."""
        key = entry_key(sql, dialect, schema)
        if key in self._fresh:
            result = self._fresh.pop(key)
            self.misses += 1
            self._used[key] = _encode(result)
            return result
        found = self._stored(key)
        if found is not _ABSENT:
            self.hits += 1
            return found  # type: ignore[return-value]
        result = (trace or sql_lineage)(sql, dialect=dialect, schema=schema)
        self.misses += 1
        self._used[key] = _encode(result)
        return result

    def python(self, source: str, function: str, inputs: Mapping[str, str], *,
               schema: Mapping[str, Sequence[str]] | None = None,
               trace: Callable[..., tuple[ColumnLineage, ...]] | None = None,
               ) -> tuple[ColumnLineage, ...]:
        """``python_lineage(source, function, inputs, schema=schema)`` of a Python model,
        from the file when it holds the answer (keyed as SQL is: by everything it reads)."""
        given = [[str(k), str(v)] for k, v in inputs.items()]
        key = entry_key(json.dumps(["python", source, function, given]), "python", schema)
        found = self._stored(key)
        if found is not _ABSENT and found is not None:
            self.hits += 1
            return found  # type: ignore[return-value]
        if trace is None:
            from pytest_fft.docs.python_lineage import python_lineage

            trace = python_lineage
        result = trace(source, function, inputs, schema=schema)
        self.misses += 1
        self._used[key] = _encode(result)
        return result

    def _stored(self, key: str) -> Lineage | object:
        """The lineage this build or the file holds under ``key``, else ``_ABSENT``."""
        stored = self._used.get(key, _ABSENT)
        if stored is _ABSENT:
            stored = self._entries().get(key, _ABSENT)
        if stored is _ABSENT:
            return _ABSENT
        try:
            found = _decode(stored)
        except (TypeError, ValueError):  # a damaged or foreign entry: a miss
            return _ABSENT
        self._used[key] = stored
        return found

    def prefetch(self, requests: Iterable[Request], *, workers: int | None = None) -> int:
        """Trace the requests the file does not answer on every core
        (:func:`~pytest_fft.docs.forked.forked_map`; ``workers``: how many processes, this
        one included), when there are enough of them to pay for starting the workers (a
        cold build of a large project); :meth:`lineage` then answers them. How many were
        traced; 0 when it was not worth it or not possible, and :meth:`lineage` traces them
        one by one."""
        misses: dict[str, Request] = {}
        for sql, dialect, schema in requests:
            key = entry_key(sql, dialect, schema)
            if key not in misses and key not in self._fresh and (
                    self._stored(key) is _ABSENT):
                misses[key] = (sql, dialect, schema)
        if len(misses) < MIN_PARALLEL:
            return 0
        from pytest_fft.docs.forked import forked_map

        results = forked_map(_trace_chunk, None, list(misses.values()), workers=workers)
        if results is None:
            return 0
        self._fresh.update(zip(misses, results, strict=True))
        return len(results)

    def _entries(self) -> dict[str, Any]:
        if self._old is None:
            self._old = _read(self.path)
        return self._old

    def save(self) -> None:
        """Write this build's entries, then older ones up to as many again, when this
        build added one; a file that cannot be written is only not kept (no error)."""
        if not self.misses:
            return
        old = self._entries()
        kept = dict(self._used)
        room = max(MIN_KEPT, 2 * len(kept))
        for key, value in old.items():
            if len(kept) >= room:
                break
            kept.setdefault(key, value)
        from pytest_fft.atomic import write_atomic

        document = json.dumps({"format": FORMAT, "entries": kept}, separators=(",", ":"))
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # No fsync: a file a crash leaves unreadable is only a miss.
            write_atomic(self.path, document, durable=False)
        except OSError:
            pass


_ABSENT = object()


def _read(path: Path) -> dict[str, Any]:
    """The entries of ``path``; none when it is absent, unreadable or not this format."""
    try:
        document = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        return {}
    entries = document.get("entries")
    return entries if isinstance(entries, dict) else {}


def _encode(result: Lineage) -> Any:
    if result is None:
        return None
    return [[c.column, [[s.relation, s.column] for s in c.sources], c.transformed, c.known]
            for c in result]


def _decode(value: Any) -> Lineage:
    """An entry back as lineage; TypeError or ValueError when it is not of that shape."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise TypeError("not a list")
    out = []
    for item in value:
        column, sources, transformed, known = item
        if not (isinstance(column, str) and isinstance(sources, list)
                and isinstance(transformed, bool) and isinstance(known, bool)):
            raise TypeError("not a column's lineage")
        found = []
        for source in sources:
            relation, name = source
            if not (isinstance(relation, str) and isinstance(name, str)):
                raise TypeError("not a source column")
            found.append(ColumnSource(relation, name))
        out.append(ColumnLineage(column, tuple(found), transformed, known))
    return tuple(out)


def _trace_chunk(shared: None, requests: Sequence[Request]) -> list[Lineage]:
    return [sql_lineage(sql, dialect=dialect, schema=schema)
            for sql, dialect, schema in requests]
