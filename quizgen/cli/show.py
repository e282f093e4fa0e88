"""``quizgen show``: one problem, for a person or (``--json``) for a program."""

from __future__ import annotations

import click

from quizgen.cli import get_registry
from quizgen.cli.common import seed_option
from quizgen.errors import ParamError
from quizgen.model import Problem


def print_problem(p: Problem) -> None:
    """A problem in the terminal: question, answer with unit and tolerance, worked solution."""
    from rich.console import Console, Group
    from rich.markdown import Markdown
    from rich.panel import Panel
    from rich.text import Text

    from quizgen.render.numbers import fmt_answer
    from quizgen.render.terminal import tex_to_text

    con = Console()
    head = f"[bold cyan]{p.id}[/] v{p.version} · seed {p.seed}"
    con.print(Panel(Markdown(tex_to_text(p.question)), title=head, title_align="left", border_style="cyan"))
    rows = []
    for a in p.answers:
        line = Text.assemble((f"{a.label}: ", "bold"), (fmt_answer(a), "bold green"),
                             (f"   ({a.precision})", "dim"))
        if a.measured_on:
            line.append(f"   measured on {a.measured_on}", style="dim")
        rows.append(line)
    con.print(Panel(Group(*rows), title="answer", title_align="left", border_style="green"))
    con.print(Panel(Markdown(tex_to_text(p.solution)), title="solution", title_align="left", border_style="dim"))
    if p.distractors:
        from quizgen.render.numbers import plain_value

        t = Text()
        for i, d in enumerate(p.distractors):
            t.append(("\n" if i else "") + f"✗ {plain_value(d.value)}", style="red")
            t.append(f"  {d.why}", style="dim")
        con.print(Panel(t, title="common mistakes", title_align="left", border_style="red"))


@click.command()
@click.argument("gen_id", metavar="ID")
@seed_option()
@click.option("--param", "params", multiple=True, metavar="NAME=JSON",
              help="Fix a parameter (value parsed as JSON; bare words are strings). Repeatable.")
@click.option("--json", "as_json", is_flag=True, help="Print the problem as one JSON object.")
@click.pass_context
def show(ctx: click.Context, gen_id: str, seed: int | None, params: tuple[str, ...], as_json: bool) -> None:
    """Draw one problem of generator ID and print it.

    \b
    Examples:
      quizgen show flops.matmul --seed 7
      quizgen show flops.matmul_chain --param dims=[10,20,5,30]
      quizgen show llm.kv_cache_bytes --seed 1 --json
    """
    from quizgen.params import parse_param_args
    from quizgen.rng import fresh_seed

    gen = get_registry(ctx).get(gen_id)
    fixed = parse_param_args(params)
    drawn_seed = seed is None
    if seed is None:
        seed = fresh_seed()
    try:
        problem = gen.problem(seed, fixed)
    except ParamError as e:
        raw = next((a for a in params if a.split("=", 1)[0].strip() == _name_of(e)), None)
        prefix = f"--param {raw}: " if raw else ""
        raise ParamError(f"{prefix}{e}") from None
    if drawn_seed and not as_json:
        click.echo(f"seed {seed} (rerun with --seed {seed} to get this problem again)", err=True)
    if as_json:
        click.echo(problem.dumps())
    else:
        print_problem(problem)


def _name_of(e: ParamError) -> str:
    """The parameter a message is about: ``sizes["i"] must be …`` → ``sizes``."""
    import re

    m = re.match(r"[A-Za-z_][A-Za-z0-9_]*", str(e))
    return m.group(0) if m else ""
