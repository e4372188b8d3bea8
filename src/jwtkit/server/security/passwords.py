"""Passwords: argon2id at no less than OWASP's parameters, hashed off the event loop.

Hashing costs ~19 MiB and tens of milliseconds of CPU, so it runs on a pool of its own with
one thread per CPU (argon2's C code releases the GIL): a burst of logins queues for the
hasher instead of starving the event loop or exhausting memory, and once
``JWTKIT_PASSWORD_HASHING_QUEUE`` wait, the next is refused with 503 at once. The pool's
threads live as long as the server and, on Linux, run at a lower CPU priority (nice is per
thread there): when the cores are busy the event loop, answering introspections and
refreshes in a millisecond or two, goes before the next 20 ms of hashing; and the memory
argon2 takes is reused by the same few threads instead of being kept by every short-lived
worker thread that ever hashed (glibc keeps a freed 19 MiB block in the thread's arena).
An unknown user is checked against a dummy hash of the same parameters, so it costs the
same time and gets the same answer as a wrong password.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ..errors import TemporarilyUnavailableError

__all__ = ["MAX_PASSWORD_LENGTH", "MIN_PASSWORD_LENGTH", "PasswordHashing", "password_problem"]

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
#: How much less CPU priority the hashing threads have than the event loop (nice +10: about
#: a tenth of the other thread's CPU share when both want the same core).
HASHING_NICENESS = 10


def password_problem(password: str) -> str | None:
    """Why ``password`` is refused before any hashing, or None if it may be hashed."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"the password must be at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"the password must be at most {MAX_PASSWORD_LENGTH} characters"
    return None


class PasswordHashing:
    """argon2id hashing and verification, run in a bounded pool of worker threads."""

    def __init__(
        self, *, memory_kib: int, time_cost: int, parallelism: int, max_waiting: int = 256
    ) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID
        )
        self._threads = ThreadPoolExecutor(
            max_workers=max(1, os.cpu_count() or 1),
            thread_name_prefix="jwtkit-password-hashing",
            initializer=_lower_this_threads_priority,
        )
        self._dummy_hash: str | None = None
        self._max_waiting = max_waiting
        self._waiting = 0

    async def hash(self, password: str) -> str:
        hashed: str = await self._in_turn(self._hasher.hash, password)
        return hashed

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """True if ``password`` matches; with ``password_hash=None`` (no such user) the same
        work is done against a dummy hash and the answer is False."""
        if password_hash is None:
            if self._dummy_hash is None:
                self._dummy_hash = await self.hash("jwtkit dummy password for unknown users")
            await self._in_turn(self._verify_quietly, self._dummy_hash, password)
            return False
        verified: bool = await self._in_turn(self._verify_quietly, password_hash, password)
        return verified

    async def _in_turn(self, work: Callable[..., Any], *args: Any) -> Any:
        """Run ``work`` on the hasher's threads; refuse at once when too many already wait
        (a flood of logins gets 503 and Retry-After, not a queue that grows without end while
        its clients give up, and memory and latency grow with it)."""
        if self._waiting >= self._max_waiting:
            raise TemporarilyUnavailableError("Too many logins at once; try again shortly")
        self._waiting += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._threads, functools.partial(work, *args))
        finally:
            self._waiting -= 1

    def close(self) -> None:
        """Stop the hashing threads once the checks in progress are done."""
        self._threads.shutdown(wait=False, cancel_futures=True)

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with other parameters than today's."""
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True

    def _verify_quietly(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


def _lower_this_threads_priority() -> None:
    if sys.platform.startswith("linux"):  # elsewhere nice is per process: leave it alone
        with contextlib.suppress(OSError):
            thread = threading.get_native_id()
            niceness = os.getpriority(os.PRIO_PROCESS, thread) + HASHING_NICENESS
            os.setpriority(os.PRIO_PROCESS, thread, min(niceness, 19))
