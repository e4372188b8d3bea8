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

__all__ = [
    "ServerProcess",
    "free_port",
    "jwtkit_command",
    "run_process",
    "run_processes",
    "serve_jwtkit",
    "serve_jwtkit_replicas",
    "stop",
]

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
def run_processes(
    commands: Sequence[tuple[Sequence[str], str]],
    *,
    ready_path: str = "/healthz",
    cwd: Path,
    env: Mapping[str, str] | None = None,
) -> Iterator[list[ServerProcess]]:
    """Start every ``(command, url)`` at once, wait until each ``url + ready_path`` answers 2xx,
    stop them all afterwards. Starting them together is the point when they race (migrations)."""
    environment = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    started: list[ServerProcess] = []
    try:
        for index, (command, url) in enumerate(commands):
            log = cwd / f"process-{int(time.time() * 1000)}-{index}.log"
            with log.open("wb") as sink:
                process = subprocess.Popen(
                    list(command), cwd=cwd, env=environment, stdout=sink, stderr=subprocess.STDOUT
                )
            started.append(ServerProcess(process, url, log))
        # Processes starting together share the machine's cores: more of them, more time.
        deadline = time.monotonic() + STARTUP_SECONDS * len(started)
        for running in started:
            wait_until_ready(running, ready_path, deadline)
        yield started
    finally:
        for running in started:
            stop(running.process)


def wait_until_ready(running: ServerProcess, ready_path: str, deadline: float) -> None:
    while True:
        if running.process.poll() is not None:
            raise RuntimeError(f"{running.url} exited early:\n{running.output()}")
        try:
            if httpx.get(running.url + ready_path, timeout=1.0).is_success:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{running.url} did not start in time:\n{running.output()}")
        time.sleep(0.1)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if it has not exited in time."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


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
    with run_processes([(command, url)], ready_path=ready_path, cwd=cwd, env=env) as (running,):
        yield running


def serve_command(port: int, args: Sequence[str] = ()) -> list[str]:
    return [*jwtkit_command(), "serve", "--host", "127.0.0.1", "--port", str(port), *args]


@contextmanager
def serve_jwtkit(
    cwd: Path, *, env: Mapping[str, str] | None = None, args: Sequence[str] = ()
) -> Iterator[ServerProcess]:
    """``jwtkit serve`` on a free loopback port, in ``cwd`` (its SQLite file lands there)."""
    port = free_port()
    with run_process(
        serve_command(port, args), url=f"http://127.0.0.1:{port}", cwd=cwd, env=env
    ) as running:
        yield running


@contextmanager
def serve_jwtkit_replicas(
    cwd: Path,
    count: int,
    *,
    env: Mapping[str, str] | None = None,
    args: Sequence[str] = (),
    ready_path: str = "/healthz",
) -> Iterator[list[ServerProcess]]:
    """``count`` replicas of ``jwtkit serve``, each on its own free port, started together."""
    ports = [free_port() for _ in range(count)]
    commands = [(serve_command(port, args), f"http://127.0.0.1:{port}") for port in ports]
    with run_processes(commands, ready_path=ready_path, cwd=cwd, env=env) as running:
        yield running
