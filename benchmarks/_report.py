"""The report: a text table, a Markdown table, the targets, JSON and a PNG bar chart."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ._contenders import PEERS
from ._rows import Row

ASYMMETRIC = ("RS256", "PS256", "ES256", "EdDSA", "ML-DSA-44")


def _us(seconds: float) -> str:
    micro = seconds * 1e6
    return f"{micro:.1f}" if micro < 1000 else f"{micro:.0f}"


def cells(row: Row) -> list[str]:
    """Row name, jwtkit, floor, x floor, one cell per peer (time and speed-up), baseline."""
    jwtkit = row.jwtkit.median
    out = [
        f"{row.algorithm} {row.operation} [{row.key_form}]",
        _us(jwtkit),
        _us(row.floor.median) if row.floor else "",
        f"{jwtkit / row.floor.median:.2f}x" if row.floor else "",
    ]
    for peer in PEERS:
        entry = row.peers.get(peer)
        out.append(f"{_us(entry.median)} ({entry.median / jwtkit:.1f}x)" if entry else "n/a")
    out.append(f"{jwtkit / row.baseline.median:.2f}x {row.baseline_name}" if row.baseline else "")
    return out


HEADER = ["row (µs per call, median)", "jwtkit", "floor", "jwtkit/floor", *PEERS, "vs"]


def text_table(rows: Iterable[Row]) -> str:
    body = [cells(row) for row in rows]
    widths = [max(len(line[i]) for line in [HEADER, *body]) for i in range(len(HEADER))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in [HEADER, *body]
    ]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def markdown_table(rows: Iterable[Row]) -> str:
    lines = [
        "| " + " | ".join(HEADER) + " |",
        "|" + "|".join(["---"] + ["---:"] * (len(HEADER) - 2) + ["---"]) + "|",
    ]
    lines += ["| " + " | ".join(cells(row)) + " |" for row in rows]
    return "\n".join(lines)


@dataclass
class Target:
    description: str
    value: float
    limit: float
    at_least: bool  # True: value >= limit is met; False: value <= limit is met

    @property
    def met(self) -> bool:
        return self.value >= self.limit if self.at_least else self.value <= self.limit

    def markdown(self) -> str:
        sign = "≥" if self.at_least else "≤"
        verdict = "met" if self.met else "**missed**"
        return f"{verdict}: {self.description}: {self.value:.3f}x (target {sign} {self.limit}x)"

    def line(self) -> str:
        sign = ">=" if self.at_least else "<="
        verdict = "met" if self.met else "MISSED"
        return f"{verdict:6}  {self.description}: {self.value:.3f}x (target {sign} {self.limit}x)"


def targets(rows: list[Row]) -> list[Target]:
    """The issue's targets, each evaluated on ratios of medians from this run."""
    found: list[Target] = []

    def find(algorithm: str, operation: str, form: str = "object") -> Row | None:
        for row in rows:
            if (row.algorithm, row.operation, row.key_form) == (algorithm, operation, form):
                return row
        return None

    def speedup(row: Row, peer: str, limit: float) -> None:
        entry = row.peers.get(peer)
        if entry is not None:
            found.append(
                Target(
                    f"{row.name}: {peer} / jwtkit", entry.median / row.jwtkit.median, limit, True
                )
            )

    def versus_floor(row: Row, limit: float) -> None:
        if row.floor is not None:
            found.append(
                Target(
                    f"{row.name}: jwtkit / floor",
                    row.jwtkit.median / row.floor.median,
                    limit,
                    False,
                )
            )

    if row := find("HS256", "decode+claims"):
        speedup(row, "PyJWT", 4)
        speedup(row, "joserfc", 2)
        versus_floor(row, 1.8)
    if row := find("HS256", "encode"):
        speedup(row, "PyJWT", 3)
        versus_floor(row, 1.8)
    for algorithm in ASYMMETRIC:
        for operation in ("decode+claims", "Verifier.verify"):
            if row := find(algorithm, operation):
                versus_floor(row, 1.15)
                for peer in row.peers:
                    speedup(row, peer, 1.0)
        if row := find(algorithm, "encode"):
            versus_floor(row, 1.1)
    for row in rows:
        if row.baseline is not None:
            found.append(
                Target(
                    f"{row.name}: jwtkit / {row.baseline_name}",
                    row.jwtkit.median / row.baseline.median,
                    1.1,
                    False,
                )
            )
    return found


def write_chart(rows: list[Row], path: Path, title: str) -> None:
    """Horizontal bars per algorithm: encode and decode+claims, every contender, log scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    algorithms = list(dict.fromkeys(row.algorithm for row in rows))
    operations = [op for op in ("encode", "decode+claims") if any(r.operation == op for r in rows)]
    colours = {
        "floor": "#9e9e9e",
        "jwtkit": "#1565c0",
        "jwtkit Verifier": "#42a5f5",
        "PyJWT": "#ef6c00",
        "joserfc": "#2e7d32",
        "jwcrypto": "#8e24aa",
        "python-jose": "#c62828",
    }
    figure, axes = plt.subplots(
        len(algorithms),
        len(operations),
        figsize=(6.2 * len(operations), 1.9 * len(algorithms) + 0.8),
        squeeze=False,
    )
    for i, algorithm in enumerate(algorithms):
        for j, operation in enumerate(operations):
            axis = axes[i][j]
            row = next(
                (
                    r
                    for r in rows
                    if (r.algorithm, r.operation, r.key_form) == (algorithm, operation, "object")
                ),
                None,
            )
            if row is None:
                axis.set_visible(False)
                continue
            bars: list[tuple[str, float]] = []
            if row.floor:
                bars.append(("floor", row.floor.median))
            bars.append(("jwtkit", row.jwtkit.median))
            if operation == "decode+claims":
                verifier = next(
                    (
                        r
                        for r in rows
                        if (r.algorithm, r.operation) == (algorithm, "Verifier.verify")
                    ),
                    None,
                )
                if verifier is not None:
                    bars.append(("jwtkit Verifier", verifier.jwtkit.median))
            bars += [(peer, entry.median) for peer, entry in row.peers.items()]
            labels = [label for label, _ in bars][::-1]
            values = [value * 1e6 for _, value in bars][::-1]
            axis.barh(labels, values, color=[colours[label] for label in labels])
            axis.set_xlim(0, max(values) * 1.3)
            for position, value in enumerate(values):
                text = f"{value:.1f} µs" if value < 1000 else f"{value:,.0f} µs"
                axis.text(value + max(values) * 0.01, position, text, va="center", fontsize=7)
            axis.set_title(f"{algorithm} {operation}", fontsize=9)
            axis.tick_params(labelsize=7)
    figure.suptitle(title, fontsize=10)
    figure.supxlabel("µs per call, median (shorter is faster)", fontsize=8)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)


def replace_between_markers(path: Path, name: str, content: str) -> bool:
    """Replace the text between ``<!-- name:start -->`` and ``<!-- name:end -->``."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    if not path.exists():
        return False
    text = path.read_text(encoding="utf-8")
    if start not in text or end not in text:
        return False
    before, rest = text.split(start, 1)
    _, after = rest.split(end, 1)
    path.write_text(f"{before}{start}\n{content}\n{end}{after}", encoding="utf-8")
    return True
