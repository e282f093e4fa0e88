"""A generator of your own: how long does it take to move data over a link?

Written by ``quizgen new``; edit it into your own question (docs/authoring.md walks through it).
Try it as it is first:

    quizgen --generators mygens show example.bandwidth_time --seed 1
    quizgen --generators mygens check example.bandwidth_time --seeds 30

Rules every generator keeps (``quizgen check`` tests them on many seeds):
- randomness comes only from the ``rng`` passed to ``draw`` (no ``random``, no clock, no I/O);
- the same seed gives the same problem (bump ``version`` when ``draw``'s output changes);
- every drawn parameter lies in its declared range (``lo``–``hi``) and inside the real-world
  envelope that ``plausible`` states;
- no distractor (a misconception's answer) is accepted as right;
- ``check`` recomputes the answer a second, independent way.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

from quizgen.checking import assert_close
from quizgen.generator import Generator, Params
from quizgen.gentools import as_number, exact_decimal, keep_wrong
from quizgen.model import Answer, Distractor
from quizgen.params import Param
from quizgen.render.numbers import tex
from quizgen.rng import Rng

# The links a practitioner meets, in GB/s (10^9 bytes per second, one direction), with the figure's
# source. Drawing the bandwidth from a table of real things (rather than any number in a range)
# keeps every question a scenario someone would actually estimate.
LINKS: dict[str, tuple[str, Fraction]] = {
    "1GbE": ("1 Gb/s Ethernet", Fraction("0.125")),  # 10^9 bit/s ÷ 8
    "10GbE": ("10 Gb/s Ethernet", Fraction("1.25")),
    "100GbE": ("100 Gb/s Ethernet", Fraction("12.5")),  # also InfiniBand EDR
    "nvme4": ("a PCIe 4.0 NVMe SSD", Fraction(7)),  # sequential read of fast drives, vendor datasheets
    "pcie4": ("PCIe 4.0 x16", Fraction("31.5")),  # 16 GT/s × 16 lanes × 128/130 encoding ÷ 8
    "pcie5": ("PCIe 5.0 x16", Fraction(63)),  # twice PCIe 4.0
    "hbm3": ("H100 SXM memory (HBM3)", Fraction(3350)),  # NVIDIA H100 datasheet: 3.35 TB/s
}

# The real-world envelope (see ``plausible``): data people move, from a 100 MB shard to a 2 TB
# checkpoint (a 1T-parameter model in bf16), taking between 1 ms and 20 minutes, the range in
# which people estimate a copy before starting it.
SIZE_GB = (0.1, 2000.0)
SECONDS = (0.001, 1200.0)

# Which unit the answer is asked in, and the seconds in one of it.
UNITS: dict[str, Fraction] = {"ms": Fraction(1, 1000), "s": Fraction(1)}
UNIT_WORDS = {"ms": "milliseconds", "s": "seconds"}
# The answer (in the asked unit) aims at 1–1000: "0.0004 s" or "2,000,000 ms" are not how people talk.
ANSWER_RANGE = (1.0, 1000.0)


def _size_range(link: str, unit: str) -> tuple[float, float]:
    """The sizes (GB) whose transfer over ``link`` gives 1–1000 ``unit``, inside the envelope."""
    bw = float(LINKS[link][1])
    per = float(UNITS[unit])
    lo = max(SIZE_GB[0], bw * per * ANSWER_RANGE[0], bw * SECONDS[0])
    hi = min(SIZE_GB[1], bw * per * ANSWER_RANGE[1], bw * SECONDS[1])
    return lo, hi


def _fits(link: str, unit: str) -> bool:
    lo, hi = _size_range(link, unit)
    return lo <= hi


class BandwidthTime(Generator):
    """Time to copy a file over a link: size ÷ bandwidth, in ms or s.

    Example: ``quizgen --generators mygens show example.bandwidth_time --param link=pcie4``
    """

    id = "example.bandwidth_time"  # "<area>.<name>": the identity; never derived from the text
    version = 1  # bump when draw() gives other params for the same seed
    title = "How long does it take to move this much data over this link?"
    tags = ("bandwidth", "units")
    params = (
        # lo/hi: the range draws stay in (checked); min/max: what a user may pass with --param.
        Param("size_gb", "float", "data moved, in GB (10^9 bytes)", lo=SIZE_GB[0], hi=SIZE_GB[1],
              min=0, min_open=True, max=1e9),
        Param("link", "str", "the link, from the table of real links", choices=tuple(LINKS)),
        Param("unit", "str", "the unit the answer is asked in", choices=tuple(UNITS)),
    )
    # Params that fix the question's *form*: every version of one exam question (and every
    # variant of one card) asks in the same unit; only the numbers change.
    form = ("unit",)

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        """Random params from ``rng`` only. ``fixed`` holds --param / deck options (and the form
        of the first version), so the other draws can adapt to them."""
        # Only combinations that can give a sensible answer: HBM moves 2 TB in 0.6 s, so never "in s".
        units = [u for u in UNITS if "link" not in fixed or _fits(fixed["link"], u)] or list(UNITS)
        unit = fixed.get("unit") or rng.choice(units)
        link = fixed.get("link") or rng.choice([k for k in LINKS if _fits(k, unit)])
        lo, hi = _size_range(link, unit)
        if lo > hi:  # the user fixed a link and a unit that do not fit: any size in the envelope
            lo, hi = SIZE_GB
        return {"size_gb": rng.nice(lo, hi, sig=2), "link": link, "unit": unit}

    def plausible(self, p: Params) -> list[str]:
        """Why a draw is not a scenario a practitioner would meet (empty: it is). Draws must stay
        inside; a teacher's --param may leave the envelope on purpose."""
        why = []
        seconds = p["size_gb"] / float(LINKS[p["link"]][1])
        if not SECONDS[0] <= seconds <= SECONDS[1]:
            why.append(f"the copy takes {seconds:.3g} s; people estimate copies of 1 ms to 20 minutes")
        if not SIZE_GB[0] <= p["size_gb"] <= SIZE_GB[1]:
            why.append(f"{p['size_gb']} GB is outside 100 MB – 2 TB")
        return why

    def solve(self, p: Params) -> list[Answer]:
        """Exact arithmetic first (Fraction), a float only at the end."""
        seconds = exact_decimal(p["size_gb"]) / LINKS[p["link"]][1]
        value = as_number(seconds / UNITS[p["unit"]])
        # Graded to 3 significant figures, the default (quizgen/precision.py). Ask for more only
        # when the concept demands it or a named misconception would otherwise pass, and say why:
        #   Answer("time", value, p["unit"], tolerance=sig(4, why="..."))   # from quizgen.precision
        return [Answer("time", value, p["unit"])]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        """(question, worked solution): Markdown with math in \\( \\) and \\[ \\]. The sentence that
        states the precision ("Give your answer to 3 significant figures.") is added for you."""
        name, bw = LINKS[p["link"]]
        unit = p["unit"]
        q = (f"A \\({tex(p['size_gb'])}\\) GB file is copied over {name}, which moves "
             f"\\({tex(bw)}\\) GB/s. Ignoring latency and protocol overhead, how long does the copy "
             f"take, in {UNIT_WORDS[unit]}?")
        seconds = exact_decimal(p["size_gb"]) / bw
        in_unit = "" if unit == "s" else f" = {tex(answers[0].values[0])}\\ \\text{{{unit}}}"
        s = (f"Time is data over bandwidth: \\[t = \\frac{{S}}{{B}} = \\frac{{{tex(p['size_gb'])}\\ \\text{{GB}}}}"
             f"{{{tex(bw)}\\ \\text{{GB/s}}}} = {tex(seconds)}\\ \\text{{s}}{in_unit}\\] "
             "Both are in decimal gigabytes (\\(10^9\\) bytes), so no other factor enters. Real copies take longer: "
             "latency, protocol headers and the slower end of the path all add to this bound.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        """The answers that named misconceptions give; ``keep_wrong`` drops any the tolerance
        would accept (``quizgen check`` fails if one is accepted)."""
        t = exact_decimal(answers[0].values[0])
        other = "s" if p["unit"] == "ms" else "ms"
        return keep_wrong(answers[0], [
            Distractor(as_number(t * 8), "reads GB/s as gigabits per second (8 bits per byte)"),
            Distractor(as_number(t * Fraction(2**30, 10**9)),
                       "takes the size in GiB (2^30 bytes) but the bandwidth in GB/s (10^9 bytes/s)"),
            Distractor(as_number(t * UNITS[p["unit"]] / UNITS[other]), f"gives the time in {other}, not {p['unit']}"),
        ])

    def check(self, p: Params, answers: list[Answer]) -> None:
        """An independent recomputation (never a copy of ``solve``): bytes and bytes per second in
        ``decimal`` arithmetic, and its own table of units. Raise CheckError on a mismatch (the
        ``assert_*`` helpers of quizgen.checking do)."""
        bw = LINKS[p["link"]][1]
        nbytes = Decimal(repr(p["size_gb"])) * 10**9
        bytes_per_s = Decimal(bw.numerator) * 10**9 / Decimal(bw.denominator)
        per_second = {"ms": Decimal(1000), "s": Decimal(1)}[p["unit"]]
        want = nbytes / bytes_per_s * per_second
        assert_close("decimal bytes ÷ bytes/s", answers[0].values, float(want), rtol=1e-12)
