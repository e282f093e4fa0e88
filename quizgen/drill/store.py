"""The drill's memory: cards and reviews in one SQLite file, one transaction per review.

WAL mode and a busy timeout let two sessions share the file; each review re-reads its card inside
``BEGIN IMMEDIATE``, so concurrent sessions never lose each other's updates. ``PRAGMA
application_id`` marks the file as quizgen's and ``PRAGMA user_version`` holds the schema version:
a file that is not a quizgen database, is corrupt, or was written by a newer quizgen is a
:class:`~quizgen.errors.DrillDatabaseError` naming the path, and is never modified. Example::

    quizgen drill --db ~/ml-drill.sqlite3
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from quizgen.drill.scheduler import CardState, Memory, Rating
from quizgen.errors import DrillDatabaseError

SCHEMA_VERSION = 1
APPLICATION_ID = 0x517A4452  # "QzDR"
BUSY_TIMEOUT_MS = 15_000
SQLITE_MAGIC = b"SQLite format 3\x00"

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE cards (
    key TEXT PRIMARY KEY,           -- generator id, plus the deck item's options if any
    generator TEXT NOT NULL,
    options TEXT NOT NULL,          -- canonical JSON
    state INTEGER NOT NULL,         -- 1 learning, 2 review, 3 relearning (FSRS)
    step INTEGER,
    stability REAL,
    difficulty REAL,
    due TEXT NOT NULL,              -- UTC, 2026-11-23T10:00:00.000000Z (sorts as text)
    last_review TEXT,
    reps INTEGER NOT NULL,
    lapses INTEGER NOT NULL,
    created TEXT NOT NULL
);
CREATE TABLE reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    card TEXT NOT NULL REFERENCES cards(key),
    generator TEXT NOT NULL,
    version INTEGER NOT NULL,
    seed INTEGER NOT NULL,          -- quizgen show GENERATOR --seed SEED shows the same problem
    options TEXT NOT NULL,
    reviewed_at TEXT NOT NULL,
    duration_ms INTEGER,
    typed TEXT NOT NULL,            -- JSON list: what was typed, one entry per answer part
    value TEXT,                     -- JSON list: what it was read as, in the answers' units
    correct INTEGER NOT NULL,
    rating INTEGER NOT NULL,        -- 1 again, 2 hard, 3 good, 4 easy
    state_before INTEGER,           -- NULL for a card's first review
    due_after TEXT NOT NULL,
    misconception TEXT,
    session TEXT NOT NULL
);
CREATE INDEX reviews_by_card ON reviews (card, reviewed_at);
CREATE INDEX cards_by_due ON cards (due);
"""
_TABLES = {"meta", "cards", "reviews", "sqlite_sequence"}


def fmt_time(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(s: str) -> datetime:
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


def default_db_path() -> Path:
    """``drill.sqlite3`` in the user data directory (platformdirs), e.g. ~/.local/share/quizgen;
    ``QUIZGEN_DATA_DIR`` overrides the folder."""
    import os

    import platformdirs

    env = os.environ.get("QUIZGEN_DATA_DIR")
    folder = Path(env) if env else Path(platformdirs.user_data_dir("quizgen", appauthor=False))
    return folder / "drill.sqlite3"


@dataclass(frozen=True)
class Card:
    """A card row: which generator (and options), and its FSRS memory."""

    key: str
    generator: str
    options: str
    memory: Memory


@dataclass(frozen=True)
class ReviewRecord:
    """One finished review, as written to the ``reviews`` table."""

    card: str
    generator: str
    version: int
    seed: int
    options: str
    reviewed_at: datetime
    duration_ms: int | None
    typed: list[str]
    value: list[Any] | None
    correct: bool
    rating: Rating
    misconception: str | None
    session: str


@dataclass(frozen=True)
class ReviewRow:
    """A review as read back for statistics."""

    card: str
    generator: str
    reviewed_at: datetime
    correct: bool
    rating: int
    state_before: int | None


def _memory(row: sqlite3.Row) -> Memory:
    if row["state"] not in {s.value for s in CardState}:
        raise ValueError(f"card {row['key']!r} has state {row['state']!r}, not 1, 2 or 3")
    return Memory(
        state=CardState(int(row["state"])), step=row["step"], stability=row["stability"],
        difficulty=row["difficulty"], due=parse_time(row["due"]),
        last_review=parse_time(row["last_review"]) if row["last_review"] else None,
        reps=int(row["reps"]), lapses=int(row["lapses"]),
    )


class Store:
    """An open drill database. Use :func:`open_store`; close with :meth:`close` (or ``with``)."""

    def __init__(self, conn: sqlite3.Connection, path: Path, readonly: bool) -> None:
        self._conn = conn
        self.path = path
        self.readonly = readonly

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def _errors(self) -> Iterator[None]:
        with _sqlite_errors(self.path):
            try:
                yield
            except (ValueError, TypeError, OverflowError, KeyError) as e:
                # A row edited by hand or by another program (state=99, due='garbage').
                raise DrillDatabaseError(
                    f"drill database {str(self.path)!r} holds a damaged row ({e}); quizgen left it untouched: "
                    "repair or delete that row (sqlite3), restore a backup, or pass --db with another path"
                ) from None

    # -- reading ----------------------------------------------------------------------------------
    def cards(self) -> dict[str, Card]:
        """Every card by key."""
        with self._errors():
            if not _has_tables(self._conn):
                return {}
            rows = self._conn.execute("SELECT * FROM cards ORDER BY due, key").fetchall()
            return {r["key"]: Card(r["key"], r["generator"], r["options"], _memory(r)) for r in rows}

    def reviews(self) -> list[ReviewRow]:
        """Every review, oldest first."""
        with self._errors():
            if not _has_tables(self._conn):
                return []
            rows = self._conn.execute(
                "SELECT card, generator, reviewed_at, correct, rating, state_before FROM reviews ORDER BY id"
            ).fetchall()
            return [ReviewRow(r["card"], r["generator"], parse_time(r["reviewed_at"]), bool(r["correct"]),
                              int(r["rating"]), r["state_before"]) for r in rows]

    def last_seeds(self) -> dict[str, int]:
        """The seed of each card's latest review (a new review avoids repeating its numbers)."""
        with self._errors():
            if not _has_tables(self._conn):
                return {}
            rows = self._conn.execute(
                "SELECT card, seed FROM reviews WHERE id IN (SELECT max(id) FROM reviews GROUP BY card)").fetchall()
            return {r["card"]: int(r["seed"]) for r in rows}

    def review_count(self) -> int:
        with self._errors():
            if not _has_tables(self._conn):
                return 0
            return int(self._conn.execute("SELECT count(*) FROM reviews").fetchone()[0])

    # -- writing ----------------------------------------------------------------------------------
    def record(self, rec: ReviewRecord, update: Callable[[Memory | None], Memory]) -> Memory:
        """Write one review in one transaction. ``update`` maps the card's memory as stored *now*
        (``None`` for a new card) to its memory after this review, so two sessions reviewing the
        same card never overwrite each other."""
        if self.readonly:
            raise DrillDatabaseError(f"drill database {str(self.path)!r} is open read-only")
        c = self._conn
        with self._errors():
            c.execute("BEGIN IMMEDIATE")
            try:
                row = c.execute("SELECT * FROM cards WHERE key = ?", (rec.card,)).fetchone()
                before = _memory(row) if row is not None else None
                after = update(before)
                values = (after.state.value, after.step, after.stability, after.difficulty, fmt_time(after.due),
                          fmt_time(after.last_review) if after.last_review else None, after.reps, after.lapses)
                if row is None:
                    c.execute("INSERT INTO cards (key, generator, options, state, step, stability, difficulty, due, "
                              "last_review, reps, lapses, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                              (rec.card, rec.generator, rec.options, *values, fmt_time(rec.reviewed_at)))
                else:
                    c.execute("UPDATE cards SET state = ?, step = ?, stability = ?, difficulty = ?, due = ?, "
                              "last_review = ?, reps = ?, lapses = ? WHERE key = ?", (*values, rec.card))
                c.execute(
                    "INSERT INTO reviews (card, generator, version, seed, options, reviewed_at, duration_ms, typed, "
                    "value, correct, rating, state_before, due_after, misconception, session) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (rec.card, rec.generator, rec.version, rec.seed, rec.options, fmt_time(rec.reviewed_at),
                     rec.duration_ms, json.dumps(rec.typed, ensure_ascii=False),
                     None if rec.value is None else json.dumps(rec.value), int(rec.correct), int(rec.rating),
                     before.state.value if before is not None else None, fmt_time(after.due), rec.misconception,
                     rec.session))
            except BaseException:
                c.execute("ROLLBACK")
                raise
            c.execute("COMMIT")
        return after


@contextmanager
def _sqlite_errors(path: Path) -> Iterator[None]:
    try:
        yield
    except sqlite3.OperationalError as e:
        msg = str(e)
        if "locked" in msg or "busy" in msg:
            raise DrillDatabaseError(f"drill database {str(path)!r} is busy: another quizgen session has held "
                                     f"it for over {BUSY_TIMEOUT_MS // 1000} s; try again") from None
        if "unable to open" in msg:
            raise DrillDatabaseError(f"cannot open drill database {str(path)!r} ({msg}): check that it and its "
                                     "folder are readable and writable, or pass --db with another path") from None
        if "disk is full" in msg or "disk I/O error" in msg:
            raise DrillDatabaseError(f"cannot write drill database {str(path)!r} ({msg}): free some space; "
                                     "the last review was not saved") from None
        if "readonly" in msg or "read-only" in msg:
            raise DrillDatabaseError(f"drill database {str(path)!r} is read-only: make it writable, or pass "
                                     "--db with another path") from None
        raise _corrupt(path, msg) from None
    except sqlite3.DatabaseError as e:
        raise _corrupt(path, str(e)) from None


def _corrupt(path: Path, detail: str) -> DrillDatabaseError:
    return DrillDatabaseError(
        f"drill database {str(path)!r} cannot be read ({detail}); quizgen left it untouched: move it aside "
        "or restore a backup, or pass --db with another path to start a new one")


def _not_ours(path: Path, why: str) -> DrillDatabaseError:
    return DrillDatabaseError(
        f"{str(path)!r} is not a quizgen drill database ({why}); quizgen left it untouched: pass --db "
        "with another path, or move the file aside")


def _has_tables(conn: sqlite3.Connection) -> bool:
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return "cards" in names


def _check_header(path: Path) -> None:
    try:
        with path.open("rb") as f:
            head = f.read(len(SQLITE_MAGIC))
    except OSError as e:
        raise DrillDatabaseError(f"cannot read drill database {str(path)!r}: {e.strerror}") from None
    if head and head != SQLITE_MAGIC:
        raise _not_ours(path, "it is not an SQLite file")


def _check_schema(conn: sqlite3.Connection, path: Path) -> bool:
    """Whether the file already holds our schema; raise if it holds something else."""
    app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if app_id == 0 and version == 0 and not tables:
        return False
    if app_id != APPLICATION_ID:
        raise _not_ours(path, "another program's SQLite database")
    if version > SCHEMA_VERSION:
        raise DrillDatabaseError(
            f"drill database {str(path)!r} was written by a newer quizgen (schema {version}; this quizgen reads "
            f"up to {SCHEMA_VERSION}); upgrade quizgen (pip install -U quizgen), or pass --db with another path. "
            "quizgen left it untouched")
    if version < 1 or not {"cards", "reviews", "meta"} <= tables:
        raise _corrupt(path, f"schema {version} is missing tables")
    return True


def open_store(path: Path, *, readonly: bool = False, create_parent: bool = False) -> Store:
    """Open (creating if needed, unless ``readonly``) the drill database at ``path``.

    A missing file opened ``readonly`` reads as empty and is not created.
    """
    path = Path(path).expanduser()
    if path.is_dir():
        raise DrillDatabaseError(f"--db {str(path)!r} is a directory; give a file path, e.g. {path / 'drill.sqlite3'}")
    _check_regular(path)
    exists = path.exists()
    if exists:
        _check_header(path)
        if not readonly:
            # Decide whether the file is ours through a read-only connection: a read-write one
            # would checkpoint a foreign file's pending -wal into it when closed.
            _inspect_readonly(path)
    elif readonly:
        conn = sqlite3.connect(":memory:", isolation_level=None)
        conn.row_factory = sqlite3.Row
        return Store(conn, path, readonly=True)
    else:
        parent = path.parent
        if not parent.exists():
            if not create_parent:
                raise DrillDatabaseError(f"cannot create drill database {str(path)!r}: folder {str(parent)!r} does "
                                         "not exist; create it first")
            try:
                parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise DrillDatabaseError(f"cannot create folder {str(parent)!r} for the drill database: "
                                         f"{e.strerror}") from None
    with _sqlite_errors(path):
        if readonly:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None,
                                   timeout=BUSY_TIMEOUT_MS / 1000)
        else:
            try:
                conn = sqlite3.connect(str(path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
            except sqlite3.OperationalError as e:
                raise DrillDatabaseError(f"cannot open drill database {str(path)!r}: {e}") from None
        conn.row_factory = sqlite3.Row
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            ours = _check_schema(conn, path)
            if readonly:
                return Store(conn, path, readonly=True)
            ok = conn.execute("PRAGMA quick_check").fetchone()[0]
            if ok != "ok":
                raise _corrupt(path, f"integrity check: {ok}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            if not ours:
                _initialize(conn, path)
        except BaseException:
            conn.close()
            raise
    return Store(conn, path, readonly=False)


def _check_regular(path: Path) -> None:
    """Refuse a FIFO, device or socket (opening a FIFO blocks forever): only regular files."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return
    except OSError as e:
        raise DrillDatabaseError(f"cannot open drill database {str(path)!r}: {e.strerror or e}") from None
    if not stat.S_ISREG(st.st_mode):
        kind = ("a FIFO" if stat.S_ISFIFO(st.st_mode) else "a device" if stat.S_ISCHR(st.st_mode)
                or stat.S_ISBLK(st.st_mode) else "a socket" if stat.S_ISSOCK(st.st_mode) else "not a regular file")
        raise DrillDatabaseError(f"--db {str(path)!r} is {kind}, not a database file; give a file path, "
                                 "e.g. --db ~/drill.sqlite3")


def _ro_uri(path: Path, immutable: bool = False) -> str:
    return f"{path.resolve().as_uri()}?{'immutable=1' if immutable else 'mode=ro'}"


def _inspect_readonly(path: Path) -> None:
    """Raise, without changing a byte of ``path`` or its -wal, if it is foreign, newer or corrupt."""
    last: Exception | None = None
    for immutable in (False, True):  # mode=ro needs a -shm it may create; immutable needs nothing
        try:
            conn = sqlite3.connect(_ro_uri(path, immutable), uri=True, isolation_level=None,
                                   timeout=BUSY_TIMEOUT_MS / 1000)
        except sqlite3.Error as e:
            last = e
            continue
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            _check_schema(conn, path)
            return
        except sqlite3.OperationalError as e:
            last = e  # e.g. cannot create the -shm: try immutable
        except sqlite3.DatabaseError as e:
            raise _corrupt(path, str(e)) from None
        finally:
            conn.close()
    with _sqlite_errors(path):
        assert last is not None
        raise last


def _initialize(conn: sqlite3.Connection, path: Path) -> None:
    from quizgen import __version__

    conn.execute("BEGIN IMMEDIATE")
    try:
        if _check_schema(conn, path):  # another session created it while we waited for the lock
            conn.execute("ROLLBACK")
            return
        # statement by statement: executescript() would commit the transaction first
        for stmt in _SCHEMA.split(";"):
            if stmt.strip():
                conn.execute(stmt)
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("INSERT INTO meta (key, value) VALUES ('created_by', ?)", (f"quizgen {__version__}",))
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
