"""The HTTP helpers of Python models (pytest_fft/api, ``fastflowtransform.api.http``) against a
server on 127.0.0.1 that each test starts: get_json/get_df, pagination, the response cache in
its modes, offline mode, allowed hosts, retries, the rate limit, secrets, telemetry, errors."""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import http_server  # tests/http_server.py
import pytest

from pytest_fft.api import http
from pytest_fft.api.errors import DomainNotAllowed, HttpError, OfflineCacheMiss
from pytest_fft.api.settings import (
    FINGERPRINT_NEUTRAL,
    HttpSettings,
    HttpSettingsError,
    cli_environment,
)
from pytest_fft.api.telemetry import http_stats
from pytest_fft.errors import CacheWarning, ModelError

USERS = {"data": [{"id": 1, "name": "Ada", "address": {"city": "London"}},
                  {"id": 2, "name": "Linus", "address": {"city": "Helsinki"}}]}


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private cache, no backoff between retries, every other FF_HTTP_* unset."""
    for name in ("FF_HTTP_OFFLINE", "FF_HTTP_CACHE_MODE", "FF_HTTP_TTL", "FF_HTTP_TIMEOUT",
                 "FF_HTTP_MAX_RETRIES", "FF_HTTP_RATE_LIMIT_RPS", "FF_HTTP_MAX_RPS",
                 "FF_HTTP_ALLOWED_DOMAINS"):
        monkeypatch.delenv(name, raising=False)
    folder = tmp_path / "http-cache"
    monkeypatch.setenv("FF_HTTP_CACHE_DIR", str(folder))
    monkeypatch.setenv("FFT_HTTP_BACKOFF", "0")
    return folder


@pytest.fixture
def server(cache_dir: Path) -> Iterator[http_server.Server]:
    with http_server.serve() as running:
        yield running


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


# --- get_json / get_df --------------------------------------------------------------------

def test_get_json_fetches_once_then_answers_from_the_cache(server, cache_dir) -> None:
    server.route("/users", body=USERS)
    with http_stats("users_from_api") as stats:
        first = http.get_json(f"{server.url}/users", params={"page": 1})
        second = http.get_json(f"{server.url}/users", params={"page": 1})
    assert first == second == USERS
    assert server.hits("/users") == 1
    assert server.log[0].query == {"page": ["1"]}
    body_size = len(json.dumps(USERS).encode())
    block = stats.as_dict()
    assert block["requests"] == 2 and block["cache_hits"] == 1
    assert block["bytes"] == 2 * body_size and block["used_offline"] is False
    assert block["keys"] == [f'GET:{server.url}/users|{{"page":1}}|{{}}']
    assert [(e["status"], e["from_cache"]) for e in block["entries"]] == [(200, False), (200, True)]
    assert block["entries"][0]["content_hash"] == block["entries"][1]["content_hash"]
    assert block["entries"][0]["content_hash"].startswith("sha256:")
    assert len(entries(cache_dir)) == 1


def test_get_df_reads_the_records_at_record_path(server) -> None:
    server.route("/users", body=USERS)
    frame = http.get_df(url=f"{server.url}/users", record_path=["data"])
    assert list(frame.columns) == ["id", "name", "address.city"]
    assert frame.to_dict("records") == [{"id": 1, "name": "Ada", "address.city": "London"},
                                        {"id": 2, "name": "Linus", "address.city": "Helsinki"}]


def test_get_df_of_a_top_level_list_flattens_only_with_normalize(server) -> None:
    server.route("/list", body=USERS["data"])
    plain = http.get_df(f"{server.url}/list")
    flat = http.get_df(f"{server.url}/list", normalize=True, dtype={"id": "int32"})
    assert list(plain.columns) == ["id", "name", "address"]
    assert plain["address"][0] == {"city": "London"}
    assert list(flat.columns) == ["id", "name", "address.city"]
    assert str(flat["id"].dtype) == "int32"


def test_get_df_json_path_and_meta(server) -> None:
    server.route("/nested", body={"result": {"country": "DE", "cities": [{"n": "Bonn"}, {"n": "Köln"}]}})
    frame = http.get_df(f"{server.url}/nested", json_path=["result"], record_path="cities",
                        meta=["country"])
    assert frame.to_dict("records") == [{"n": "Bonn", "country": "DE"},
                                        {"n": "Köln", "country": "DE"}]


def test_get_df_names_a_record_path_that_is_not_there(server) -> None:
    server.route("/users", body=USERS)
    with pytest.raises(HttpError) as caught:
        http.get_df(f"{server.url}/users", record_path=["items"])
    assert f"GET {server.url}/users: record_path=['items'] is not in the JSON (its keys are data)" \
        in str(caught.value)
    assert caught.value.file == __file__ and caught.value.line is not None


def test_get_df_spark_output_is_not_available_yet(server) -> None:
    with pytest.raises(HttpError, match=r"get_df\(output='spark'\) is not available yet"):
        http.get_df(f"{server.url}/users", output="spark")  # type: ignore[arg-type]
    assert server.log == []  # refused before any request


def test_a_response_that_is_no_json_is_named(server) -> None:
    server.route("/page", body="<html>oops</html>", headers={"Content-Type": "text/html"})
    with pytest.raises(HttpError, match=r"the response is not JSON \(content-type text/html\)"):
        http.get_json(f"{server.url}/page")
    assert http.get(f"{server.url}/page") == b"<html>oops</html>"


# --- pagination --------------------------------------------------------------------------

def test_next_url_follows_links_relative_and_absolute(server) -> None:
    server.route("/p1", body={"data": [{"id": 1}], "paging": {"next": "/p2?cursor=b"}})
    server.routes["/p2"] = lambda r: (200, {"data": [{"id": 2}],
                                            "paging": {"next": f"{server.url}/p3"}})
    server.route("/p3", body={"data": [{"id": 3}], "paging": {}})
    with http_stats("pages") as stats:
        frame = http.get_df(f"{server.url}/p1", params={"size": 1},
                            paginator=http.next_url("paging.next"), record_path=["data"])
    assert frame["id"].tolist() == [1, 2, 3]
    assert [(r.path, r.query) for r in server.log] == [
        ("/p1", {"size": ["1"]}), ("/p2", {"cursor": ["b"]}), ("/p3", {})]
    assert stats.requests == 3 and stats.cache_hits == 0


def test_page_number_until_an_empty_page_and_the_pages_come_from_the_cache(server) -> None:
    pages = {1: [{"id": 1}, {"id": 2}], 2: [{"id": 3}]}
    server.routes["/items"] = lambda r: (200, {"items": pages.get(int(r.arg("page")), [])})
    paginator = http.page_number(record_path=["items"])
    first = http.get_df(f"{server.url}/items", params={"page": 1}, paginator=paginator,
                        record_path=["items"])
    with http_stats("again") as stats:
        again = http.get_df(f"{server.url}/items", params={"page": 1}, paginator=paginator,
                            record_path=["items"])
    assert first["id"].tolist() == again["id"].tolist() == [1, 2, 3]
    assert [r.arg("page") for r in server.log] == ["1", "2", "3"]  # 3 was empty: the end
    assert (stats.requests, stats.cache_hits) == (3, 3)


def test_page_number_in_the_url_and_get_json_returns_every_page(server) -> None:
    server.routes["/q"] = lambda r: (200, [r.arg("page")] if int(r.arg("page")) < 3 else [])
    payloads = http.get_json(f"{server.url}/q?page=1", paginator=http.page_number())
    assert payloads == [["1"], ["2"], []]


def test_offset_limit(server) -> None:
    rows = [{"id": i} for i in range(5)]
    server.routes["/rows"] = lambda r: (200, rows[int(r.arg("offset", "0")):
                                             int(r.arg("offset", "0")) + int(r.arg("limit"))])
    frame = http.get_df(f"{server.url}/rows", params={"limit": 2},
                        paginator=http.offset_limit(limit=2))
    assert frame["id"].tolist() == [0, 1, 2, 3, 4]
    assert [r.arg("offset") for r in server.log] == [None, "2", "4"]


def test_a_paginator_that_asks_for_the_same_page_again_is_stopped(server) -> None:
    server.route("/loop", body={"data": [], "next": "/loop"})
    with pytest.raises(HttpError, match=r"the paginator asked for GET .*/loop again"):
        http.get_json(f"{server.url}/loop", paginator=http.next_url())
    assert server.hits("/loop") == 1


def test_a_handwritten_paginator_as_fastflowtransform_documents_it(server) -> None:
    server.route("/a", body={"data": [{"x": 1}], "next": f"{server.url}/b"})
    server.route("/b", body={"data": [{"x": 2}]})

    def paginator(url, params, json_obj):
        nxt = json_obj.get("next")
        return {"next_request": {"url": nxt}} if nxt else None

    assert http.get_df(f"{server.url}/a", paginator=paginator,
                       record_path=["data"])["x"].tolist() == [1, 2]


# --- cache modes, TTL, offline -----------------------------------------------------------

def test_read_only_mode_reads_entries_and_writes_none(server, cache_dir, monkeypatch) -> None:
    server.route("/users", body=USERS)
    http.prime_cache(f"{server.url}/cached", {"from": "cache"})
    monkeypatch.setenv("FF_HTTP_CACHE_MODE", "ro")
    assert http.get_json(f"{server.url}/cached") == {"from": "cache"}
    assert http.get_json(f"{server.url}/users") == USERS
    assert http.get_json(f"{server.url}/users") == USERS
    assert server.hits("/cached") == 0 and server.hits("/users") == 2
    assert len(entries(cache_dir)) == 1  # only the primed one


def test_off_mode_neither_reads_nor_writes(server, cache_dir, monkeypatch) -> None:
    server.route("/users", body=USERS)
    http.prime_cache(f"{server.url}/users", {"stale": True})
    monkeypatch.setenv("FF_HTTP_CACHE_MODE", "off")
    assert http.get_json(f"{server.url}/users") == USERS
    assert http.get_json(f"{server.url}/users") == USERS
    assert server.hits("/users") == 2
    assert len(entries(cache_dir)) == 1
    monkeypatch.setenv("FF_HTTP_OFFLINE", "1")
    with pytest.raises(OfflineCacheMiss, match="FF_HTTP_CACHE_MODE=off: the cache is not read"):
        http.get_json(f"{server.url}/users")


def test_offline_answers_hits_and_names_a_miss(server, cache_dir, monkeypatch) -> None:
    server.route("/users", body=USERS)
    http.get_json(f"{server.url}/users")  # warms the cache
    monkeypatch.setenv("FF_HTTP_OFFLINE", "true")
    with http_stats("users_from_api") as stats:
        assert http.get_df(f"{server.url}/users", record_path=["data"])["id"].tolist() == [1, 2]
        with pytest.raises(OfflineCacheMiss) as caught:
            http.get_json(f"{server.url}/users", params={"page": 2})
    assert server.hits("/users") == 1
    assert stats.as_dict()["used_offline"] is True and stats.cache_hits == 1
    text = str(caught.value)
    assert text.startswith(f"offline (FF_HTTP_OFFLINE=1): GET {server.url}/users?page=2 is not in the "
                           f"HTTP cache (no cached response in {cache_dir})")
    assert "fix: warm the cache: run once online with FF_HTTP_CACHE_MODE=rw" in text
    assert "node: users_from_api" in text
    assert isinstance(caught.value, ModelError)  # the executor reports it as it is


def test_ttl_expires_entries(server, cache_dir, monkeypatch) -> None:
    server.route("/users", body=USERS)
    http.get_json(f"{server.url}/users")
    meta_path = entries(cache_dir)[0]
    meta = json.loads(meta_path.read_text())
    meta["fetched_at"] -= 3600
    meta_path.write_text(json.dumps(meta))
    http.get_json(f"{server.url}/users")  # FF_HTTP_TTL=0: never too old
    assert server.hits("/users") == 1
    http.get_json(f"{server.url}/users", ttl=60)
    assert server.hits("/users") == 2  # refetched and rewritten
    monkeypatch.setenv("FF_HTTP_TTL", "60")
    http.get_json(f"{server.url}/users")
    assert server.hits("/users") == 2


def test_offline_names_an_expired_entry(server, cache_dir, monkeypatch) -> None:
    http.prime_cache(f"{server.url}/users", USERS)
    meta_path = entries(cache_dir)[0]
    meta = json.loads(meta_path.read_text())
    meta["fetched_at"] -= 3600
    meta_path.write_text(json.dumps(meta))
    monkeypatch.setenv("FF_HTTP_OFFLINE", "1")
    with pytest.raises(OfflineCacheMiss, match=r"is 3600 s old, older than the TTL of 60 s"):
        http.get_json(f"{server.url}/users", ttl=60)


def test_a_damaged_entry_is_a_miss_with_a_warning(server, cache_dir) -> None:
    server.route("/users", body=USERS)
    http.get_json(f"{server.url}/users")
    body = next(cache_dir.glob("*.body"))
    body.write_bytes(b'{"data": []}')
    with pytest.warns(CacheWarning, match="does not match its hash"):
        assert http.get_json(f"{server.url}/users") == USERS
    assert server.hits("/users") == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert http.get_json(f"{server.url}/users") == USERS  # rewritten whole


def test_only_successful_answers_are_cached(server, cache_dir) -> None:
    server.route("/missing", status=404, body={"error": "no such user"})
    with pytest.raises(HttpError) as caught:
        http.get_json(f"{server.url}/missing")
    assert f"GET {server.url}/missing answered HTTP 404 Not Found: " in str(caught.value)
    assert "fix: check the URL and its params" in str(caught.value)
    assert entries(cache_dir) == []


def test_a_relative_cache_dir_is_inside_the_project(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("FF_HTTP_CACHE_DIR", ".local/http-cache")
    settings = HttpSettings.from_environ(project_dir=tmp_path)
    assert settings.cache_dir == tmp_path / ".local" / "http-cache"
    monkeypatch.delenv("FF_HTTP_CACHE_DIR")
    with http_stats("n", project_dir=tmp_path):
        key = http.prime_cache("https://api.example.com/x", [1])
    assert key == "GET:https://api.example.com/x|{}|{}"
    assert len(list((tmp_path / ".fastflowtransform" / "http_cache").glob("*.body"))) == 1


# --- allowed hosts, retries, rate limit ---------------------------------------------------

def test_allowed_domains(server, monkeypatch) -> None:
    server.route("/users", body=USERS)
    monkeypatch.setenv("FF_HTTP_ALLOWED_DOMAINS", "example.com, 127.0.0.1")
    assert http.get_json(f"{server.url}/users") == USERS
    monkeypatch.setenv("FF_HTTP_ALLOWED_DOMAINS", "https://example.com/,*.example.org")
    with pytest.raises(DomainNotAllowed) as caught:
        http.get_json(f"{server.url}/users", params={"again": 1})
    assert str(caught.value).startswith(
        f"GET {server.url}/users?again=1: host 127.0.0.1 is not in FF_HTTP_ALLOWED_DOMAINS "
        "(example.com,example.org)")
    assert "fix: add 127.0.0.1 to FF_HTTP_ALLOWED_DOMAINS" in str(caught.value)
    assert server.hits("/users") == 1


def test_a_redirect_to_a_host_not_allowed_is_refused(server, monkeypatch) -> None:
    port = server.url.rsplit(":", 1)[1]
    server.route("/hop", status=302, body="", headers={"Location": f"http://localhost:{port}/users"})
    server.route("/users", body=USERS)
    monkeypatch.setenv("FF_HTTP_ALLOWED_DOMAINS", f"127.0.0.1:{port}")
    with pytest.raises(DomainNotAllowed, match="host localhost is not in"):
        http.get_json(f"{server.url}/hop")
    assert server.hits("/users") == 0


def test_retries_after_503_then_succeeds(server, monkeypatch) -> None:
    answers = iter([(503, "busy", {"Retry-After": "0"}), (502, "bad gateway"), (200, USERS)])
    server.routes["/flaky"] = lambda r: next(answers)
    monkeypatch.setenv("FF_HTTP_MAX_RETRIES", "2")
    assert http.get_json(f"{server.url}/flaky") == USERS
    assert server.hits("/flaky") == 3


def test_gives_up_after_max_retries(server, monkeypatch) -> None:
    server.route("/down", status=500, body="boom")
    monkeypatch.setenv("FF_HTTP_MAX_RETRIES", "1")
    with pytest.raises(HttpError, match=r"answered HTTP 500 Internal Server Error after 2 "
                                        r"attempts: boom"):
        http.get_json(f"{server.url}/down")
    assert server.hits("/down") == 2


def test_a_connection_error_is_retried_then_named(cache_dir, monkeypatch) -> None:
    with http_server.serve() as gone:
        url = f"{gone.url}/users"
    monkeypatch.setenv("FF_HTTP_MAX_RETRIES", "2")
    with pytest.raises(HttpError) as caught:
        http.get_json(url)
    text = str(caught.value)
    assert text.startswith(f"GET {url} failed (3 attempts, FF_HTTP_MAX_RETRIES=2): ConnectError")
    assert "then run with FF_HTTP_OFFLINE=1 (fft run --offline)" in text


def test_a_timeout_is_named(server, monkeypatch) -> None:
    def slow(_):
        time.sleep(0.5)
        return 200, USERS

    server.routes["/slow"] = slow
    monkeypatch.setenv("FF_HTTP_MAX_RETRIES", "0")
    with pytest.raises(HttpError, match=r"timed out after 0.1 s \(1 attempt, "
                                        r"FF_HTTP_MAX_RETRIES=0\)"):
        http.get_json(f"{server.url}/slow", timeout=0.1)


def test_the_rate_limit_spaces_requests(server, monkeypatch) -> None:
    server.routes["/n"] = lambda r: (200, {"n": r.arg("n")})
    monkeypatch.setenv("FF_HTTP_MAX_RPS", "20")  # the 0.6 examples' name
    started = time.monotonic()
    for n in range(5):
        http.get_json(f"{server.url}/n", params={"n": n})
    assert time.monotonic() - started >= 0.19  # 4 gaps of 1/20 s
    assert HttpSettings.from_environ({"FF_HTTP_RATE_LIMIT_RPS": "2",
                                      "FF_HTTP_MAX_RPS": "9"}).rate_limit_rps == 2


# --- secrets ------------------------------------------------------------------------------

def test_secrets_never_reach_the_cache_or_the_telemetry(server, cache_dir) -> None:
    token, api_key, password = "tok-Zq81xYw", "key-Pp90aBc", "pw-Lm27nQs"
    server.route("/me", body={"id": 1}, headers={"Set-Cookie": f"session={token}"})
    port = server.url.rsplit(":", 1)[1]
    http.get_json(f"http://user:{password}@127.0.0.1:{port}/me")
    url = f"{server.url}/me?api_key={api_key}"
    with http_stats("me") as stats:
        http.get_json(url, params={"access_token": token, "page": 1},
                      headers={"Authorization": f"Bearer {token}", "X-Api-Key": api_key,
                               "Accept": "application/json"})
    assert server.log[1].headers["authorization"] == f"Bearer {token}"  # it was sent
    assert server.log[1].query["api_key"] == [api_key]
    stored = "".join(p.read_text(errors="replace") for p in cache_dir.iterdir())
    shown = json.dumps(stats.as_dict())
    for secret in (token, api_key, password):
        assert secret not in stored and secret not in shown
    metas = {m["url"]: m for m in (json.loads(p.read_text()) for p in entries(cache_dir))}
    assert set(metas) == {f"http://user:***@127.0.0.1:{port}/me",
                          f"{server.url}/me?api_key=***"}
    meta = metas[f"{server.url}/me?api_key=***"]
    assert meta["key"] == (f'GET:{server.url}/me?api_key=***|{{"access_token":"***","page":1}}|'
                           '{"accept":"application/json","authorization":"***","x-api-key":"***"}')
    assert set(meta["headers"]) == {"content-type", "date"}  # no Set-Cookie
    assert stats.keys == [meta["key"]]


def test_a_request_differing_only_in_its_token_shares_the_entry(server) -> None:
    server.route("/me", body={"id": 1})
    http.get_json(f"{server.url}/me", headers={"Authorization": "Bearer first-token-1"})
    http.get_json(f"{server.url}/me", headers={"Authorization": "Bearer second-token-2"})
    assert server.hits("/me") == 1
    assert http.cache_key(f"{server.url}/me", headers={"authorization": "x"}) == \
        f'GET:{server.url}/me|{{}}|{{"authorization":"***"}}'


def test_errors_mask_the_secrets_of_the_request(server) -> None:
    server.route("/me", status=401, body="bad token")
    with pytest.raises(HttpError) as caught:
        http.get_json(f"{server.url}/me?token=tok-Hh55jKl",
                      headers={"Authorization": "Bearer tok-Hh55jKl"})
    assert "tok-Hh55jKl" not in str(caught.value)
    assert f"GET {server.url}/me?token=*** answered HTTP 401 Unauthorized" in str(caught.value)
    assert "fix: check the credentials passed in headers=" in str(caught.value)


# --- errors point at the model --------------------------------------------------------------

def test_an_error_names_the_model_file_line_and_node(tmp_path, cache_dir, monkeypatch) -> None:
    root = tmp_path / "proj"
    (root / "models").mkdir(parents=True)
    (root / "project.yml").write_text("name: proj\n")
    model = root / "models" / "api.ff.py"
    model.write_text("from pytest_fft.api.http import get_json\n\n"
                     "def fetch():\n"
                     "    return get_json('https://api.example.com/users')\n")
    namespace: dict = {}
    exec(compile(model.read_text(), str(model), "exec"), namespace)
    monkeypatch.setenv("FF_HTTP_OFFLINE", "1")
    with http_stats("api_users"), pytest.raises(OfflineCacheMiss) as caught:
        namespace["fetch"]()
    error = caught.value
    assert (error.file, error.line, error.node) == ("models/api.ff.py", 4, "api_users")
    assert "  at models/api.ff.py:4\n  node: api_users\n  fix: warm the cache" in str(error)
    assert str(root / ".local") not in str(error)


# --- settings --------------------------------------------------------------------------------

def test_settings_defaults_and_bad_values(tmp_path) -> None:
    settings = HttpSettings.from_environ({}, project_dir=tmp_path)
    assert (settings.offline, settings.cache_mode, settings.ttl, settings.timeout,
            settings.max_retries, settings.rate_limit_rps, settings.allowed_domains) == \
        (False, "rw", 0, 20.0, 3, 0.0, ())
    assert settings.cache_dir == tmp_path / ".fastflowtransform" / "http_cache"
    with pytest.raises(HttpSettingsError) as caught:
        HttpSettings.from_environ({"FF_HTTP_CACHE_MODE": "readwrite"})
    assert str(caught.value) == ("FF_HTTP_CACHE_MODE 'readwrite' is not a cache mode\n"
                                 "  fix: use rw (read and write, the default), ro (read only) "
                                 "or off: FF_HTTP_CACHE_MODE rw")
    with pytest.raises(HttpSettingsError, match=r"FF_HTTP_MAX_RETRIES='2.5' is not a whole "
                                                r"number \(0 or more\)"):
        HttpSettings.from_environ({"FF_HTTP_MAX_RETRIES": "2.5"})
    with pytest.raises(HttpSettingsError, match=r"FF_HTTP_TIMEOUT='0' is not a number "
                                                r"\(above 0\)"):
        HttpSettings.from_environ({"FF_HTTP_TIMEOUT": "0"})
    with pytest.raises(HttpSettingsError, match="FF_HTTP_OFFLINE='maybe' is neither on nor off"):
        HttpSettings.from_environ({"FF_HTTP_OFFLINE": "maybe"})


def test_cli_environment_and_fingerprint_neutral_names() -> None:
    assert cli_environment(offline=True, cache_mode="RO") == {"FF_HTTP_OFFLINE": "1",
                                                              "FF_HTTP_CACHE_MODE": "ro"}
    assert cli_environment() == {}
    with pytest.raises(HttpSettingsError, match="--http-cache 'wo' is not a cache mode"):
        cli_environment(cache_mode="wo")
    assert {"FF_HTTP_OFFLINE", "FF_HTTP_CACHE_MODE", "FF_HTTP_ALLOWED_DOMAINS"} <= FINGERPRINT_NEUTRAL
    assert "FFT_HTTP_BACKOFF" not in FINGERPRINT_NEUTRAL


def test_telemetry_is_per_context(server) -> None:
    server.route("/users", body=USERS)
    with http_stats("outer") as outer:
        http.get_json(f"{server.url}/users")
        with http_stats("inner") as inner:
            http.get_json(f"{server.url}/users")
    http.get_json(f"{server.url}/users")  # outside any node: counted nowhere
    assert (outer.requests, outer.cache_hits, inner.requests, inner.cache_hits) == (1, 0, 1, 1)
    assert outer.used and inner.used
    with http_stats("idle") as idle:
        pass
    assert not idle.used and idle.as_dict()["requests"] == 0


def test_without_httpx_the_first_request_says_which_extra_to_install(
        server, monkeypatch) -> None:
    import sys

    server.route("/users", body=USERS)
    monkeypatch.setitem(sys.modules, "httpx", None)  # as if the extra were not installed
    with pytest.raises(HttpError) as caught:
        http.get_json(f"{server.url}/users")
    assert str(caught.value).startswith(
        f"GET {server.url}/users: the HTTP helpers need httpx, which is not installed")
    assert "fix: pip install 'pytest-fft[http]'" in str(caught.value)
    assert server.hits("/users") == 0
