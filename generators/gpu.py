"""GPU performance arithmetic: intensity, roofline, peak FLOP/s and bandwidth, occupancy, coalescing,
tiling traffic and the critical batch size. Hardware facts come from ``quizgen.hardware``. Example::

    quizgen show gpu.occupancy --param arch=sm90 --param threads_per_block=256 --param regs_per_thread=64
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from quizgen import precision
from quizgen.checking import assert_close, assert_equal, require
from quizgen.crosscheck import torch_flops
from quizgen.errors import DrawError, ParamError
from quizgen.generator import Generator, Params
from quizgen.gentools import as_number as _num
from quizgen.gentools import exact_decimal as _exact
from quizgen.hardware import (
    A100_40GB,
    A100_80GB,
    ARCHS,
    B200,
    H100_SXM,
    H200_SXM,
    KIB,
    MI300X,
    SMArch,
    draw_numbers,
    exact_entry,
    near_entry,
)
from quizgen.model import Answer, Distractor
from quizgen.params import Param
from quizgen.render.numbers import plain, tex
from quizgen.rng import Rng

DTYPE_NAMES = {0.5: "INT4", 1: "FP8/INT8", 2: "BF16/FP16", 4: "FP32", 8: "FP64"}






def _dtype(b: int | float) -> str:
    return DTYPE_NAMES.get(b, f"{plain(b)}-byte")


def _roundup(x: int, unit: int) -> int:
    return -(-x // unit) * unit


def _far(answer: Answer, value: float) -> bool:
    """Whether ``value`` is clearly wrong under the answer's tolerance (a usable distractor)."""
    from quizgen.grading import accepts

    return not accepts(answer, value)


_HUGE = Fraction(10**300)


def _require_range(what: str, x: Fraction | int, fix: str) -> None:
    """Answers and the numbers a solution shows must stay finite floats: reject absurd user values
    with a message instead of an overflow (or a silent underflow to 0)."""
    if not 1 / _HUGE < abs(Fraction(x)) < _HUGE:
        raise ParamError(f"{what} comes out beyond the range 1e-300 to 1e300; {fix}")


# -- arithmetic intensity ------------------------------------------------------------------------

_INTENSITY_4SF = precision.sig(4, why="for a skinny product (m of a few tokens) the output write is under 0.5% "
                                     "of the bytes: at 3 figures forgetting it would pass")


class ArithmeticIntensity(Generator):
    """Arithmetic intensity of an (m×k)@(k×n) matmul that reads each input once: 2mkn/(b(mk+kn+mn)).

    Example: ``quizgen show gpu.arithmetic_intensity --param m=4096 --param k=4096 --param n=4096``
    """

    id = "gpu.arithmetic_intensity"
    version = 1
    form = ("bytes_per_value",)
    title = ("What is the arithmetic intensity of an (m×k)@(k×n) matmul, each input read once and the output "
             "written once?")
    tags = ("roofline", "matmul")
    params = (
        Param("m", "int", "rows of A (and of the output)", lo=1, hi=16384, min=1),
        Param("k", "int", "inner (contracted) dimension", lo=1, hi=16384, min=1),
        Param("n", "int", "columns of B (and of the output)", lo=1, hi=16384, min=1),
        Param("bytes_per_value", "int", "bytes per stored value (1 FP8, 2 BF16, 4 FP32)", choices=(1, 2, 4)),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        p: Params = {d: rng.power_of_two(64, 16384, half=True) for d in ("m", "k", "n")}
        if rng.bernoulli(0.3):  # a skinny product (decode, small batch): memory-bound
            p["m"] = rng.choice([1, 2, 4, 8, 16, 32, 64]) if rng.bernoulli(0.7) else rng.integer(1, 64)
        p["bytes_per_value"] = rng.choice([1, 2, 2, 4])
        return p

    def validate(self, p: Params) -> None:
        _require_range("the FLOP count 2mkn", self._parts(p)[0], "use smaller m, k and n")

    @staticmethod
    def _parts(p: Params) -> tuple[int, int]:
        m, k, n, b = p["m"], p["k"], p["n"], p["bytes_per_value"]
        return 2 * m * k * n, b * (m * k + k * n + m * n)

    def solve(self, p: Params) -> list[Answer]:
        flops, nbytes = self._parts(p)
        return [Answer("intensity", float(Fraction(flops, nbytes)), "FLOP/byte", _INTENSITY_4SF)]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        m, k, n, b = p["m"], p["k"], p["n"], p["bytes_per_value"]
        flops, nbytes = self._parts(p)
        q = (f"A matmul \\(C = AB\\) has \\(A \\in \\mathbb{{R}}^{{{m} \\times {k}}}\\) and "
             f"\\(B \\in \\mathbb{{R}}^{{{k} \\times {n}}}\\), all stored in {_dtype(b)} "
             f"({b} byte{'s' if b != 1 else ''} per value). Each input is read from memory once and the output is "
             "written once. What is its arithmetic intensity in FLOP/byte? Count one multiply-add as 2 FLOP.")
        s = (f"FLOPs: \\(2mkn = 2 \\times {m} \\times {k} \\times {n} = {tex(flops)}\\). "
             f"Bytes moved: A, B and C once each, \\(b(mk + kn + mn) = {b} \\times ({tex(m * k)} + {tex(k * n)} + "
             f"{tex(m * n)}) = {tex(nbytes)}\\). "
             f"\\[I = \\frac{{2mkn}}{{b(mk + kn + mn)}} = \\frac{{{tex(flops)}}}{{{tex(nbytes)}}} = "
             f"{tex(answers[0].value)}\\ \\text{{FLOP/byte}}\\] "
             "Intuition: a square \\(n\\)-matmul has intensity \\(2n/(3b)\\), growing with \\(n\\), so big matmuls are "
             "compute-bound; with a small \\(m\\) (a few tokens) it is about \\(2m/b\\) and the weights' bytes "
             "dominate.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        m, k, n, b = p["m"], p["k"], p["n"], p["bytes_per_value"]
        flops = 2 * m * k * n
        cands = [
            (float(Fraction(flops, b * (m * k + k * n))), "drops the output write: C's m·n values are stored too"),
            (float(Fraction(flops, b * m * k)), "counts only A's bytes: B and C move through memory as well"),
        ]
        return [Distractor(v, why) for v, why in cands if _far(answers[0], v)]

    def check(self, p: Params, answers: list[Answer]) -> None:
        import torch

        m, k, n = p["m"], p["k"], p["n"]
        dtype = {1: torch.float8_e4m3fn, 2: torch.bfloat16, 4: torch.float32}[p["bytes_per_value"]]
        flops = torch_flops(lambda: torch.empty(m, k, device="meta") @ torch.empty(k, n, device="meta"))
        tensors = [torch.empty(r, c, dtype=dtype, device="meta") for r, c in ((m, k), (k, n), (m, n))]
        nbytes = sum(t.nbytes for t in tensors)
        assert_close("FlopCounterMode / Σ nbytes", answers[0].value, flops / nbytes, rtol=1e-12)


# -- roofline ------------------------------------------------------------------------------------

def _table_device_numbers(rng: Rng) -> tuple[float, float]:
    """(peak TFLOP/s, bandwidth GB/s) of a hardware-table device, or perturbed from one entry."""
    return draw_numbers(rng)


def _hardware_plausible(peak: float, bw: float) -> list[str]:
    # Envelope: peak and bandwidth within 1.3× of one quizgen.hardware entry (datasheets named there),
    # so the ridge point sits where real chips put it (76 FLOP/B for an RTX 3090 to 404 for an L4).
    if near_entry(peak, bw) is None:
        return [f"{peak:g} TFLOP/s with {bw:g} GB/s is no chip in the hardware table (nor within 1.3× of one)"]
    return []


def _chip_name(peak: float, bw: float) -> str:
    """' (an H100 SXM5 80 GB)' when the numbers are a table entry's, else ''."""
    dev = exact_entry(peak, bw)
    return f" ({'an' if dev.name[0] in 'AHLM' else 'a'} {dev.name})" if dev else ""


BOUND = ("compute-bound", "memory-bound")


class Roofline(Generator):
    """Roofline model: attainable TFLOP/s = min(peak, I·bandwidth), and which roof binds.

    Example: ``quizgen show gpu.roofline --param intensity=50 --param peak_tflops=989.4 --param bandwidth_gbs=3350``
    """

    id = "gpu.roofline"
    version = 3
    title = "What throughput can a kernel of arithmetic intensity I reach on this GPU (roofline)?"
    tags = ("roofline",)
    params = (
        Param("intensity", "float", "arithmetic intensity, FLOP/byte", lo=0.1, hi=1e4, min=0, min_open=True),
        Param("peak_tflops", "float", "peak compute, TFLOP/s", lo=10, hi=3000, min=0, min_open=True),
        Param("bandwidth_gbs", "float", "memory bandwidth, GB/s", lo=100, hi=10000, min=0, min_open=True),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        peak, bw = _table_device_numbers(rng)
        peak, bw = fixed.get("peak_tflops", peak), fixed.get("bandwidth_gbs", bw)
        if "intensity" in fixed:
            return {"intensity": fixed["intensity"], "peak_tflops": peak, "bandwidth_gbs": bw}
        ridge = _exact(peak) * 1000 / _exact(bw)
        lo, hi = max(Fraction(1, 10), ridge / 30), min(Fraction(10**4), ridge * 30)
        # Within 30× of the ridge either way; a user-fixed GPU whose ridge lies far outside the draw
        # range gets an intensity from the whole range instead. Never exactly at the ridge, where
        # the binding roof would hang on rounding.
        for _ in range(20):
            intensity = rng.nice(float(lo), float(hi), 2) if lo <= hi else rng.nice(0.1, 1e4, 2)
            if _exact(intensity) != ridge:
                break
        return {"intensity": intensity, "peak_tflops": peak, "bandwidth_gbs": bw}

    def plausible(self, p: Params) -> list[str]:
        bad = _hardware_plausible(p["peak_tflops"], p["bandwidth_gbs"])
        ridge = float(self._exact(p)[2])
        # Real kernels: from ~0.1 FLOP/B (elementwise in FP32) to ~1e4 (huge matmuls), within 30× of the ridge.
        if not ridge / 30 <= p["intensity"] <= ridge * 30:
            bad.append(f"intensity {p['intensity']:g} is more than 30× from the ridge point {ridge:.3g}")
        return bad

    def validate(self, p: Params) -> None:
        mem_roof, _, ridge = self._exact(p)
        fix = "use values closer to real GPUs (intensity 0.1–1e4, peak_tflops 10–3000, bandwidth_gbs 100–10000)"
        _require_range("the memory roof I × bandwidth", mem_roof * 1000, fix)
        _require_range("the ridge point peak/bandwidth", ridge, fix)

    @staticmethod
    def _exact(p: Params) -> tuple[Fraction, Fraction, Fraction]:
        """(memory roof I·bw/1000, peak, ridge) in TFLOP/s and FLOP/byte, exactly."""
        i, peak, bw = _exact(p["intensity"]), _exact(p["peak_tflops"]), _exact(p["bandwidth_gbs"])
        return i * bw / 1000, peak, peak * 1000 / bw

    def solve(self, p: Params) -> list[Answer]:
        mem_roof, peak, _ = self._exact(p)
        compute_bound = mem_roof >= peak
        return [Answer("attainable", float(min(mem_roof, peak)), "TFLOP/s"),
                Answer("bound", BOUND[0] if compute_bound else BOUND[1], choices=BOUND)]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        i, peak, bw = p["intensity"], p["peak_tflops"], p["bandwidth_gbs"]
        mem_roof, _, ridge = self._exact(p)
        q = (f"A kernel has arithmetic intensity \\(I = {tex(i)}\\) FLOP/byte. The GPU{_chip_name(peak, bw)} peaks at "
             f"\\({tex(peak)}\\) TFLOP/s and its memory delivers \\({tex(bw)}\\) GB/s (1 GB = \\(10^9\\) B). "
             "By the roofline model, what throughput can the kernel reach, in TFLOP/s? "
             "Part 2: is it compute-bound or memory-bound?")
        head = (f"The memory roof is \\(I \\times \\text{{bandwidth}} = {tex(i)} \\times {tex(bw)}\\ \\text{{GB/s}} = "
                f"{tex(float(mem_roof * 1000))}\\ \\text{{GFLOP/s}} = {tex(float(mem_roof))}\\ \\text{{TFLOP/s}}\\); "
                f"the ridge point is \\(\\text{{peak}}/\\text{{bandwidth}} = {tex(peak)} \\times 1000 / {tex(bw)} = "
                f"{tex(float(ridge))}\\) FLOP/byte. ")
        if answers[1].value == "compute-bound":
            body = (f"Since \\(I = {tex(i)} \\ge {tex(float(ridge))}\\), the compute roof binds: "
                    f"\\[\\min({tex(peak)}, {tex(float(mem_roof))}) = {tex(answers[0].value)}\\ \\text{{TFLOP/s}}\\] "
                    "compute-bound. More bandwidth would not help; only faster math (or less of it) would.")
        else:
            body = (f"Since \\(I = {tex(i)} < {tex(float(ridge))}\\), the memory roof binds: "
                    f"\\[\\min({tex(peak)}, {tex(float(mem_roof))}) = {tex(answers[0].value)}\\ \\text{{TFLOP/s}}\\] "
                    f"memory-bound: only {plain(answers[0].value / peak * 100, 3)}% of the peak. "
                    "To go faster, raise the intensity (reuse data from cache or registers) or move fewer bytes.")
        return q, head + body

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        i, peak, bw = p["intensity"], p["peak_tflops"], p["bandwidth_gbs"]
        out = []
        v = float(_exact(i) * _exact(bw))
        if _far(answers[0], v):
            out.append(Distractor(v, "I × bandwidth in GB/s gives GFLOP/s: divide by 1000 for TFLOP/s "
                                     "(and the result can never exceed the peak)"))
        if answers[1].value == "memory-bound" and _far(answers[0], peak):
            out.append(Distractor(peak, "the peak is only reachable above the ridge point; "
                                        "this kernel is limited by memory bandwidth"))
        return out

    def check(self, p: Params, answers: list[Answer]) -> None:
        # Time a notional kernel of F FLOP: it takes as long as the slower of computing and moving its bytes.
        flops = Fraction(10**15)
        t_compute = flops / (_exact(p["peak_tflops"]) * 10**12)
        t_memory = flops / _exact(p["intensity"]) / (_exact(p["bandwidth_gbs"]) * 10**9)
        t = max(t_compute, t_memory)
        assert_close("F / max(t_compute, t_memory)", answers[0].value, float(flops / t / 10**12), rtol=1e-12)
        assert_equal("t_compute ≥ t_memory", answers[1].value,
                     "compute-bound" if t_compute >= t_memory else "memory-bound")


# -- peak FLOP/s ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Chip:
    name: str
    n_sms: int
    clock_mhz: int
    rate: int
    datasheet_tflops: float


# Dense FP16/BF16 tensor-core peaks from NVIDIA datasheets (boost clocks).
_CHIPS = (
    _Chip("H100 SXM", H100_SXM.n_sms, H100_SXM.tensor_clock_mhz, H100_SXM.dense_bf16_flops_per_clock_per_sm, 989.4),
    _Chip("A100", A100_40GB.n_sms, A100_40GB.tensor_clock_mhz, A100_40GB.dense_bf16_flops_per_clock_per_sm, 312),
    _Chip("V100 SXM2", 80, 1530, 1024, 125),
    _Chip("A10", 72, 1695, 1024, 125),
    _Chip("L4", 58, 2040, 1024, 121),
    # B200: 148 SMs and 2.25 PFLOP/s dense BF16 (NVIDIA HGX B200); the clock is the one that peak implies.
    _Chip("B200", B200.n_sms, B200.tensor_clock_mhz, B200.dense_bf16_flops_per_clock_per_sm, 2250),
)


def _chip_of(p: Params) -> _Chip | None:
    for c in _CHIPS:
        if (c.n_sms, c.clock_mhz, c.rate) == (p["n_sms"], p["clock_mhz"], p["flops_per_clock_per_sm"]):
            return c
    return None


class PeakFlops(Generator):
    """Peak dense tensor throughput: SMs × clock × FLOP per clock per SM.

    Example: ``quizgen show gpu.peak_flops --param n_sms=132 --param clock_mhz=1830
    --param flops_per_clock_per_sm=4096``
    """

    id = "gpu.peak_flops"
    version = 2
    title = "What is the peak dense TFLOP/s of this GPU?"
    tags = ("hardware",)
    params = (
        Param("n_sms", "int", "streaming multiprocessors", lo=20, hi=200, min=1),
        Param("clock_mhz", "float", "tensor-core clock, MHz", lo=1000, hi=2100, min=0, min_open=True),
        Param("flops_per_clock_per_sm", "int", "dense FLOP per clock per SM (1 multiply-add = 2 FLOP)",
              choices=(256, 512, 1024, 2048, 4096, 8192)),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        if rng.bernoulli(0.4):
            c = rng.choice(_CHIPS)
            return {"n_sms": c.n_sms, "clock_mhz": c.clock_mhz, "flops_per_clock_per_sm": c.rate}
        return {"n_sms": rng.integer(20, 200), "clock_mhz": 5 * rng.integer(200, 420),
                "flops_per_clock_per_sm": rng.choice([256, 512, 1024, 2048, 4096, 8192])}

    def validate(self, p: Params) -> None:
        _require_range("the peak", self._tflops(p) * 2, "use realistic n_sms and clock_mhz")

    @staticmethod
    def _tflops(p: Params) -> Fraction:
        return p["n_sms"] * _exact(p["clock_mhz"]) * 10**6 * p["flops_per_clock_per_sm"] / Fraction(10**12)

    def solve(self, p: Params) -> list[Answer]:
        return [Answer("peak", float(self._tflops(p)), "TFLOP/s")]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        n, clk, r = p["n_sms"], p["clock_mhz"], p["flops_per_clock_per_sm"]
        chip = _chip_of(p)
        q = (f"A GPU has {n} SMs whose tensor cores run at {plain(clk)} MHz; each SM does {plain(r)} dense "
             "FP16/BF16 FLOP per clock (one multiply-add = 2 FLOP). What is its peak dense throughput in "
             "TFLOP/s (\\(10^{12}\\) FLOP/s)?")
        per_clock = n * r
        s = (f"Every clock, all SMs together do \\({n} \\times {tex(r)} = {tex(per_clock)}\\) FLOP, "
             f"and there are \\({tex(clk)} \\times 10^6\\) clocks per second: "
             f"\\[{n} \\times {tex(clk)} \\times 10^6 \\times {tex(r)} / 10^{{12}} = {tex(answers[0].value)}\\ "
             "\\text{TFLOP/s}\\] ")
        if chip:
            s += (f"These are the {chip.name}'s numbers; its datasheet lists {plain(chip.datasheet_tflops)} "
                  "TFLOP/s dense. ")
        s += ("Datasheets also quote a figure twice as large \"with sparsity\" (2:4 structured sparsity); "
              "real dense matmuls reach perhaps 60–80% of this peak.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        v = float(self._tflops(p))
        return [Distractor(v / 2, "counts a fused multiply-add as 1 FLOP; it is 2"),
                Distractor(v * 2, "the 2:4-sparsity figure that datasheets print; dense math gets half")]

    def check(self, p: Params, answers: list[Answer]) -> None:
        # Per clock period: GPU-wide FLOP per clock ÷ seconds per clock.
        period_s = 1 / (_exact(p["clock_mhz"]) * 10**6)
        per_clock = Fraction(p["n_sms"] * p["flops_per_clock_per_sm"])
        assert_close("FLOP per clock / clock period", answers[0].value, float(per_clock / period_s / 10**12))
        chip = _chip_of(p)
        if chip:
            assert_close(f"{chip.name} datasheet", answers[0].value, chip.datasheet_tflops, rtol=5e-3)


# -- HBM bandwidth ---------------------------------------------------------------------------------

# (name, bus bits, Gb/s per pin, datasheet GB/s)
_MEMORIES = (
    ("A100 40 GB (HBM2)", A100_40GB.hbm_bus_width_bits, A100_40GB.hbm_gbps_per_pin, A100_40GB.hbm_gbs),
    ("A100 80 GB (HBM2e)", A100_80GB.hbm_bus_width_bits, A100_80GB.hbm_gbps_per_pin, A100_80GB.hbm_gbs),
    ("H100 SXM (HBM3)", H100_SXM.hbm_bus_width_bits, H100_SXM.hbm_gbps_per_pin, H100_SXM.hbm_gbs),
    ("V100 (HBM2)", 4096, 1.752, 900.0),
    ("H200 (HBM3e)", H200_SXM.hbm_bus_width_bits, H200_SXM.hbm_gbps_per_pin, H200_SXM.hbm_gbs),
    ("B200 (HBM3e)", B200.hbm_bus_width_bits, B200.hbm_gbps_per_pin, B200.hbm_gbs),
    ("MI300X (HBM3)", MI300X.hbm_bus_width_bits, MI300X.hbm_gbps_per_pin, MI300X.hbm_gbs),
)


class HbmBandwidth(Generator):
    """Peak memory bandwidth from bus width and per-pin data rate: bits/8 × Gb/s.

    Example: ``quizgen show gpu.hbm_bandwidth --param bus_width_bits=5120 --param gbps_per_pin=2.43``
    """

    id = "gpu.hbm_bandwidth"
    version = 2
    title = "What is the peak bandwidth of this memory bus?"
    tags = ("hardware", "memory")
    params = (
        Param("bus_width_bits", "int", "memory bus width, bits (1024 per HBM stack)", lo=2048, hi=8192, min=1),
        Param("gbps_per_pin", "float", "data rate per pin, Gb/s", lo=1.6, hi=9.6, min=0, min_open=True),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        if rng.bernoulli(0.35):
            _, bits, rate, _ = rng.choice(_MEMORIES)
            return {"bus_width_bits": bits, "gbps_per_pin": rate}
        bits = 1024 * rng.integer(2, 8)
        if rng.bernoulli(0.6):  # a standard HBM speed grade
            rate = rng.choice([1.6, 2.0, 2.4, 2.8, 3.2, 3.6, 4.8, 5.2, 6.4, 8.0, 9.2, 9.6])
        else:
            rate = rng.nice_uniform(1.6, 9.6, 2)
        return {"bus_width_bits": bits, "gbps_per_pin": rate}

    def validate(self, p: Params) -> None:
        fix = "use realistic bus_width_bits and gbps_per_pin"
        _require_range("the bandwidth", self._gbs(p) * 8, fix)
        _require_range("the memory clock", _exact(p["gbps_per_pin"]) * 1000, fix)

    @staticmethod
    def _gbs(p: Params) -> Fraction:
        return Fraction(p["bus_width_bits"], 8) * _exact(p["gbps_per_pin"])

    def solve(self, p: Params) -> list[Answer]:
        return [Answer("bandwidth", _num(self._gbs(p)), "GB/s")]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        bits, rate = p["bus_width_bits"], p["gbps_per_pin"]
        clock = _exact(rate) * 1000 / 2
        stacks = f" ({bits // 1024} HBM stacks of 1024 bits)" if bits % 1024 == 0 else ""
        q = (f"A GPU's memory bus is {plain(bits)} bits wide{stacks}, and each pin transfers {plain(rate)} Gb/s "
             f"(a {plain(float(clock))} MHz clock, double data rate). What is the peak memory bandwidth in GB/s "
             "(1 GB = \\(10^9\\) bytes)?")
        s = (f"Each transfer moves \\({tex(bits)} / 8 = {tex(_num(Fraction(bits, 8)))}\\) bytes, and each pin makes "
             f"\\({tex(rate)} \\times 10^9\\) transfers per second (two per clock, on both edges): "
             f"\\[\\frac{{{tex(bits)}}}{{8}} \\times {tex(rate)}\\ \\text{{Gb/s}} = {tex(answers[0].value)}\\ "
             "\\text{GB/s}\\] "
             "Intuition: HBM is fast because it is wide (1024 bits per stack), not because its pins are fast; "
             "GDDR runs its pins faster over a much narrower bus.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        v = self._gbs(p)
        return [Distractor(_num(v * 8), "forgets to divide bits by 8: that is Gb/s, not GB/s"),
                Distractor(_num(v / 2), "uses the clock as the per-pin rate: double data rate moves two bits per "
                                        "pin per clock")]

    def check(self, p: Params, answers: list[Answer]) -> None:
        # From the memory clock: bytes per transfer × 2 transfers per clock × clocks per second.
        clock_hz = _exact(p["gbps_per_pin"]) * 10**9 / 2
        gbs = Fraction(p["bus_width_bits"]) / 8 * 2 * clock_hz / 10**9
        assert_close("bytes/transfer × 2 × clock", answers[0].value, float(gbs))
        for name, bits, rate, datasheet in _MEMORIES:
            if (bits, rate) == (p["bus_width_bits"], p["gbps_per_pin"]):
                assert_close(f"{name} datasheet", answers[0].value, datasheet, rtol=5e-3)


# -- occupancy -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Occ:
    warps: int
    regs_per_warp: int
    limits: dict[str, int]
    blocks: int
    why_no_regs: str | None
    why_no_smem: str | None


def _occupancy(arch: SMArch, threads: int, regs: int, smem: int) -> _Occ:
    """The ``cuda_occupancy.h`` calculation, limit by limit."""
    w = -(-threads // arch.warp_size)
    rw = _roundup(regs * arch.warp_size, arch.reg_alloc_unit)
    limits = {"warps": arch.max_warps_per_sm // w, "blocks": arch.max_blocks_per_sm}
    why_regs = why_smem = None
    assumed = rw * _roundup(w, arch.sub_partitions)
    if regs > arch.max_regs_per_thread:
        why_regs = f"{regs} registers per thread is over the maximum of {arch.max_regs_per_thread}"
    elif assumed > arch.regs_per_block:
        why_regs = (f"the launch check assumes the warps are spread over all {arch.sub_partitions} sub-partitions "
                    f"(warps rounded up to a multiple of {arch.sub_partitions}): \\({tex(rw)} \\times "
                    f"{_roundup(w, arch.sub_partitions)} = {tex(assumed)}\\) registers, over the "
                    f"{plain(arch.regs_per_block)} a block may have")
    limits["registers"] = 0 if why_regs else (arch.regs_per_sub_partition // rw) * arch.sub_partitions // w
    if smem > arch.smem_per_block_optin:
        why_smem = (f"{plain(smem)} B is over the {plain(arch.smem_per_block_optin)} B "
                    f"({arch.smem_per_block_optin // KIB} KiB) a block may request")
        limits["shared memory"] = 0
    else:
        limits["shared memory"] = arch.smem_per_sm // _roundup(smem + arch.smem_reserved_per_block,
                                                               arch.smem_alloc_unit)
    return _Occ(w, rw, limits, min(limits.values()), why_regs, why_smem)


def _simulate_occupancy(arch: SMArch, threads: int, regs: int, smem: int) -> tuple[int, int]:
    """(resident blocks, resident warps) by placing blocks one by one into an empty SM."""
    warps_per_block = len(range(0, threads, arch.warp_size))
    if regs > arch.max_regs_per_thread or smem > arch.smem_per_block_optin:
        return 0, 0
    warp_regs = 0  # registers are handed out to a whole warp in allocation units
    while warp_regs < regs * arch.warp_size:
        warp_regs += arch.reg_alloc_unit
    pool = [arch.regs_per_sub_partition] * arch.sub_partitions
    # The hardware launch check deals one block's warps round-robin over the sub-partitions of an empty SM.
    dealt = [0] * arch.sub_partitions
    for j in range(warps_per_block):
        dealt[j % arch.sub_partitions] += warp_regs
    if max(dealt) > arch.regs_per_sub_partition or warp_regs * warps_per_block > arch.regs_per_block:
        return 0, 0
    smem_block = arch.smem_reserved_per_block + smem
    while smem_block % arch.smem_alloc_unit:
        smem_block += 1
    smem_free, warp_slots, block_slots = arch.smem_per_sm, arch.max_warps_per_sm, arch.max_blocks_per_sm
    blocks = 0
    while block_slots >= 1 and warp_slots >= warps_per_block and smem_free >= smem_block:
        trial = list(pool)
        for _ in range(warps_per_block):  # each warp goes to the sub-partition with the most free registers
            i = max(range(len(trial)), key=lambda j: trial[j])
            if trial[i] < warp_regs:
                return blocks, blocks * warps_per_block
            trial[i] -= warp_regs
        pool = trial
        blocks += 1
        block_slots -= 1
        warp_slots -= warps_per_block
        smem_free -= smem_block
    return blocks, blocks * warps_per_block


_COMMON_REGS = (24, 32, 40, 48, 56, 64, 72, 80, 96, 128, 168, 255)
_SMALL_SMEM_KIB = (1, 2, 4, 8, 12, 16, 24, 32, 40, 48, 64)
_LARGE_SMEM_KIB = (72, 80, 96, 100, 128, 160)


_WHOLE_BLOCKS = precision.exact(why="a count of whole resident blocks: the misconceptions give neighbouring "
                                      "counts (one block more or fewer)")


class Occupancy(Generator):
    """Blocks per SM and occupancy by the ``cuda_occupancy.h`` rules (warps, blocks, registers, shared memory).

    Example: ``quizgen show gpu.occupancy --param arch=sm80 --param threads_per_block=128
    --param regs_per_thread=40 --param smem_per_block=49152``
    """

    id = "gpu.occupancy"
    version = 1
    form = ("arch",)
    title = "How many blocks fit per SM, and at what occupancy?"
    tags = ("cuda", "occupancy")
    params = (
        Param("arch", "str", "GPU architecture: sm80 (A100) or sm90 (H100)", choices=("sm80", "sm90")),
        Param("threads_per_block", "int", "threads per block", lo=32, hi=1024, min=1, max=1024),
        Param("regs_per_thread", "int", "registers per thread", lo=16, hi=255, min=1),
        Param("smem_per_block", "int", "shared memory per block, bytes", lo=0, hi=227 * KIB, min=0),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        arch_name = fixed.get("arch", rng.choice(["sm80", "sm90"]))
        arch = ARCHS[arch_name]
        for _ in range(100):
            u = rng.random()
            if u < 0.65:
                threads = rng.choice([32, 64, 128, 128, 256, 256, 512, 1024])
            elif u < 0.9:
                threads = 32 * rng.integer(1, 16)
            else:
                threads = rng.integer(33, 600)
            u = rng.random()
            regs = rng.choice(_COMMON_REGS) if u < 0.6 else rng.integer(16, 128) if u < 0.9 else rng.integer(129, 255)
            u = rng.random()
            optin_kib = arch.smem_per_block_optin // KIB
            if u < 0.35:
                smem = 0
            elif u < 0.8:
                smem = KIB * rng.choice(_SMALL_SMEM_KIB)
            elif u < 0.9:
                smem = KIB * rng.choice([k for k in (*_LARGE_SMEM_KIB, optin_kib) if k <= optin_kib])
            else:  # an odd size, to exercise the 128 B rounding
                smem = rng.integer(1, 64 * KIB)
            p = {"arch": arch_name, "threads_per_block": threads, "regs_per_thread": regs, "smem_per_block": smem}
            p.update(fixed)
            occ = _occupancy(ARCHS[p["arch"]], p["threads_per_block"], p["regs_per_thread"], p["smem_per_block"])
            if occ.blocks > 0 or rng.bernoulli(0.1) or fixed:  # a kernel that cannot launch, now and then
                return p
        raise DrawError("gpu.occupancy: no launchable configuration in 100 tries")

    def validate(self, p: Params) -> None:
        arch = ARCHS[p["arch"]]
        # Far past the limits the answer is 0 anyway; the caps keep the worked numbers printable.
        if p["regs_per_thread"] > arch.regs_per_sm:
            raise ParamError(f"regs_per_thread must be at most {arch.regs_per_sm}, the whole register file "
                             f"(got {p['regs_per_thread']}); over {arch.max_regs_per_thread} a kernel cannot launch")
        if p["smem_per_block"] > 2**32:
            raise ParamError(f"smem_per_block must be at most 2^32 B (got {p['smem_per_block']}); over "
                             f"{arch.smem_per_block_optin} B a block cannot launch")

    @staticmethod
    def _occ(p: Params) -> _Occ:
        return _occupancy(ARCHS[p["arch"]], p["threads_per_block"], p["regs_per_thread"], p["smem_per_block"])

    def solve(self, p: Params) -> list[Answer]:
        occ = self._occ(p)
        arch = ARCHS[p["arch"]]
        return [Answer("per SM", occ.blocks, "blocks", _WHOLE_BLOCKS),
                Answer("occupancy", float(Fraction(occ.blocks * occ.warps, arch.max_warps_per_sm)))]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        arch = ARCHS[p["arch"]]
        t, r, s = p["threads_per_block"], p["regs_per_thread"], p["smem_per_block"]
        gpu = "an A100" if arch.name == "sm80" else "an H100"
        occ = self._occ(p)
        sub = arch.regs_per_sub_partition
        q = (f"A CUDA kernel runs on {gpu} ({arch.label}) with {t} threads per block, {r} registers per thread and "
             f"{plain(s)} B of shared memory per block. How many blocks can be resident on one SM at once "
             f"(answer 0 if it cannot launch), and what is the occupancy (resident warps ÷ {arch.max_warps_per_sm}, "
             "as a fraction)? Use the CUDA occupancy calculator's rules: an SM holds at most "
             f"{arch.max_warps_per_sm} warps of {arch.warp_size} threads and {arch.max_blocks_per_sm} blocks; its "
             f"{plain(arch.regs_per_sm)} registers are split into {arch.sub_partitions} sub-partitions of "
             f"{plain(sub)}, and each warp gets its registers in one sub-partition, rounded up to a multiple of "
             f"{arch.reg_alloc_unit} (at most {arch.max_regs_per_thread} per thread); the SM has "
             f"{arch.smem_per_sm // KIB} KiB of shared memory (the full carveout), given to each block in "
             f"{arch.smem_alloc_unit} B units after adding {arch.smem_reserved_per_block // KIB} KiB the system "
             f"reserves per block (a block may ask for at most {arch.smem_per_block_optin // KIB} KiB).")
        w, rw = occ.warps, occ.regs_per_warp
        alloc = _roundup(s + arch.smem_reserved_per_block, arch.smem_alloc_unit)
        lines = [f"Warps per block: \\(W = \\lceil {tex(t)} / 32 \\rceil = {w}\\). Each limit on resident blocks:",
                 "",
                 f"- warp slots: \\(\\lfloor 64 / {w} \\rfloor = {occ.limits['warps']}\\)",
                 f"- block slots: \\({arch.max_blocks_per_sm}\\)"]
        if occ.why_no_regs:
            lines.append(f"- registers: 0, because {occ.why_no_regs}")
        else:
            per_part = sub // rw
            lines.append(
                f"- registers: a warp needs \\(32 \\times {r} = {tex(32 * r)}\\), rounded up to a multiple of 256: "
                f"\\({tex(rw)}\\). A sub-partition fits \\(\\lfloor {tex(sub)} / {tex(rw)} \\rfloor = {per_part}\\) "
                f"warps, the SM \\({per_part} \\times 4 = {4 * per_part}\\), so "
                f"\\(\\lfloor {4 * per_part} / {w} \\rfloor = {occ.limits['registers']}\\) blocks")
        if occ.why_no_smem:
            lines.append(f"- shared memory: 0, because {occ.why_no_smem}")
        else:
            lines.append(
                f"- shared memory: each block takes \\({tex(s)} + {tex(1024)} = {tex(s + 1024)}\\) B, rounded up to a "
                f"multiple of 128: \\({tex(alloc)}\\) B, so "
                f"\\(\\lfloor {tex(arch.smem_per_sm)} / {tex(alloc)} \\rfloor = "
                f"{occ.limits['shared memory']}\\) blocks")
        blocks = occ.blocks
        binding = [k for k, v in occ.limits.items() if v == blocks]
        lines.append("")  # a blank line ends the list
        if blocks == 0:
            lines.append("The kernel cannot launch: **0 blocks**, occupancy 0. Use fewer registers per thread "
                         "(`__launch_bounds__`, `-maxrregcount`), fewer threads per block, or less shared memory.")
        else:
            lines.append(
                f"The smallest limit wins ({' and '.join(binding)}): **{blocks} blocks** per SM. Occupancy "
                f"\\[\\frac{{{blocks} \\times {w}}}{{64}} = {tex(answers[1].value)}\\] "
                "Occupancy is only a means: enough warps to hide memory latency matter, and many fast kernels run "
                "at 25–50%.")
        return q, "\n".join(lines)

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        arch = ARCHS[p["arch"]]
        t, r, s = p["threads_per_block"], p["regs_per_thread"], p["smem_per_block"]
        occ = self._occ(p)
        lim = occ.limits
        w = occ.warps
        out: list[Distractor] = []
        seen = {answers[0].value}

        def add(v: int, why: str) -> None:
            if v not in seen:
                seen.add(v)
                out.append(Distractor(v, why))

        if lim["registers"] > 0:
            unrounded = (arch.regs_per_sub_partition // (32 * r)) * arch.sub_partitions // w
            add(min(lim["warps"], lim["blocks"], unrounded, lim["shared memory"]),
                "skips the rounding of each warp's registers up to a multiple of 256")
        if lim["shared memory"] > 0 and s > 0:
            no_reserve = arch.smem_per_sm // _roundup(s, arch.smem_alloc_unit)
            add(min(lim["warps"], lim["blocks"], lim["registers"], no_reserve),
                "forgets the 1 KiB of shared memory reserved per block")
        if r <= arch.max_regs_per_thread:
            by_threads = min(arch.max_threads_per_sm // t, arch.max_blocks_per_sm, arch.regs_per_sm // (r * t),
                             lim["shared memory"])
            add(by_threads, "counts threads instead of warps: registers and slots are allocated per whole warp "
                            "(with per-warp rounding)")
        why_ignored = {"warps": "forgets the 64-warp (2048-thread) limit per SM",
                       "blocks": f"forgets the limit of {arch.max_blocks_per_sm} resident blocks per SM",
                       "registers": "ignores the register file: it often limits occupancy before thread slots do",
                       "shared memory": "ignores the shared-memory limit"}
        if answers[0].value > 0:
            for name, v in lim.items():
                if v == answers[0].value:
                    add(min(x for k, x in lim.items() if k != name), why_ignored[name])
        return out[:3]

    def check(self, p: Params, answers: list[Answer]) -> None:
        arch = ARCHS[p["arch"]]
        blocks, warps = _simulate_occupancy(arch, p["threads_per_block"], p["regs_per_thread"], p["smem_per_block"])
        assert_equal("greedy placement: blocks", answers[0].value, blocks)
        assert_equal("greedy placement: occupancy", answers[1].value, warps / arch.max_warps_per_sm)


# -- coalescing ------------------------------------------------------------------------------------

SECTOR = 32
WARP = 32


_WHOLE_SECTORS = precision.exact(why="a count of whole 32 B sectors: the misconceptions (ignoring the offset) "
                                       "are off by one sector")


class Coalescing(Generator):
    """32 B sectors touched by one warp's strided load, and the fraction of fetched bytes used.

    Example: ``quizgen show gpu.coalescing --param stride=1 --param bytes_per_value=4 --param offset=1``
    """

    id = "gpu.coalescing"
    version = 1
    form = ("bytes_per_value",)
    title = "How many 32 B sectors does one warp's strided load touch?"
    tags = ("cuda", "memory")
    params = (
        Param("stride", "int", "elements between consecutive threads' loads", lo=1, hi=32, min=1, max=4096),
        Param("bytes_per_value", "int", "bytes per element (2 FP16, 4 FP32, 8 FP64)", choices=(2, 4, 8)),
        Param("offset", "int", "first element read (thread 0), from a 128 B-aligned base", lo=0, hi=7, min=0,
              max=4096),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        return {"stride": rng.choice([1, 1, 1, 2, 2, 3, 3, 4, 8, 16, 32]), "bytes_per_value": rng.choice([2, 4, 4, 8]),
                "offset": 0 if rng.bernoulli(0.4) else rng.integer(1, 7)}

    @staticmethod
    def _sectors(p: Params) -> int:
        s, b, o = p["stride"], p["bytes_per_value"], p["offset"]
        if s * b >= SECTOR:  # each thread's element lies in its own sector
            return WARP
        # Gaps under 32 B cannot skip a sector: every sector from the first byte's to the last byte's is touched.
        first, last = o * b, (o + (WARP - 1) * s) * b + b - 1
        return last // SECTOR - first // SECTOR + 1

    def solve(self, p: Params) -> list[Answer]:
        n = self._sectors(p)
        return [Answer("one load", n, "sectors", _WHOLE_SECTORS),
                Answer("efficiency", float(Fraction(WARP * p["bytes_per_value"], SECTOR * n)))]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        s, b, o = p["stride"], p["bytes_per_value"], p["offset"]
        n = answers[0].value
        q = (f"A warp of 32 threads loads {_dtype(b)} values ({b} B each) from an array whose base address is "
             f"128 B-aligned: thread \\(t\\) (0 to 31) reads element \\({o} + {s}t\\). Global memory is accessed in "
             "32 B sectors. How many distinct sectors does this one load touch? Part 2: what fraction of the "
             "fetched bytes does the warp use (efficiency = requested bytes ÷ fetched bytes)?")
        first, last = o * b, (o + 31 * s) * b + b - 1
        if s * b >= SECTOR:
            how = (f"Consecutive threads are \\({s} \\times {b} = {s * b}\\) B apart, at least a whole sector, "
                   f"so every thread touches its own sector: \\(32\\) sectors.")
        else:
            how = (f"Consecutive threads are \\({s} \\times {b} = {s * b}\\) B apart, less than a sector, so no sector "
                   f"between the first and last byte is skipped. The bytes run from \\({o} \\times {b} = {first}\\) to "
                   f"\\(({o} + 31 \\times {s}) \\times {b} + {b - 1} = {last}\\): "
                   f"\\[\\lfloor {last} / 32 \\rfloor - \\lfloor {first} / 32 \\rfloor + 1 = {n}\\ "
                   "\\text{sectors}\\]")
        s_text = (f"{how} The warp asks for \\(32 \\times {b} = {32 * b}\\) B and the memory system moves "
                  f"\\({n} \\times 32 = {32 * n}\\) B, so the efficiency is \\({32 * b} / {32 * n} = "
                  f"{tex(answers[1].value)}\\). ")
        if s == 1 and o % (SECTOR // b) != 0:
            s_text += "A misaligned start costs an extra sector even for unit stride."
        elif s > 1:
            s_text += "Strided access wastes bandwidth: lay data out so that neighbouring threads read neighbours."
        else:
            s_text += "Unit stride from an aligned start is perfectly coalesced."
        return q, s_text

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        out = []
        if answers[0].value != WARP:
            out.append(Distractor(WARP, "one transaction per thread: threads that share a sector share its fetch"))
        aligned = self._sectors({**p, "offset": 0})
        if aligned not in (answers[0].value, WARP):
            out.append(Distractor(aligned, "ignores the offset: a misaligned start spills into one more sector"))
        unit = self._sectors({**p, "stride": 1})
        if unit not in (answers[0].value, WARP, aligned):
            out.append(Distractor(unit, "ignores the stride: counts the warp's 32 values as if they were contiguous"))
        return out

    def check(self, p: Params, answers: list[Answer]) -> None:
        s, b, o = p["stride"], p["bytes_per_value"], p["offset"]
        addresses = {(o + t * s) * b + j for t in range(WARP) for j in range(b)}
        sectors = {a // SECTOR for a in addresses}
        assert_equal("sectors by address enumeration", answers[0].value, len(sectors))
        assert_close("used bytes / fetched bytes", answers[1].value, len(addresses) / (SECTOR * len(sectors)))


# -- tiling traffic ----------------------------------------------------------------------------------

_TILES = (16, 32, 64, 128)


class TilingTraffic(Generator):
    """Global-memory bytes a T×T-tiled n³ matmul reads for A and B: 2n³b/T.

    Example: ``quizgen show gpu.tiling_traffic --param n=4096 --param tile=64 --param bytes_per_value=2``
    """

    id = "gpu.tiling_traffic"
    version = 1
    form = ("bytes_per_value",)
    title = "How many global-memory bytes does a T×T-tiled n×n matmul read for A and B?"
    tags = ("cuda", "memory", "matmul")
    params = (
        Param("n", "int", "matrix size (A, B, C are n×n)", lo=256, hi=16384, min=1),
        Param("tile", "int", "tile size T (a block computes a T×T tile of C)", choices=_TILES),
        Param("bytes_per_value", "int", "bytes per value (1 FP8, 2 BF16, 4 FP32)", choices=(1, 2, 4)),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        n = fixed.get("n", rng.power_of_two(256, 16384, half=True))
        tiles = [t for t in _TILES if n % t == 0] or [_TILES[0]]
        return {"n": n, "tile": rng.choice(tiles), "bytes_per_value": rng.choice([1, 2, 2, 4])}

    def validate(self, p: Params) -> None:
        n, t = p["n"], p["tile"]
        if n % t:
            raise ParamError(f"n must be a multiple of tile (got n={n}, tile={t}); "
                             f"try n={max(t, n // t * t)} or n={(n // t + 1) * t}")
        _require_range("the FLOP count 2n³", 2 * n**3 * 4, "use a smaller n")

    def solve(self, p: Params) -> list[Answer]:
        n, t, b = p["n"], p["tile"], p["bytes_per_value"]
        return [Answer("bytes read", 2 * n**3 * b // t, "B"),
                Answer("intensity", _num(Fraction(t, b)), "FLOP/byte")]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        n, t, b = p["n"], p["tile"], p["bytes_per_value"]
        nb = n // t
        q = (f"A CUDA kernel computes \\(C = AB\\) for \\({n} \\times {n}\\) matrices in {_dtype(b)} "
             f"({b} B per value). Each thread block owns one \\({t} \\times {t}\\) tile of \\(C\\) and walks "
             f"along \\(k\\): at each step it loads one \\({t} \\times {t}\\) tile of \\(A\\) and one of "
             "\\(B\\) from global memory into shared "
             "memory (nothing else is cached). How many bytes of \\(A\\) and \\(B\\) does the whole kernel read from "
             "global memory? Part 2: what is the arithmetic intensity, \\(2n^3\\) FLOP per byte read?")
        s = (f"There are \\(({n}/{t})^2 = {tex(nb * nb)}\\) blocks, each taking \\({n}/{t} = {nb}\\) steps, and each "
             f"step loads \\(2 \\times {t}^2\\) values: "
             f"\\[{tex(nb * nb)} \\times {nb} \\times 2 \\times {t}^2 \\times {b}\\ \\text{{B}} = "
             f"\\frac{{2n^3 b}}{{T}} = {tex(answers[0].value)}\\ \\text{{B}}\\] "
             f"The kernel does \\(2n^3 = {tex(2 * n**3)}\\) FLOP, so the intensity is "
             f"\\(2n^3 / (2n^3 b / T) = T/b = {tex(answers[1].value)}\\) FLOP/byte. Every value of A and B is re-read "
             f"\\(n/T = {nb}\\) times instead of \\(n\\) times: bigger tiles buy intensity with shared memory.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        n, b = p["n"], p["bytes_per_value"]
        return [Distractor(2 * n * n * b, "assumes perfect reuse (each value read once); tiles are re-read "
                                          "n/T times"),
                Distractor(2 * n**3 * b, "assumes no reuse (every multiply fetches both operands); each tile load "
                                         "serves T multiply-adds per value")]

    def check(self, p: Params, answers: list[Answer]) -> None:
        import numpy as np

        n, t, b = p["n"], p["tile"], p["bytes_per_value"]
        extent = np.array([min(t, n - i) for i in range(0, n, t)], dtype=np.int64)  # tile sizes along one axis
        if len(extent) <= 16:
            loads = 0
            for bi in range(len(extent)):
                for bj in range(len(extent)):
                    for bk in range(len(extent)):
                        loads += int(extent[bi] * extent[bk] + extent[bk] * extent[bj])
        else:  # the same triple sum over (bi, bj, bk), contracted by einsum
            ones = np.ones_like(extent)
            loads = int(np.einsum("i,k,j->", extent, extent, ones, optimize=True)
                        + np.einsum("i,k,j->", ones, extent, extent, optimize=True))
        assert_equal("Σ over (bi, bj, bk) of tile loads", answers[0].value, loads * b)
        assert_equal("FLOP / bytes", answers[1].value, Fraction(2 * n**3, loads * b))


# -- critical batch size -------------------------------------------------------------------------------

class CriticalBatchSize(Generator):
    """The batch from which a weight-bound y = xW turns compute-bound: B* = ridge × bytes/2.

    Example: ``quizgen show gpu.critical_batch_size --param peak_tflops=989.4 --param bandwidth_gbs=3350``
    """

    id = "gpu.critical_batch_size"
    version = 2
    form = ("bytes_per_weight",)
    title = "From what batch size is a weight-bound matmul y = xW compute-bound?"
    tags = ("roofline", "inference")
    params = (
        Param("peak_tflops", "float", "peak compute, TFLOP/s", lo=10, hi=3000, min=0, min_open=True),
        Param("bandwidth_gbs", "float", "memory bandwidth, GB/s", lo=100, hi=10000, min=0, min_open=True),
        Param("bytes_per_weight", "float", "bytes per weight (0.5 INT4, 1 FP8/INT8, 2 BF16)", choices=(0.5, 1, 2)),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        for _ in range(100):
            peak, bw = _table_device_numbers(rng)
            p = {"peak_tflops": peak, "bandwidth_gbs": bw, "bytes_per_weight": rng.choice([0.5, 1, 2, 2])}
            p.update(fixed)
            if len(fixed) == 3 or 4 <= self._bstar(p) <= 400:
                return p
        if fixed:  # the user's values rule out an interesting batch size: keep them anyway
            return p
        raise DrawError("gpu.critical_batch_size: no interesting batch size in 100 tries")

    def plausible(self, p: Params) -> list[str]:
        return _hardware_plausible(p["peak_tflops"], p["bandwidth_gbs"])

    def validate(self, p: Params) -> None:
        fix = "use values closer to real GPUs (peak_tflops 10–3000, bandwidth_gbs 100–10000)"
        _require_range("the ridge point peak/bandwidth", self._ridge(p), fix)
        _require_range("the critical batch size", self._bstar(p), fix)

    @staticmethod
    def _ridge(p: Params) -> Fraction:
        return _exact(p["peak_tflops"]) * 10**12 / (_exact(p["bandwidth_gbs"]) * 10**9)

    def _bstar(self, p: Params) -> Fraction:
        return self._ridge(p) * _exact(p["bytes_per_weight"]) / 2

    def solve(self, p: Params) -> list[Answer]:
        return [Answer("B*", float(self._bstar(p)), "tokens")]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        peak, bw, b = p["peak_tflops"], p["bandwidth_gbs"], p["bytes_per_weight"]
        ridge = float(self._ridge(p))
        q = (f"A layer computes \\(y = xW\\) for a batch of \\(B\\) tokens, "
             f"\\(x \\in \\mathbb{{R}}^{{B \\times d}}\\), with a \\(d \\times d\\) weight matrix stored in "
             f"{_dtype(b)} ({plain(b)} B per weight) and \\(d\\) large (much larger than \\(B\\), so the weights "
             f"dominate the bytes moved). The GPU{_chip_name(peak, bw)} peaks at \\({tex(peak)}\\) TFLOP/s "
             f"with \\({tex(bw)}\\) GB/s of memory bandwidth. From what batch size \\(B\\) (tokens) does the layer "
             "become compute-bound? Count one multiply-add as 2 FLOP.")
        s = (f"FLOPs: \\(2Bd^2\\). Bytes: about \\({plain(b)} d^2\\) for the weights, so the intensity is "
             f"\\(2Bd^2 / ({plain(b)} d^2) = 2B/{plain(b)}\\) FLOP/byte. The ridge point is "
             f"\\({tex(peak)} \\times 10^{{12}} / ({tex(bw)} \\times 10^9) = {tex(ridge)}\\) FLOP/byte. Setting them "
             "equal: \\[B^* = \\text{ridge} \\times \\frac{b}{2} = "
             f"{tex(ridge)} \\times \\frac{{{plain(b)}}}{{2}} "
             f"= {tex(answers[0].value)}\\ \\text{{tokens}}\\] "
             "Below this batch, decoding is memory-bound: adding tokens to the batch is almost free, which is why "
             "servers batch requests; quantizing the weights lowers \\(B^*\\) in proportion.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        ridge = float(self._ridge(p))
        b = float(p["bytes_per_weight"])
        cands = [(ridge, "the ridge point itself is in FLOP/byte: convert with intensity = 2B/bytes per weight"),
                 (ridge * b, "takes the intensity as B/b, forgetting that a multiply-add is 2 FLOP (it is 2B/b)"),
                 (1.0, "one token already reads all the weights, but does far too little math per byte")]
        out: list[Distractor] = []
        used: list[float] = []
        for v, why in cands:
            if _far(answers[0], v) and all(abs(v - u) > 1e-9 * v for u in used):
                used.append(v)
                out.append(Distractor(v, why))
        return out

    def check(self, p: Params, answers: list[Answer]) -> None:
        from scipy.optimize import brentq

        ridge = float(self._ridge(p))
        b = float(p["bytes_per_weight"])
        bstar = float(answers[0].value)
        # The exact intensity of (B×d)@(d×d), every operand moved once, at a large d.
        d = 65536
        while bstar > d / 100:
            d *= 2
        exact_b = brentq(lambda batch: 2 * batch * d * d / (b * (2 * batch * d + d * d)) - ridge, 1e-9, float(d))
        require(math.isfinite(exact_b), "brentq found no batch size")
        assert_close(f"brentq on the exact intensity at d={d}", bstar, exact_b, rtol=0.02)
