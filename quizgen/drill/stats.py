"""What is due, and how well each area is remembered (``quizgen stats``, ``quizgen drill --stats``).

Per area: cards seen, due now, reviews, the share answered right, *retention* (the share right among
reviews of cards that had graduated, FSRS's review state: what spaced repetition aims to keep at
90%), and FSRS's predicted recall now, averaged over the cards seen. Example::

    quizgen stats --json
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from quizgen.drill.scheduler import CardState, Scheduler
from quizgen.drill.session import DrillCard
from quizgen.drill.store import Store
from quizgen.registry import AREA_ORDER, area_title


@dataclass(frozen=True)
class AreaStats:
    area: str
    cards: int
    seen: int
    due: int
    reviews: int
    correct: int
    graduated_reviews: int
    graduated_correct: int
    recall: float | None

    @property
    def correct_rate(self) -> float | None:
        return self.correct / self.reviews if self.reviews else None

    @property
    def retention(self) -> float | None:
        return self.graduated_correct / self.graduated_reviews if self.graduated_reviews else None

    def to_json(self) -> dict[str, Any]:
        return {"area": self.area, "title": area_title(self.area), "cards": self.cards, "seen": self.seen,
                "due": self.due, "reviews": self.reviews, "correct": _r(self.correct_rate),
                "retention": _r(self.retention), "recall": _r(self.recall)}


@dataclass(frozen=True)
class DueCard:
    card: str
    generator: str
    due: datetime


@dataclass(frozen=True)
class Stats:
    db: str
    now: datetime
    cards: int
    seen: int
    new: int
    due: list[DueCard]
    due_24h: int
    next_due: datetime | None
    reviews: int
    correct: int
    areas: list[AreaStats]

    def to_json(self) -> dict[str, Any]:
        """The ``stats --json`` object."""
        return {
            "db": self.db, "now": fmt_time(self.now), "cards": self.cards, "seen": self.seen, "new": self.new,
            "due_now": len(self.due), "due_24h": self.due_24h,
            "next_due": fmt_time(self.next_due) if self.next_due else None,
            "reviews": self.reviews, "correct": _r(self.correct / self.reviews if self.reviews else None),
            "areas": [a.to_json() for a in self.areas],
            "due": [{"card": d.card, "generator": d.generator, "due": fmt_time(d.due)} for d in self.due],
        }


def fmt_time(dt: datetime) -> str:
    """UTC to the second, for JSON: ``2026-11-23T10:00:00Z``."""
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def compute_stats(store: Store, deck: list[DrillCard], now: datetime, scheduler: Scheduler | None = None) -> Stats:
    """Statistics over the database's cards plus the deck's (unseen deck cards count as new)."""
    sched = scheduler or Scheduler()
    stored = store.cards()
    reviews = store.reviews()
    area_of: dict[str, str] = {c.key: c.generator.split(".", 1)[0] for c in stored.values()}
    for c in deck:
        area_of.setdefault(c.key, c.area)
    per: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(float))
    recall: dict[str, list[float]] = defaultdict(list)
    for key, area in area_of.items():
        per[area]["cards"] += 1
        if key in stored:
            m = stored[key].memory
            per[area]["seen"] += 1
            per[area]["due"] += m.due <= now
            recall[area].append(sched.retrievability(m, now))
    for r in reviews:
        area = area_of.get(r.card, r.generator.split(".", 1)[0])
        per[area]["reviews"] += 1
        per[area]["correct"] += r.correct
        if r.state_before == CardState.REVIEW:
            per[area]["graduated_reviews"] += 1
            per[area]["graduated_correct"] += r.correct
    areas = [
        AreaStats(area, int(d["cards"]), int(d["seen"]), int(d["due"]), int(d["reviews"]), int(d["correct"]),
                  int(d["graduated_reviews"]), int(d["graduated_correct"]),
                  sum(recall[area]) / len(recall[area]) if recall[area] else None)
        for area, d in sorted(per.items(), key=lambda kv: (AREA_ORDER.get(kv[0], 99), kv[0]))
    ]
    due = sorted((DueCard(k, c.generator, c.memory.due) for k, c in stored.items() if c.memory.due <= now),
                 key=lambda d: d.due)
    later = [c.memory.due for c in stored.values() if c.memory.due > now]
    return Stats(
        db=str(store.path), now=now, cards=len(area_of), seen=len(stored),
        new=sum(1 for c in deck if c.key not in stored), due=due,
        due_24h=sum(1 for d in later if d <= now + timedelta(days=1)),
        next_due=min(later) if later else None,
        reviews=len(reviews), correct=sum(r.correct for r in reviews), areas=areas,
    )


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.0f}%"


def print_stats(stats: Stats) -> None:
    """A readable report (rich; plain text when not a terminal)."""
    from rich.console import Console
    from rich.table import Table

    from quizgen.drill.scheduler import humanize_delta
    from quizgen.drill.ui import when

    con = Console(highlight=False)
    con.print(f"[bold]drill stats[/] · {stats.db}")
    if not stats.seen:
        con.print(f"no reviews yet: {stats.new} new card(s) in this deck. Start with: quizgen drill")
        return
    due_line = f"[bold]{len(stats.due)}[/] due now"
    if stats.due_24h:
        due_line += f", {stats.due_24h} more within a day"
    if stats.next_due and not stats.due:
        due_line += f"; next {when(stats.next_due, stats.now)}"
    con.print(f"{due_line} · {stats.seen} card(s) seen, {stats.new} new · {stats.reviews} review(s), "
              f"{_pct(stats.correct / stats.reviews if stats.reviews else None)} right")
    t = Table(header_style="bold", show_edge=False)
    for col, just in (("area", "left"), ("seen", "right"), ("due", "right"), ("reviews", "right"),
                      ("right", "right"), ("retention", "right"), ("recall now", "right")):
        t.add_column(col, justify=just)  # type: ignore[arg-type]
    for a in stats.areas:
        t.add_row(area_title(a.area), f"{a.seen}/{a.cards}", str(a.due) if a.due else "·", str(a.reviews),
                  _pct(a.correct_rate), _pct(a.retention), _pct(a.recall))
    con.print(t)
    con.print("[dim]right: share of all reviews answered right · retention: the same, among cards that had "
              "graduated (the target is 90%) · recall now: FSRS's predicted chance you would get it now[/]")
    if stats.due:
        shown = stats.due[:10]
        con.print("[bold]due[/]: " + ", ".join(f"{d.card} ({humanize_delta(d.due - stats.now)})" for d in shown)
                  + (f", … and {len(stats.due) - 10} more" if len(stats.due) > 10 else ""))
