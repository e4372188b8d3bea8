"""Groups of contenders measured together, and the report rows derived from them.

A *group* is what is timed interleaved: for one algorithm and one operation, the floor,
jwtkit with each key form (and its ``Verifier``) and every peer that supports the algorithm
with each key form. A *row* of the report picks from one group: jwtkit's entry, the floor's
and each peer's, for one key form.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import jwtkit

from . import _contenders as c
from ._harness import Entry, relative_error


@dataclass
class Group:
    algorithm: str
    operation: str  # "encode", "decode" or "jwks"
    entries: list[Entry]

    @property
    def name(self) -> str:
        return f"{self.algorithm} {self.operation}"

    def entry(self, label: str) -> Entry | None:
        for entry in self.entries:
            if entry.label == label:
                return entry
        return None


@dataclass
class Row:
    """One line of the report: jwtkit against the floor and the peers, same group."""

    algorithm: str
    operation: str  # "encode", "decode+claims", "Verifier.verify", "Verifier.verify (JWKS)"
    key_form: str
    jwtkit: Entry
    floor: Entry | None
    peers: dict[str, Entry]
    baseline: Entry | None = None  # what this row's jwtkit is compared with besides the floor
    baseline_name: str = ""

    @property
    def name(self) -> str:
        return f"{self.algorithm} {self.operation} [{self.key_form}]"


def _label(library: str, form: str) -> str:
    return f"{library}|{form}"


def _check_decoded(call: c.Call, claims: dict[str, Any], label: str) -> None:
    result = call()
    if result != claims:
        raise AssertionError(f"{label} did not return the token's claims")


def _check_encoded(call: c.Call, fixture: c.Fixture, label: str) -> None:
    token = call()
    claims = jwtkit.decode(
        token,
        fixture.keys.verifying,
        [fixture.algorithm],
        audience=c.AUDIENCE,
        issuer=c.ISSUER,
    )
    if claims != fixture.claims:
        raise AssertionError(f"{label} produced a token with other claims")


def encode_group(fixture: c.Fixture, forms: tuple[str, ...]) -> Group:
    entries = [Entry(_label("floor", "object"), c.floor_encode(fixture))]
    for form in forms:
        entries.append(Entry(_label("jwtkit", form), c.jwtkit_encode(fixture, form)))
    for peer, make in c.PEER_ENCODERS.items():
        for form in forms:
            call = make(fixture, form)
            if call is not None:
                entries.append(Entry(_label(peer, form), call))
    for entry in entries:
        _check_encoded(entry.call, fixture, entry.label)
    return Group(fixture.algorithm, "encode", entries)


def decode_group(fixture: c.Fixture, forms: tuple[str, ...]) -> Group:
    entries = [
        Entry(_label("floor", "object"), c.floor_decode(fixture)),
        Entry(_label("jwtkit Verifier", "object"), c.jwtkit_verifier(fixture)),
    ]
    for form in forms:
        entries.append(Entry(_label("jwtkit", form), c.jwtkit_decode(fixture, form)))
    for peer, make in c.PEER_DECODERS.items():
        for form in forms:
            call = make(fixture, form)
            if call is not None:
                entries.append(Entry(_label(peer, form), call))
    for entry in entries:
        _check_decoded(entry.call, fixture.claims, entry.label)
    return Group(fixture.algorithm, "decode", entries)


def jwks_group(fixture: c.Fixture, source: Any) -> Group:
    entries = [
        Entry(_label("jwtkit Verifier", "object"), c.jwtkit_verifier(fixture)),
        Entry(_label("jwtkit Verifier", "jwks"), c.jwtkit_verifier(fixture, source)),
    ]
    for entry in entries:
        _check_decoded(entry.call, fixture.claims, entry.label)
    return Group(fixture.algorithm, "jwks", entries)


def rows_of(group: Group) -> list[Row]:
    """The report rows a measured group yields."""
    floor = group.entry(_label("floor", "object"))
    if group.operation == "jwks":
        jwks = group.entry(_label("jwtkit Verifier", "jwks"))
        local = group.entry(_label("jwtkit Verifier", "object"))
        assert jwks is not None and local is not None
        return [
            Row(
                group.algorithm,
                "Verifier.verify (JWKS)",
                "jwks",
                jwks,
                None,
                {},
                local,
                "local-key Verifier",
            )
        ]
    operation = "encode" if group.operation == "encode" else "decode+claims"
    rows: list[Row] = []
    key_object = group.entry(_label("jwtkit", "object"))
    for form in c.KEY_FORMS:
        jwtkit_entry = group.entry(_label("jwtkit", form))
        if jwtkit_entry is None:
            continue
        peers = {
            peer: entry
            for peer in c.PEERS
            if (entry := group.entry(_label(peer, form))) is not None
        }
        baseline = key_object if form != "object" else None
        rows.append(
            Row(
                group.algorithm,
                operation,
                form,
                jwtkit_entry,
                floor,
                peers,
                baseline,
                "jwtkit, key object" if baseline else "",
            )
        )
        if form == "object" and group.operation == "decode":
            verifier = group.entry(_label("jwtkit Verifier", "object"))
            assert verifier is not None
            rows.append(Row(group.algorithm, "Verifier.verify", form, verifier, floor, peers))
    return rows


def row_json(row: Row) -> dict[str, Any]:
    def timing(entry: Entry) -> dict[str, Any]:
        q1, q3 = entry.quartiles()
        return {
            "median_us": entry.median * 1e6,
            "q1_us": q1 * 1e6,
            "q3_us": q3 * 1e6,
            "rounds": len(entry.samples),
            "relative_error": error if math.isfinite(error := relative_error(entry)) else None,
            "calls_per_round": entry.number,
        }

    data: dict[str, Any] = {
        "algorithm": row.algorithm,
        "operation": row.operation,
        "key_form": row.key_form,
        "jwtkit": timing(row.jwtkit),
        "floor": timing(row.floor) if row.floor else None,
        "peers": {peer: timing(entry) for peer, entry in row.peers.items()},
        "ratios": {},
    }
    ratios = data["ratios"]
    if row.floor:
        ratios["jwtkit_vs_floor"] = row.jwtkit.median / row.floor.median
    for peer, entry in row.peers.items():
        ratios[f"{peer}_vs_jwtkit"] = entry.median / row.jwtkit.median
    if row.baseline:
        ratios["jwtkit_vs_baseline"] = row.jwtkit.median / row.baseline.median
        data["baseline"] = row.baseline_name
    return data


def dumps(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=False)
