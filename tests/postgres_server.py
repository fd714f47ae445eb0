"""A throw-away PostgreSQL server for the test suite, on 127.0.0.1.

The suite starts its own server from the machine's PostgreSQL binaries (Debian's
``postgresql`` package, which ``scripts/install-dev`` installs): ``initdb`` into a temporary
folder, ``pg_ctl start`` on a free port, ``pg_ctl stop`` at the end. PostgreSQL refuses to run
as root, so as root both run as the ``postgres`` user (``runuser``). The server trades
durability for speed (``fsync=off``): it lives as long as one test run.

``FFT_TEST_PG_DSN`` points the suite at a server of your own instead (a database it may
create and drop schemas in).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

INSTALL_HINT = "install PostgreSQL with `scripts/install-dev` (Debian's postgresql package)"


class NoPostgres(Exception):
    """No PostgreSQL binaries on this machine: the reason, with how to install them."""


@dataclass
class PostgresServer:
    dsn: str  # postgresql://user@127.0.0.1:port/db, no password (trust on loopback)
    _data: Path | None = None
    _run_as: list[str] | None = None
    _pg_ctl: str | None = None

    def stop(self) -> None:
        if self._data is None or self._pg_ctl is None:
            return
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            subprocess.run([*(self._run_as or []), self._pg_ctl, "stop", "-D", str(self._data),
                            "-m", "immediate", "-w"], capture_output=True, timeout=60,
                           check=False)
        shutil.rmtree(self._data.parent, ignore_errors=True)


def bin_dir() -> Path:
    """The folder of ``initdb`` and ``pg_ctl``: ``FFT_TEST_PG_BINDIR``, the PATH, or Debian's
    ``/usr/lib/postgresql/<version>/bin`` (the newest)."""
    given = os.environ.get("FFT_TEST_PG_BINDIR")
    if given:
        return Path(given)
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                      key=lambda p: int(Path(p).parent.parent.name.split(".")[0]))
    if versions:
        return Path(versions[-1]).parent
    raise NoPostgres(f"PostgreSQL is not installed (no initdb found): {INSTALL_HINT}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start() -> PostgresServer:
    """A new server, or the one ``FFT_TEST_PG_DSN`` names."""
    given = os.environ.get("FFT_TEST_PG_DSN")
    if given:
        return PostgresServer(dsn=given)
    bins = bin_dir()
    initdb, pg_ctl = str(bins / "initdb"), str(bins / "pg_ctl")
    root = os.geteuid() == 0
    run_as = ["runuser", "-u", "postgres", "--"] if root else []
    user = "postgres" if root else os.environ.get("USER") or "postgres"
    top = Path(tempfile.mkdtemp(prefix="fft-pg-"))
    data = top / "data"
    if root:
        shutil.chown(top, "postgres", "postgres")
    port = _free_port()
    try:
        subprocess.run([*run_as, initdb, "-D", str(data), "-U", user, "--auth=trust",
                        "--no-sync", "-E", "UTF8", "--locale=C"],
                       capture_output=True, text=True, check=True, timeout=120)
        options = (f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={top} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                   "-c max_connections=200")
        subprocess.run([*run_as, pg_ctl, "start", "-D", str(data), "-w", "-t", "60",
                        "-l", str(top / "server.log"), "-o", options],
                       capture_output=True, text=True, check=True, timeout=120)
    except subprocess.CalledProcessError as exc:
        log = top / "server.log"
        detail = (exc.stderr or exc.stdout or "").strip()
        if log.exists():
            detail += "\n" + log.read_text(errors="replace")[-2000:]
        shutil.rmtree(top, ignore_errors=True)
        raise RuntimeError(f"cannot start PostgreSQL ({exc.cmd[len(run_as)]}): {detail}") from exc
    server = PostgresServer(dsn=f"postgresql://{user}@127.0.0.1:{port}/postgres", _data=data,
                            _run_as=run_as, _pg_ctl=pg_ctl)
    _wait_ready(server.dsn)
    return server


def _wait_ready(dsn: str, seconds: float = 30) -> None:
    import psycopg

    deadline = time.monotonic() + seconds
    while True:
        try:
            psycopg.connect(dsn, connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
