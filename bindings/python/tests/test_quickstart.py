"""examples/python/quickstart.py runs to the end against its own emulator."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import REPO, emulator_bin


def test_quickstart_runs() -> None:
    script = REPO / "examples" / "python" / "quickstart.py"
    env = {
        k: v for k, v in os.environ.items() if k not in ("QISCUS_APP_ID", "QISCUS_SECRET", "QISCUS_BASE_URL")
    }
    env["QISCUS_EMULATOR_BIN"] = str(emulator_bin())
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "Done: " in out
    for call in (
        "login_or_register",
        "post_system_event_message",
        "download_export",
        "list_imports",
        "delete_export",
    ):
        assert f"✓ {call}" in out, call
    assert "3 rows downloaded, 3 of them this run's users" in out
    assert "vote_poll (unknown)" in out
