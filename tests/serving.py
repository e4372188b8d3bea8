"""Real processes on loopback for end-to-end tests: ``jwtkit serve`` (and any other command).

A process gets a free port on 127.0.0.1, its own working directory and environment; the
helper waits (bounded) until it answers, and always terminates it, killing it if it does
not stop in time. Its output goes to a file that the failing test's message includes.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

__all__ = ["ServerProcess", "free_port", "jwtkit_command", "run_process", "serve_jwtkit"]

STARTUP_SECONDS = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def jwtkit_command() -> list[str]:
    """The installed ``jwtkit`` console script of the interpreter running the tests."""
    return [sys.executable, "-m", "jwtkit.cli"]


@dataclass
class ServerProcess:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def signal(self, number: int) -> None:
        self.process.send_signal(number)


@contextmanager
def run_process(
    command: Sequence[str],
    *,
    url: str,
    ready_path: str = "/healthz",
    cwd: Path,
    env: Mapping[str, str] | None = None,
) -> Iterator[ServerProcess]:
    """Start ``command``, wait until ``url + ready_path`` answers 2xx, stop it afterwards."""
    log = cwd / f"process-{int(time.time() * 1000)}.log"
    environment = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            list(command), cwd=cwd, env=environment, stdout=sink, stderr=subprocess.STDOUT
        )
    running = ServerProcess(process, url, log)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{command[0]} exited early:\n{running.output()}")
            try:
                if httpx.get(url + ready_path, timeout=1.0).is_success:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not start in time:\n{running.output()}")
            time.sleep(0.1)
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


@contextmanager
def serve_jwtkit(
    cwd: Path, *, env: Mapping[str, str] | None = None, args: Sequence[str] = ()
) -> Iterator[ServerProcess]:
    """``jwtkit serve`` on a free loopback port, in ``cwd`` (its SQLite file lands there)."""
    port = free_port()
    command = [*jwtkit_command(), "serve", "--host", "127.0.0.1", "--port", str(port), *args]
    with run_process(command, url=f"http://127.0.0.1:{port}", cwd=cwd, env=env) as running:
        yield running
