"""The one SparkSession of a process: started when an engine first needs it, stopped at exit.

A local session (``master: local[*]``) binds to 127.0.0.1 and shows no web UI. Its tables
outlive the process: they are managed tables under the profile's ``warehouse_dir``, and the
catalog that names them is a Hive metastore in an embedded Derby database next to it
(``<warehouse_dir>_metastore``), unless the profile says ``use_hive_metastore: false`` (the
in-memory catalog: what a run builds is gone when the process ends). A Spark Connect
``remote`` (``sc://host:15002``) reaches a cluster instead; the cluster keeps the catalog.

The JVM of a local session writes its output and Spark's log (errors only) to ``spark.log``
beside the warehouse (:func:`log_path`), never to the terminal.

Spark takes its settings when the session starts: the first engine of a process decides
them, and later engines of the same process share that session (a unit case on a build's
session, a second profile of the same run).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_LOG_CONFIG = Path(__file__).with_name("spark_log4j2.properties")
_LOCK = threading.Lock()
# The process's sessions: one local (key None), and one per Spark Connect remote.
_SESSIONS: dict[str | None, tuple[Any, SessionSettings]] = {}


@dataclass(frozen=True)
class SessionSettings:
    """What a SparkSession is started with (from a ``databricks_spark`` profile)."""

    master: str = "local[*]"
    app_name: str = "pytest-fft"
    remote: str | None = None  # Spark Connect: sc://host:port
    warehouse_dir: str | None = None
    hive: bool = False
    conf: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # extra_conf, as given

    @property
    def local(self) -> bool:
        return self.remote is None and self.master.startswith("local")


def session(settings: SessionSettings) -> Any:
    """The process's SparkSession for ``settings``: its local one, or the one of its Spark
    Connect ``remote``; started with ``settings`` when there is none yet."""
    with _LOCK:
        found = _SESSIONS.get(settings.remote)
        if found is None:
            if not _SESSIONS:
                atexit.register(stop)
            found = _SESSIONS[settings.remote] = (_started(settings), settings)
        return found[0]


def _started(settings: SessionSettings) -> Any:
    """:func:`_start`, its failure as one error saying where and what to check."""
    from pytest_fft.errors import ProfileError

    if (settings.remote is not None and None in _SESSIONS) or (
            settings.remote is None and any(key is not None for key in _SESSIONS)):
        raise ProfileError(
            "one process cannot have a local Spark session and a Spark Connect session at "
            "once", hint="run the projects of the two profiles in separate commands")
    try:
        return _start(settings)
    except Exception as exc:
        text = str(exc).strip().splitlines()
        where = (f"Spark Connect at {settings.remote}" if settings.remote is not None
                 else f"a local Spark session ({settings.master})")
        hint = ("is the Spark Connect server running and reachable at that address?"
                if settings.remote is not None else
                f"is Java 17 or newer installed (java -version)? Spark's own output is in "
                f"{log_path(settings)}")
        raise ProfileError(f"could not start {where}: {text[0] if text else type(exc).__name__}",
                           hint=hint) from exc


def active_settings(remote: str | None = None) -> SessionSettings | None:
    """The settings the running local session (or that of ``remote``) was started with."""
    found = _SESSIONS.get(remote)
    return found[1] if found is not None else None


def stop() -> None:
    """Stop the process's sessions (at exit, or a test that needs fresh ones)."""
    with _LOCK:
        sessions = [spark for spark, _ in _SESSIONS.values()]
        _SESSIONS.clear()
    for spark in sessions:
        with contextlib.suppress(Exception):  # a JVM already gone at exit
            spark.stop()


# The loggers through which PySpark reports an error's query context (the JVM's stack trace
# in JSON) as it raises it, to stderr unless told otherwise.
_CONTEXT_LOGGERS = ("SQLQueryContextLogger", "DataFrameQueryContextLogger")


def _quiet_context_loggers(log: Path) -> None:
    """PySpark's query-context loggers write to ``log`` instead of the terminal: the engine
    reports each error itself (its message and line), the stack trace stays in the log."""
    import logging

    try:
        from pyspark.logger import PySparkLogger
    except ImportError:  # a PySpark without them
        return
    for name in _CONTEXT_LOGGERS:
        logger = PySparkLogger.getLogger(name)
        if any(getattr(h, "_fft_log", False) for h in logger.handlers):
            continue
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
        handler = logging.FileHandler(log, delay=True)
        handler._fft_log = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
        logger.propagate = False


def _start(settings: SessionSettings) -> Any:
    from pyspark.sql import SparkSession

    _quiet_context_loggers(log_path(settings))

    conf = dict(settings.conf)
    if settings.remote is not None:
        builder = SparkSession.builder.remote(settings.remote).appName(settings.app_name)
        for key, value in conf.items():
            builder = builder.config(key, value)
        return builder.getOrCreate()
    if settings.local:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark import SparkConf, SparkContext
    from pyspark.java_gateway import launch_gateway

    spark_conf = SparkConf().setMaster(settings.master).setAppName(settings.app_name)
    spark_conf.setAll(list({**_defaults(settings), **conf}.items()))
    # The JVM's own output (its warnings, Spark's log) goes to a file, not the terminal:
    # pytest-fft reports every failure itself.
    log = log_path(settings)
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        gateway = launch_gateway(spark_conf, popen_kwargs={"stdout": out, "stderr": out})
    context = SparkContext(conf=spark_conf, gateway=gateway)
    return SparkSession(context)


def log_path(settings: SessionSettings) -> Path:
    """Where a local session's JVM writes its output: ``spark.log`` beside the warehouse,
    else in the temporary folder."""
    if settings.warehouse_dir is not None:
        return Path(settings.warehouse_dir).parent / "spark.log"
    import tempfile

    return Path(tempfile.gettempdir()) / f"pytest-fft-spark-{os.getpid()}.log"


def _defaults(settings: SessionSettings) -> dict[str, str]:
    """The settings pytest-fft gives a session unless ``extra_conf`` says otherwise."""
    out = {
        # Small data, few cores: Spark's 200 shuffle partitions would be 200 tasks a join.
        "spark.sql.shuffle.partitions": str(max(2, os.cpu_count() or 2)),
        "spark.sql.session.timeZone": "UTC",
        # Timestamps without a time zone, as DuckDB and PostgreSQL keep them.
        "spark.sql.timestampType": "TIMESTAMP_NTZ",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.sql.sources.partitionOverwriteMode": "dynamic",
    }
    java_options = [f"-Dlog4j2.configurationFile={_LOG_CONFIG}"]
    if settings.local:
        out.update({"spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false",
                    "spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1"})
    if settings.warehouse_dir is not None:
        warehouse = Path(settings.warehouse_dir)
        out["spark.sql.warehouse.dir"] = str(warehouse)
        if settings.hive:
            metastore = warehouse.with_name(warehouse.name + "_metastore")
            out["spark.hadoop.javax.jdo.option.ConnectionURL"] = (
                f"jdbc:derby:;databaseName={metastore};create=true")
            java_options += [f"-Dderby.system.home={warehouse.parent}",
                             f"-Dderby.stream.error.file={warehouse.parent / 'derby.log'}"]
    out["spark.driver.extraJavaOptions"] = " ".join(java_options)
    out["spark.sql.catalogImplementation"] = "hive" if settings.hive else "in-memory"
    return out
