"""Problems with the output folder end in a clear message and exit status 2, never a traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import ARTICLES, ROOT

NOBODY = 65534


def _as_unprivileged(args: list[str]) -> subprocess.CompletedProcess:
    """The CLI as a user that file permissions apply to (root ignores them)."""
    command = [sys.executable, "-m", "extractor", *args]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: cannot make a folder read-only for the CLI")
        command = [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *command]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "EXTRACTOR_"))}
    return subprocess.run(command, cwd=ROOT, env={**env, "HOME": tempfile.gettempdir()}, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture
def shared(tmp_path):
    """A folder every user can read (pytest's own is private to root), with the sample articles in it."""
    folder = Path(tempfile.mkdtemp(prefix="extractor-readonly-"))
    folder.chmod(0o755)
    shutil.copytree(ROOT / "samples", folder / "in")
    for path in (folder / "in").rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    (folder / "in").chmod(0o755)
    yield folder
    for path in folder.rglob("*"):
        if path.is_dir():
            path.chmod(0o755)
    shutil.rmtree(folder)


def _batch(folder: Path) -> subprocess.CompletedProcess:
    return _as_unprivileged(["batch", str(folder / "in"), "-o", str(folder / "out"), "--replay", str(ARTICLES),
                             "--progress", "none"])


def test_a_read_only_output_folder_is_a_clear_error(shared):
    out = shared / "out"
    out.mkdir()
    out.chmod(0o555)
    result = _batch(shared)
    assert result.returncode == 2, result.stderr
    assert f"cannot write in output folder {out}" in result.stderr and "Traceback" not in result.stderr


def test_read_only_outputs_inside_a_writable_folder_are_a_clear_error(shared):
    out = shared / "out"
    out.mkdir()
    out.chmod(0o777)
    (out / "records.jsonl").write_text("")
    (out / "records.jsonl").chmod(0o444)
    result = _batch(shared)
    assert result.returncode == 2, result.stderr
    assert "records.jsonl" in result.stderr and "not writable" in result.stderr
    assert "Traceback" not in result.stderr
