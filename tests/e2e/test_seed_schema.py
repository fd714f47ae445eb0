"""Seeds as FastFlowTransform 0.6 projects place them: ``seeds/schema.yml`` puts a seed in a
schema under another name with typed columns, ``FFT_SEEDS_DIR`` moves the seed folder, the
metadata columns appear when the project reads them, and a source with a schema follows its
seed (built after it, rebuilt after a re-seed) — on DuckDB and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.e2e.conftest import Warehouse

pytestmark = pytest.mark.warehouses("duckdb", "postgres", "spark")

USERS = "user_id,email,signup\n1,a@x.org,2024-01-05\n2,b@x.org,2024-02-01\n"


@pytest.fixture
def target(warehouse: Warehouse) -> Iterator[str]:
    """A schema of this test's own (PostgreSQL's schemas and Spark's databases are shared by
    parallel tests)."""
    name = f"raw_{uuid.uuid4().hex[:8]}"
    yield name
    if warehouse.engine in ("postgres", "spark"):
        warehouse.execute(Path("."), f"drop schema if exists {name} cascade")


def _files(warehouse: Warehouse, target: str) -> dict[str, str]:
    return {
        "profiles.yml": warehouse.profile,
        "seeds/raw/users.csv": USERS,
        "seeds/schema.yml": f"targets:\n  raw/users: {{schema: {target}, table: seed_users}}\n"
                            "columns:\n  seed_users: {user_id: integer, signup: timestamp}\n",
        "sources.yml": f"version: 2\nsources:\n  - name: crm\n    schema: {target}\n"
                       "    tables:\n      - {name: users, identifier: seed_users}\n",
        "models/users.ff.sql": "select user_id, email, signup from {{ source('crm', 'users') }}\n",
    }


def test_seed_is_placed_renamed_and_typed_and_its_source_follows_it(
        make_project: Callable[..., Path], warehouse: Warehouse, target: str,
        run_fft: Any) -> None:
    root = make_project(_files(warehouse, target), name="seedschema")
    built = run_fft("build", str(root))  # the seed before the model that reads its source
    assert built.returncode == 0, built.output
    assert "seed_users" in built.stdout and "users.ff" in built.stdout
    rows = warehouse.rows(root, f"select user_id, email, signup from {target}.seed_users "
                                "order by user_id")
    assert [(r[0], r[1], str(r[2])) for r in rows] == [
        (1, "a@x.org", "2024-01-05 00:00:00"), (2, "b@x.org", "2024-02-01 00:00:00")]
    types = warehouse.column_types(root, target, "seed_users")
    assert types[0][1].lower() in ("integer", "int")
    assert [name for name, _ in types] == ["user_id", "email", "signup"]  # no metadata
    assert "timestamp" in types[2][1].lower()
    assert warehouse.rows(root, "select count(*) from users") == [(2,)]

    # A re-seed with another row rebuilds the model instead of leaving it cached.
    (root / "seeds/raw/users.csv").write_text(USERS + "3,c@x.org,2024-03-01\n")
    again = run_fft("build", str(root))
    assert again.returncode == 0, again.output
    assert warehouse.rows(root, "select count(*) from users") == [(3,)]


def test_metadata_columns_when_a_freshness_rule_reads_them(
        make_project: Callable[..., Path], warehouse: Warehouse, target: str,
        run_fft: Any) -> None:
    files = _files(warehouse, target)
    files["sources.yml"] = files["sources.yml"].replace(
        "{name: users, identifier: seed_users}",
        "{name: users, identifier: seed_users, freshness: {loaded_at_field: _ff_loaded_at, "
        "error_after_minutes: 60}}")
    root = make_project(files, name="seedmeta")
    assert run_fft("seed", str(root)).returncode == 0
    rows = warehouse.rows(root, f"select _ff_seed_id, _ff_seed_file, _ff_loaded_at is not null "
                                f"from {target}.seed_users")
    assert rows == [("raw/users", str((root / "seeds/raw/users.csv").resolve()), True)] * 2
    fresh = run_fft("source", "freshness", str(root))
    assert fresh.returncode == 0, fresh.output
    # Seeding again loads the seed again (never "cached"): _ff_loaded_at is the load's time.
    loaded = f"select max(_ff_loaded_at) from {target}.seed_users"
    [(first,)] = warehouse.rows(root, loaded)
    again = run_fft("seed", str(root))
    assert again.returncode == 0, again.output
    assert "cached" not in again.stdout and "Done: 1 ok" in again.stdout, again.output
    [(second,)] = warehouse.rows(root, loaded)
    assert second > first


def test_fft_seeds_dir_names_the_seed_folder(make_project: Callable[..., Path],
                                             warehouse: Warehouse, run_fft: Any) -> None:
    root = make_project({"profiles.yml": warehouse.profile,
                         "data/seed_users.csv": USERS,
                         "sources.yml": "crm: {users: {identifier: seed_users}}\n",
                         "models/users.ff.sql":
                             "select user_id from {{ source('crm', 'users') }}\n"},
                        name="seedsdir")
    built = run_fft("build", str(root), env={"FFT_SEEDS_DIR": "data"})
    assert built.returncode == 0, built.output
    assert warehouse.rows(root, "select count(*) from users") == [(2,)]


def test_a_typed_column_the_file_lacks_is_an_error_naming_both(
        make_project: Callable[..., Path], warehouse: Warehouse, target: str,
        run_fft: Any) -> None:
    files = _files(warehouse, target)
    files["seeds/schema.yml"] = files["seeds/schema.yml"].replace("signup: timestamp",
                                                                  "signed_up: timestamp")
    root = make_project(files, name="seedbad")
    ran = run_fft("seed", str(root))
    assert ran.returncode == 1, ran.output
    assert ("seeds/schema.yml gives a type to signed_up, but the file has no such column "
            "(its columns: user_id, email, signup)") in " ".join(ran.output.split())
    assert "Traceback" not in ran.output
