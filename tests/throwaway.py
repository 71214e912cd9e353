"""A throwaway PostgreSQL for tests, from Debian's package in a temporary folder (initdb +
pg_ctl). It yields None with the reason when it cannot run, so a test skips saying why instead of
failing on a machine without the package. free_port is conftest's, passed on for the same tests.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from conftest import free_port

__all__ = ["free_port", "postgres"]


def postgres_bin() -> Path | None:
    """The folder of initdb and pg_ctl: on PATH, else Debian's /usr/lib/postgresql/<version>/bin."""
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(versions[-1]).parent if versions else None


def _as_postgres(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run it as the package's postgres user then."""
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--", *cmd]


@contextmanager
def postgres() -> Iterator[tuple[str | None, str]]:
    """Start PostgreSQL in a fresh temporary folder (its own, so that the postgres user can reach it);
    yields (SQLAlchemy URL, '') or (None, why it cannot run). Stopped and removed after."""
    tmp = Path(tempfile.mkdtemp(prefix="minsheng-pg-"))
    try:
        with _postgres(tmp) as started:
            yield started
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def _postgres(tmp: Path) -> Iterator[tuple[str | None, str]]:
    bin_dir = postgres_bin()
    if bin_dir is None:
        yield None, "PostgreSQL is not installed (apt-get install postgresql; ./run.sh test installs it as root)"
        return
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            yield None, "running as root without the postgres user that Debian's package creates"
            return
    data = tmp / "pgdata"
    data.mkdir()
    if os.geteuid() == 0:
        for folder in (tmp, data):
            os.chown(folder, user.pw_uid, user.pw_gid)
    port = free_port()
    init = subprocess.run(
        _as_postgres([str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "minsheng", "-E", "UTF8"]),
        capture_output=True,
        text=True,
    )
    if init.returncode != 0:
        yield None, f"initdb failed: {init.stderr.strip()[-300:]}"
        return
    options = f"-p {port} -k {data} -h 127.0.0.1 -c fsync=on"
    start = subprocess.run(
        _as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(data / "log"), "-w", "start"]),
        capture_output=True,
        text=True,
    )
    if start.returncode != 0:
        yield None, f"pg_ctl start failed: {start.stderr.strip()[-300:]}"
        return
    try:
        yield f"postgresql+psycopg://minsheng@127.0.0.1:{port}/postgres", ""
    finally:
        subprocess.run(
            _as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]), capture_output=True
        )
