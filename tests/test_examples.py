"""The README's examples, run as written: the Python block, and the whole flow with curl
against a real ``jwtkit serve`` and the example FastAPI API, each its own process."""

from __future__ import annotations

from pathlib import Path

from doc_shell import blocks, process_command, program_lines, run_walk
from serving import free_port, run_process

README = (Path(__file__).parents[1] / "README.md").read_text()


def test_readme_python_block_runs() -> None:
    block = README.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, object] = {}
    exec(compile(block, "README.md", "exec"), namespace)
    assert namespace["claims"] == {"sub": "alice", "aud": "orders-api"}


def test_readme_quick_start_is_the_two_commands() -> None:
    quick_start = README.split("## Quick start", 1)[1]
    lines = [line.split("#", 1)[0].strip() for line in program_lines(blocks(quick_start)[0])]
    assert lines == ["uv run jwtkit serve", "uv run pytest"]


def test_readme_walk_register_login_call_403_expire_401_refresh(tmp_path: Path) -> None:
    """The README's curl walk, with the servers it starts: statuses as its comments say."""
    section = README.split("### The whole flow, with curl", 1)[1]
    servers, walk = blocks(section)[:2]
    auth_port, api_port = free_port(), free_port()
    ports = {"8000": str(auth_port), "8001": str(api_port)}
    server_line, api_line = program_lines(servers)
    server, server_env = process_command(server_line, replacements=ports)
    assert server[-1] == "serve" and server_env == {"JWTKIT_ACCESS_TOKEN_LIFETIME": "30"}
    server += ["--port", str(auth_port)]  # the README's server listens on its default, 8000
    api, api_env = process_command(api_line, replacements=ports)
    for old, new in ports.items():
        walk = walk.replace(old, new)
    with (
        run_process(server, url=f"http://127.0.0.1:{auth_port}", cwd=tmp_path, env=server_env),
        run_process(
            api,
            url=f"http://127.0.0.1:{api_port}",
            ready_path="/health",
            cwd=tmp_path,
            env=api_env,
        ),
    ):
        calls = run_walk(walk, cwd=tmp_path, timeout=180)
    statuses = [call.status for call in calls]
    # The seeds' flow: registered, logged in, let in, refused twice as RFC 6750 says, renewed.
    assert statuses == [201, 200, 200, 401, 403, 401, 200, 200]
    for refused in (call for call in calls if call.status in (401, 403)):  # RFC 6750 §3
        assert refused.headers["www-authenticate"].startswith("Bearer "), refused.expected
    assert [call.expected.error for call in calls if call.status >= 400] == [
        "missing_token",
        "insufficient_scope",
        "invalid_token",
    ]
