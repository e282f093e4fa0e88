"""An output folder written all at once: files are built in a temp folder beside it and moved in.

A failed run leaves the target as it was (or absent); a folder holding files that are not ours is
refused unless ``force``. Example::

    with OutputDir(Path("exam"), owned=OWNED, force=False) as tmp:
        (tmp / "manifest.json").write_text("{}")
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from types import TracebackType

from quizgen.errors import OutputError

TMP_PREFIX = ".quizgen-tmp-"


class OutputDir:
    """``with OutputDir(target, owned) as tmp:`` fills ``tmp``; on success its files replace ours."""

    def __init__(self, target: Path, owned: re.Pattern[str], force: bool = False) -> None:
        self.target = Path(target)
        self.owned = owned
        self.force = force
        self._tmp: Path | None = None

    def check(self) -> None:
        """Fail early, naming the path and the fix, before any work is done."""
        t = self.target
        parent = t.parent if str(t.parent) else Path(".")
        if t.exists() and not t.is_dir():
            raise OutputError(f"output {str(t)!r} is a file, not a folder; give a folder name, e.g. -o exam/")
        if not parent.is_dir():
            raise OutputError(f"cannot write {str(t)!r}: folder {str(parent)!r} does not exist; create it first")
        if not os.access(parent, os.W_OK) or (t.is_dir() and not os.access(t, os.W_OK)):
            where = t if t.is_dir() else parent
            raise OutputError(f"cannot write {str(t)!r}: folder {str(where)!r} is not writable")
        if t.is_dir() and not self.force:
            foreign = sorted(p.name for p in t.iterdir()
                             if not self.owned.fullmatch(p.name) and not p.name.startswith(TMP_PREFIX))
            if foreign:
                shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
                raise OutputError(f"output folder {str(t)!r} already holds other files ({shown}); "
                                  "choose an empty or new folder, or pass --force to write beside them")

    def __enter__(self) -> Path:
        self.check()
        t = self.target
        # A new folder is built beside its final place and renamed (atomic); into an existing one
        # (maybe ".", whose parent may not be writable) files are built in a hidden folder inside.
        where = t if t.is_dir() else (t.parent if str(t.parent) else Path("."))
        if where == t:
            for old in t.glob(f"{TMP_PREFIX}*"):  # left inside the target by a killed run
                shutil.rmtree(old, ignore_errors=True)
        try:
            tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, suffix=".tmp", dir=where))
            umask = os.umask(0)
            os.umask(umask)
            tmp.chmod(0o777 & ~umask)  # mkdtemp makes it 0700; the renamed folder should not be
        except OSError as e:
            raise OutputError(f"cannot write {str(t)!r}: {e.strerror or e}") from None
        self._tmp = tmp
        return tmp

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        tmp = self._tmp
        assert tmp is not None
        try:
            if exc_type is None:
                self._install(tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def _install(self, tmp: Path) -> None:
        t = self.target
        if not t.exists():
            try:
                os.rename(tmp, t)  # atomic: the folder appears complete or not at all
                return
            except OSError as e:  # created meanwhile by someone else: merge into it below
                if not t.is_dir():
                    raise OutputError(f"cannot write {str(t)!r}: {e.strerror or e}") from None
        new = {p.name for p in tmp.iterdir()}
        for name in sorted(new):
            if (t / name).is_dir():
                raise OutputError(f"cannot write {str(t / name)!r}: it is a folder")
        for old in t.iterdir():  # stale files of an earlier, bigger run (version-31.pdf, ...)
            if self.owned.fullmatch(old.name) and old.name not in new and old.is_file():
                old.unlink()
        for name in sorted(new):
            os.replace(tmp / name, t / name)
