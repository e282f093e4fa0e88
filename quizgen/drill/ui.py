"""The two faces of a drill session: a rich terminal, and a plain line-by-line pipe.

:class:`TerminalUI` draws panels and colours and reads with line editing; :class:`PipeUI` writes
plain text (no colours) and reads one line per answer, echoing it, so a script or a test can drive a
session with ``printf '524288\\nq\\n' | quizgen drill``. Both implement
:class:`~quizgen.drill.session.UI`. Example::

    quizgen drill --seed 7 < answers.txt
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from typing import IO, Any

from quizgen.drill.scheduler import Memory, Rating, humanize_delta
from quizgen.drill.session import DrillCard, Graded, Kind, PartResult, Progress, Result, Start, Stop
from quizgen.model import Answer, Problem
from quizgen.registry import area_title
from quizgen.render.numbers import fmt_answer
from quizgen.render.terminal import tex_to_text

HELP = """\
Type the answer as a number: 1.5e9 · 1.5 × 10^9 · 1,500,000 · 3/4 · 2^30 · 12% · -0.5
Add a unit and it is converted: 16 GiB · 3 ms · 5.9e22 FLOP · 989 TFLOP/s · 70B params
Lists (vector answers): separate the elements with ; or ", "  e.g. 0.7; 0.6667
Commands: idk show the answer (counts as wrong) · s skip · q quit (this question is not recorded) · ? help
Rating (--rate): Enter keeps the suggestion · 1 again · 2 hard · 3 good · 4 easy"""

MAX_NEXT_DUE = 8


def when(due: datetime, now: datetime) -> str:
    """``in 2 days (Wed 25 Nov 10:00)`` in local time."""
    local = due.astimezone()
    return f"{humanize_delta(due - now)} ({local:%a %d %b %H:%M})"


def tolerance_text(a: Answer) -> str:
    return a.precision


def prompt_text(a: Answer) -> str:
    bits = [a.unit] if a.unit else []
    bits.append(tolerance_text(a))
    if isinstance(a.value, list):
        bits.insert(0, f"{len(a.value)} values, ; between")
    return f"{a.label} ({', '.join(bits)})"


def typed_text(p: PartResult) -> str:
    """What the learner typed, and what it was read as when that is not obvious (units, arithmetic)."""
    if p.typed is None or p.value is None:
        return "nothing (gave up)"
    if _PLAIN_NUMBER.fullmatch(p.typed.strip()):
        return p.typed.strip()
    return f"{p.typed.strip()} (= {fmt_answer(replace(p.answer, value=p.value))})"


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_LEADING_SPACE = re.compile(r"^ (?=\S)")  # tex_to_text leaves one after display math
_PLAIN_NUMBER = re.compile(r"[-+−]?(\d[\d,_]*(\.\d*)?|\.\d+)([eE][-+]?\d+)?")


def answer_text(a: Answer) -> str:
    """The right answer with as many figures as its tolerance grades, and its unit."""
    return fmt_answer(a)


def kind_text(kind: Kind, memory: Memory | None, now: datetime) -> str:
    if kind is Kind.NEW:
        return "new"
    if kind is Kind.AGAIN:
        return "again"
    late = humanize_delta(memory.due - now) if memory is not None else "now"
    return "due" if late == "now" else f"due {late}"


def score_text(result: Result) -> str:
    right, n = result.score
    pct = f" ({100 * right / n:.0f}%)" if n else ""
    mins, secs = divmod(round(result.seconds), 60)
    return f"score {right}/{n}{pct} in {mins}:{secs:02d}"


def stop_text(result: Result) -> str:
    return {Stop.DONE: "nothing more due", Stop.QUIT: "you quit", Stop.EOF: "end of input",
            Stop.INTERRUPTED: "interrupted", Stop.LIMIT: "reached --limit"}[result.stop]


def start_text(info: Start) -> str:
    new = min(info.new, info.new_limit)
    seed = f"seed {info.seed}" if info.seed_given else f"session seed {info.seed}"
    return f"{info.deck} · {info.due} due, {new} new of {info.new} unseen · {seed}"


class PipeUI:
    """Plain text for pipes and tests: prompts end in ``> ``, typed lines are echoed."""

    def __init__(self, stdin: IO[str], stdout: IO[str]) -> None:
        self.stdin = stdin
        self.out = stdout

    def _w(self, text: str = "") -> None:
        self.out.write(text + "\n")

    def start(self, info: Start) -> None:
        self._w(f"quizgen drill: {start_text(info)}")
        self._w(f"database: {info.db}")
        self._w("answer with a number (1.5e9, 3/4, 2^30, 12%, 16 GiB); idk shows the answer, s skips, q quits, "
                "? helps")
        self.out.flush()

    def question(self, progress: Progress, card: DrillCard, problem: Problem, kind: Kind,
                 memory: Memory | None, now: datetime) -> None:
        self._w()
        self._w(f"── {progress.text()} · {card.key} · {kind_text(kind, memory, now)} · seed {problem.seed} ──")
        self._w(tex_to_text(problem.question).strip())
        self.out.flush()

    def read(self, prompt: str) -> str | None:
        self.out.write(prompt)
        self.out.flush()
        line = self.stdin.readline()
        if not line:
            self._w()
            return None
        line = line.rstrip("\r\n")
        self._w(line)
        return line

    def prompt_for(self, answer: Answer) -> str:
        return prompt_text(answer) + "> "

    def rating_prompt(self, suggested: Rating) -> str:
        return f"rating (Enter = {suggested.name.lower()}; 1 again, 2 hard, 3 good, 4 easy)> "

    def error(self, text: str) -> None:
        self._w(text)

    def note(self, text: str) -> None:
        self._w(text)

    def help(self) -> None:
        self._w(HELP)

    def graded(self, problem: Problem, graded: Graded) -> None:
        for p in graded.parts:
            label = f"{p.answer.label}: " if len(graded.parts) > 1 else ""
            if p.correct:
                self._w(f"✓ right: {label}{answer_text(p.answer)} ({tolerance_text(p.answer)})")
            else:
                self._w(f"✗ wrong: {label}you answered {typed_text(p)}; the answer is {answer_text(p.answer)} "
                        f"({tolerance_text(p.answer)})")
            if p.answer.measured_on:
                self._w(f"  measured on {p.answer.measured_on}")
        if graded.misconception is not None:
            self._w(f"  misconception: {graded.misconception.why}")
        self._w("solution:")
        for line in tex_to_text(problem.solution).strip().splitlines():
            self._w(("  " + _LEADING_SPACE.sub("", line)).rstrip())

    def scheduled(self, rating: Rating, memory: Memory, now: datetime) -> None:
        self._w(f"rated {rating.name.lower()}; next due {when(memory.due, now)}")
        self.out.flush()

    def summary(self, result: Result) -> None:
        now = result.now or datetime.now().astimezone()
        self._w()
        self._w(f"── {score_text(result)} · {stop_text(result)} ──")
        for r in result.reviewed:
            mark = "✓" if r.graded.correct else "✗"
            self._w(f"{mark} {r.card.key} (seed {r.problem.seed}): {r.rating.name.lower()}, "
                    f"next due {when(r.memory.due, now)}")
        upcoming = result.next_due[:MAX_NEXT_DUE]
        if upcoming:
            self._w("next due:")
            for card, due in upcoming:
                self._w(f"  {card.key}  {when(due, now)}")
            if len(result.next_due) > MAX_NEXT_DUE:
                self._w(f"  … and {len(result.next_due) - MAX_NEXT_DUE} more")
        if result.new_left:
            self._w(f"{result.new_left} new card(s) left in this deck (more per session: --new N)")
        self.out.flush()


class TerminalUI:
    """A rich terminal: panels, colours, line editing; Enter accepts the suggested rating."""

    def __init__(self, console: Any = None) -> None:
        from rich.console import Console

        try:
            import readline  # noqa: F401  # line editing and history for input()

            self._readline = True
        except ImportError:  # pragma: no cover - Windows without pyreadline
            self._readline = False
        self.con = console or Console(highlight=False)

    def start(self, info: Start) -> None:
        self.con.print(f"[bold]quizgen drill[/] · {start_text(info)}")
        self.con.print(f"[dim]database {info.db} · answers like 1.5e9, 3/4, 2^30, 12%, 16 GiB · idk shows the "
                       "answer · s skip · q quit · ? help[/]")

    def question(self, progress: Progress, card: DrillCard, problem: Problem, kind: Kind,
                 memory: Memory | None, now: datetime) -> None:
        from rich.markdown import Markdown
        from rich.panel import Panel

        style = {"new": "cyan", "again": "yellow"}.get(kind.value, "magenta")
        title = f"{progress.text()} · [bold]{_escape(card.key)}[/] · [{style}]{kind_text(kind, memory, now)}[/]"
        self.con.print()
        self.con.print(Panel(Markdown(tex_to_text(problem.question)), title=title, title_align="left",
                             subtitle=f"{area_title(card.area)} · seed {problem.seed}", subtitle_align="right",
                             border_style=style))

    def read(self, prompt: str) -> str | None:
        # The prompt goes through input() itself (not printed before it), so that readline knows
        # where the line starts: an empty answer then still ends the line on screen.
        with self.con.capture() as cap:
            self.con.print(prompt, end="")
        text = cap.get()
        if self._readline:  # escape codes take no columns: tell readline so
            text = _ANSI.sub(lambda m: f"\x01{m.group()}\x02", text)
        try:
            return input(text)
        except EOFError:
            self.con.print()
            return None

    def prompt_for(self, answer: Answer) -> str:
        return f"[bold]{prompt_text(answer)}[/] › "

    def rating_prompt(self, suggested: Rating) -> str:
        return (f"[dim]rate: Enter = [bold]{suggested.name.lower()}[/] · 1 again · 2 hard · 3 good · 4 easy[/] › ")

    def error(self, text: str) -> None:
        self.con.print(f"[yellow]{_escape(text)}[/]")

    def note(self, text: str) -> None:
        self.con.print(f"[dim]{_escape(text)}[/]")

    def help(self) -> None:
        self.con.print(f"[dim]{_escape(HELP)}[/]")

    def graded(self, problem: Problem, graded: Graded) -> None:
        from rich.console import Group
        from rich.markdown import Markdown
        from rich.panel import Panel
        from rich.text import Text

        rows = []
        for p in graded.parts:
            label = f"{p.answer.label}: " if len(graded.parts) > 1 else ""
            t = Text()
            if p.correct:
                t.append(f"✓ right  {label}", style="bold green")
                t.append(answer_text(p.answer), style="bold")
            else:
                t.append(f"✗ {label}", style="bold red")
                t.append(f"you answered {typed_text(p)}; the answer is ")
                t.append(answer_text(p.answer), style="bold green")
            t.append(f"  ({tolerance_text(p.answer)})", style="dim")
            if p.answer.measured_on:
                t.append(f"\n  measured on {p.answer.measured_on}", style="dim")
            rows.append(t)
        if graded.misconception is not None:
            rows.append(Text.assemble(("misconception: ", "bold red"), graded.misconception.why))
        border = "green" if graded.correct else "red"
        self.con.print(Panel(Group(*rows), border_style=border))
        self.con.print(Panel(Markdown(tex_to_text(problem.solution)), title="solution", title_align="left",
                             border_style="dim"))

    def scheduled(self, rating: Rating, memory: Memory, now: datetime) -> None:
        self.con.print(f"[dim]rated {rating.name.lower()} · next due {when(memory.due, now)}[/]")

    def summary(self, result: Result) -> None:
        from rich.table import Table

        now = result.now or datetime.now().astimezone()
        self.con.print()
        right, n = result.score
        colour = "green" if n and right == n else ("yellow" if right else "red")
        self.con.print(f"[bold {colour}]{score_text(result)}[/] · {stop_text(result)}")
        if result.reviewed:
            t = Table(show_edge=False, header_style="bold")
            t.add_column("")
            t.add_column("card", style="cyan")
            t.add_column("seed", justify="right", style="dim")
            t.add_column("rating")
            t.add_column("next due")
            for r in result.reviewed:
                t.add_row("[green]✓[/]" if r.graded.correct else "[red]✗[/]", r.card.key, str(r.problem.seed),
                          r.rating.name.lower(), when(r.memory.due, now))
            self.con.print(t)
        upcoming = result.next_due[:MAX_NEXT_DUE]
        if upcoming:
            self.con.print("[bold]next due[/]: " + ", ".join(f"{c.key} {humanize_delta(d - now)}" for c, d in upcoming)
                           + (f", … and {len(result.next_due) - MAX_NEXT_DUE} more"
                              if len(result.next_due) > MAX_NEXT_DUE else ""))
        if result.new_left:
            self.con.print(f"[dim]{result.new_left} new card(s) left in this deck (more per session: --new N)[/]")


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)

