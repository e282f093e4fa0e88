"""An output folder written all at once: files are built in a sibling temp folder, then swapped in.

A run that fails or is killed leaves the target as it was (the whole old exam) or complete (the whole
new one), never a mix: the new folder is built beside the target and the two are exchanged with one
``renameat2(RENAME_EXCHANGE)`` on Linux, or with two renames elsewhere (a run killed between them
leaves the old folder aside as ``.quizgen-old-NAME.*``, which the next run puts back before it
starts). Leftovers of killed runs are cleaned by the next run into the same target. A folder
holding files that are not ours is refused unless ``force``; then they are carried over. Example::

    with OutputDir(Path("exam"), owned=OWNED, force=False) as tmp:
        (tmp / "manifest.json").write_text("{}")
"""

from __future__ import annotations

import ctypes
import errno
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path
from types import TracebackType

from quizgen.errors import OutputError

TMP_PREFIX = ".quizgen-tmp-"
OLD_PREFIX = ".quizgen-old-"


def _step(name: str) -> None:
    """Called before each step of the swap; tests replace it to kill the process there."""


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2``); False where that is not available."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(str(a)), at_fdcwd, os.fsencode(str(b)), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EXDEV, errno.ENOTSUP, errno.EPERM):
        return False
    raise OSError(err, os.strerror(err), str(b))


class OutputDir:
    """``with OutputDir(target, owned) as tmp:`` fills ``tmp``; on success it replaces the target."""

    def __init__(self, target: Path, owned: re.Pattern[str], force: bool = False) -> None:
        self.target = Path(target)
        self.owned = owned
        self.force = force
        self._tmp: Path | None = None
        self._inside = False

    @property
    def _parent(self) -> Path:
        return self.target.absolute().parent

    @property
    def _tag(self) -> str:
        return self.target.absolute().name

    def check(self) -> None:
        """Fail early, naming the path and the fix, before any work is done."""
        t = self.target
        parent = t.parent if str(t.parent) else Path(".")
        if t.is_symlink():
            raise OutputError(f"output {str(t)!r} is a symbolic link; give the folder itself, e.g. -o exam/")
        if t.exists() and not t.is_dir():
            raise OutputError(f"output {str(t)!r} is a file, not a folder; give a folder name, e.g. -o exam/")
        if not parent.is_dir():
            raise OutputError(f"cannot write {str(t)!r}: folder {str(parent)!r} does not exist; create it first")
        if not os.access(parent, os.W_OK) or (t.is_dir() and not os.access(t, os.W_OK)):
            where = t if t.is_dir() else parent
            raise OutputError(f"cannot write {str(t)!r}: folder {str(where)!r} is not writable")
        if t.is_dir() and not self.force:
            foreign = self._foreign(t)
            if foreign:
                shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
                raise OutputError(f"output folder {str(t)!r} already holds other files ({shown}); "
                                  "choose an empty or new folder, or pass --force to write beside them")

    def _foreign(self, folder: Path) -> list[str]:
        return sorted(p.name for p in folder.iterdir()
                      if not self.owned.fullmatch(p.name) and not p.name.startswith(TMP_PREFIX))

    def recover(self) -> None:
        """Undo what killed runs left: put an old folder set aside back (or carry its foreign files
        into the new one), and remove unfinished temp folders."""
        if not self._parent.is_dir():
            return
        for old in self._leftovers(OLD_PREFIX):
            if not self.target.exists() and not self.target.is_symlink():
                os.rename(old, self.target)  # killed between the two renames: the old exam stays
                continue
            if self.target.is_dir():
                self._carry_back(old, self.target)
            shutil.rmtree(old, ignore_errors=True)
        for tmp in self._leftovers(TMP_PREFIX):  # unfinished, or the old exam after a swap
            if self.target.is_dir():
                self._carry_back(tmp, self.target)
            shutil.rmtree(tmp, ignore_errors=True)
        if self.target.is_dir():
            for old in self.target.glob(f"{TMP_PREFIX}*"):  # left inside by a run that wrote in place
                shutil.rmtree(old, ignore_errors=True)

    def _leftovers(self, prefix: str) -> list[Path]:
        """This target's ``PREFIX + NAME + .XXXXXXXX.tmp`` siblings (not those of ``NAME-2``)."""
        pat = re.compile(re.escape(prefix + self._tag) + r"\.[A-Za-z0-9_]{8}\.tmp")
        return sorted(p for p in self._parent.iterdir() if pat.fullmatch(p.name))

    def _carry_back(self, old: Path, new: Path) -> None:
        """Foreign entries of ``old`` (the user's, kept with --force) that ``new`` lacks move into it."""
        for p in old.iterdir():
            if not self.owned.fullmatch(p.name) and not p.name.startswith(TMP_PREFIX) \
                    and not (new / p.name).exists():
                os.rename(p, new / p.name)

    def __enter__(self) -> Path:
        self.check()  # before touching anything: a bad target is refused as it is
        self.recover()
        self.check()  # and what a killed run left, put back, must pass too
        parent = self._parent
        # Built beside the target, so one rename or exchange puts it in place. Where the parent
        # is not writable (e.g. "-o ." in a read-only parent) files are built inside and moved.
        here = self.target.is_dir() and self.target.resolve() == Path.cwd().resolve()
        self._inside = here or not os.access(parent, os.W_OK)
        where = self.target if self._inside else parent
        prefix = TMP_PREFIX if self._inside else f"{TMP_PREFIX}{self._tag}."
        try:
            tmp = Path(tempfile.mkdtemp(prefix=prefix, suffix=".tmp", dir=where))
            umask = os.umask(0)
            os.umask(umask)
            tmp.chmod(0o777 & ~umask)  # mkdtemp makes it 0700; the renamed folder should not be
        except OSError as e:
            raise OutputError(f"cannot write {str(self.target)!r}: {e.strerror or e}") from None
        self._tmp = tmp
        return tmp

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        tmp = self._tmp
        assert tmp is not None
        try:
            if exc_type is None:
                try:
                    if self._inside:
                        self._install_inside(tmp)
                    else:
                        self._install(tmp)
                except OSError as e:
                    raise OutputError(f"cannot write {str(self.target)!r}: {e.strerror or e}") from None
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def _install(self, tmp: Path) -> None:
        t = self.target
        if not t.exists():
            _step("rename-new")
            try:
                os.rename(tmp, t)  # atomic: the folder appears complete or not at all
                return
            except OSError:
                if not t.is_dir():  # created meanwhile by someone else: swap with it below
                    raise
        old_foreign = self._foreign(t)
        for name in old_foreign:  # with --force: the user's files come along (hard links: no copy)
            src = t / name
            if src.is_file() and not src.is_symlink():
                _step("carry-file")
                try:
                    os.link(src, tmp / name)
                except OSError:
                    shutil.copy2(src, tmp / name)
        try:
            tmp.chmod(t.stat().st_mode & 0o7777)
        except OSError:
            pass
        _step("swap")
        if _exchange(tmp, t):
            aside = tmp  # now holds the old exam
        else:
            aside = Path(tempfile.mkdtemp(prefix=f"{OLD_PREFIX}{self._tag}.", suffix=".tmp", dir=self._parent))
            aside.rmdir()
            os.rename(t, aside)
            _step("between-renames")
            os.rename(tmp, t)
        _step("carry-folders")
        self._carry_back(aside, t)  # the user's sub-folders (--force) move over
        _step("clean")
        shutil.rmtree(aside, ignore_errors=True)

    def _install_inside(self, tmp: Path) -> None:
        """Fallback where no sibling can be written: move our files in one by one (not atomic)."""
        t = self.target
        new = {p.name for p in tmp.iterdir()}
        for name in sorted(new):
            if (t / name).is_dir():
                raise OutputError(f"cannot write {str(t / name)!r}: it is a folder")
        for old in t.iterdir():  # stale files of an earlier, bigger run (version-31.pdf, ...)
            if self.owned.fullmatch(old.name) and old.name not in new and old.is_file():
                old.unlink()
        for name in sorted(new):
            os.replace(tmp / name, t / name)
