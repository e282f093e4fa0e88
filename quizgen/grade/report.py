"""What ``quizgen grade`` writes: ``scores.csv``, ``histogram.png``, ``report.html`` and
``report.pdf`` (Typst, from ``templates/report.typ``), all from one :class:`Summary`. Example::

    quizgen grade exam/ responses.csv -o report/
"""

from __future__ import annotations

import base64
import csv
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quizgen.errors import DependencyError
from quizgen.fileio import scratch_dir
from quizgen.grade.score import Grading

TEMPLATE_DIR = Path(__file__).with_name("templates")
HISTOGRAM_NAME = "histogram.png"
MATPLOTLIB_HINT = "install matplotlib for the score histogram: pip install matplotlib"


def fmt(x: float) -> str:
    """Points as a teacher writes them: ``2``, ``1.5``, ``0.667``."""
    return f"{round(x, 3):g}"


@dataclass
class QuestionStats:
    label: str
    generator: str
    points: float
    parts: list[str]
    answered: int = 0
    full: int = 0
    part_right: list[int] = field(default_factory=list)
    points_sum: float = 0.0

    def percent(self, n: int) -> float:
        return 100.0 * n / self.answered if self.answered else 0.0


@dataclass(frozen=True)
class Misconception:
    question: str
    generator: str
    why: str
    count: int
    students: list[str]


@dataclass
class Summary:
    title: str
    n_rows: int
    n_graded: int
    scores: list[tuple[str, str, float, float]]
    questions: list[QuestionStats]
    misconceptions: list[Misconception]
    issues: list[tuple[int, str, str, str]]
    file_notes: list[str]
    mean_percent: float | None
    histogram: bytes | None = None
    histogram_note: str = ""


def summarize(g: Grading) -> Summary:
    """Per-question results (keyed by deck slot, so a shuffled exam still adds up), the
    misconceptions by count, and every issue."""
    first = g.exam.versions[0]
    label_of = {q.slot: f"Q{q.number}" for q in first.questions}
    stats: dict[tuple[int, int], QuestionStats] = {}
    for v in g.exam.versions:
        for q in v.questions:
            if q.slot not in stats:
                stats[q.slot] = QuestionStats(label_of.get(q.slot, f"Q{q.number}"), q.problem.id, q.points,
                                              [a.label for a in q.problem.answers],
                                              part_right=[0] * len(q.problem.answers))
    mis: Counter[tuple[tuple[int, int], str]] = Counter()
    who: dict[tuple[tuple[int, int], str], list[str]] = {}
    for r in g.graded:
        for m in r.questions:
            s = stats[m.question.slot]
            s.answered += 1
            s.points_sum += m.points
            s.full += all(p.correct for p in m.parts)
            for i, p in enumerate(m.parts[:len(s.part_right)]):
                s.part_right[i] += p.correct
            if m.misconception is not None:
                key = (m.question.slot, m.misconception.why)
                mis[key] += 1
                who.setdefault(key, []).append(r.student)
    order = sorted(stats, key=lambda k: (int(stats[k].label[1:]) if stats[k].label[1:].isdigit() else 0, k))
    misconceptions = [Misconception(stats[slot].label, stats[slot].generator, why, n, who[(slot, why)])
                      for (slot, why), n in sorted(mis.items(), key=lambda kv: (-kv[1], kv[0]))]
    graded = g.graded
    scores = [(r.student, r.version.code if r.version else r.version_text, r.points, r.max_points) for r in graded]
    mean = (sum(100 * p / m for _, _, p, m in scores if m) / len(scores)) if scores else None
    notes = []
    if g.missing_columns:
        many = len(g.missing_columns) > 1
        notes.append(f"column{'s' if many else ''} {', '.join(g.missing_columns)} {'are' if many else 'is'} missing "
                     f"from the header: every row scores 0 on {'them' if many else 'it'}")
    if g.extra_columns:
        shown = ", ".join(repr(c) for c in g.extra_columns)
        notes.append(f"column{'s' if len(g.extra_columns) > 1 else ''} {shown} not in this exam: ignored")
    if not g.exam.has_distractors:
        notes.append("this exam's manifest.json records no distractors (printed by an older quizgen): "
                     "misconceptions cannot be named")
    return Summary(g.exam.title, len(g.results), len(graded), scores, [stats[k] for k in order], misconceptions,
                   [(i.row, i.student, i.message, i.kind) for i in g.issues], notes, mean)


def scores_csv(g: Grading) -> str:
    """``student,version,points,max,Q1,Q2,...``: one row per graded student, points per question
    (the question numbers as printed on that student's sheet)."""
    n = max(len(v.questions) for v in g.exam.versions)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["student", "version", "points", "max", *[f"Q{i + 1}" for i in range(n)]])
    for r in g.results:
        if r.version is None:
            w.writerow([r.student, r.version_text, "", "", *[""] * n])
            continue
        per = {m.question.number: fmt(m.points) for m in r.questions}
        w.writerow([r.student, r.version.code, fmt(r.points), fmt(r.max_points),
                    *[per.get(i + 1, "") for i in range(n)]])
    return buf.getvalue()


def histogram_png(percents: list[float]) -> bytes:
    """A histogram of the scores in 10% bins (matplotlib, no global pyplot state)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        raise DependencyError(MATPLOTLIB_HINT) from None
    fig = Figure(figsize=(6.4, 3.0), dpi=150)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.hist([min(100.0, max(0.0, p)) for p in percents], bins=[10.0 * i for i in range(11)],
            color="#4a6fa5", edgecolor="white")
    ax.set_xlim(0, 100)
    ax.set_xticks([10 * i for i in range(11)])
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("score (% of the points)")
    ax.set_ylabel("students")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def _data(s: Summary) -> dict[str, Any]:
    """The report's content as plain JSON (the Typst template reads it; the HTML one too)."""
    return {
        "title": s.title,
        "n_rows": s.n_rows,
        "n_graded": s.n_graded,
        "mean": f"{s.mean_percent:.0f}%" if s.mean_percent is not None else "–",
        "scores": [{"student": st, "version": v, "points": fmt(p), "max": fmt(m),
                    "percent": f"{100 * p / m:.0f}%" if m else "–"} for st, v, p, m in s.scores],
        "questions": [{"label": q.label, "generator": q.generator, "points": fmt(q.points),
                       "answered": q.answered, "full": f"{q.percent(q.full):.0f}%",
                       "mean": fmt(q.points_sum / q.answered) if q.answered else "–",
                       "parts": [{"label": lab, "right": f"{q.percent(n):.0f}%"}
                                 for lab, n in zip(q.parts, q.part_right, strict=True)]}
                      for q in s.questions],
        "misconceptions": [{"question": m.question, "generator": m.generator, "why": m.why, "count": m.count,
                            "students": ", ".join(m.students)} for m in s.misconceptions],
        "issues": [{"row": r, "student": st, "message": msg} for r, st, msg, _ in s.issues],
        "notes": s.file_notes + ([s.histogram_note] if s.histogram_note else []),
        "histogram": s.histogram is not None,
    }


def report_html(s: Summary) -> str:
    """A self-contained page (the histogram inline as a data URI)."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    img = base64.b64encode(s.histogram).decode() if s.histogram else ""
    return env.get_template("report.html.j2").render(d=_data(s), histogram=img)


def report_pdf(s: Summary) -> bytes:
    """The same report as a PDF, set by Typst."""
    try:
        import typst
    except ImportError:
        raise DependencyError("the PDF report needs the 'typst' package: pip install typst") from None

    with scratch_dir() as tmp:
        root = Path(tmp)
        (root / "report.typ").write_bytes((TEMPLATE_DIR / "report.typ").read_bytes())
        if s.histogram is not None:
            (root / HISTOGRAM_NAME).write_bytes(s.histogram)
        pdf = typst.compile(str(root / "report.typ"), root=str(root), ignore_system_fonts=True,
                            sys_inputs={"data": json.dumps(_data(s), ensure_ascii=False)})
    assert isinstance(pdf, bytes)
    return pdf


def write_report(g: Grading, folder: Path) -> tuple[Summary, list[str]]:
    """Write every output into ``folder`` (a fresh temp folder); the summary and the file names."""
    s = summarize(g)
    files: dict[str, bytes] = {"scores.csv": scores_csv(g).encode()}
    if s.scores:
        try:
            s.histogram = histogram_png([100 * p / m if m else 0.0 for _, _, p, m in s.scores])
            files[HISTOGRAM_NAME] = s.histogram
        except DependencyError as e:
            s.histogram_note = f"no histogram: {e}"
    files["report.html"] = report_html(s).encode()
    files["report.pdf"] = report_pdf(s)
    for name, blob in files.items():
        (folder / name).write_bytes(blob)
    return s, sorted(files)
