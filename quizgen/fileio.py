"""Atomic file output: temp file + rename, so a failed run leaves nothing partial behind.

Rules every output follows (issue 17):

- Only a regular file (or nothing) is ever replaced: a symlink, FIFO, device or socket given as
  the output is refused, and left as it was.
- The written file has the permissions a plain ``open()`` would give (``0666 & ~umask``), not
  the 0600 of a temp file.
- Temp files are named ``.quizgen-tmp-PID-…`` — beside the output (a rename is atomic only
  within one file system) or, for scratch work, in one folder under the system temp folder — and
  the next run removes those whose process is gone (a run killed with SIGKILL cannot clean up).
- A failure of the system (full disk, no permission, a file where a folder should be) is an
  :class:`~quizgen.errors.OutputError` naming the path: one line, exit 2, no partial file.

Example::

    atomic_write_bytes(Path("quiz.xml"), data)
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from quizgen.errors import OutputError

TMP_PREFIX = ".quizgen-tmp-"
"""Every temp file and folder quizgen makes starts with this (the print output folder too)."""
_OURS = re.compile(re.escape(TMP_PREFIX) + r"(\d+)-")
_LEGACY = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp|quizgen-apkg-[a-z0-9_]{8}|" + re.escape(TMP_PREFIX)
                     + r"[a-z0-9_]{8}\.tmp")
"""Temp names without a process id (``.OUT.apkg.XXXXXXXX.tmp`` and ``quizgen-apkg-XXXXXXXX`` of
earlier versions, ``.quizgen-tmp-XXXXXXXX.tmp`` print folders): removed only when older than
:data:`LEGACY_AGE_S`, since a live run may still be writing them."""
LEGACY_AGE_S = 6 * 3600


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: alive, someone else's
        return True
    return True


def _stale(entry: Path, now: float) -> bool:
    m = _OURS.match(entry.name)
    if m:
        return not _pid_alive(int(m.group(1)))
    if _LEGACY.fullmatch(entry.name):
        try:
            return now - entry.lstat().st_mtime > LEGACY_AGE_S
        except OSError:
            return False
    return False


def clean_stale(folder: Path, name: str | None = None) -> list[Path]:
    """Remove temp files/folders left in ``folder`` by killed quizgen runs; what was removed.

    Ours (``.quizgen-tmp-PID-…``) go when process PID is gone; legacy names go when old. With
    ``name``, legacy temps are only those of that output (``.NAME.XXXXXXXX.tmp``)."""
    removed: list[Path] = []
    now = time.time()
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for entry in entries:
        if not (entry.name.startswith(TMP_PREFIX) or entry.name.startswith("quizgen-apkg-")
                or (name is not None and entry.name.startswith(f".{name}."))):
            continue
        if not _stale(entry, now):
            continue
        try:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed.append(entry)
        except OSError:
            pass
    return removed


def scratch_root() -> Path:
    """The one folder for scratch work (e.g. the Anki collection before it is zipped)."""
    root = Path(tempfile.gettempdir()) / f"quizgen-{os.getuid() if hasattr(os, 'getuid') else 'user'}"
    root.mkdir(mode=0o700, exist_ok=True)
    st = os.lstat(root)
    if hasattr(os, "getuid") and (not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid()):
        # Someone else made it (a shared /tmp): never work inside another user's folder.
        raise OSError(f"{root} is not a folder of this user")
    return root


_scratch_cleaned = False


def clean_scratch() -> None:
    """Once per process: remove stale scratch folders (ours and the legacy ``quizgen-apkg-*``)."""
    global _scratch_cleaned
    if _scratch_cleaned:
        return
    _scratch_cleaned = True
    try:
        clean_stale(scratch_root())
    except OSError:
        pass
    clean_stale(Path(tempfile.gettempdir()))


@contextmanager
def scratch_dir() -> Iterator[Path]:
    """A private temp folder, removed afterwards; stale ones of killed runs are removed first."""
    try:
        clean_scratch()
        root = scratch_root()
        tmp = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{os.getpid()}-", suffix=".tmp", dir=root))
    except OSError as e:
        raise OutputError(f"cannot make a temp folder in {tempfile.gettempdir()!r}: {e.strerror or e}") from None
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "not a regular file"


def check_writable_file(path: Path) -> None:
    """Fail early, with a clear message, if ``path`` cannot be written (or is not ours to replace)."""
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    except NotADirectoryError:
        st = None  # a file where a folder should be: reported below
    except OSError as e:
        raise OutputError(f"cannot write {str(path)!r}: {e.strerror or e}") from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise OutputError(f"output {str(path)!r} is a directory; give a file name, e.g. {path / 'out'}")
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise OutputError(f"output {str(path)!r} is {_kind(st.st_mode)}; quizgen replaces only regular files. "
                          "Give a new file name")
    if not parent.exists():
        if any(p.exists() and not p.is_dir() for p in parent.parents if str(p) not in ("", ".")):
            raise OutputError(f"cannot write {str(path)!r}: a part of {str(parent)!r} is a file, not a folder")
        raise OutputError(f"cannot write {str(path)!r}: folder {str(parent)!r} does not exist; create it first")
    if not parent.is_dir():
        raise OutputError(f"cannot write {str(path)!r}: {str(parent)!r} is a file, not a folder")
    if not os.access(parent, os.W_OK):
        raise OutputError(f"cannot write {str(path)!r}: folder {str(parent)!r} is not writable")


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temp path beside ``path``, renamed onto it only if the block succeeds.

    The result has mode ``0666 & ~umask``; an :class:`OSError` in the block or the rename (full
    disk, ...) becomes an :class:`OutputError` naming ``path``, and the temp file is removed."""
    path = Path(path)
    check_writable_file(path)
    folder = path.parent if str(path.parent) else Path(".")
    clean_stale(folder, path.name)
    clean_scratch()
    try:
        fd, tmp = tempfile.mkstemp(prefix=f"{TMP_PREFIX}{os.getpid()}-", suffix=f".{path.name[-40:]}.tmp",
                                   dir=folder)
        os.fchmod(fd, 0o666 & ~_umask())
        os.close(fd)
    except OSError as e:
        raise OutputError(f"cannot write {str(path)!r}: {e.strerror or e}") from None
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o666 & ~_umask())  # the block may have made a new file: honour the umask again
        check_writable_file(path)  # a FIFO or link put there meanwhile is still not replaced
        os.replace(tmp_path, path)
    except OSError as e:
        tmp_path.unlink(missing_ok=True)
        raise OutputError(f"cannot write {str(path)!r}: {e.strerror or e}") from None
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via temp file + rename; nothing partial is ever left."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
