"""``quizgen drill`` / ``quizgen stats``: real sessions through a pseudo-terminal and a pipe, the
SQLite file they leave, FSRS due dates under an injected clock, and every generator's answers."""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import re
import signal
import sqlite3
import sys
import textwrap
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pexpect
import pytest

from quizgen.drill.parse import parse_for
from quizgen.drill.scheduler import Clock, Memory, Rating, Scheduler
from quizgen.drill.session import (
    DrillCard,
    Progress,
    Session,
    Stop,
    card_key,
    find_misconception,
    grade,
    review_seed,
)
from quizgen.drill.store import SCHEMA_VERSION, ReviewRecord, open_store
from quizgen.drill.ui import PipeUI
from quizgen.errors import DrillDatabaseError
from quizgen.generator import Generator, Params
from quizgen.grading import accepts
from quizgen.model import EXACT, SIG3, Answer, Distractor, Problem
from quizgen.params import Param
from quizgen.registry import Registry
from quizgen.rng import Rng

from .conftest import ROOT, run_cli

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
DECK3 = textwrap.dedent("""\
    [deck]
    name = "three matmuls"
    [[items]]
    generator = "flops.matmul"
    options = { m = 64 }
    [[items]]
    generator = "flops.matmul"
    options = { k = 128 }
    [[items]]
    generator = "flops.matmul"
    options = { n = 32 }
""")
OPTIONS = [{"m": 64}, {"k": 128}, {"n": 32}]
KEYS = [card_key("flops.matmul", o) for o in OPTIONS]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture()
def deck3(tmp_path: Path) -> Path:
    p = tmp_path / "three.toml"
    p.write_text(DECK3)
    return p


def matmul(registry: Registry, seed: int, options: Mapping[str, Any]) -> Problem:
    return registry.get("flops.matmul").problem(seed, options)


def db_rows(db: Path, sql: str) -> list[sqlite3.Row]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


# -- a real terminal, through a pseudo-terminal ------------------------------------------------------

def spawn(args: list[str], now: datetime) -> pexpect.spawn:
    env = {**os.environ, "QUIZGEN_NOW": iso(now), "TERM": "xterm", "COLUMNS": "200", "LINES": "50"}
    env.pop("NO_COLOR", None)
    return pexpect.spawn(sys.executable, ["-m", "quizgen", *args], env=env, cwd=str(ROOT), encoding="utf-8",
                         timeout=60, dimensions=(50, 200), preexec_fn=_default_sigint)


def _default_sigint() -> None:
    """A test run started in the background of a non-interactive shell (``pytest &``, nohup, some CI
    runners) inherits SIGINT *ignored*, and Python then never raises KeyboardInterrupt: give the
    session the terminal's usual ^C, as a user has."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


COUNTER = r"(?:card \d+ of \d+(?:, \d+ to repeat)?|repeat \([^)]*\))"
QUESTION = re.compile(COUNTER + r" · (?:\x1b\[[0-9;]*m)*(flops\.matmul \{[^}]*\}).*?seed (\d+)", re.S)


def next_question(child: pexpect.spawn) -> tuple[str, int]:
    child.expect(QUESTION)
    key, seed = child.match.group(1), int(child.match.group(2))
    child.expect("›")
    return key, seed


def options_of(key: str) -> dict[str, int]:
    return dict(OPTIONS[KEYS.index(key)])


def test_terminal_session_right_wrong_garbage_quit(registry: Registry, deck3: Path, tmp_path: Path) -> None:
    db = tmp_path / "drill.sqlite3"
    child = spawn(["drill", str(deck3), "--db", str(db), "--seed", "11", "--new", "3"], NOW)
    # 1: garbage, then the right answer typed with thousands separators; Enter keeps "good"
    key1, seed1 = next_question(child)
    assert key1 == KEYS[0]
    right = matmul(registry, seed1, options_of(key1)).answer.value
    child.sendline("a lot")
    child.expect("couldn't read that as a number — try 1.5e9 or 3/4")
    child.expect("›")
    child.sendline(f"{right:,}")
    child.expect("right")
    child.expect(r"rate.*›")
    child.sendline("")
    child.expect("rated good")
    # 2: a known misconception (multiply-adds counted once), rated "again" explicitly
    key2, seed2 = next_question(child)
    p2 = matmul(registry, seed2, options_of(key2))
    macs = p2.answer.value // 2
    child.sendline(str(macs))
    child.expect("misconception")
    child.expect("multiply-adds")
    child.expect(r"rate.*›")
    child.sendline("1")
    child.expect("rated again")
    # 3: quit mid-question: nothing recorded for it
    next_question(child)
    child.sendline("q")
    child.expect("score 1/2")
    child.expect("you quit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    reviews = db_rows(db, "SELECT * FROM reviews ORDER BY id")
    assert [(r["card"], r["seed"], r["correct"], r["rating"]) for r in reviews] == [
        (key1, seed1, 1, Rating.GOOD), (key2, seed2, 0, Rating.AGAIN)]
    assert json.loads(reviews[0]["typed"]) == [f"{right:,}"] and json.loads(reviews[0]["value"]) == [right]
    assert reviews[1]["misconception"] and "multiply-adds" in reviews[1]["misconception"]
    cards = {r["key"]: r for r in db_rows(db, "SELECT * FROM cards")}
    assert set(cards) == {key1, key2}
    assert cards[key1]["state"] == 2 and cards[key2]["state"] == 1  # review; still learning
    due1 = datetime.fromisoformat(cards[key1]["due"].replace("Z", "+00:00"))
    due2 = datetime.fromisoformat(cards[key2]["due"].replace("Z", "+00:00"))
    assert timedelta(days=1) < due1 - NOW < timedelta(days=3)
    assert timedelta(minutes=9) < due2 - NOW < timedelta(minutes=15)

    # A second session an hour later: only the missed card is due, with new numbers.
    child = spawn(["drill", str(deck3), "--db", str(db), "--seed", "11", "--new", "0"], NOW + timedelta(hours=1))
    key, seed = next_question(child)
    assert key == key2 and seed != seed2
    p = matmul(registry, seed, options_of(key))
    assert p.params != p2.params
    child.sendline(f"{p.answer.value / 1e9} GFLOP")  # a unit, converted
    child.expect("right")
    child.expect(r"rate.*›")
    child.sendline("g")
    child.expect("score 1/1")
    child.expect("nothing more due")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert db_rows(db, "SELECT count(*) FROM reviews")[0][0] == 3


def test_kill_mid_session_keeps_finished_reviews(registry: Registry, deck3: Path, tmp_path: Path) -> None:
    db = tmp_path / "drill.sqlite3"
    child = spawn(["drill", str(deck3), "--db", str(db), "--seed", "5"], NOW)
    key, seed = next_question(child)
    child.sendline(str(matmul(registry, seed, options_of(key)).answer.value))
    child.expect(r"rate.*›")
    child.sendline("")
    next_question(child)
    child.sendline("12")  # answered, but killed before the rating is given
    child.expect(r"rate.*›")
    child.kill(signal.SIGKILL)
    child.close()
    assert db_rows(db, "PRAGMA integrity_check")[0][0] == "ok"
    assert [(r["card"], r["correct"]) for r in db_rows(db, "SELECT * FROM reviews")] == [(key, 1)]
    res = run_cli("stats", str(deck3), "--db", str(db), "--json", env={"QUIZGEN_NOW": iso(NOW)})
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["reviews"] == 1


def test_ctrl_c_prints_the_summary_and_exits_130(registry: Registry, deck3: Path, tmp_path: Path) -> None:
    db = tmp_path / "drill.sqlite3"
    child = spawn(["drill", str(deck3), "--db", str(db), "--seed", "6"], NOW)
    key, seed = next_question(child)
    child.sendline(str(matmul(registry, seed, options_of(key)).answer.value))
    child.expect(r"rate.*›")
    child.sendline("e")
    next_question(child)  # the prompt is on the pty: input() has been called
    # ^C then Enter. Python's readline loop can miss a SIGINT that lands after the prompt is drawn
    # but before it blocks in select() (it only checks signals when select is interrupted); the
    # Enter then wakes it and the pending ^C is raised right after input() returns. If the ^C is
    # seen at once, the tty flushes or the exiting session ignores the Enter. No ordering fails.
    child.sendintr()
    child.send("\r")
    child.expect("score 1/1")
    child.expect("interrupted")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert [r["rating"] for r in db_rows(db, "SELECT rating FROM reviews")] == [Rating.EASY]


# -- a pipe: scriptable sessions ----------------------------------------------------------------------

def test_pipe_session_and_due_dates(registry: Registry, deck3: Path, tmp_path: Path) -> None:
    db = tmp_path / "drill.sqlite3"
    s = [review_seed(3, k, 0) for k in KEYS]
    p = [matmul(registry, seed, o) for seed, o in zip(s, OPTIONS, strict=True)]
    answers = ["???", str(p[0].answer.value), str(p[1].answer.value // 2), "idk"]
    res = run_cli("drill", str(deck3), "--db", str(db), "--seed", "3", "--new", "2",
                  input="\n".join(answers) + "\n", env={"QUIZGEN_NOW": iso(NOW)})
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert "\x1b[" not in out  # no colours in a pipe
    assert f"seed {s[0]}" in out and f"seed {s[1]}" in out and f"seed {s[2]}" not in out  # --new 2
    assert "couldn't read that as a number — try 1.5e9 or 3/4" in out
    assert "✓ right" in out and "misconception: counts multiply-adds" in out
    assert "gave up" in out  # the missed card came back (learn-ahead) and "idk" showed the answer
    assert "end of input" in out
    rows = db_rows(db, "SELECT card, correct, rating FROM reviews ORDER BY id")
    assert [tuple(r) for r in rows] == [(KEYS[0], 1, 3), (KEYS[1], 0, 1), (KEYS[1], 0, 1)]

    # Two days later, --new 0: both cards due; each shows new numbers.
    later = NOW + timedelta(days=3)
    res = run_cli("drill", str(deck3), "--db", str(db), "--seed", "3", "--new", "0", input="idk\nidk\n",
                  env={"QUIZGEN_NOW": iso(later)})
    assert res.returncode == 0, res.stderr
    shown = re.findall(r"── " + COUNTER + r" · (flops\.matmul \{[^}]*\}) · [^·]+ · seed (\d+) ──", res.stdout)
    assert {k for k, _ in shown} == {KEYS[0], KEYS[1]}
    first_seed = {k: int(v) for k, v in reversed(shown)}
    assert first_seed[KEYS[0]] != s[0] and first_seed[KEYS[1]] != s[1]

    # Stats from the same file, as JSON and as a report.
    res = run_cli("stats", str(deck3), "--db", str(db), "--json", env={"QUIZGEN_NOW": iso(later)})
    assert res.returncode == 0, res.stderr
    st = json.loads(res.stdout)
    assert st["cards"] == 3 and st["seen"] == 2 and st["new"] == 1 and st["reviews"] == 5
    assert st["due_now"] == 0 and st["due_24h"] == 2  # both were just missed again
    (flops,) = st["areas"]
    assert flops["area"] == "flops" and flops["reviews"] == 5 and flops["correct"] == 0.2
    assert flops["retention"] == 0.0  # the one graduated card was missed
    res = run_cli("drill", str(deck3), "--db", str(db), "--stats", env={"QUIZGEN_NOW": iso(later)})
    assert res.returncode == 0 and "retention" in res.stdout and "FLOPs" in res.stdout


def test_counter_counts_cards_and_the_summary_counts_new_cards_as_stats_does(deck3: Path, tmp_path: Path) -> None:
    """Issue 19: the total no longer grows as you miss (1/3 → 2/4 → 3/5); a missed card is a repeat.
    And the summary's "N new card(s) left" equals `stats`'s new count after a quit on a new card."""
    db = tmp_path / "d.sqlite3"
    env = {"QUIZGEN_NOW": iso(NOW)}
    res = run_cli("drill", str(deck3), "--db", str(db), "--seed", "5", "--new", "3", input="idk\nidk\nidk\nidk\nq\n",
                  env=env)
    assert res.returncode == 0, res.stderr
    heads = re.findall(r"── (.+?) · flops\.matmul", res.stdout)
    assert heads[:4] == ["card 1 of 3", "card 2 of 3, 1 to repeat", "card 3 of 3, 2 to repeat",
                         "repeat (3 of 3 cards seen, 2 more to repeat)"], heads

    # A new card quit on screen stays new: summary and stats agree (2 left after 1 review).
    db2 = tmp_path / "e.sqlite3"
    res = run_cli("drill", str(deck3), "--db", str(db2), "--seed", "5", "--new", "3", input="idk\ns\nq\n", env=env)
    assert res.returncode == 0, res.stderr
    left = int(re.search(r"(\d+) new card\(s\) left", res.stdout).group(1))  # type: ignore[union-attr]
    st = json.loads(run_cli("stats", str(deck3), "--db", str(db2), "--json", env=env).stdout)
    assert left == st["new"] == 2


def test_pipe_rate_option_reads_a_rating_line(registry: Registry, deck3: Path, tmp_path: Path) -> None:
    db = tmp_path / "d.sqlite3"
    p = matmul(registry, review_seed(4, KEYS[0], 0), OPTIONS[0])
    res = run_cli("drill", str(deck3), "--db", str(db), "--seed", "4", "--new", "1", "--rate",
                  input=f"{p.answer.value}\nmaybe\n4\n", env={"QUIZGEN_NOW": iso(NOW)})
    assert res.returncode == 0, res.stderr
    assert "type 1 again · 2 hard · 3 good · 4 easy" in res.stdout
    assert [r[0] for r in db_rows(db, "SELECT rating FROM reviews")] == [Rating.EASY]


def test_same_seed_same_session(deck3: Path, tmp_path: Path) -> None:
    outs = []
    for name in ("a", "b"):
        res = run_cli("drill", str(deck3), "--db", str(tmp_path / f"{name}.sqlite3"), "--seed", "9",
                      input="1\n2\n3\n", env={"QUIZGEN_NOW": iso(NOW)})
        assert res.returncode == 0, res.stderr
        outs.append(re.sub(r"database: .*|in \d+:\d+", "", res.stdout))
    assert outs[0] == outs[1]


def test_nothing_due(deck3: Path, tmp_path: Path) -> None:
    res = run_cli("drill", str(deck3), "--db", str(tmp_path / "d.sqlite3"), "--new", "0", input="",
                  env={"QUIZGEN_NOW": iso(NOW)})
    assert res.returncode == 0, res.stderr
    assert "score 0/0" in res.stdout and "3 new card(s) left" in res.stdout


# -- the database: errors, never silent loss -----------------------------------------------------------

def _fails_untouched(path: Path, args: list[str], message: str) -> None:
    before = path.read_bytes()
    res = run_cli(*args, input="1\n")
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert res.stderr.startswith("error: ") and message in res.stderr and "Traceback" not in res.stderr
    assert str(path) in res.stderr
    assert path.read_bytes() == before


def test_database_that_is_not_ours(tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("my precious notes\n" * 100)
    _fails_untouched(junk, ["drill", "--db", str(junk)], "is not a quizgen drill database")
    _fails_untouched(junk, ["stats", "--db", str(junk)], "is not a quizgen drill database")
    other = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    _fails_untouched(other, ["drill", "--db", str(other)], "another program's SQLite database")


def test_database_with_a_newer_schema(deck3: Path, tmp_path: Path) -> None:
    db = tmp_path / "d.sqlite3"
    assert run_cli("drill", str(deck3), "--db", str(db), input="").returncode == 0
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    _fails_untouched(db, ["drill", str(deck3), "--db", str(db)], "written by a newer quizgen")
    _fails_untouched(db, ["stats", str(deck3), "--db", str(db)], "written by a newer quizgen")


def test_corrupt_database(deck3: Path, tmp_path: Path) -> None:
    db = tmp_path / "d.sqlite3"
    with open_store(db) as store:
        for i in range(300):  # enough rows for several pages
            store.record(_record(f"card{i}", NOW), lambda m: Scheduler().review(m or Memory.new(NOW), Rating.GOOD, NOW))
    data = bytearray(db.read_bytes())
    page = 4096
    assert len(data) > 3 * page
    data[2 * page:3 * page] = b"\xa5" * page  # scribble over one page
    db.write_bytes(bytes(data))
    _fails_untouched(db, ["drill", str(deck3), "--db", str(db)], "cannot be read")


def test_bad_paths_and_options(deck3: Path, tmp_path: Path) -> None:
    for args, msg in (
        (["drill", "--db", str(tmp_path)], "is a directory"),
        (["drill", "--db", str(tmp_path / "missing" / "d.sqlite3")], "does not exist; create it first"),
        (["drill", "no-such-deck", "--db", str(tmp_path / "x.sqlite3")], "unknown deck 'no-such-deck'"),
        (["drill", str(deck3), "--now", "yesterday", "--db", str(tmp_path / "x.sqlite3")], "--now='yesterday'"),
        (["drill", "--new", "-1"], "--new"),
        (["drill", "--limit", "0"], "--limit"),
    ):
        res = run_cli(*args, input="")
        assert res.returncode == 2, (args, res.stdout, res.stderr)
        assert msg in res.stderr and "Traceback" not in res.stderr, (args, res.stderr)
    assert not (tmp_path / "missing").exists() and not (tmp_path / "x.sqlite3").exists()
    res = run_cli("stats", str(deck3), env={"QUIZGEN_NOW": "soon"})
    assert res.returncode == 2 and "QUIZGEN_NOW='soon'" in res.stderr
    # A --db that does not exist is a typo, not an empty history (issue 19): an error, no file made.
    for args in (["stats"], ["drill", "--stats"]):
        res = run_cli(*args, str(deck3), "--db", str(tmp_path / "none.sqlite3"))
        assert res.returncode == 2 and res.stderr.startswith("error: --db") and "none.sqlite3" in res.stderr
        assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "none.sqlite3").exists()  # stats never creates the file


def test_default_database_lives_in_the_user_data_dir(deck3: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QUIZGEN_DATA_DIR", raising=False)  # the suite-wide override (conftest)
    env = {"XDG_DATA_HOME": str(tmp_path / "xdg"), "QUIZGEN_NOW": iso(NOW)}
    res = run_cli("drill", str(deck3), "--seed", "1", input="idk\n", env=env)
    assert res.returncode == 0, res.stderr
    db = tmp_path / "xdg" / "quizgen" / "drill.sqlite3"
    assert db.is_file() and f"database: {db}" in res.stdout
    assert db_rows(db, "PRAGMA journal_mode")[0][0] == "wal"
    assert db_rows(db, "PRAGMA user_version")[0][0] == SCHEMA_VERSION


def _record(key: str, now: datetime, session: str = "t") -> ReviewRecord:
    return ReviewRecord(card=key, generator="flops.matmul", version=1, seed=1, options="{}", reviewed_at=now,
                        duration_ms=1, typed=["1"], value=[1], correct=True, rating=Rating.GOOD,
                        misconception=None, session=session)


def _hammer(db: str, who: str, n: int) -> None:
    sched = Scheduler()
    with open_store(Path(db)) as store:
        for i in range(n):
            now = NOW + timedelta(days=i)
            store.record(_record("shared", now, who), lambda m, now=now: sched.review(m or Memory.new(now),
                                                                                    Rating.GOOD, now))
            store.record(_record(f"{who}-{i}", now, who), lambda m, now=now: sched.review(m or Memory.new(now),
                                                                                        Rating.AGAIN, now))


def test_two_sessions_at_once_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "d.sqlite3"
    open_store(db).close()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_hammer, args=(str(db), w, 40)) for w in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    assert db_rows(db, "PRAGMA integrity_check")[0][0] == "ok"
    assert db_rows(db, "SELECT count(*) FROM reviews")[0][0] == 160
    # the shared card saw every review: no update was lost between the two writers
    assert db_rows(db, "SELECT reps FROM cards WHERE key = 'shared'")[0][0] == 80
    assert db_rows(db, "SELECT count(*) FROM cards")[0][0] == 81


def test_store_rejects_a_database_it_cannot_read(tmp_path: Path) -> None:
    p = tmp_path / "x.sqlite3"
    p.write_bytes(b"SQLite format 3\x00" + b"\x00" * 84 + b"garbage" * 100)
    with pytest.raises(DrillDatabaseError, match="quizgen left it untouched"):
        open_store(p)


# -- sessions in process: vectors, multi-part answers, redraws -------------------------------------------

class VecGen(Generator):
    """A test generator: a vector answer with a misconception, and a second part in ms."""

    id = "test.vec"
    title = "vector and parts"
    params = (Param("a", "int", "a", lo=1, hi=2, min=1),)

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        return {"a": rng.integer(1, 2)}

    def solve(self, p: Params) -> list[Answer]:
        return [Answer("pair", [p["a"], p["a"] * 1000], "B", EXACT), Answer("time", p["a"] / 1000, "s", SIG3)]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        return f"What are \\(a = {p['a']}\\) things?", "Because."

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        return [Distractor([p["a"], p["a"]], "forgot the thousand")]


class ScriptedUI(PipeUI):
    """A pipe whose next line is computed from the problem on screen."""

    def __init__(self, script: Callable[[Problem, str], str | None]) -> None:
        super().__init__(io.StringIO(), io.StringIO())
        self.script = script
        self.problem: Problem | None = None
        self.problems: list[Problem] = []

    def question(self, progress: Progress, card: DrillCard, problem: Problem, *rest: Any) -> None:
        super().question(progress, card, problem, *rest)
        self.problem = problem
        self.problems.append(problem)

    def read(self, prompt: str) -> str | None:
        assert self.problem is not None
        line = self.script(self.problem, prompt)
        self.out.write(f"{prompt}{line}\n")
        return line


def run_session(tmp_path: Path, script: Callable[[Problem, str], str | None], **kw: Any) -> tuple[Any, ScriptedUI]:
    ui = ScriptedUI(script)
    with open_store(tmp_path / "s.sqlite3") as store:
        session = Session(cards=[DrillCard("test.vec", VecGen(), {})], store=store, ui=ui,
                          clock=Clock(NOW), seed=1, **kw)
        return session.run(), ui


def test_vector_and_multi_part_answers(tmp_path: Path) -> None:
    typed: list[str] = []

    def script(p: Problem, prompt: str) -> str | None:
        a = p.params["a"]
        steps = [f"[{a}, {a}]", "1",  # 1st question: the misconception, and any second part
                 "1,000", f"{a}; {a}000", f"{a} ms"]  # 2nd: a bad split, then right, part by part
        if len(typed) == len(steps):
            return None
        typed.append(steps[len(typed)])
        return typed[-1]

    result, ui = run_session(tmp_path, script)
    out = ui.out.getvalue()
    assert "pair (2 values, ; between, B, exact)> " in out and "time (s, 3 significant figures)> " in out
    assert "expected 2 numbers separated by ';' or ', ' but read 1" in out
    assert result.stop is Stop.DONE
    assert [r.graded.correct for r in result.reviewed] == [False, True]
    first = result.reviewed[0].graded
    assert first.misconception is not None and first.misconception.why == "forgot the thousand"
    assert "misconception: forgot the thousand" in out
    assert [r.rating for r in result.reviewed] == [Rating.AGAIN, Rating.GOOD]


def test_consecutive_reviews_draw_different_numbers(tmp_path: Path) -> None:
    count = 0

    def script(p: Problem, prompt: str) -> str | None:
        nonlocal count
        count += 1
        return "idk" if count <= 6 else None  # wrong every time: the card keeps coming back

    result, ui = run_session(tmp_path, script, limit=6)
    assert result.stop is Stop.LIMIT
    params = [p.params["a"] for p in ui.problems]
    assert len(params) == 6 and all(x != y for x, y in zip(params[:-1], params[1:], strict=True))  # alternate


# -- every generator: its answers read back and grade right; its misconceptions are named ----------------

def _typed_forms(a: Answer) -> list[str]:
    """The answer as a learner might type it: bare, with thousands separators, with its unit."""
    def fmt(v: float | int) -> str:
        return str(v) if isinstance(v, int) else repr(v)

    unit = f" {a.unit}" if a.unit else ""
    if isinstance(a.value, list):
        return ["; ".join(fmt(v) for v in a.value), "[" + ", ".join(fmt(v) + unit for v in a.value) + "]"]
    forms = [fmt(a.value), fmt(a.value) + unit]
    if isinstance(a.value, int):
        forms.append(f"{a.value:,}{unit}")
    return forms


@pytest.mark.parametrize("seed", [0, 1])
def test_every_generator_answer_parses_and_grades(registry: Registry, seed: int) -> None:
    checked = 0
    for gen in registry:
        if gen.measured:
            continue  # a benchmark per draw; their answers are plain floats in s, TFLOP/s, GB/s
        p = gen.problem(seed)
        typed = [_typed_forms(a)[0] for a in p.answers]
        values = [parse_for(a, t) for a, t in zip(p.answers, typed, strict=True)]
        assert grade(p, typed, values).correct, (gen.id, typed)
        for a in p.answers:
            for form in _typed_forms(a):
                assert accepts(a, parse_for(a, form)), (gen.id, a, form)
        head = p.answer
        for d in p.distractors:
            if accepts(head, d.value):
                continue  # within tolerance of the answer: not a mistake we can name
            assert find_misconception(p, d.value) is not None, (gen.id, d)
        checked += 1
    assert checked >= 1
