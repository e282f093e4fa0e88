"""``quizgen check``: the stress test over generators."""

from __future__ import annotations

import sys

import click

from quizgen.cli import get_registry


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
    skipped = [r for r in results if r.skipped]
    if skipped:
        table.add_column("cross-check skipped", justify="right")
    for r in results:
        row = [r.id, str(r.seeds), "[red]" + str(len(r.failures)) if r.failures else "[green]0",
               f"{1000 * r.seconds / max(r.seeds, 1):.2f}"]
        table.add_row(*row, *([str(r.skipped) if r.skipped else "·"] if skipped else []))
    con.print(table)
    failed = [r for r in results if not r.ok]
    for r in failed:
        for f in r.failures[:5]:
            con.print(f"[red]FAIL[/] {r.id} {f}", highlight=False)
        if len(r.failures) > 5:
            con.print(f"     … and {len(r.failures) - 5} more", highlight=False)
    total = sum(r.seeds for r in results)
    if skipped:
        from rich.markup import escape

        from quizgen.checking import install_hint

        missing = sorted({m for r in skipped for m in r.missing})
        n = sum(r.skipped for r in skipped)
        con.print(f"[yellow]skipped[/] the {' and '.join(missing)} cross-checks of {len(skipped)} generator"
                  f"{'s' if len(skipped) != 1 else ''} ({n} problems; every other check ran): "
                  f"{' and '.join(missing)} is not installed; {escape(install_hint(missing))} to run them",
                  highlight=False, soft_wrap=True)
    if failed:
        con.print(f"[red]{len(failed)} of {len(results)} generators failed[/] ({total} problems)")
        sys.exit(1)
    con.print(f"[green]all {len(results)} generators passed[/] ({total} problems)")
