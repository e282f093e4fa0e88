"""The drill loop: pick the next card, draw fresh numbers, read and grade the answer, schedule it.

The loop talks to the learner only through a :class:`UI` (a rich terminal or a plain pipe, see
:mod:`quizgen.drill.ui`), so both share every rule. Order: cards due now (most overdue first), then
up to ``new`` cards never seen (deck order), then cards missed this session once their 10-minute
relearning step is within reach. Each finished review is one database transaction. Example::

    quizgen drill ml-math --new 5
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import Enum
from typing import Any, Protocol

from quizgen.build import options_key
from quizgen.deck import DeckSpec
from quizgen.drill.parse import parse_for
from quizgen.drill.scheduler import (
    LEARN_AHEAD,
    RATING_WORDS,
    CardState,
    Clock,
    Memory,
    Rating,
    Scheduler,
    suggested_rating,
)
from quizgen.drill.store import ReviewRecord, Store
from quizgen.errors import AnswerParseError, UserError
from quizgen.generator import Generator
from quizgen.grading import accepts
from quizgen.model import Answer, Distractor, Number, Problem
from quizgen.registry import Registry
from quizgen.rng import derive_seed

QUIT_WORDS = {"q", "quit", "exit", ":q"}
SKIP_WORDS = {"s", "skip"}
GIVE_UP_WORDS = {"idk", "?!", "pass", "giveup", "give up", "show"}
HELP_WORDS = {"?", "help", "h"}
MAX_REDRAWS = 8

Typed = Number | list[Number] | str
"""A typed answer as read: a number, a vector, or the word of a categorical part."""


@dataclass(frozen=True)
class DrillCard:
    """One schedulable card: a generator (with a deck item's options)."""

    key: str
    generator: Generator
    options: Mapping[str, Any]

    @property
    def options_json(self) -> str:
        return options_key(dict(self.options))

    @property
    def area(self) -> str:
        return self.generator.area


def card_key(gen_id: str, options: Mapping[str, Any]) -> str:
    """``flops.matmul``, or ``flops.matmul {"m":64}`` for a deck item with options."""
    return gen_id if not options else f"{gen_id} {options_key(dict(options))}"


def review_seed(session_seed: int, key: str, reps: int, attempt: int = 0) -> int:
    """The problem seed of a card's review number ``reps`` (0 for a new card) in a session."""
    return derive_seed("drill", session_seed, key, reps, attempt)


def deck_cards(spec: DeckSpec, registry: Registry) -> list[DrillCard]:
    """The deck's cards in deck order, one per (generator, options); ``count`` does not matter here."""
    out: dict[str, DrillCard] = {}
    for item in spec.items:
        key = card_key(item.generator, item.options)
        if key not in out:
            out[key] = DrillCard(key, registry.get(item.generator), dict(item.options))
    return list(out.values())


# -- grading -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PartResult:
    answer: Answer
    typed: str | None
    """What was typed (``None``: the learner gave up)."""
    value: Typed | None
    """What it was read as, in the answer's unit."""
    correct: bool


@dataclass(frozen=True)
class Graded:
    parts: tuple[PartResult, ...]
    misconception: Distractor | None = None

    @property
    def correct(self) -> bool:
        return all(p.correct for p in self.parts)


def find_misconception(problem: Problem, value: Typed) -> Distractor | None:
    """The distractor that ``value`` matches within the headline answer's tolerance, if any."""
    head = problem.answer
    for d in problem.distractors:
        try:
            if accepts(replace(head, value=d.value), value):
                return d
        except (TypeError, ValueError):
            continue
    return None


def grade(problem: Problem, typed: Sequence[str | None], values: Sequence[Typed | None]) -> Graded:
    """Grade each part with its tolerance; name the misconception a wrong headline answer matches."""
    parts = tuple(
        PartResult(a, t, v, v is not None and accepts(a, v))
        for a, t, v in zip(problem.answers, typed, values, strict=True)
    )
    mis = None
    if not parts[0].correct and parts[0].value is not None:
        mis = find_misconception(problem, parts[0].value)
    return Graded(parts, mis)


# -- the UI boundary ---------------------------------------------------------------------------------

class Kind(str, Enum):
    DUE = "due"
    NEW = "new"
    AGAIN = "again"


@dataclass(frozen=True)
class Start:
    deck: str
    due: int
    new: int
    new_limit: int
    limit: int
    seed: int
    seed_given: bool
    db: str
    rate: bool


@dataclass(frozen=True)
class Progress:
    """Where a question stands in the session, counted in cards (not questions), so the total
    does not grow when you miss: "card 2 of 5", a missed card comes back as a repeat."""

    card: int
    """Distinct cards shown so far, this one included."""
    cards: int
    """Distinct cards this session will show (those shown plus those still planned)."""
    repeat: bool = False
    """This question repeats a card missed earlier in the session."""
    to_repeat: int = 0
    """Missed cards that will come back later in the session (not counting this one)."""

    def text(self) -> str:
        """``card 2 of 5``, ``card 3 of 5, 1 to repeat``, ``repeat (5 of 5 cards seen)``."""
        more = f", {self.to_repeat} to repeat" if self.to_repeat else ""
        if self.repeat:
            more = f", {self.to_repeat} more to repeat" if self.to_repeat else ""
            return f"repeat ({self.card} of {self.cards} cards seen{more})"
        return f"card {self.card} of {self.cards}{more}"


@dataclass(frozen=True)
class Reviewed:
    card: DrillCard
    problem: Problem
    kind: Kind
    graded: Graded
    rating: Rating
    memory: Memory
    seconds: float


class Stop(str, Enum):
    DONE = "done"
    QUIT = "quit"
    EOF = "end of input"
    INTERRUPTED = "interrupted"
    LIMIT = "limit"


@dataclass
class Result:
    """What a session did; the summary is drawn from it."""

    reviewed: list[Reviewed] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    stop: Stop = Stop.DONE
    seconds: float = 0.0
    now: datetime | None = None
    next_due: list[tuple[DrillCard, datetime]] = field(default_factory=list)
    """Every seen deck card with its due date, soonest first (after the session)."""
    new_left: int = 0

    @property
    def score(self) -> tuple[int, int]:
        return sum(r.graded.correct for r in self.reviewed), len(self.reviewed)


class UI(Protocol):
    """What the session needs from a terminal or a pipe."""

    def start(self, info: Start) -> None: ...
    def question(self, progress: Progress, card: DrillCard, problem: Problem, kind: Kind,
                 memory: Memory | None, now: datetime) -> None: ...
    def read(self, prompt: str) -> str | None:
        """One line, without its newline; ``None`` at end of input."""
    def prompt_for(self, answer: Answer) -> str: ...
    def rating_prompt(self, suggested: Rating) -> str: ...
    def error(self, text: str) -> None: ...
    def note(self, text: str) -> None: ...
    def help(self) -> None: ...
    def graded(self, problem: Problem, graded: Graded) -> None: ...
    def scheduled(self, rating: Rating, memory: Memory, now: datetime) -> None: ...
    def summary(self, result: Result) -> None: ...


# -- the loop -----------------------------------------------------------------------------------------

class _Ask(Enum):
    QUIT = "quit"
    SKIP = "skip"
    EOF = "eof"


@dataclass
class Session:
    """One drill session over ``cards`` (see the module docstring for the order)."""

    cards: list[DrillCard]
    store: Store
    ui: UI
    clock: Clock
    seed: int
    seed_given: bool = False
    new_limit: int = 5
    limit: int = 50
    rate: bool = False
    deck_name: str = ""
    session_id: str = ""
    scheduler: Scheduler = field(default_factory=Scheduler)

    def run(self) -> Result:
        t0 = time.monotonic()
        result = Result()
        stored = self.store.cards()
        memories: dict[str, Memory] = {c.key: stored[c.key].memory for c in self.cards if c.key in stored}
        last_seed = self.store.last_seeds()
        now = self.clock.now()
        due_now = sum(1 for m in memories.values() if m.due <= now)
        unseen = [c for c in self.cards if c.key not in memories]
        self.ui.start(Start(self.deck_name, due_now, len(unseen), self.new_limit, self.limit, self.seed,
                            self.seed_given, str(self.store.path), self.rate))
        new_shown = 0
        skipped: set[str] = set()
        shown = 0
        seen_now: set[str] = set()  # cards shown this session (a repeat does not count again)
        try:
            while True:
                now = self.clock.now()
                pick = self._next(memories, unseen, skipped, new_shown, now)
                if pick is None:
                    break
                if shown >= self.limit:
                    result.stop = Stop.LIMIT
                    break
                card, kind = pick
                if kind is Kind.NEW:
                    unseen.remove(card)
                memory = memories.get(card.key)
                if card.generator.measured and kind is Kind.NEW:
                    self.ui.note(f"{card.key} is measured on this machine: the first draw may run a benchmark")
                try:
                    problem = self._draw(card, memory, last_seed.get(card.key))
                except UserError as e:
                    self.ui.error(f"skipping {card.key}: {e}")
                    skipped.add(card.key)
                    if kind is Kind.NEW:
                        unseen.append(card)
                    continue
                if kind is Kind.NEW:
                    new_shown += 1
                shown += 1
                repeat = card.key in seen_now
                seen_now.add(card.key)
                progress = self._progress(memories, unseen, skipped, seen_now, card, repeat, new_shown, shown, now)
                self.ui.question(progress, card, problem, kind, memory, now)
                outcome = self._review(card, problem, kind, memory)
                if isinstance(outcome, Reviewed):
                    result.reviewed.append(outcome)
                    memories[card.key] = outcome.memory
                    last_seed[card.key] = problem.seed
                    continue
                if outcome is _Ask.SKIP:
                    skipped.add(card.key)
                    result.skipped.append(card.key)
                    if not repeat:  # a skipped card is not one of this session's cards after all
                        seen_now.discard(card.key)
                    if kind is Kind.NEW:  # still new: it does not use up --new
                        unseen.append(card)
                        new_shown -= 1
                    continue
                result.stop = Stop.QUIT if outcome is _Ask.QUIT else Stop.EOF
                break
        except KeyboardInterrupt:
            result.stop = Stop.INTERRUPTED
        except _QuitAfterSave as q:
            result.reviewed.append(q.reviewed)
            memories[q.reviewed.card.key] = q.reviewed.memory
            result.stop = q.stop
        result.seconds = time.monotonic() - t0
        result.now = self.clock.now()
        seen = [(c, memories[c.key].due) for c in self.cards if c.key in memories]
        result.next_due = sorted(seen, key=lambda cd: cd[1])
        # Never reviewed, as `quizgen stats` counts them: a new card quit or interrupted on screen
        # is still new (it was taken off `unseen` when shown).
        result.new_left = sum(1 for c in self.cards if c.key not in memories)
        self.ui.summary(result)
        return result

    # -- choosing ------------------------------------------------------------------------------------
    def _next(self, memories: dict[str, Memory], unseen: list[DrillCard], skipped: set[str], new_shown: int,
              now: datetime) -> tuple[DrillCard, Kind] | None:
        live = [c for c in self.cards if c.key in memories and c.key not in skipped]
        due = sorted((c for c in live if memories[c.key].due <= now), key=lambda c: memories[c.key].due)
        if due:
            return due[0], (Kind.DUE if memories[due[0].key].state is CardState.REVIEW else Kind.AGAIN)
        fresh = [c for c in unseen if c.key not in skipped]
        if fresh and new_shown < self.new_limit:
            return fresh[0], Kind.NEW
        soon = sorted((c for c in live if memories[c.key].due <= now + LEARN_AHEAD),
                      key=lambda c: memories[c.key].due)
        if soon:
            return soon[0], Kind.AGAIN
        return None

    def _progress(self, memories: dict[str, Memory], unseen: list[DrillCard], skipped: set[str],
                  seen_now: set[str], card: DrillCard, repeat: bool, new_shown: int, shown: int,
                  now: datetime) -> Progress:
        """The counter for the question on screen: cards shown, cards still planned (due ones not
        yet shown, then new ones up to --new, within --limit), and missed cards that will come
        back. Missing a card adds a repeat, never another card to the total."""
        live = [c for c in self.cards if c.key in memories and c.key not in skipped and c.key != card.key]
        soon = [c for c in live if memories[c.key].due <= now + LEARN_AHEAD]
        due_later = sum(1 for c in soon if c.key not in seen_now)
        to_repeat = sum(1 for c in soon if c.key in seen_now)
        fresh = sum(1 for c in unseen if c.key not in skipped and c.key != card.key)
        room = max(self.limit - shown, 0)
        planned = min(due_later + min(fresh, max(self.new_limit - new_shown, 0)), room)
        return Progress(len(seen_now), len(seen_now) + planned, repeat, min(to_repeat, room - planned))

    # -- drawing ---------------------------------------------------------------------------------------
    def _draw(self, card: DrillCard, memory: Memory | None, last: int | None) -> Problem:
        """Fresh numbers: a seed derived from the session seed, the card and its review count, redrawn
        (a few times, deterministically) if it would repeat the last review's parameters."""
        gen = card.generator
        reps = memory.reps if memory is not None else 0
        previous = None
        if last is not None:
            try:
                previous = gen.resolve_params(last, card.options)
            except Exception:  # the generator changed since: nothing to avoid
                previous = None
        problem = None
        for attempt in range(MAX_REDRAWS):
            seed = review_seed(self.seed, card.key, reps, attempt)
            problem = gen.problem(seed, card.options)
            if problem.params != previous:
                break
        assert problem is not None
        return problem

    # -- one review ------------------------------------------------------------------------------------
    def _review(self, card: DrillCard, problem: Problem, kind: Kind, memory: Memory | None) -> Reviewed | _Ask:
        t0 = time.monotonic()
        typed: list[str | None] = []
        values: list[Typed | None] = []
        gave_up = False
        for answer in problem.answers:
            if gave_up:
                typed.append(None)
                values.append(None)
                continue
            got = self._ask_part(answer)
            if isinstance(got, _Ask):
                return got
            if got is None:
                gave_up = True
                typed.append(None)
                values.append(None)
            else:
                typed.append(got[0])
                values.append(got[1])
        seconds = time.monotonic() - t0
        graded = grade(problem, typed, values)
        self.ui.graded(problem, graded)
        rating, stop = self._ask_rating(suggested_rating(graded.correct))
        reviewed = self._save(card, problem, kind, graded, rating, seconds)
        if stop is not None:
            raise _QuitAfterSave(reviewed, stop)
        return reviewed

    def _ask_part(self, answer: Answer) -> tuple[str, Typed] | None | _Ask:
        """(typed, value), ``None`` if the learner gave up, or a command."""
        prompt = self.ui.prompt_for(answer)
        while True:
            line = self.ui.read(prompt)
            if line is None:
                return _Ask.EOF
            word = " ".join(line.strip().lower().split())
            if not word:
                continue
            if word in QUIT_WORDS:
                return _Ask.QUIT
            if word in SKIP_WORDS:
                return _Ask.SKIP
            if word in HELP_WORDS:
                self.ui.help()
                continue
            if word in GIVE_UP_WORDS:
                return None
            try:
                return line.strip(), parse_for(answer, line)
            except AnswerParseError as e:
                self.ui.error(str(e))

    def _ask_rating(self, suggested: Rating) -> tuple[Rating, Stop | None]:
        if not self.rate:
            return suggested, None
        prompt = self.ui.rating_prompt(suggested)
        while True:
            line = self.ui.read(prompt)
            if line is None:
                return suggested, Stop.EOF
            word = line.strip().lower()
            if not word:
                return suggested, None
            if word in QUIT_WORDS:
                return suggested, Stop.QUIT
            if word in RATING_WORDS:
                return RATING_WORDS[word], None
            self.ui.error(f"type 1 again · 2 hard · 3 good · 4 easy (or a/h/g/e); Enter keeps {suggested.name.lower()}")

    def _save(self, card: DrillCard, problem: Problem, kind: Kind, graded: Graded, rating: Rating,
              seconds: float) -> Reviewed:
        now = self.clock.now()
        rec = ReviewRecord(
            card=card.key, generator=card.generator.id, version=problem.version, seed=problem.seed,
            options=card.options_json, reviewed_at=now, duration_ms=round(seconds * 1000),
            typed=[p.typed or "" for p in graded.parts],
            value=[p.value for p in graded.parts] if any(p.value is not None for p in graded.parts) else None,
            correct=graded.correct, rating=rating,
            misconception=graded.misconception.why if graded.misconception else None, session=self.session_id,
        )
        sched = self.scheduler
        memory = self.store.record(rec, lambda m: sched.review(m or Memory.new(now), rating, now))
        self.ui.scheduled(rating, memory, now)
        return Reviewed(card, problem, kind, graded, rating, memory, seconds)


class _QuitAfterSave(Exception):
    """Control flow: the learner quit (or input ended) at the rating prompt, after the save."""

    def __init__(self, reviewed: Reviewed, stop: Stop) -> None:
        super().__init__(stop.value)
        self.reviewed = reviewed
        self.stop = stop
