"""Interleaved timing: every contender of a row is timed in turn, round after round.

A round times one short batch of calls per contender, in a shuffled order; the per-call time
of a contender is the median over all rounds. On a shared, noisy machine this keeps the
comparison fair: a burst of load hits one batch of each contender, not a whole contender.
"""

from __future__ import annotations

import gc
import math
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any


@dataclass
class Entry:
    """One contender in a row: a label and a zero-argument callable doing one operation."""

    label: str
    call: Callable[[], Any]
    samples: list[float] = field(default_factory=list)  # seconds per call, one per round
    number: int = 1  # calls per batch

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    def quartiles(self) -> tuple[float, float]:
        if len(self.samples) < 4:
            return self.median, self.median
        q1, _, q3 = statistics.quantiles(self.samples, n=4)
        return q1, q3


@dataclass
class Settings:
    """How long to measure a group: batches of about ``batch`` seconds; at least ``rounds``
    rounds and ``seconds`` (so that a burst of load from elsewhere, which can last a second
    or two, lands in a minority of the rounds); then until every contender's median is known
    to within ``precision`` (its estimated relative standard error), or ``max_seconds``."""

    batch: float = 0.005
    rounds: int = 31
    seconds: float = 4.0
    precision: float = 0.01
    max_seconds: float = 30.0
    max_rounds: int = 5001
    seed: int = 20261122


def relative_error(entry: Entry) -> float:
    """Standard error of the median over the median, estimated from the quartiles."""
    if len(entry.samples) < 8:
        return math.inf
    q1, q3 = entry.quartiles()
    spread = (q3 - q1) / 1.349  # the standard deviation, were the batches normal
    return 1.2533 * spread / math.sqrt(len(entry.samples)) / entry.median


def _time_batch(call: Callable[[], Any], number: int) -> float:
    counter = time.perf_counter
    start = counter()
    for _ in repeat(None, number):
        call()
    return (counter() - start) / number


_STEADY_CALLS = 16


def calibrate(entry: Entry, batch: float) -> None:
    """Choose calls-per-batch so that one batch takes about ``batch`` seconds."""
    entry.call()  # warm caches exactly as a long-running server would have them
    number = 1
    while True:
        elapsed = _time_batch(entry.call, number) * number
        if elapsed >= batch / 4 or number >= 1 << 20:
            break
        number *= 4
    per_call = elapsed / number
    number = max(1, round(batch / per_call)) if per_call > 0 else number
    if number < _STEADY_CALLS:
        # A slow call whose time varies from call to call (ML-DSA and RSA signing draw
        # randomness) needs more calls per batch for a steady mean: up to 4 batches' time.
        number = max(number, min(_STEADY_CALLS, round(4 * batch / per_call)))
    entry.number = number


def measure(entries: list[Entry], settings: Settings, rng: random.Random) -> None:
    """Time all ``entries`` interleaved; fill each entry's ``samples``."""
    for entry in entries:
        calibrate(entry, settings.batch)
    order = list(entries)
    gc_was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()  # as timeit does: a collection landing in one batch is noise, not cost
    started = time.perf_counter()
    try:
        for done in range(settings.max_rounds):
            if done >= settings.rounds and done % 8 == 0:
                elapsed = time.perf_counter() - started
                if elapsed >= settings.max_seconds or (
                    elapsed >= settings.seconds
                    and all(relative_error(entry) <= settings.precision for entry in entries)
                ):
                    break
            rng.shuffle(order)
            for entry in order:
                entry.samples.append(_time_batch(entry.call, entry.number))
            gc.collect()
    finally:
        if gc_was_enabled:
            gc.enable()
