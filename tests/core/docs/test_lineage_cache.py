"""The SQL lineage kept between docs builds (pytest_fft.docs.lineage_cache): a hit answers as
sqlglot would, anything the answer depends on changing is a miss, and a damaged file is
ignored."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from pytest_fft.docs import lineage_cache as cache_module
from pytest_fft.docs.lineage import sql_lineage
from pytest_fft.docs.lineage_cache import FILE_NAME, LineageCache

SQL = "select u.id, upper(u.email) as email_upper from users u"
SCHEMA = {"users": ["id", "email"]}


class Counting:
    """sql_lineage, counting its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, sql: str, *, dialect: str,
                 schema: Mapping[str, Sequence[str]] | None = None) -> Any:
        self.calls += 1
        return sql_lineage(sql, dialect=dialect, schema=schema)


def traced(folder: Path, sql: str = SQL, dialect: str = "duckdb",
           schema: Mapping[str, Sequence[str]] | None = None) -> tuple[Any, int]:
    """One build: the lineage of ``sql`` through the cache in ``folder``, saved; with how
    many times it was traced."""
    tracer = Counting()
    cache = LineageCache.in_folder(folder)
    result = cache.lineage(sql, dialect=dialect, schema=SCHEMA if schema is None else schema,
                           trace=tracer)
    cache.save()
    return result, tracer.calls


def test_a_second_build_answers_from_the_file_as_sqlglot_does(tmp_path: Path) -> None:
    first, calls = traced(tmp_path)
    assert calls == 1 and (tmp_path / FILE_NAME).is_file()
    second, calls = traced(tmp_path)
    assert calls == 0
    assert second == first == sql_lineage(SQL, dialect="duckdb", schema=SCHEMA)


def test_sql_that_does_not_parse_is_kept_as_none(tmp_path: Path) -> None:
    assert traced(tmp_path, "select from from where")[0] is None
    assert traced(tmp_path, "select from from where") == (None, 0)


@pytest.mark.parametrize("change", [
    {"sql": SQL + " where u.id > 1"},
    {"sql": SQL.upper()},
    {"dialect": "postgres"},
    {"schema": {"users": ["id", "email", "country"]}},  # a parent gained a column
    {"schema": {"users": ["email", "id"]}},  # the parent's columns in another order
    {"schema": {}},  # the warehouse was not read
])
def test_a_change_of_what_the_answer_depends_on_is_a_miss(tmp_path: Path,
                                                           change: dict[str, Any]) -> None:
    traced(tmp_path)
    result, calls = traced(tmp_path, **change)
    assert calls == 1
    expected = sql_lineage(change.get("sql", SQL), dialect=change.get("dialect", "duckdb"),
                           schema=change.get("schema", SCHEMA) or None)
    assert result == expected
    assert traced(tmp_path)[1] == 0  # the first entry is still there


def test_new_tracing_code_is_a_miss(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    traced(tmp_path)
    monkeypatch.setattr(cache_module, "code_digest", lambda: "another tracer")
    assert traced(tmp_path)[1] == 1


def test_the_key_covers_sqlglot_and_the_tracers_source(tmp_path: Path) -> None:
    import sqlglot

    tracer = tmp_path / "tracer.py"
    tracer.write_text("v1")
    sources = [*cache_module.tracer_sources(), tracer]
    assert any(p.name == "lineage.py" for p in sources)
    cache_module.code_digest.cache_clear()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cache_module, "tracer_sources", lambda: sources)
        before = cache_module.code_digest()
        tracer.write_text("v2")
        cache_module.code_digest.cache_clear()
        assert cache_module.code_digest() != before
        tracer.write_text("v1")
        cache_module.code_digest.cache_clear()
        assert cache_module.code_digest() == before
        patch.setattr(sqlglot, "__version__", "0.0.0")
        cache_module.code_digest.cache_clear()
        assert cache_module.code_digest() != before
    cache_module.code_digest.cache_clear()


@pytest.mark.parametrize("content", [
    b"", b"\x00\xff not json", b"{\"format\": \"1\", \"entries\": ", b"[1, 2, 3]", b"null",
    b'{"format": "0", "entries": {}}', b'{"format": "1", "entries": []}',
])
def test_a_damaged_file_is_ignored(tmp_path: Path, content: bytes) -> None:
    (tmp_path / FILE_NAME).write_bytes(content)
    result, calls = traced(tmp_path)
    assert calls == 1 and result == sql_lineage(SQL, dialect="duckdb", schema=SCHEMA)
    assert traced(tmp_path)[1] == 0  # and replaced by a good one


@pytest.mark.parametrize("entry", [
    "nonsense", 42, [["id"]], [["id", "users.id", False, True]],
    [["id", [["users"]], False, True]], [["id", [["users", 1]], False, True]],
    [["id", [], "no", True]], [[1, [], False, True]], {"id": []},
])
def test_an_entry_of_the_wrong_shape_is_a_miss(tmp_path: Path, entry: Any) -> None:
    traced(tmp_path)
    path = tmp_path / FILE_NAME
    document = json.loads(path.read_text())
    (key,) = document["entries"]
    document["entries"][key] = entry
    path.write_text(json.dumps(document))
    result, calls = traced(tmp_path)
    assert calls == 1 and result == sql_lineage(SQL, dialect="duckdb", schema=SCHEMA)


def test_a_folder_that_cannot_be_written_keeps_nothing_and_fails_nothing(
        tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result, calls = traced(blocker / "cache")
    assert calls == 1 and result == sql_lineage(SQL, dialect="duckdb", schema=SCHEMA)


def test_a_build_without_new_entries_leaves_the_file_alone(tmp_path: Path) -> None:
    traced(tmp_path)
    path = tmp_path / FILE_NAME
    path.write_text(path.read_text() + " ")  # still valid JSON: a marker of the old file
    traced(tmp_path)
    assert path.read_text().endswith(" ")


def test_older_entries_are_kept_up_to_the_size_of_the_build(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_module, "MIN_KEPT", 2)
    for n in range(4):
        traced(tmp_path, f"select {n} as n")
    entries = json.loads((tmp_path / FILE_NAME).read_text())["entries"]
    assert len(entries) == 2  # the newest build's entry and the one before
    assert traced(tmp_path, "select 3 as n")[1] == 0
    assert traced(tmp_path, "select 2 as n")[1] == 0
    assert traced(tmp_path, "select 0 as n")[1] == 1


def test_docs_catalog_through_the_cache_equals_without(tmp_path: Path) -> None:
    from pytest_fft.docs.catalog import build_catalog
    from pytest_fft.project.descriptions import collect_descriptions
    from pytest_fft.project.loader import load_project

    root = tmp_path / "p"
    (root / "models").mkdir(parents=True)
    (root / "project.yml").write_text("name: p\n")
    (root / "models" / "users.ff.sql").write_text(
        "select 1 as id, 'a@b' as email\n")
    (root / "models" / "mart.ff.sql").write_text(
        "select id, upper(email) as e from {{ ref('users.ff') }}\n")
    project = load_project(root, engine="duckdb")
    schema = {"users": [("id", "INTEGER"), ("email", "VARCHAR")],
              "mart": [("id", "INTEGER"), ("e", "VARCHAR")]}

    def build(cache: LineageCache | None) -> Any:
        return build_catalog(project, project.dag.order, collect_descriptions(project),
                             schema=schema, lineage_cache=cache)

    plain = build(None)
    cache = LineageCache.in_folder(tmp_path / "cache")
    assert build(cache) == plain and cache.misses == 2
    cache.save()
    again = LineageCache.in_folder(tmp_path / "cache")
    assert build(again) == plain and (again.hits, again.misses) == (2, 0)


def test_sqlglot_is_given_the_relations_the_sql_may_name() -> None:
    from pytest_fft.docs.catalog import _columns_by_relation, _named_in

    schema = _columns_by_relation({
        "users": [("id", "INTEGER")], "users_2": [("id", "INTEGER")],
        "analytics.Orders": [("id", "INTEGER")], "odd name": [("id", "INTEGER")],
        "a$b": [("id", "INTEGER")]})
    sql = 'select * from users u join "ORDERS" o using (id) join "odd name" x using (id)'
    assert _named_in(sql, schema) == ["users", "analytics.orders", "odd name"]
    assert _named_in("select * from a$b", schema) == ["a$b"]
    assert _named_in("select 1", schema) == []


# --- the misses of a build, on every core ------------------------------------------------------

MANY = [f"select u.id, upper(u.email) as e{n}, o.amount * {n} as a from users u "
        "join orders o on o.user_id = u.id" for n in range(12)]
BOTH = {"users": ["id", "email"], "orders": ["user_id", "amount"]}


def test_prefetch_traces_the_misses_in_worker_processes(tmp_path: Path) -> None:
    # In a fresh interpreter: one that runs a single thread may fork (an xdist worker may
    # not: it runs execnet's threads).
    import subprocess
    import sys

    script = f"""
import json
from pathlib import Path
from pytest_fft.docs import lineage_cache as m
from pytest_fft.docs.lineage import sql_lineage
m.MIN_PARALLEL = 4
cache = m.LineageCache.in_folder(Path({str(tmp_path)!r}))
first = cache.lineage({MANY[0]!r}, dialect="duckdb", schema={BOTH!r})
traced = cache.prefetch([(sql, "duckdb", {BOTH!r}) for sql in {MANY!r}], workers=2)
def never(*args, **kwargs):
    raise AssertionError("traced again")
same = all(cache.lineage(sql, dialect="duckdb", schema={BOTH!r}, trace=never)
           == sql_lineage(sql, dialect="duckdb", schema={BOTH!r}) for sql in {MANY!r})
cache.save()
print(json.dumps([traced, same, cache.hits, cache.misses]))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    # 11 traced by the workers (the first was traced already), each answered once.
    assert json.loads(done.stdout) == [11, True, 1, 12]
    again = LineageCache.in_folder(tmp_path)
    assert again.prefetch([(sql, "duckdb", BOTH) for sql in MANY], workers=2) == 0
    assert [again.lineage(sql, dialect="duckdb", schema=BOTH) for sql in MANY] == [
        sql_lineage(sql, dialect="duckdb", schema=BOTH) for sql in MANY]
    assert (again.hits, again.misses) == (12, 0)


def test_prefetch_leaves_few_misses_or_one_core_to_this_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    requests = [(sql, "duckdb", BOTH) for sql in MANY]
    cache = LineageCache.in_folder(tmp_path)
    assert cache.prefetch(requests, workers=1) == 0
    monkeypatch.setattr(cache_module, "MIN_PARALLEL", 100)
    assert cache.prefetch(requests, workers=2) == 0
    tracer = Counting()
    assert [cache.lineage(s, dialect="duckdb", schema=BOTH, trace=tracer) for s in MANY] == [
        sql_lineage(s, dialect="duckdb", schema=BOTH) for s in MANY]
    assert tracer.calls == len(MANY)


def test_workers_that_cannot_start_leave_the_tracing_to_this_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import concurrent.futures

    class Broken:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            raise OSError("no more processes")

    from pytest_fft.docs import forked

    monkeypatch.setattr(cache_module, "MIN_PARALLEL", 1)
    monkeypatch.setattr(forked, "may_fork", lambda: True)
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Broken)
    cache = LineageCache.in_folder(tmp_path)
    assert cache.prefetch([(sql, "duckdb", BOTH) for sql in MANY], workers=2) == 0
    assert cache.lineage(MANY[3], dialect="duckdb", schema=BOTH) == sql_lineage(
        MANY[3], dialect="duckdb", schema=BOTH)


# --- Python models -------------------------------------------------------------------------------

PY = '''
def build(df):
    out = df.copy()
    out["email_upper"] = df["email"].str.upper()
    return out
'''


def test_a_python_models_lineage_is_kept_until_its_source_or_inputs_change(
        tmp_path: Path) -> None:
    from pytest_fft.docs.python_lineage import python_lineage

    calls: list[tuple[Any, ...]] = []

    def tracer(source: str, function: str, inputs: Any, *, schema: Any = None) -> Any:
        calls.append((source, function))
        return python_lineage(source, function, inputs, schema=schema)

    def build(source: str = PY, inputs: Any = None, schema: Any = None) -> Any:
        cache = LineageCache.in_folder(tmp_path)
        found = cache.python(source, "build", inputs or {"df": "users"},
                             schema=schema or {"users": ["id", "email"]}, trace=tracer)
        cache.save()
        return found

    first = build()
    assert first == python_lineage(PY, "build", {"df": "users"},
                                   schema={"users": ["id", "email"]})
    assert build() == first and len(calls) == 1
    build(PY.replace("upper", "lower"))
    build(inputs={"df": "customers"})
    build(schema={"users": ["id", "email", "country"]})
    assert len(calls) == 4
    assert build() == first and len(calls) == 4
