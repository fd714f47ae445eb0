"""A Python model calling ``fastflowtransform.api.http.get_df`` through ``fft run``: online
against a server on 127.0.0.1 (which warms the project's HTTP cache), then offline with the
server gone (answered from the cache), then offline with an empty cache (a clear error)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import http_server  # tests/http_server.py

MODEL = """
    import os

    import pandas as pd
    from fastflowtransform import engine_model
    from fastflowtransform.api.http import get_df, page_number


    @engine_model(only="duckdb", name="api_users", deps=["base.ff"])
    def fetch(_: pd.DataFrame) -> pd.DataFrame:
        df = get_df(
            url=os.environ["API_URL"] + "/users",
            params={"page": 1},
            headers={"Authorization": "Bearer " + os.environ["API_TOKEN"]},
            record_path=["data"],
            paginator=page_number(record_path=["data"]),
        )
        return df.rename(columns={"id": "api_user_id"})
    """

PAGES = {"1": [{"id": 1, "email": "a@example.com", "company": {"name": "Acme"}},
               {"id": 2, "email": "b@example.com", "company": {"name": "Initech"}}],
         "2": [{"id": 3, "email": "c@example.com", "company": {"name": "Umbrella"}}]}
TOKEN = "tok-e2e-Qx71Lm"


def test_fft_run_online_then_offline_from_the_cache(make_project, run_fft, query,
                                                    tmp_path: Path) -> None:
    root = make_project({
        "models/base.ff.sql": "select 1 as id",
        "models/api_users.ff.py": MODEL,
        ".env": "FF_HTTP_CACHE_DIR=.local/http-cache\nFF_HTTP_ALLOWED_DOMAINS=127.0.0.1\n",
    })
    cache = root / ".local" / "http-cache"
    sql = "select api_user_id, email, \"company.name\" from api_users order by api_user_id"
    expected = [(1, "a@example.com", "Acme"), (2, "b@example.com", "Initech"),
                (3, "c@example.com", "Umbrella")]

    with http_server.serve() as server:
        server.routes["/users"] = lambda r: (200, {"data": PAGES.get(r.arg("page"), [])})
        env = {"API_URL": server.url, "API_TOKEN": TOKEN}
        online = run_fft("run", str(root), "--env", "dev", cwd=tmp_path, env=env)
        assert online.returncode == 0, online.output
        assert [r.arg("page") for r in server.log] == ["1", "2", "3"]
        assert server.log[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert query(root / ".local" / "dev.duckdb", sql) == expected
    results = json.loads((root / ".fastflowtransform/target/run_results.json").read_text())
    http = next(r["http"] for r in results["results"] if r["name"] == "api_users")
    assert (http["requests"], http["cache_hits"], http["used_offline"]) == (3, 0, False)
    assert "http" not in next(r for r in results["results"] if r["name"] == "base.ff")
    assert len(list(cache.glob("*.body"))) == 3  # relative to the project, not the cwd
    assert not any(TOKEN in p.read_text(errors="replace") for p in cache.iterdir())

    # --offline (and --http-cache) change how responses are found, not the model: the
    # build cache still skips it; --rebuild builds it again, answered from the cache.
    flagged = run_fft("run", str(root), "--env", "dev", "--offline", cwd=tmp_path, env=env)
    assert flagged.returncode == 0, flagged.output
    assert "Done: 0 ok, 2 cached" in flagged.stdout, flagged.stdout
    rebuilt = run_fft("run", str(root), "--env", "dev", "--offline", "--http-cache", "ro",
                      "--rebuild", "api_users", cwd=tmp_path, env=env)
    assert rebuilt.returncode == 0, rebuilt.output
    results = json.loads((root / ".fastflowtransform/target/run_results.json").read_text())
    http = next(r["http"] for r in results["results"] if r["name"] == "api_users")
    assert (http["requests"], http["cache_hits"], http["used_offline"]) == (3, 3, True)

    # The server is gone: offline, the model is answered from the cache.
    query_env = {**env, "FF_HTTP_OFFLINE": "1"}
    offline = run_fft("run", str(root), "--env", "dev", "--cache", "off", cwd=tmp_path,
                      env=query_env)
    assert offline.returncode == 0, offline.output
    assert query(root / ".local" / "dev.duckdb", sql) == expected

    # Offline without the cache: the error names the request, the model line and the fix.
    shutil.rmtree(cache)
    missed = run_fft("run", str(root), "--env", "dev", "--cache", "off", cwd=tmp_path,
                     env=query_env)
    assert missed.returncode == 1, missed.output
    assert (f"offline (FF_HTTP_OFFLINE=1): GET {server.url}/users?page=1 is not in the HTTP "
            f"cache (no cached response in {cache})") in missed.stderr
    assert "  at models/api_users.ff.py:10\n" in missed.stderr
    assert "fix: warm the cache" in missed.stderr
    assert "Traceback" not in missed.output and TOKEN not in missed.output
