"""Real server processes on 127.0.0.1 for the end-to-end tests: start, wait, stop.

Every wait is a bounded loop (about 30 s at most); a process that does not come up fails
the test with the end of its output.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes], tries: int = 300) -> None:
    for _ in range(tries):  # 0.1 s apart
        if process.poll() is not None:
            break
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    output = process.communicate(timeout=10)[0].decode(errors="replace")
    pytest.fail(f"{url} did not come up:\n{output[-3000:]}")


@contextmanager
def running(
    arguments: Sequence[str], environment: Mapping[str, str], ready_url: str
) -> Iterator[subprocess.Popen[bytes]]:
    """``python -m <arguments>`` with ``environment`` added, until the block ends."""
    process = subprocess.Popen(
        [sys.executable, "-m", *arguments],
        env={**os.environ, **environment},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_up(ready_url, process)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
