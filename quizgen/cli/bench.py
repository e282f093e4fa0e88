"""``quizgen bench``: measure this machine and cache its profile."""

from __future__ import annotations

import json
from pathlib import Path

import click

from quizgen.bench.profile import Profile


def _fmt_s(s: float) -> str:
    for unit, f in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if s >= f:
            return f"{s / f:.3g} {unit}"
    return f"{s:.3g} s"


def print_table(profile: Profile, cached: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    from quizgen.bench.suite import datasheet_peaks, ridge_point

    peak_tf, peak_bw = datasheet_peaks(profile)
    t = Table(title=f"{profile.device} · torch {profile.torch}"
              + (f" · {profile.threads} threads" if profile.threads else "")
              + f" · {profile.day}{' (cached)' if cached else ''}", header_style="bold")
    for col, just in (("measurement", "left"), ("dtype", "left"), ("shape", "left"), ("median", "right"),
                      ("IQR", "right"), ("TFLOP/s", "right"), ("GB/s", "right"), ("% peak", "right")):
        t.add_column(col, justify=just, no_wrap=col in ("measurement", "shape"))  # type: ignore[arg-type]
    for r in profile.results:
        pct = ""
        if r.tflops and peak_tf and r.dtype in ("bfloat16", "float16"):
            pct = f"{100 * r.tflops / peak_tf:.0f}%"
        elif r.gbs and peak_bw and r.name in ("copy", "scale", "add", "triad"):
            pct = f"{100 * r.gbs / peak_bw:.0f}%"
        name = r.name + (" (TF32)" if r.tf32 else "")
        t.add_row(name, r.dtype, "×".join(str(x) for x in r.shape), _fmt_s(r.median_s), _fmt_s(r.iqr_s),
                  f"{r.tflops:.3g}" if r.tflops else "", f"{r.gbs:.4g}" if r.gbs else "", pct)
    con = Console()
    con.print(t)
    ridge = ridge_point(profile)
    if ridge:
        con.print(f"ridge point (best matmul FLOP/s ÷ triad bandwidth): [bold]{ridge:.1f} FLOP/byte[/]")
    if peak_tf:
        con.print(f"datasheet: {peak_tf:.1f} TFLOP/s dense bf16, {peak_bw:g} GB/s")


def plot_roofline(profile: Profile, path: Path) -> None:
    """Measured matmuls (intensity 2mkn/bytes) and the measured roofline, log-log."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from quizgen.bench.suite import best_tflops, triad_gbs
    from quizgen.fileio import atomic_path

    peak, bw = best_tflops(profile), triad_gbs(profile)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    xs = [2**i for i in range(-3, 15)]
    if peak and bw:
        ax.plot(xs, [min(peak, x * bw / 1000) for x in xs], "k-", label=f"roofline: {peak:.3g} TFLOP/s, {bw:.4g} GB/s")
    sizes = {"float32": 4, "float16": 2, "bfloat16": 2}
    for r in profile.results:
        if r.name == "matmul" and r.tflops:
            m, k, n = r.shape
            b = sizes.get(r.dtype, 4)
            ai = 2 * m * k * n / (b * (m * k + k * n + m * n))
            ax.scatter([ai], [r.tflops], label=f"{r.dtype}{' tf32' if r.tf32 else ''} {m}×{k}×{n}", s=18)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("arithmetic intensity (FLOP/byte)")
    ax.set_ylabel("TFLOP/s")
    ax.set_title(f"Roofline: {profile.device} ({profile.day})")
    ax.legend(fontsize=6, loc="lower right")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=120)
    plt.close(fig)


@click.command()
@click.option("--device", type=click.Choice(["cpu", "cuda", "auto"]), default="auto", show_default=True)
@click.option("--quick", is_flag=True, help="Fewer sizes and repeats (≥10).")
@click.option("--json", "as_json", is_flag=True, help="Print the profile as JSON.")
@click.option("--refresh", is_flag=True, help="Remeasure even if a cached profile exists.")
@click.option("--plot", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="PNG",
              help="Also draw the measured roofline to PNG.")
def bench(device: str, quick: bool, as_json: bool, refresh: bool, plot: Path | None) -> None:
    """Run the microbenchmarks on this machine, cache the profile, print a table.

    Matmul throughput (square and LLM-shaped sizes), STREAM bandwidth, launch overhead and, on CUDA,
    host↔device copies. The measured bench.* questions read this profile.

    \b
    Examples:
      quizgen bench
      quizgen bench --device cpu --quick --json
      quizgen bench --device cuda --refresh --plot roofline.png
    """
    from quizgen.bench.harness import resolve_device
    from quizgen.bench.profile import load_profile, save_profile
    from quizgen.bench.suite import plan, run_suite

    if plot is not None:
        from quizgen.fileio import check_writable_file

        check_writable_file(plot)
    dev = resolve_device(device)
    cached = None if refresh else load_profile(dev)
    has_suite = cached is not None and any(r.name == "triad" for r in cached.results)
    if cached is not None and has_suite:
        profile, was_cached = cached, True
    else:
        from rich.progress import Progress

        steps = len(plan(dev, quick))
        with Progress(transient=True, disable=as_json) as prog:
            task = prog.add_task("measuring", total=steps)

            def on_step(label: str) -> None:
                prog.update(task, advance=1 if prog.tasks[0].description != "measuring" else 0,
                            description=label)

            profile = run_suite(dev, quick, on_step)
            prog.update(task, completed=steps)
        path = save_profile(profile)
        was_cached = False
        if not as_json:
            click.echo(f"profile saved to {path}", err=True)
    if as_json:
        click.echo(json.dumps(profile.to_json(), indent=1))
    else:
        print_table(profile, was_cached)
        if was_cached:
            click.echo("cached profile; run with --refresh to remeasure", err=True)
    if plot is not None:
        plot_roofline(profile, plot)
        if not as_json:
            click.echo(f"roofline written to {plot}", err=True)
