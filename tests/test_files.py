"""File faults and special files: outputs replace only regular files, honour the umask, leave
nothing partial on a full disk, and clean the temp files of killed runs; foreign drill databases
are inspected without changing a byte; errors are one line (exit 2) or, for bugs, exit 70 with a
log. Everything goes through the real CLI."""

from __future__ import annotations

import os
import resource
import signal
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizgen.cli import cli
from quizgen.fileio import LEGACY_AGE_S, TMP_PREFIX, atomic_write_bytes, clean_stale, scratch_dir

from .conftest import ROOT, run_cli

EXPORT = ["export", "ml-math", "--format", "json", "--seed", "1", "-o"]


def one_error_line(res: subprocess.CompletedProcess[str], rc: int = 2) -> str:
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert res.returncode == rc, (res.returncode, res.stderr)
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    assert "Traceback" not in res.stderr + res.stdout
    return lines[0]


def snapshot(path: Path) -> tuple[int, bytes | None, int]:
    st = os.lstat(path)
    data = path.read_bytes() if stat.S_ISREG(st.st_mode) else None
    return st.st_mode, data, st.st_mtime_ns


# -- special files given to -o ----------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["symlink", "fifo", "chardev"])
def test_output_never_replaces_a_special_file(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "out.json"
    real = tmp_path / "real.txt"
    real.write_text("keep me")
    if kind == "symlink":
        target.symlink_to(real)
    elif kind == "fifo":
        os.mkfifo(target)
    else:
        if os.geteuid() != 0:
            pytest.skip("mknod needs root")
        os.mknod(target, 0o644 | stat.S_IFCHR, os.makedev(1, 3))  # like /dev/null
    before = snapshot(target)
    res = run_cli(*EXPORT, str(target))
    line = one_error_line(res)
    assert "replaces only regular files" in line
    assert snapshot(target) == before and real.read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json", "real.txt"]  # no temp left


def test_build_refuses_a_fifo_too(tmp_path: Path) -> None:
    target = tmp_path / "deck.apkg"
    os.mkfifo(target)
    res = run_cli("build", "ml-math", "-o", str(target), "--seed", "1", "--count", "1")
    assert "is a FIFO" in one_error_line(res)
    assert stat.S_ISFIFO(os.lstat(target).st_mode)


def test_export_under_a_regular_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    res = run_cli(*EXPORT, str(tmp_path / "file" / "out.json"))
    assert "is a file, not a folder" in one_error_line(res)


# -- permissions ------------------------------------------------------------------------------------

@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_outputs_honour_the_umask(tmp_path: Path, umask: int) -> None:
    out = tmp_path / "quiz.xml"
    res = subprocess.run([sys.executable, "-c", f"import os, sys; os.umask({umask}); from quizgen.cli import main; "
                          f"sys.argv = ['quizgen', 'export', 'ml-math', '--format', 'moodle', '--seed', '1', "
                          f"'-o', {str(out)!r}]; main()"], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask


def test_atomic_write_mode_and_replace(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        target = tmp_path / "a.bin"
        target.write_bytes(b"old")
        atomic_write_bytes(target, b"new")
    finally:
        os.umask(old)
    assert target.read_bytes() == b"new" and stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["a.bin"]


# -- full disk ---------------------------------------------------------------------------------------

def _limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # write() then fails with EFBIG instead of killing
    resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))


@pytest.mark.parametrize("fmt,name", [("json", "out.json"), ("moodle", "out.xml"), ("qti", "out.zip")])
def test_write_failure_is_one_line_and_leaves_nothing(tmp_path: Path, fmt: str, name: str) -> None:
    """A file-size limit makes every write past 20 kB fail, as a full disk does (EFBIG, ENOSPC)."""
    (tmp_path / name).write_bytes(b"previous")
    res = subprocess.run([sys.executable, "-m", "quizgen", "export", "ml-math", "--format", fmt, "--seed", "1",
                          "-o", name], capture_output=True, text=True, cwd=tmp_path, preexec_fn=_limit_file_size,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)
    line = one_error_line(res)
    assert "cannot write" in line and name in line
    assert sorted(p.name for p in tmp_path.iterdir()) == [name] and (tmp_path / name).read_bytes() == b"previous"


def test_real_full_disk_if_tmpfs_can_be_mounted(tmp_path: Path) -> None:
    mnt = tmp_path / "small"
    mnt.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)],
                                           capture_output=True).returncode != 0:
        pytest.skip("needs root and mount")
    try:
        res = run_cli(*EXPORT, str(mnt / "out.json"))
        line = one_error_line(res)
        assert "No space left on device" in line
        assert list(mnt.iterdir()) == []
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


# -- temp files of killed runs ----------------------------------------------------------------------

def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_stale_temps_are_cleaned_on_the_next_run(tmp_path: Path) -> None:
    dead = _dead_pid()
    ours_dead = tmp_path / f"{TMP_PREFIX}{dead}-abcd1234.out.json.tmp"
    ours_alive = tmp_path / f"{TMP_PREFIX}{os.getppid()}-abcd1234.out.json.tmp"  # pytest's parent: alive
    legacy_old = tmp_path / ".out.json.k3j4h5g6.tmp"  # what earlier versions left: .OUT.XXXXXXXX.tmp
    legacy_new = tmp_path / ".out.json.a1b2c3d4.tmp"
    print_old = tmp_path / f"{TMP_PREFIX}q1w2e3r4.tmp"  # a killed print's folder
    print_old.mkdir()
    (print_old / "version-01.pdf").write_bytes(b"%PDF")
    for p in (ours_dead, ours_alive, legacy_old, legacy_new):
        p.write_bytes(b"x" * 100)
    old = time.time() - LEGACY_AGE_S - 60
    for p in (legacy_old, print_old):
        os.utime(p, (old, old))
    other = tmp_path / "notes.txt"
    other.write_text("mine")
    res = run_cli(*EXPORT, str(tmp_path / "out.json"))
    assert res.returncode == 0, res.stderr
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(["out.json", ours_alive.name, legacy_new.name, "notes.txt"])


def test_stale_scratch_collection_is_cleaned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from quizgen import fileio

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(fileio, "_scratch_cleaned", False)  # as in a new process
    legacy = tmp_path / "quizgen-apkg-zx9y8w7v"  # Anki's 15 MB temp collection of a killed build
    legacy.mkdir()
    (legacy / "collection.anki2").write_bytes(b"\0" * 1000)
    old = time.time() - LEGACY_AGE_S - 60
    os.utime(legacy, (old, old))
    with scratch_dir() as first:
        assert first.parent.parent == tmp_path and first.name.startswith(f"{TMP_PREFIX}{os.getpid()}-")
        dead = first.parent / f"{TMP_PREFIX}{_dead_pid()}-aaaa1111.tmp"
        dead.mkdir()
    assert not legacy.exists() and not first.exists()
    assert clean_stale(first.parent) == [dead] and not dead.exists()


# -- drill databases -------------------------------------------------------------------------------

WAL_WRITER = """
import os, sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("PRAGMA journal_mode=WAL"); c.execute("PRAGMA wal_autocheckpoint=0")
c.execute(f"PRAGMA application_id={int(sys.argv[2])}"); c.execute(f"PRAGMA user_version={int(sys.argv[3])}")
c.execute("CREATE TABLE cards (x)"); c.execute("INSERT INTO cards VALUES (1)")
os._exit(0)  # no close: the -wal stays, pending
"""


@pytest.mark.parametrize("app_id,version,message", [(0, 0, "not a quizgen drill database"),
                                                     (0x517A4452, 9, "newer quizgen")])
@pytest.mark.parametrize("command", ["drill", "stats"])
def test_foreign_or_newer_database_is_not_changed(tmp_path: Path, app_id: int, version: int, message: str,
                                                  command: str) -> None:
    db = tmp_path / "x.sqlite3"
    subprocess.run([sys.executable, "-c", WAL_WRITER, str(db), str(app_id), str(version)], check=True)
    wal = Path(f"{db}-wal")
    assert wal.stat().st_size > 0
    before = [snapshot(db), snapshot(wal)]
    res = run_cli(command, "--db", str(db), input="")
    assert message in one_error_line(res)
    assert [snapshot(db), snapshot(wal)] == before


@pytest.mark.parametrize("command", ["drill", "stats"])
def test_fifo_as_db_is_refused(tmp_path: Path, command: str) -> None:
    fifo = tmp_path / "db"
    os.mkfifo(fifo)
    res = run_cli(command, "--db", str(fifo), input="")  # would block forever if opened
    assert "is a FIFO" in one_error_line(res)


@pytest.mark.parametrize("column,value,shown", [("state", 99, "state 99"), ("due", "garbage", "garbage")])
def test_corrupt_rows_give_a_clear_error(tmp_path: Path, column: str, value: object, shown: str) -> None:
    from quizgen.drill.store import open_store

    db = tmp_path / "d.sqlite3"
    open_store(db).close()
    c = sqlite3.connect(db)
    c.execute("INSERT INTO cards VALUES ('flops.matmul', 'flops.matmul', '{}', 1, 0, 1.0, 5.0, "
              "'2026-01-01T00:00:00.000000Z', NULL, 1, 0, '2026-01-01T00:00:00.000000Z')")
    c.execute(f"UPDATE cards SET {column} = ?", (value,))
    c.commit()
    c.close()
    for command in ("stats", "drill"):
        res = run_cli(command, "--db", str(db), input="")
        line = one_error_line(res)
        assert "damaged row" in line and shown in line


# -- error reporting -------------------------------------------------------------------------------

def test_usage_errors_are_one_line() -> None:
    for args in (["show"], ["show", "flops.matmul", "--bogus"], ["nosuch"], ["build", "ml-math"]):
        res = run_cli(*args)
        assert one_error_line(res).endswith("--help')"), res.stderr
    bare = run_cli()  # no command: the help text, as click gives it
    assert "Usage: " in bare.stdout + bare.stderr and "COMMAND" in bare.stderr and "error:" not in bare.stderr


@pytest.mark.parametrize("value", ["nan", "inf", "1e20", "-1"])
def test_build_timestamp_must_be_a_real_time(tmp_path: Path, value: str) -> None:
    res = run_cli("build", "ml-math", "-o", str(tmp_path / "d.apkg"), "--timestamp", value, "--seed", "1")
    assert "--timestamp" in one_error_line(res)
    assert list(tmp_path.iterdir()) == []


def test_a_bug_is_exit_70_with_a_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An unexpected exception: one line saying "internal error", the traceback in a log file."""
    from quizgen.registry import Registry

    def broken(self: Registry, gen_id: str) -> None:
        raise KeyError("a bug")

    monkeypatch.setenv("QUIZGEN_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(Registry, "get", broken)
    res = CliRunner().invoke(cli, ["show", "flops.matmul", "--seed", "1"])
    assert res.exit_code == 70
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "internal error" in lines[0] and "Traceback" not in res.output
    logs = list(tmp_path.glob("internal-error-*.log"))
    assert len(logs) == 1 and str(logs[0]) in lines[0]
    text = logs[0].read_text()
    assert "Traceback" in text and "KeyError: 'a bug'" in text
