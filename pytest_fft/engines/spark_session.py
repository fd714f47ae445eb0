"""The one SparkSession of a process: started when an engine first needs it, stopped at exit.

A local session (``master: local[*]``) binds to 127.0.0.1 and shows no web UI. Its tables
outlive the process: they are managed tables under the profile's ``warehouse_dir``, and the
catalog that names them is a Hive metastore in an embedded Derby database next to it
(``<warehouse_dir>_metastore``), unless the profile says ``use_hive_metastore: false`` (the
in-memory catalog: what a run builds is gone when the process ends). A Spark Connect
``remote`` (``sc://host:15002``) reaches a cluster instead; the cluster keeps the catalog.

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
_SESSION: Any = None
_SETTINGS: SessionSettings | None = None


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
    """The process's SparkSession, started with ``settings`` when there is none yet."""
    global _SESSION, _SETTINGS
    with _LOCK:
        if _SESSION is None:
            _SESSION = _start(settings)
            _SETTINGS = settings
            atexit.register(stop)
        return _SESSION


def active_settings() -> SessionSettings | None:
    """The settings the running session was started with (None: no session)."""
    return _SETTINGS


def stop() -> None:
    """Stop the process's session, if any (at exit, or a test that needs a fresh one)."""
    global _SESSION, _SETTINGS
    with _LOCK:
        spark, _SESSION, _SETTINGS = _SESSION, None, None
    if spark is not None:
        with contextlib.suppress(Exception):  # a JVM already gone at exit: nothing left to stop
            spark.stop()


def _start(settings: SessionSettings) -> Any:
    from pyspark.sql import SparkSession

    conf = dict(settings.conf)
    if settings.remote is not None:
        builder = SparkSession.builder.remote(settings.remote).appName(settings.app_name)
        for key, value in conf.items():
            builder = builder.config(key, value)
        return builder.getOrCreate()
    if settings.local:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    defaults = _defaults(settings)
    builder = SparkSession.builder.master(settings.master).appName(settings.app_name)
    for key, value in {**defaults, **conf}.items():
        builder = builder.config(key, value)
    if settings.hive:
        builder = builder.enableHiveSupport()
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


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
    if not settings.hive:
        out["spark.sql.catalogImplementation"] = "in-memory"
    return out
