"""examples/python/paging.py and backup.py run to the end against their own emulator and print
what they read (so that the examples cannot rot)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import List

from conftest import REPO, emulator_bin


def run_example(name: str, *args: str) -> str:
    env = {
        k: v for k, v in os.environ.items() if k not in ("QISCUS_APP_ID", "QISCUS_SECRET", "QISCUS_BASE_URL")
    }
    env["QISCUS_EMULATOR_BIN"] = str(emulator_bin())
    result = subprocess.run(
        [sys.executable, str(REPO / "examples" / "python" / name), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Done in " in result.stdout
    return result.stdout


def test_paging_example() -> None:
    out = run_example("paging.py")
    assert ": 45, most recent first: Room 45, Room 44, Room 43, ..." in out
    assert "comments page by page (limit 50): [50, 50, 20]" in out
    assert "('message 115'): ['message 120', 'message 119', 'message 118', 'message 117', 'message 116']" in out
    assert "the newest 30: 'message 120' .. 'message 91'" in out
    assert "rooms: 45; comments: 120 ('message 120' ... 'message 1')" in out
    pages: List[str] = [line for line in out.splitlines() if line.startswith("  page ")]
    assert [line.split(":")[1].split()[0] for line in pages] == ["25", "25", "25", "25", "20"]


def test_backup_example(tmp_path: Path) -> None:
    out = run_example("backup.py", str(tmp_path))
    assert "  [users] finished " in out and "  [comments] finished " in out and "  [import] finished " in out
    assert "2 user rows, this run's: alice-" in out
    assert "5 rows, " in out
    assert "import_rows refused a bad batch: 1 problem(s), nothing was sent" in out
    assert "3 file(s): 2 users, 1 room, 2 comments imported; 0 row error(s)" in out
    assert "'Legacy team' now reads (newest first): ['and goodbye', 'the old system said hi']" in out
    rows = json.loads((tmp_path / "comments.json").read_text())
    assert [row["Message"] for row in rows] == [f"note {i}" for i in range(1, 6)]
