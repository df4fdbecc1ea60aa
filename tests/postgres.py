"""A throwaway PostgreSQL cluster on a loopback port, for the end-to-end loader test.

`initdb` and `pg_ctl` from PATH or Debian's /usr/lib/postgresql/<version>/bin; the cluster
lives in a temporary folder and is stopped and removed afterwards. PostgreSQL refuses to
run as root: as root, the server runs as the `postgres` user the Debian package creates.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

USER = "tap"
DATABASE = "warehouse"


def binaries() -> Path | None:
    """The folder holding initdb, pg_ctl and postgres, if any is installed."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(folder) / "initdb").exists():
            return Path(folder)
    return None


@dataclass(frozen=True)
class Cluster:
    port: int
    psql: str

    def connect(self, database: str) -> list[str]:
        return [self.psql, "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, "-d", database]

    def query(self, sql: str) -> list[list[str]]:
        """Rows as lists of text, through psql (no driver needed in the test venv)."""
        done = subprocess.run(
            [*self.connect(DATABASE), "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "PGTZ": "America/New_York"},  # a zone that is not UTC
        )
        if done.returncode != 0:
            raise RuntimeError(done.stderr)
        return [line.split("\t") for line in done.stdout.splitlines()]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def cluster(bin_dir: Path) -> Iterator[Cluster]:
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    folder = Path(tempfile.mkdtemp(prefix="tap-calinstances-pg-"))
    data, log = folder / "data", folder / "server.log"
    if as_root:
        shutil.chown(folder, "postgres")
    port = _free_port()
    ctl = str(bin_dir / "pg_ctl")
    try:
        subprocess.run(
            [*prefix, str(bin_dir / "initdb"), "-D", str(data), "-U", USER, "--auth=trust"],
            check=True,
            capture_output=True,
        )
        options = f"-p {port} -h 127.0.0.1 -k {folder} -c fsync=off"
        subprocess.run(
            [*prefix, ctl, "-D", str(data), "-l", str(log), "-o", options, "-w", "start"],
            check=True,
            capture_output=True,
        )
        made = Cluster(port, shutil.which("psql") or str(bin_dir / "psql"))
        create = [*made.connect("postgres"), "-c", f"create database {DATABASE}"]
        subprocess.run(create, check=True, capture_output=True)
        yield made
    finally:
        subprocess.run(
            [*prefix, ctl, "-D", str(data), "-m", "immediate", "stop"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)
