"""``quizgen check``: the stress test over generators."""

from __future__ import annotations

import sys

import click

from quizgen.cli import get_registry
from quizgen.stress import GenResult


@click.command()
@click.argument("ids", nargs=-1, metavar="[ID]...")
@click.option("--seeds", type=click.IntRange(min=1), default=50, show_default=True,
              help="Seeds to draw per generator.")
@click.option("--start", type=click.IntRange(min=0), default=0, show_default=True, help="First seed.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes.")
@click.option("--measured", is_flag=True,
              help="Also check the measured bench.* generators (runs benchmarks; needs torch).")
@click.pass_context
def check(ctx: click.Context, ids: tuple[str, ...], seeds: int, start: int, jobs: int, measured: bool) -> None:
    """Draw N seeds per generator, run each self-check (an independent recomputation) and the
    invariants (determinism, params in range, plausible draws, distractors wrong, precision
    stated, JSON round trip); exit 1 on any failure. Your own generators (--generators DIR) get
    exactly the same checks. Without IDs: every computed generator (add --measured for bench.*).
    Cross-checks that need torch are skipped, and said so in one line, when torch is not
    installed (pip install "quizgen[bench]" adds it).

    \b
    Examples:
      quizgen check --seeds 200
      quizgen check flops.matmul llm.kv_cache_bytes --seeds 1000 --jobs 2
      quizgen check --measured --seeds 5
    """
    from rich.console import Console
    from rich.table import Table

    from quizgen.stress import run_checks

    reg = get_registry(ctx)
    chosen = [reg.get(i).id for i in ids] if ids else [g.id for g in reg if measured or not g.measured]
    dirs = tuple(str(d) for d in (ctx.find_root().obj or {}).get("generator_dirs", ()))
    results = run_checks(chosen, dirs, seeds, start, jobs)
    con = Console()
    table = Table(title=f"quizgen check: {len(chosen)} generators × {seeds} seeds", header_style="bold")
    table.add_column("generator", style="cyan")
    table.add_column("seeds", justify="right")
    table.add_column("failures", justify="right")
    table.add_column("ms/problem", justify="right")
    skipped = [r for r in results if r.skipped or r.skipped_problems]
    if skipped:
        table.add_column("skipped", justify="right")
    for r in results:
        row = [r.id, str(r.seeds), "[red]" + str(len(r.failures)) if r.failures else "[green]0",
               f"{1000 * r.seconds / max(r.seeds, 1):.2f}"]
        n_skipped = r.skipped + r.skipped_problems
        table.add_row(*row, *([str(n_skipped) if n_skipped else "·"] if skipped else []))
    con.print(table)
    failed = [r for r in results if not r.ok]
    for r in failed:
        for f in r.failures[:5]:
            con.print(f"[red]FAIL[/] {r.id} {f}", highlight=False)
        if len(r.failures) > 5:
            con.print(f"     … and {len(r.failures) - 5} more", highlight=False)
    total = sum(r.seeds for r in results)
    not_drawn = sum(r.skipped_problems for r in results)
    problems = f"{total} problems" + (f", {not_drawn} of them not drawn for want of torch" if not_drawn else "")
    if skipped:
        con.print(skipped_line(skipped), highlight=False, soft_wrap=True)
    if failed:
        con.print(f"[red]{len(failed)} of {len(results)} generators failed[/] ({problems})")
        sys.exit(1)
    con.print(f"[green]all {len(results)} generators passed[/] ({problems})")


def skipped_line(skipped: list[GenResult]) -> str:
    """The one line that says what was skipped for want of torch, and how to install it."""
    from rich.markup import escape

    from quizgen.checking import install_hint

    missing = sorted({m for r in skipped for m in r.missing})
    names = " and ".join(missing)
    parts = []
    checks = [r for r in skipped if r.skipped]
    if checks:
        n = sum(r.skipped for r in checks)
        parts.append(f"the {names} cross-checks of {_count(len(checks), 'generator')} ({_count(n, 'problem')})")
    draws = [r for r in skipped if r.skipped_problems]
    if draws:
        n = sum(r.skipped_problems for r in draws)
        parts.append(f"all {_count(n, 'problem')} of {_count(len(draws), 'generator')} that need {names} to draw")
    return (f"[yellow]skipped[/] {' and '.join(parts)}; every other check ran. {names} is not installed: "
            f"{escape(install_hint(missing))} to run them")


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"
