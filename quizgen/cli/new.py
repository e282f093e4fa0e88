"""``quizgen new``: write a working, commented generator file for a question type of your own."""

from __future__ import annotations

import keyword
import os
import re
import shlex
from pathlib import Path

import click

from quizgen.errors import OutputError, UserError

ID_RE = re.compile(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*")
TEMPLATE_ID = "example.bandwidth_time"
TEMPLATE_CLASS = "BandwidthTime"
TEMPLATE_DIR = "--generators mygens"


def class_name(name: str) -> str:
    """``bandwidth_time`` → ``BandwidthTime`` (never a Python keyword such as ``None``)."""
    out = "".join(part[:1].upper() + part[1:] for part in name.split("_") if part)
    if not out or not out[0].isalpha():
        out = "Q" + out
    return out + "Question" if keyword.iskeyword(out) else out


def check_id(gen_id: str) -> tuple[str, str]:
    """(area, name) of a valid new id, or a UserError naming the value and the form it needs."""
    if not ID_RE.fullmatch(gen_id):
        hint = gen_id.strip().lower().replace("-", "_").replace(" ", "_")
        example = hint if ID_RE.fullmatch(hint) else "mycourse.bandwidth_time"
        raise UserError(f"generator id {gen_id!r} must be AREA.NAME in lowercase letters, digits and _, "
                        f"each starting with a letter, e.g. {example}")
    area, name = gen_id.split(".")
    return area, name


def source_for(gen_id: str, flag: str) -> str:
    """The template's source with its id, class name and example commands made this generator's."""
    from quizgen.templates import bandwidth_time

    _, name = check_id(gen_id)
    text = Path(bandwidth_time.__file__).read_text(encoding="utf-8")
    cls = class_name(name)
    text = text.replace(TEMPLATE_ID, gen_id)
    text = re.sub(rf"\b{TEMPLATE_CLASS}\b", cls, text)
    return text.replace(TEMPLATE_DIR + " ", flag)


def _existing(gen_id: str, folder: Path, ctx: click.Context) -> str | None:
    """Where ``gen_id`` is already defined (the registry, or any file in ``folder``), if anywhere."""
    from quizgen.cli import get_registry

    reg = get_registry(ctx)
    if gen_id in reg:
        return str(reg.origins[gen_id])
    if folder.is_dir():
        pattern = re.compile(rf"""^\s*id\s*=\s*["']{re.escape(gen_id)}["']""", re.M)
        for path in sorted(folder.glob("*.py")):
            try:
                if pattern.search(path.read_text(encoding="utf-8", errors="replace")):
                    return str(path)
            except OSError:
                continue
    return None


@click.command()
@click.argument("gen_id", metavar="ID")
@click.option("--dir", "folder", type=click.Path(path_type=Path), default=Path("generators"), show_default=True,
              metavar="DIR", help="Folder to write ID's file into (created if missing).")
@click.pass_context
def new(ctx: click.Context, gen_id: str, folder: Path) -> None:
    """Write DIR/AREA_NAME.py: a working, commented generator for ID (AREA.NAME, lowercase) to
    edit into a question type of your own. As written it asks how long a copy over a real link
    takes, and passes `quizgen check`: params with draw ranges, the real-world envelope
    (plausible), the form, draw, solve (3 significant figures by default), render, distractors
    and an independent check. It never overwrites a file. Walk-through: docs/authoring.md.

    \b
    Examples:
      quizgen new mycourse.bandwidth_time --dir mygens
      quizgen --generators mygens show mycourse.bandwidth_time
      quizgen --generators mygens check mycourse.bandwidth_time --seeds 30
    """
    from quizgen.registry import bundled_dir

    area, name = check_id(gen_id)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"--dir {str(folder)!r} is a file, not a folder; give a folder, e.g. --dir mygens")
    where = _existing(gen_id, folder, ctx)
    if where is not None:
        raise UserError(f"generator id {gen_id!r} already exists (in {where}); choose another NAME, "
                        f"e.g. {area}.{name}_2")
    target = folder / f"{area}_{name}.py"
    if target.exists() or target.is_symlink():
        raise OutputError(f"{str(target)!r} already exists; quizgen new never overwrites a file: "
                          "move it away or choose another id")
    bundled = folder.resolve() == bundled_dir("generators").resolve()
    flag = "" if bundled else f"--generators {shlex.quote(str(folder))} "
    text = source_for(gen_id, flag)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # O_EXCL: never replace a file (or follow a link) that appeared meanwhile.
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        raise OutputError(f"{str(target)!r} already exists; quizgen new never overwrites a file") from None
    except OSError as e:
        raise OutputError(f"cannot write {str(target)!r}: {e.strerror}; choose another --dir") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as e:
        target.unlink(missing_ok=True)
        raise OutputError(f"cannot write {str(target)!r}: {e.strerror}; choose another --dir") from None
    click.echo(f"wrote {target}: class {class_name(name)}, id {gen_id} (a working example to edit)")
    click.echo("try it:")
    click.echo(f"  quizgen {flag}show {gen_id}")
    click.echo(f"  quizgen {flag}check {gen_id} --seeds 30")
    click.echo("then make it your question: docs/authoring.md in the quizgen repository walks through it")
