"""Real unoserver processes on loopback, for the remote converter's tests and benchmark.

unoserver's server imports ``uno``, which only Debian's Python has (python3-uno); the unoserver
package is in boardpack's environment. Each server runs under the Python that imports uno, with a
folder holding links to nothing but the unoserver package (and its metadata, which it reads for its
version) put on its path, its own LibreOffice profile and ports, in a process group of its own so
that ``stop()`` kills it and its LibreOffice together.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import socket
import subprocess
import time
import xmlrpc.client
from pathlib import Path

from boardpack.convert.warm import find_uno_python

LAUNCH = "import sys; sys.path.insert(0, sys.argv.pop(1)); from unoserver.server import main; sys.exit(main())"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def unoserver_only(folder: Path) -> Path:
    """A folder holding links to the unoserver package and its metadata, and nothing else."""
    package = Path(importlib.util.find_spec("unoserver").submodule_search_locations[0])
    folder.mkdir(parents=True, exist_ok=True)
    for source in [package, *package.parent.glob("unoserver-*.dist-info")]:
        link = folder / source.name
        if not link.exists():
            link.symlink_to(source)
    return folder


class Unoserver:
    """One unoserver and its LibreOffice, started by ``start()``, killed by ``stop()``."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port, self.uno_port = free_port(), free_port()
        self.url = f"unoserver://127.0.0.1:{self.port}"
        self.log = folder / "unoserver.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> Unoserver:
        python = find_uno_python()
        if python is None:
            raise RuntimeError("no Python that imports uno: sudo apt-get install -y python3-uno")
        path = unoserver_only(self.folder / "path")
        command = [python, "-c", LAUNCH, str(path), "--interface", "127.0.0.1", "--port", str(self.port)]
        command += ["--uno-port", str(self.uno_port), "--user-installation", str(self.folder / "profile")]
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True, cwd=self.folder
            )
        return self

    def wait_ready(self, seconds: float = 120) -> None:
        """Return once the server answers info(); raise (after stopping it) if it does not."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            with contextlib.suppress(OSError, xmlrpc.client.Error):
                xmlrpc.client.ServerProxy(f"http://127.0.0.1:{self.port}").info()
                return
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"unoserver on port {self.port} did not start:\n{self.log.read_text(errors='replace')}")

    def exports(self) -> int:
        """How many documents it has converted (unoserver logs "Exporting to" for each)."""
        return self.log.read_text(errors="replace").count("Exporting to")

    def stop(self) -> None:
        """Kill the server and its LibreOffice (its whole process group), and reap the server."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        deadline = time.monotonic() + 30  # LibreOffice, killed too, may take a moment to be gone
        while self.running() and time.monotonic() < deadline:
            time.sleep(0.1)

    def running(self) -> bool:
        """Whether any process of its group is left (a zombie, dead and waiting to be reaped, is not)."""
        if self.proc is None:
            return False
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError):
                fields = stat.read_text().rsplit(") ", 1)[1].split()
                if int(fields[2]) == self.proc.pid and fields[0] != "Z":
                    return True
        return False


def start_servers(root: Path, count: int) -> list[Unoserver]:
    """Start *count* unoservers at once and wait until each answers; on any failure, stop them all."""
    servers = [Unoserver(root / f"unoserver-{n}") for n in range(count)]
    try:
        for server in servers:
            server.start()
        for server in servers:
            server.wait_ready()
    except BaseException:
        stop_servers(servers)
        raise
    return servers


def stop_servers(servers: list[Unoserver]) -> None:
    for server in servers:
        server.stop()
