"""Fixtures for the unit-spec tests: one tiny project, and spec files written into it.

The project (loaded once per module)::

    seeds/seed_users.csv, seeds/seed_orders.csv
    models/users.ff.sql                 users            <- seed_users
    models/orders.ff.sql                orders           <- seed_orders
    models/users_enriched.ff.py         users_enriched   <- users.ff
    models/mart_orders_enriched.ff.sql  mart_orders_enriched <- orders.ff, users_enriched
    models/calendar.ff.sql              calendar         (no inputs)
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from pytest_fft.errors import ProjectFileError
from pytest_fft.project.loader import load_project
from pytest_fft.project.records import Project
from pytest_fft.utest import UnitCase, load_unit_file

TINY_FILES = {
    "project.yml": "name: tiny\nversion: 1\n",
    "seeds/seed_users.csv": "id,email\n1,a@example.com\n",
    "seeds/seed_orders.csv": "order_id,user_id,amount\n10,1,19.9\n",
    "models/users.ff.sql": "select id, email from {{ ref('seed_users') }}\n",
    "models/orders.ff.sql": "select order_id, user_id, amount from {{ ref('seed_orders') }}\n",
    "models/users_enriched.ff.py": (
        "from fastflowtransform import model\n\n\n"
        "@model(name='users_enriched', deps=['users.ff'])\n"
        "def enrich(df):\n"
        "    return df\n"
    ),
    "models/mart_orders_enriched.ff.sql": (
        "select o.order_id, u.email\n"
        "from {{ ref('orders') }} o join {{ ref('users_enriched') }} u on o.user_id = u.id\n"
    ),
    "models/calendar.ff.sql": "select 1 as day\n",
}


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return load_project(write_tree(tmp_path_factory.mktemp("tiny") / "tiny", TINY_FILES))


@pytest.fixture
def spec_file(tiny: Project, request: pytest.FixtureRequest) -> Callable[..., Path]:
    """``spec_file(text, name=None)``: write a spec (dedented) under the tiny project's
    ``tests/unit/``; the default name is the test's own, so tests never share a file."""

    def write(text: str, name: str | None = None) -> Path:
        stem = re.sub(r"[^A-Za-z0-9_]+", "_", request.node.name).strip("_")
        path = tiny.root / "tests" / "unit" / (name or f"{stem}.yml")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


@pytest.fixture
def parse(tiny: Project, spec_file: Callable[..., Path]) -> Callable[..., tuple[UnitCase, ...]]:
    """``parse(yaml_text)`` -> the cases of that spec in the tiny project."""

    def run(text: str, name: str | None = None) -> tuple[UnitCase, ...]:
        return load_unit_file(tiny, spec_file(text, name))

    return run


@pytest.fixture
def fails(tiny: Project, spec_file: Callable[..., Path]) -> Callable[..., ProjectFileError]:
    """``fails(yaml_text)`` -> the ProjectFileError parsing that spec raises."""

    def run(text: str, name: str | None = None) -> ProjectFileError:
        path = spec_file(text, name)
        with pytest.raises(ProjectFileError) as info:
            load_unit_file(tiny, path)
        err = info.value
        assert err.file == path.relative_to(tiny.root).as_posix()
        assert err.hint, "every error says what to do"
        return err

    return run
