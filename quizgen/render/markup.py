"""Light Markdown with LaTeX math, parsed into blocks and spans that every printed format renders.

Questions and solutions are Markdown with math in ``\\( … \\)`` (inline) and ``\\[ … \\]`` (display).
Only a light subset is used and understood: paragraphs (blank lines), ``- item`` lists, ``**bold**``,
``*italic*`` and inline ```code```. Anything else prints as written, so nothing is silently dropped.
Example::

    parse(r"Count **FLOPs** for \\(AB\\). \\[2mkn\\]")
    # [Block('par', spans=(Span('text', 'Count '), Span('text', 'FLOPs', bold=True), ...)),
    #  Block('display', tex='2mkn')]
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

SpanKind = Literal["text", "code", "math"]
BlockKind = Literal["par", "item", "display"]


@dataclass(frozen=True)
class Span:
    """A run of text (possibly bold/italic), inline code, or inline math (``text`` holds the TeX)."""

    kind: SpanKind
    text: str
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True)
class Block:
    """A paragraph, a list item, or a display formula (``tex``)."""

    kind: BlockKind
    spans: tuple[Span, ...] = ()
    tex: str = ""


_DISPLAY = re.compile(r"\\\[(.*?)\\\]|\$\$(.*?)\$\$", re.S)
_INLINE = re.compile(r"\\\((.*?)\\\)", re.S)
_CODE = re.compile(r"`([^`\n]+)`")
_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


def parse(md: str) -> list[Block]:
    """Blocks of ``md``: display math splits paragraphs; blank lines separate them."""
    blocks: list[Block] = []
    pos = 0
    for m in _DISPLAY.finditer(md):
        blocks += _paragraphs(md[pos:m.start()])
        tex = (m.group(1) if m.group(1) is not None else m.group(2)).strip()
        if tex:
            blocks.append(Block("display", tex=tex))
        pos = m.end()
    blocks += _paragraphs(md[pos:])
    return blocks


def _paragraphs(text: str) -> list[Block]:
    out: list[Block] = []
    for chunk in re.split(r"\n\s*\n", text):
        lines = [ln for ln in chunk.split("\n") if ln.strip()]
        if not lines:
            continue
        # A chunk whose lines all start with "- " (or "1. ") is a list; else one paragraph.
        if all(_ITEM.match(ln) for ln in lines) and not _inside_math_start(chunk):
            out += [Block("item", spans=_spans(_ITEM.sub("", ln, count=1))) for ln in lines]
        else:
            spans = _spans(" ".join(ln.strip() for ln in lines))
            if spans:
                out.append(Block("par", spans=spans))
    return out


def _inside_math_start(chunk: str) -> bool:
    # "- 3" inside math at a line start is not a list item; only treat it so when math is balanced.
    return chunk.count("\\(") != chunk.count("\\)")


def _spans(text: str) -> tuple[Span, ...]:
    """Inline math and code first (their content is literal), then bold/italic markers in prose."""
    raw: list[tuple[SpanKind, str]] = []
    pos = 0
    for m in _INLINE.finditer(text):
        raw += _code_split(text[pos:m.start()])
        raw.append(("math", m.group(1).strip()))
        pos = m.end()
    raw += _code_split(text[pos:])
    return tuple(_emphasis(raw))


def _code_split(text: str) -> list[tuple[SpanKind, str]]:
    out: list[tuple[SpanKind, str]] = []
    pos = 0
    for m in _CODE.finditer(text):
        if m.start() > pos:
            out.append(("text", text[pos:m.start()]))
        out.append(("code", m.group(1)))
        pos = m.end()
    if pos < len(text):
        out.append(("text", text[pos:]))
    return out


_MARK = re.compile(r"\*\*|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])")


def _emphasis(raw: list[tuple[SpanKind, str]]) -> Iterator[Span]:
    """Toggle bold at ``**`` and italic at ``*`` across spans; unmatched markers stay literal."""
    n_bold = sum(len(re.findall(r"\*\*", t)) for k, t in raw if k == "text")
    n_ital = sum(1 for k, t in raw if k == "text" for m in _MARK.finditer(t) if m.group() == "*")
    use_bold, use_ital = n_bold % 2 == 0, n_ital % 2 == 0
    bold = ital = False
    for kind, text in raw:
        if kind != "text":
            yield Span(kind, text, bold, ital)
            continue
        pos = 0
        buf = ""
        for m in _MARK.finditer(text):
            mark = m.group()
            if (mark == "**" and not use_bold) or (mark == "*" and not use_ital):
                continue
            buf += text[pos:m.start()]
            if buf:
                yield Span("text", buf, bold, ital)
                buf = ""
            if mark == "**":
                bold = not bold
            else:
                ital = not ital
            pos = m.end()
        buf += text[pos:]
        if buf:
            yield Span("text", buf, bold, ital)


def formulas(md: str) -> Iterator[tuple[str, bool]]:
    """Every formula of ``md`` as (tex, display), in reading order."""
    for b in parse(md):
        if b.kind == "display":
            yield b.tex, True
        for s in b.spans:
            if s.kind == "math":
                yield s.text, False


def plain_text(md: str) -> str:
    """The prose of ``md`` with markers removed and math left as TeX (for search and tests)."""
    parts: list[str] = []
    for b in parse(md):
        if b.kind == "display":
            parts.append(b.tex)
        else:
            parts.append("".join(s.text for s in b.spans))
    return "\n".join(parts)
