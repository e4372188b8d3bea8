"""The benchmark suite runs and measures what it says it measures (no timing is asserted).

``python -m benchmarks`` checks, before timing anything, that every contender's decode returns
the token's claims and that every token a contender encodes verifies with jwtkit; these tests
run that on a tiny budget, so a change in jwtkit or a peer that breaks a row fails here rather
than on the day the numbers are wanted.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from benchmarks import __main__ as bench
from benchmarks import _contenders, hotpath, memory, ratelimit

TINY = ["--rounds", "1", "--seconds", "0", "--max-seconds", "0", "--batch-ms", "0.05", "--no-write"]


@pytest.mark.parametrize("algorithm", _contenders.ALGORITHMS)
def test_every_contender_of_an_algorithm_round_trips(
    algorithm: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert bench.main(["--rows", f"{algorithm} encode,{algorithm} decode", *TINY]) == 0
    out = capsys.readouterr().out
    assert f"{algorithm} encode [object]" in out
    assert f"{algorithm} decode+claims [jwk]" in out
    assert f"{algorithm} Verifier.verify [object]" in out


def test_jwks_rows_use_the_warm_client_and_send_no_request_while_timing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert bench.main(["--rows", "ES256 jwks", *TINY]) == 0
    out = capsys.readouterr().out
    assert "ES256 Verifier.verify (JWKS) [jwks]" in out
    assert "requests during timing: 0" in out


def test_writes_json_and_chart(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    json_path, png_path = tmp_path / "results.json", tmp_path / "chart.png"
    arguments = ["--rows", "HS256", "--forms", "object", *TINY[:-1]]
    assert bench.main([*arguments, "--json", str(json_path), "--png", str(png_path)]) == 0
    capsys.readouterr()
    document = json.loads(json_path.read_text(encoding="utf-8"))
    operations = {row["operation"] for row in document["rows"]}
    assert operations == {"encode", "decode+claims", "Verifier.verify"}
    assert {"PyJWT", "joserfc", "jwcrypto", "python-jose"} <= set(document["rows"][0]["peers"])
    assert "jwtkit_vs_floor" in document["rows"][0]["ratios"]
    assert png_path.read_bytes().startswith(b"\x89PNG")


def test_the_floor_rejects_a_tampered_token() -> None:
    fixture = _contenders.make_fixture("ES256")
    decode = _contenders.floor_decode(fixture)
    header, payload, signature = fixture.token.split(".")
    tampered = f"{header}.{payload}.{signature[::-1]}"
    with pytest.raises(Exception):
        decode(tampered)


def test_memory_run_verifies_good_tokens_and_rejects_bad_ones() -> None:
    result = memory.run(tokens=1_000, algorithm="HS256", sample_every=500)
    assert result["verified"] == 970
    assert result["rejected"] == 30
    assert [sample["tokens"] for sample in result["samples"]] == [0, 500, 1_000]


def test_the_rate_limit_run_times_both_storages_at_each_size(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert ratelimit.main(["--keys", "0", "300"]) == 0
    rows = capsys.readouterr().out.splitlines()[1:]
    assert [row.split()[0] for row in rows] == ["0", "300"]
    assert all(row.count(" ms") == 2 and row.endswith("x") for row in rows)


def test_hotpath_times_every_stage_and_profiles(capsys: pytest.CaptureFixture[str]) -> None:
    names = [name for name, _ in hotpath.stages("ES256", number=5)]
    assert names[0] == "split, cached header" and "signature check" in names
    assert names[-4:] == [
        "sum of the stages",
        "Verifier.verify, whole",
        "floor, whole",
        "bare signature check",
    ]
    assert hotpath.main(["--cprofile", "--calls", "20", "--top", "3"]) == 0
    assert "total (profiled)" in capsys.readouterr().out


def test_the_api_benchmark_gets_200_from_every_route_of_every_framework(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import xml.etree.ElementTree as ElementTree

    from benchmarks import integrations

    arguments = ["--quick", "--seconds", "0.05", "--rounds", "1", "--number", "1000"]
    svg = tmp_path / "chart.svg"
    assert integrations.main([*arguments, "--no-write", "--svg", str(svg)]) == 0  # non-200 raises
    out = capsys.readouterr().out
    # The chart is drawn without a plotting library: one bar per framework and route.
    bars = ElementTree.parse(svg).getroot().findall("{http://www.w3.org/2000/svg}rect[@height]")
    titles = [bar.findtext("{http://www.w3.org/2000/svg}title") for bar in bars]
    assert sum(" req/s" in (title or "") for title in titles) == 3 * len(integrations.ROUTES)
    assert "Verifier cache hit" in out
    for framework in ("FastAPI", "Flask", "Django"):
        for label in ("unprotected", "jwtkit (verified-token cache on)", "tutorial way"):
            assert f"{framework:8} {label}" in out


def test_the_server_benchmark_drives_every_endpoint_of_a_real_server_and_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from benchmarks import server

    args = server.parse_args(["--quick", "--sqlite", "--seconds", "0.2"])
    document = server.run_endpoints(args)
    result = document["databases"]["sqlite"]
    for operation in server.OPERATIONS:
        assert result[operation]["requests"] > 0, operation
        assert result[operation]["errors"] == 0, result[operation]["statuses"]
        assert result[operation]["server_cpu_ms"] > 0, operation
        # In clock ticks (10 ms), so a 0.2 s run may see none on the event loop alone.
        assert result[operation]["event_loop_cpu_ms"] >= 0, operation
    assert result[server.FLOOR]["rps"] > 0
    assert result["login"]["vs_floor"] > 0
    assert "sqlite     refresh" in capsys.readouterr().out

    markdown = tmp_path / "benchmarks.md"
    markdown.write_text(
        "# B\n<!-- server-endpoints:start -->\nold\n<!-- server-endpoints:end -->\n"
    )
    json_path, svg_path = tmp_path / "server.json", tmp_path / "server-endpoints.svg"
    server.write_results("endpoints", document, json_path, svg_path, markdown)
    assert json.loads(json_path.read_text())["endpoints"]["databases"]["sqlite"]["refresh"]
    page = markdown.read_text()
    assert "| refresh (rotation) |" in page and "old" not in page
    assert "](img/server-endpoints.svg)" in page
    # One bar per operation (and the argon2 floor), drawn without a plotting library.
    assert _svg_bar_titles(svg_path) == [
        f"{label}, sqlite: "
        for label in (
            "password login",
            "refresh (rotation)",
            "client_credentials",
            "introspection",
            "JWKS",
            "argon2 floor",
        )
    ]


def test_the_fleet_benchmark_runs_the_mix_and_the_login_burst_without_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from benchmarks import server

    args = server.parse_args(["--quick", "--replicas", "1", "--sqlite", "--duration", "1"])
    document = server.run_fleet(args)
    assert document["all"]["requests"] > 0
    assert document["all"]["errors"] == 0, document["all"]["statuses"]
    assert set(document["operations"]) == set(server.MIX)
    (replica,) = document["replicas"]
    assert replica["rss_start_mib"] > 10 and replica["rss_end_mib"] > 10
    burst = document["burst"]
    assert burst["login"]["statuses"] == {"200": args.burst}
    assert burst["introspection_during"]["requests"] > 0
    assert burst["introspection_during"]["errors"] == 0
    assert "burst of" in capsys.readouterr().out
    svg = tmp_path / "fleet.svg"
    svg.write_text(server.fleet_chart(document))
    assert len(_svg_bar_titles(svg)) == 9  # p50, p99, p999 of the mix, before, during


def _svg_bar_titles(path: Path) -> list[str]:
    """The tooltip of every bar, without its number."""
    import xml.etree.ElementTree as ElementTree

    namespace = "{http://www.w3.org/2000/svg}"
    bars = ElementTree.parse(path).getroot().findall(f"{namespace}rect[@height]")
    titles = [bar.findtext(f"{namespace}title") or "" for bar in bars]
    return [title.split(": ")[0] + ": " for title in titles if title]
