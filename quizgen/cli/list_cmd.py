"""``quizgen list``: every generator with its parameters."""

from __future__ import annotations

import json

import click

from quizgen.cli import get_registry


@click.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list (id, version, area, title, params).")
@click.pass_context
def list_cmd(ctx: click.Context, as_json: bool) -> None:
    """List every generator: id, version, area, title and parameters.

    \b
    Examples:
      quizgen list
      quizgen list --json | jq '.[].id'
    """
    reg = get_registry(ctx)
    if as_json:
        out = [{"id": g.id, "version": g.version, "area": g.area, "title": g.title,
                "params": {p.name: p.describe() for p in g.params}} for g in reg]
        click.echo(json.dumps(out, indent=1, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(reg)} generators", show_lines=False, header_style="bold")
    table.add_column("id", style="cyan", no_wrap=True)
    table.add_column("v", justify="right")
    table.add_column("question")
    table.add_column("params", style="dim")
    for g in reg:
        table.add_row(g.id, str(g.version), g.title, ", ".join(p.name for p in g.params))
    Console().print(table)
