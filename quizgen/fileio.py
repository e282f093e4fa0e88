"""Atomic file output: temp file + rename, so a failed run leaves nothing partial behind."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from quizgen.errors import OutputError


def check_writable_file(path: Path) -> None:
    """Fail early, with a clear message, if ``path`` cannot be written."""
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise OutputError(f"output {str(path)!r} is a directory; give a file name, e.g. {path / 'out'}")
    if not parent.exists():
        raise OutputError(f"cannot write {str(path)!r}: folder {str(parent)!r} does not exist; create it first")
    if not os.access(parent, os.W_OK):
        raise OutputError(f"cannot write {str(path)!r}: folder {str(parent)!r} is not writable")


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temp path beside ``path``, renamed onto it only if the block succeeds."""
    path = Path(path)
    check_writable_file(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent if str(path.parent) else ".")
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes 0600; a normal file honours the umask
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via temp file + rename; nothing partial is ever left."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
