"""FSRS scheduling for drill cards (one card per generator), and the clock the drill reads.

The ``fsrs`` package does the math; this module keeps its types out of the rest of quizgen, fixes
the settings (one 10-minute learning step, no interval fuzz, so a session replays exactly), and
makes the clock injectable for tests: ``QUIZGEN_NOW=2026-11-23T10:00:00Z quizgen drill`` starts
the clock at that instant and lets it run. Example::

    QUIZGEN_NOW=2026-12-01T08:00:00Z quizgen stats
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from enum import IntEnum
from typing import Any

from quizgen.errors import UserError

NOW_ENV = "QUIZGEN_NOW"
LEARNING_STEP = timedelta(minutes=10)
LEARN_AHEAD = timedelta(minutes=20)
"""Cards due within this much of now (a card you just missed) come back before a session ends."""
DESIRED_RETENTION = 0.9


class Rating(IntEnum):
    """The learner's rating of one review (FSRS's four buttons)."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4


class CardState(IntEnum):
    """FSRS card states (the same numbers as ``fsrs.State``)."""

    LEARNING = 1
    REVIEW = 2
    RELEARNING = 3


RATING_WORDS: dict[str, Rating] = {
    "1": Rating.AGAIN, "a": Rating.AGAIN, "again": Rating.AGAIN,
    "2": Rating.HARD, "h": Rating.HARD, "hard": Rating.HARD,
    "3": Rating.GOOD, "g": Rating.GOOD, "good": Rating.GOOD,
    "4": Rating.EASY, "e": Rating.EASY, "easy": Rating.EASY,
}


def suggested_rating(correct: bool) -> Rating:
    """Wrong → Again, right → Good; the learner may pick another."""
    return Rating.GOOD if correct else Rating.AGAIN


@dataclass(frozen=True)
class Memory:
    """The FSRS memory state of one card (what the database stores)."""

    state: CardState
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None
    reps: int = 0
    lapses: int = 0

    @classmethod
    def new(cls, now: datetime) -> Memory:
        return cls(CardState.LEARNING, 0, None, None, now, None)


class Scheduler:
    """Reviews cards with FSRS: ``review(memory, rating, now) -> memory``."""

    def __init__(self) -> None:
        import fsrs

        self._fsrs = fsrs
        self._s = fsrs.Scheduler(
            desired_retention=DESIRED_RETENTION,
            learning_steps=(LEARNING_STEP,),
            relearning_steps=(LEARNING_STEP,),
            enable_fuzzing=False,  # fuzz draws from the global RNG; without it a session replays exactly
        )

    def _card(self, m: Memory) -> Any:
        return self._fsrs.Card(card_id=1, state=self._fsrs.State(int(m.state)), step=m.step,
                               stability=m.stability, difficulty=m.difficulty, due=m.due,
                               last_review=m.last_review)

    def review(self, m: Memory, rating: Rating, now: datetime) -> Memory:
        """The memory after a review rated ``rating`` at ``now``."""
        card, _ = self._s.review_card(self._card(m), self._fsrs.Rating(int(rating)), utc(now))
        lapse = m.state == CardState.REVIEW and rating == Rating.AGAIN
        return replace(m, state=CardState(int(card.state)), step=card.step, stability=card.stability,
                       difficulty=card.difficulty, due=utc(card.due), last_review=utc(card.last_review or now),
                       reps=m.reps + 1, lapses=m.lapses + int(lapse))

    def retrievability(self, m: Memory, now: datetime) -> float:
        """FSRS's predicted probability of recall at ``now`` (0 for a card never reviewed)."""
        if m.last_review is None:
            return 0.0
        return float(self._s.get_card_retrievability(self._card(m), utc(now)))


# -- the clock --------------------------------------------------------------------------------------

def utc(dt: datetime) -> datetime:
    """``dt`` as an aware UTC datetime (naive values are taken as UTC)."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def parse_instant(text: str, what: str = NOW_ENV) -> datetime:
    """An ISO 8601 instant (``2026-11-23T10:00:00Z``, ``2026-11-23 10:00``, ``2026-11-23``)."""
    t = text.strip()
    if t.endswith(("Z", "z")):
        t = t[:-1] + "+00:00"
    try:
        return utc(datetime.fromisoformat(t))
    except ValueError:
        raise UserError(f"{what}={text!r} is not a date and time; use ISO 8601, "
                        "e.g. 2026-11-23T10:00:00Z") from None


class Clock:
    """Wall-clock UTC time, or (for tests) time that starts at a given instant and then runs."""

    def __init__(self, start: datetime | None = None) -> None:
        self._start = utc(start) if start is not None else None
        self._t0 = time.monotonic()

    @classmethod
    def from_env(cls, override: str | None = None) -> Clock:
        """``override`` (a hidden ``--now``), else ``$QUIZGEN_NOW``, else the real clock."""
        if override:
            return cls(parse_instant(override, "--now"))
        env = os.environ.get(NOW_ENV, "").strip()
        return cls(parse_instant(env) if env else None)

    @property
    def injected(self) -> bool:
        return self._start is not None

    def now(self) -> datetime:
        if self._start is None:
            return datetime.now(timezone.utc)
        return self._start + timedelta(seconds=time.monotonic() - self._t0)


def humanize_delta(delta: timedelta) -> str:
    """``in 10 min``, ``in 2 days``, ``now``, ``3 days ago``."""
    secs = delta.total_seconds()
    if abs(secs) < 60:
        return "now"
    ago = secs < 0
    secs = abs(secs)
    if secs < 3600:
        text = f"{round(secs / 60)} min"
    elif secs < 86400:
        h = round(secs / 3600)
        text = f"{h} hour{'s' if h != 1 else ''}"
    else:
        d = round(secs / 86400)
        text = f"{d} day{'s' if d != 1 else ''}"
    return f"{text} ago" if ago else f"in {text}"
