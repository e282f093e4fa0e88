"""MEASURED questions: the answer is a microbenchmark run on this machine (cached in the profile that
``quizgen bench`` writes; measured on demand when missing), graded within a factor. The worked
solution sets the back-of-envelope estimate (FLOPs ÷ FLOP/s, bytes ÷ bandwidth) beside the
measured value. Needs torch: ``pip install "quizgen[bench]"``. Example::

    quizgen show bench.matmul_time --param m=1024 --param k=1024 --param n=1024 --param dtype=float32
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from quizgen import precision
from quizgen.checking import require
from quizgen.generator import Generator, Params
from quizgen.model import Answer, Distractor, Tolerance
from quizgen.params import Param
from quizgen.render.numbers import plain, tex
from quizgen.rng import Rng

FACTOR2 = precision.factor(2, why="measured on this machine: timings vary run to run and between machines")
DEVICE = Param("device", "str", "where to measure (drawn: cuda if available, else cpu)", choices=("cpu", "cuda"))
DTYPE = Param("dtype", "str", "element type", choices=("float32", "float16", "bfloat16"))
ITEMSIZE = {"float32": 4, "float16": 2, "bfloat16": 2}


def _device(fixed: Mapping[str, Any]) -> str:
    from quizgen.bench.harness import resolve_device

    # A fixed "cuda" is checked here, before draw() asks the GPU anything (cache sizes).
    return resolve_device(str(fixed["device"]) if "device" in fixed else "auto")


def _check_device(p: Params) -> None:
    from quizgen.bench.harness import resolve_device

    resolve_device(p["device"])  # cuda without a GPU → a clear user error


def _measured_on(profile: Any) -> str:
    return f"{profile.device}, {profile.day}"


def _repeats(device: str) -> int:
    from quizgen.bench.harness import default_repeats

    return default_repeats(device, quick=False)


def _fmt_time(s: float) -> str:
    for unit, f in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if s >= f:
            return f"{plain(s / f, 3)}\\ \\text{{{unit}}}"
    return f"{plain(s, 3)}\\ \\text{{s}}"


def _ratio_text(estimate: float, measured: float) -> str:
    r = measured / estimate
    if r >= 1:
        return f"the measurement is {plain(r, 2)}× slower than the estimate"
    return f"the measurement is {plain(1 / r, 2)}× faster than the estimate"


def _best_tflops(profile: Any, dtype: str, exclude: list[int] | None = None) -> float | None:
    """The best matmul rate measured here for dtype, leaving out the shape being asked about."""
    vals = [r.tflops for r in profile.results
            if r.name == "matmul" and r.dtype == dtype and r.tflops and list(r.shape) != exclude]
    return max(vals) if vals else None


def _peak(profile: Any) -> tuple[float | None, float | None]:
    from quizgen.bench.suite import datasheet_peaks

    return datasheet_peaks(profile)


def _agrees(stmt: str, globals_: dict[str, Any], value: float, tol: Tolerance = FACTOR2, tries: int = 3) -> float:
    """Time ``stmt`` with the second harness until it agrees with ``value`` (up to ``tries`` times:
    a busy machine can slow one run); returns the last time measured."""
    t = 0.0
    for _ in range(tries):
        t = _second_harness(stmt, globals_)
        if tol.accepts(t, value):
            break
    return t


def _second_harness(stmt: str, globals_: dict[str, Any]) -> float:
    """torch.utils.benchmark's own timer: an independent harness (protocol §8a)."""
    import torch
    from torch.utils import benchmark

    # Same thread count as our harness (Timer defaults to 1 thread, which would compare apples to pears).
    timer = benchmark.Timer(stmt=stmt, globals=globals_, num_threads=torch.get_num_threads())
    return float(timer.blocked_autorange(min_run_time=0.2).median)


class MatmulTime(Generator):
    """MEASURED: median time of one (m×k)@(k×n) matmul here; part 2 the achieved TFLOP/s.

    Example: ``quizgen show bench.matmul_time --param m=1024 --param k=1024 --param n=1024``
    """

    id = "bench.matmul_time"
    title = "MEASURED: what is the median time of one (m×k)@(k×n) matmul on this machine?"
    tags = ("measured", "matmul")
    measured = True
    params = (
        Param("m", "int", "rows of A", lo=64, hi=8192, min=1, max=65536),
        Param("k", "int", "inner dimension", lo=64, hi=8192, min=1, max=65536),
        Param("n", "int", "columns of B", lo=64, hi=8192, min=1, max=65536),
        DTYPE,
        DEVICE,
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        device = _device(fixed)
        hi = 8192 if device == "cuda" else 2048
        dtypes = ("float32", "float16", "bfloat16") if device == "cuda" else ("float32", "bfloat16")
        return {"m": rng.power_of_two(256, hi), "k": rng.power_of_two(256, hi), "n": rng.power_of_two(256, hi),
                "dtype": rng.choice(dtypes), "device": device}

    def validate(self, p: Params) -> None:
        from quizgen.bench.harness import check_budget

        _check_device(p)
        m, k, n = p["m"], p["k"], p["n"]
        # A, B and C in dtype, plus A and B drawn in float32 first.
        check_budget(p["device"], f"a ({m}×{k})@({k}×{n}) matmul",
                     (m * k + k * n + m * n) * ITEMSIZE[p["dtype"]] + (m * k + k * n) * 4, 2 * m * k * n,
                     p["dtype"])

    def _measure(self, p: Params) -> tuple[Any, Any]:
        from quizgen.bench import measure as M
        from quizgen.bench.profile import lookup_or_measure

        dev = p["device"]
        return lookup_or_measure(dev, "matmul", p["dtype"], [p["m"], p["k"], p["n"]],
                                 lambda: M.matmul(p["m"], p["k"], p["n"], p["dtype"], dev, _repeats(dev)))

    def solve(self, p: Params) -> list[Answer]:
        r, prof = self._measure(p)
        on = _measured_on(prof)
        return [Answer("time", r.median_s, "s", FACTOR2, on),
                Answer("achieved", r.tflops, "TFLOP/s", FACTOR2, on)]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        from quizgen.bench.profile import load_profile

        m, k, n, dt = p["m"], p["k"], p["n"], p["dtype"]
        prof = load_profile(p["device"])
        assert prof is not None
        flops = 2 * m * k * n
        t = float(answers[0].value)
        peak_tf, peak_bw = _peak(prof)
        best = _best_tflops(prof, dt, exclude=[m, k, n])
        rate, rate_src = (peak_tf * 0.75, "75% of the datasheet dense peak") if (
            peak_tf and dt != "float32") else ((best, f"the best {dt} matmul rate that `quizgen bench` measured "
                                                       "here on other shapes") if best else (None, ""))
        q = (f"Measured on **{prof.device}** ({prof.day}, torch {prof.torch}): what is the median time of one "
             f"\\(({m} \\times {k}) \\times ({k} \\times {n})\\) matmul in {dt} on {p['device']}? "
             "Part 2: what throughput (TFLOP/s) does it achieve?")
        s = f"FLOPs: \\(2mkn = 2 \\times {m} \\times {k} \\times {n} = {tex(flops)}\\). "
        if rate:
            est = flops / (rate * 1e12)
            s += (f"Estimate from first principles, at {rate_src} (\\({tex(round(rate, 3))}\\) TFLOP/s): "
                  f"\\[t \\approx \\frac{{{tex(flops)}}}{{{tex(round(rate, 3))} \\times 10^{{12}}}} = "
                  f"{_fmt_time(est)}\\] ")
        s += (f"Measured (median of {prof.find('matmul', dt, [m, k, n]).repeats} timed runs after warm-up): "
              f"\\({_fmt_time(t)}\\), i.e. \\({tex(flops)} / {_fmt_time(t)} = "
              f"{tex(round(float(answers[1].value), 4))}\\) TFLOP/s")
        if rate:
            s += f"; {_ratio_text(flops / (rate * 1e12), t)}"
        s += (". Small or skinny matmuls fall short of peak: too little work per byte moved and per kernel "
              "launch to keep every core busy.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        from quizgen.bench.profile import load_profile

        prof = load_profile(p["device"])
        peak_tf, _ = _peak(prof) if prof else (None, None)
        out = []
        if peak_tf and p["dtype"] != "float32":
            naive = 2 * p["m"] * p["k"] * p["n"] / (peak_tf * 1e12)
            if not FACTOR2.accepts(naive, float(answers[0].value)):
                out.append(Distractor(naive, "2mkn ÷ the datasheet peak: real kernels rarely reach peak, "
                                             "small ones far from it"))
        return out

    def check(self, p: Params, answers: list[Answer]) -> None:
        import torch

        from quizgen.bench import measure as M
        from quizgen.bench.profile import load_profile

        dt = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}[p["dtype"]]
        a = torch.randn(p["m"], p["k"], device=p["device"]).to(dt)
        b = torch.randn(p["k"], p["n"], device=p["device"]).to(dt)
        other = _agrees("torch.matmul(a, b)", {"torch": torch, "a": a, "b": b}, float(answers[0].value))
        require(FACTOR2.accepts(other, float(answers[0].value)),
                f"torch.utils.benchmark gives {other:.3g} s vs profile {answers[0].value:.3g} s (> 2×)")
        prof = load_profile(p["device"])
        require(prof is not None and answers[0].measured_on == _measured_on(prof), "measured_on ≠ profile")
        peak_tf, _ = _peak(prof)
        if peak_tf and p["dtype"] != "float32":
            require(float(answers[1].value) <= 1.05 * peak_tf, "achieved TFLOP/s above the datasheet peak")
        require(abs(float(answers[1].value) - 2 * p["m"] * p["k"] * p["n"] / float(answers[0].value) / 1e12)
                <= 1e-9 * float(answers[1].value), "TFLOP/s ≠ 2mkn / t")
        del M


class MemoryBandwidth(Generator):
    """MEASURED: what GB/s a STREAM triad (a = b + 3c) reaches here.

    Example: ``quizgen show bench.memory_bandwidth --param device=cpu``
    """

    id = "bench.memory_bandwidth"
    title = "MEASURED: what GB/s does a STREAM triad reach on this machine?"
    tags = ("measured", "bandwidth")
    measured = True
    params = (
        Param("n_elements", "int", "elements per array (default: each array ≥ 4× the last-level cache)",
              lo=2**20, hi=2**28, min=1024, max=2**31),
        DTYPE,
        DEVICE,
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        from quizgen.bench.measure import stream_elements

        device = _device(fixed)
        dtype = str(fixed.get("dtype", "float32"))
        return {"n_elements": min(stream_elements(device, dtype), 2**28), "dtype": dtype, "device": device}

    def validate(self, p: Params) -> None:
        from quizgen.bench.harness import check_budget

        _check_device(p)
        check_budget(p["device"], f"a triad over 3 arrays of {p['n_elements']} elements",
                     3 * p["n_elements"] * ITEMSIZE[p["dtype"]])

    def solve(self, p: Params) -> list[Answer]:
        from quizgen.bench import measure as M
        from quizgen.bench.profile import lookup_or_measure

        dev, n, dt = p["device"], p["n_elements"], p["dtype"]
        r, prof = lookup_or_measure(dev, "triad", dt, [n], lambda: M.stream("triad", n, dt, dev, _repeats(dev)))
        on = _measured_on(prof)
        return [Answer("bandwidth", r.gbs, "GB/s", FACTOR2, on), Answer("time", r.median_s, "s", FACTOR2, on)]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        from quizgen.bench.harness import last_level_cache_bytes
        from quizgen.bench.profile import load_profile

        prof = load_profile(p["device"])
        assert prof is not None
        n, dt = p["n_elements"], p["dtype"]
        nbytes = 3 * n * ITEMSIZE[dt]
        llc = last_level_cache_bytes(p["device"])
        _, peak_bw = _peak(prof)
        q = (f"Measured on **{prof.device}** ({prof.day}): a STREAM triad \\(a = b + 3c\\) over three {dt} arrays "
             f"of \\({tex(n)}\\) elements each runs on {p['device']}. What bandwidth (GB/s) does it reach? "
             "Part 2: how long does one triad take?")
        s = (f"STREAM counts the bytes the kernel must move: 2 reads (b, c) and 1 write (a), "
             f"\\(3 \\times {tex(n)} \\times {ITEMSIZE[dt]} = {tex(nbytes)}\\) bytes (no write-allocate). "
             f"Each array ({plain(n * ITEMSIZE[dt] / 2**20, 3)} MiB) is at least 4× the "
             f"{plain(llc / 2**20, 3)} MiB last-level cache, so the data streams from memory. "
             f"Measured median \\({_fmt_time(float(answers[1].value))}\\) → "
             f"\\({tex(nbytes)} / {_fmt_time(float(answers[1].value))} = {tex(round(float(answers[0].value), 1))}\\) "
             "GB/s (STREAM itself reports the best run; we report the median). ")
        if peak_bw:
            est = nbytes / (peak_bw * 1e9)
            ratio = _ratio_text(est, float(answers[1].value))
            s += (f"The datasheet says {plain(peak_bw)} GB/s: the estimate t ≈ bytes ÷ bandwidth = "
                  f"\\({_fmt_time(est)}\\); {ratio}. ")
        s += "Elementwise kernels do ~1 FLOP per 4–12 bytes, so bandwidth, not FLOP/s, sets their speed."
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        bw = float(answers[0].value)
        out = []
        for arrays, why in ((2, "counts 2 arrays: the triad reads b and c *and* writes a"),
                            (4, "counts 4 arrays (write-allocate); STREAM counts 3")):
            v = bw * arrays / 3
            if not FACTOR2.accepts(v, bw):
                out.append(Distractor(v, why))
        return out

    def check(self, p: Params, answers: list[Answer]) -> None:
        import torch

        from quizgen.bench.profile import load_profile

        dt = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}[p["dtype"]]
        n = p["n_elements"]
        a, b, c = (torch.ones(n, dtype=dt, device=p["device"]) for _ in range(3))
        t = _agrees("torch.add(b, c, alpha=3.0, out=a)", {"torch": torch, "a": a, "b": b, "c": c},
                    float(answers[1].value))
        require(FACTOR2.accepts(t, float(answers[1].value)),
                f"torch.utils.benchmark gives {t:.3g} s vs profile {answers[1].value:.3g} s (> 2×)")
        prof = load_profile(p["device"])
        require(prof is not None and answers[0].measured_on == _measured_on(prof), "measured_on ≠ profile")
        _, peak_bw = _peak(prof)
        if peak_bw:
            require(float(answers[0].value) <= 1.05 * peak_bw, "bandwidth above the datasheet")


class LaunchOverhead(Generator):
    """MEASURED: time of the smallest possible op (a 1-element add): the fixed per-op overhead.

    Example: ``quizgen show bench.launch_overhead --param device=cpu``
    """

    id = "bench.launch_overhead"
    title = "MEASURED: how long does a tiny (1-element) op take on this machine?"
    tags = ("measured", "overhead")
    measured = True
    params = (DEVICE,)

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        return {"device": _device(fixed)}

    def validate(self, p: Params) -> None:
        _check_device(p)

    def solve(self, p: Params) -> list[Answer]:
        from quizgen.bench import measure as M
        from quizgen.bench.profile import lookup_or_measure

        dev = p["device"]
        r, prof = lookup_or_measure(dev, "launch", "float32", [1], lambda: M.launch_overhead(dev, _repeats(dev)))
        return [Answer("time", r.median_s, "s", FACTOR2, _measured_on(prof))]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        from quizgen.bench.profile import load_profile

        prof = load_profile(p["device"])
        assert prof is not None
        t = float(answers[0].value)
        rule = ("a CUDA kernel launch costs a few µs of CPU-side work" if p["device"] == "cuda"
                else "PyTorch's CPU dispatch (argument checks, dtype dispatch, output allocation) costs about a µs")
        q = (f"Measured on **{prof.device}** ({prof.day}): how long does `torch.add(x, y, out=z)` take on "
             f"1-element {p['device']} tensors, i.e. the fixed cost of one small op?")
        s = (f"The work is one FLOP, so the time is all overhead: {rule}. Measured median (batched calls, "
             f"divided): \\({_fmt_time(t)}\\). At that cost, a model that runs 1,000 small ops per step spends "
             f"\\({_fmt_time(1000 * t)}\\) on overhead alone, which is why fused kernels and CUDA graphs exist.")
        return q, s

    def check(self, p: Params, answers: list[Answer]) -> None:
        import torch

        x = torch.ones(1, device=p["device"])
        t = _agrees("torch.add(x, x, out=z)", {"torch": torch, "x": x, "z": torch.empty(1, device=p["device"])},
                    float(answers[0].value), Tolerance(factor=3))
        require(Tolerance(factor=3).accepts(t, float(answers[0].value)),
                f"torch.utils.benchmark gives {t:.3g} s vs profile {answers[0].value:.3g} s (> 3×)")


class MlpForwardTime(Generator):
    """MEASURED: time of a transformer MLP block's forward pass (d → 4d → d) over T tokens.

    Example: ``quizgen show bench.mlp_forward_time --param tokens=512 --param d_model=1024``
    """

    id = "bench.mlp_forward_time"
    title = "MEASURED: how long does a transformer MLP block's forward pass take here?"
    tags = ("measured", "llm")
    measured = True
    params = (
        Param("tokens", "int", "tokens (batch × sequence)", lo=64, hi=8192, min=1, max=65536),
        Param("d_model", "int", "model width d (hidden 4d)", lo=256, hi=4096, min=8, max=16384),
        DTYPE,
        DEVICE,
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        device = _device(fixed)
        if device == "cuda":
            return {"tokens": rng.power_of_two(512, 8192), "d_model": rng.power_of_two(1024, 4096),
                    "dtype": rng.choice(("bfloat16", "float16")), "device": device}
        return {"tokens": rng.power_of_two(64, 512), "d_model": rng.power_of_two(256, 1024),
                "dtype": "float32", "device": device}

    def validate(self, p: Params) -> None:
        from quizgen.bench.harness import check_budget

        _check_device(p)
        t, d = p["tokens"], p["d_model"]
        # x, W1, W2, the 4d hidden activation and the output, in dtype (plus float32 staging).
        check_budget(p["device"], f"an MLP block over {t} tokens of width {d}",
                     (t * d + 8 * d * d + 4 * t * d + t * d) * 4 * 2, 16 * t * d * d, p["dtype"])

    def solve(self, p: Params) -> list[Answer]:
        from quizgen.bench import measure as M
        from quizgen.bench.profile import lookup_or_measure

        dev, t, d, dt = p["device"], p["tokens"], p["d_model"], p["dtype"]
        r, prof = lookup_or_measure(dev, "mlp_forward", dt, [t, d],
                                    lambda: M.mlp_forward(t, d, dt, dev, _repeats(dev)))
        on = _measured_on(prof)
        return [Answer("time", r.median_s, "s", FACTOR2, on), Answer("achieved", r.tflops, "TFLOP/s", FACTOR2, on)]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        from quizgen.bench.profile import load_profile

        prof = load_profile(p["device"])
        assert prof is not None
        T, d, dt = p["tokens"], p["d_model"], p["dtype"]
        flops = 16 * T * d * d
        t = float(answers[0].value)
        peak_tf, _ = _peak(prof)
        best = _best_tflops(prof, dt)
        rate = peak_tf * 0.75 if (peak_tf and dt != "float32") else best
        q = (f"Measured on **{prof.device}** ({prof.day}): a transformer MLP block computes "
             f"\\(\\mathrm{{GELU}}(x W_1) W_2\\) with \\(x\\) of shape \\({T} \\times {d}\\), \\(W_1\\) "
             f"\\({d} \\times {4 * d}\\) and \\(W_2\\) \\({4 * d} \\times {d}\\), in {dt} on {p['device']}. "
             "What is the median time of one forward pass? Part 2: the achieved TFLOP/s (matmul FLOPs only).")
        s = (f"Two matmuls of \\(2 \\times {T} \\times {d} \\times {4 * d}\\) FLOPs each: "
             f"\\(16 T d^2 = {tex(flops)}\\) FLOPs (the GELU adds only ~\\(T \\cdot 4d\\) elementwise work). ")
        if rate:
            est = flops / (rate * 1e12)
            s += (f"Estimate at \\({tex(round(rate, 3))}\\) TFLOP/s ("
                  + ("75% of datasheet peak" if peak_tf and dt != "float32" else "best matmul rate measured here")
                  + f"): \\({_fmt_time(est)}\\). ")
        s += f"Measured: \\({_fmt_time(t)}\\) → \\({tex(round(float(answers[1].value), 4))}\\) TFLOP/s"
        if rate:
            s += f"; {_ratio_text(flops / (rate * 1e12), t)}"
        s += ". The MLP holds two-thirds of a transformer layer's matmul FLOPs."
        return q, s

    def check(self, p: Params, answers: list[Answer]) -> None:
        import torch

        dt = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}[p["dtype"]]
        T, d, dev = p["tokens"], p["d_model"], p["device"]
        x = torch.randn(T, d, device=dev).to(dt)
        w1 = torch.randn(d, 4 * d, device=dev).to(dt)
        w2 = torch.randn(4 * d, d, device=dev).to(dt)
        t = _agrees("torch.nn.functional.gelu(x @ w1) @ w2", {"torch": torch, "x": x, "w1": w1, "w2": w2},
                    float(answers[0].value))
        require(FACTOR2.accepts(t, float(answers[0].value)),
                f"torch.utils.benchmark gives {t:.3g} s vs profile {answers[0].value:.3g} s (> 2×)")
