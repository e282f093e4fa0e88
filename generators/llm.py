"""LLM compute: training FLOPs and days, KV cache, Chinchilla, parameter counts, per-token FLOPs,
MFU, training memory (ZeRO) and decode latency. Example::

    quizgen show llm.training_flops --param n_params=7e9 --param n_tokens=1.4e12
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

from quizgen import precision
from quizgen.checking import assert_close, assert_equal, require
from quizgen.crosscheck import torch_flops
from quizgen.errors import DrawError, ParamError
from quizgen.generator import Generator, Params
from quizgen.gentools import as_number as _exact
from quizgen.gentools import exact_decimal
from quizgen.gentools import keep_wrong as _keep_wrong
from quizgen.hardware import DATACENTER, DEVICES, Device, draw_numbers, exact_entry, near_peak, table_numbers
from quizgen.model import Answer, Distractor
from quizgen.params import Param
from quizgen.render.numbers import plain, tex
from quizgen.rng import Rng

SECONDS_PER_DAY = 86400

# -- envelopes: what real runs, models and GPUs look like (issue 14) ---------------------------------
TOKENS_PER_PARAM = (0.5, 40_000)
"""Training tokens per parameter: from MT-NLG (530B params on 270B tokens, 0.5) to small over-trained
models (SmolLM2-135M on 2T tokens ≈ 15,000; up to ~40,000); Chinchilla's optimum is 20."""
MFU_RANGE = (0.05, 0.85)
"""Model FLOPs utilization of real runs: a few % (small models, poor parallelism) to ~0.85 at best;
PaLM 540B reached 0.46, Llama 3 405B 0.38–0.43."""
RUN_DAYS = (15 / (24 * 60), 5 * 365.25)
"""Training wall-clock: a 15-minute speed run to ~5 years (beyond that, hardware would be obsolete)."""
KV_BYTES_PER_TOKEN_MAX = 2 * 96 * 96 * 128 * 2
"""GPT-3 175B's KV cache per token at 16 bits (96 layers × 96 heads × 128 dims, K and V): ~4.7 MB, the
largest of the families below (GQA models need far less)."""
KV_TOTAL_MAX = 8 * 192 * 10**9
"""A whole KV cache fits in one 8-GPU node's memory (8 × MI300X 192 GB = 1.5 TB)."""

KV_FAMILIES: tuple[tuple[str, int, int, int, int], ...] = (
    # (model, layers, query heads, KV heads, head dim), from each model's config.json on Hugging Face
    ("GPT-3 13B", 40, 40, 40, 128), ("GPT-3 175B", 96, 96, 96, 128),
    ("Llama 2 7B", 32, 32, 32, 128), ("Llama 2 70B", 80, 64, 8, 128), ("Llama 3 8B", 32, 32, 8, 128),
    ("Llama 3.1 405B", 126, 128, 8, 128), ("Mistral 7B", 32, 32, 8, 128), ("Mixtral 8x22B", 56, 48, 8, 128),
    ("Qwen2.5 0.5B", 24, 14, 2, 64), ("Qwen2.5 7B", 28, 28, 4, 128), ("Qwen2.5 72B", 80, 64, 8, 128),
    ("Gemma 2B", 18, 8, 1, 256), ("Gemma 7B", 28, 16, 16, 256), ("Gemma 2 27B", 46, 32, 16, 128),
)
MODEL_SIZES = (0.494e9, 2.51e9, 7.24e9, 8.03e9, 27.2e9, 46.7e9, 70.6e9, 72.7e9, 141e9, 175e9, 405e9)
"""Parameter counts of real models: Qwen2.5 0.5B, Gemma 2B, Mistral 7B, Llama 3 8B, Gemma 2 27B,
Mixtral 8x7B, Llama 3 70B, Qwen2.5 72B, Mixtral 8x22B, GPT-3, Llama 3.1 405B."""


# -- helpers ----------------------------------------------------------------------------------------


def _frac(x: int | float) -> Fraction:
    return Fraction(x)


def _big(x: int | float) -> str:
    """A count for display inside math: every given digit, in scientific form when large."""
    return tex(float(x), sig=12) if abs(x) >= 1e6 else tex(x)


def _big_plain(x: int | float) -> str:
    if abs(x) >= 1e6:
        return plain(float(x), sig=12)
    return plain(int(x)) if float(x).is_integer() else plain(x)


def _product_ratio(top: tuple[int | float, ...], bottom: tuple[int | float, ...]) -> Fraction:
    """Π top / Π bottom exactly (each number's exact binary value, as ``Fraction(x)``), from one
    Fraction of two integer products instead of a Fraction operation per factor: with x = a/b
    (``as_integer_ratio``), the ratio is Π a_top·Π b_bottom / (Π b_top·Π a_bottom). A zero in
    ``bottom`` raises ZeroDivisionError, as the Fraction division does."""
    num = den = 1
    for x in top:
        a, b = x.as_integer_ratio()
        num, den = num * a, den * b
    for x in bottom:
        a, b = x.as_integer_ratio()
        num, den = num * b, den * a
    return Fraction(num, den)


def _count(rng: Rng, lo: float, hi: float, sig: int = 2) -> int:
    """A readable integer count (e.g. 7e9, 6.5e10), log-uniform in [lo, hi]."""
    return int(rng.nice(lo, hi, sig))




def _rejection(rng: Rng, fixed: Mapping[str, Any], make: Callable[[Rng], Params],
               ok: Callable[[Params], bool], what: str, tries: int = 200) -> Params:
    """Draw until ``ok``; with user-fixed values that cannot satisfy ``ok``, keep the last draw
    (``validate`` then judges it), else a :class:`DrawError`."""
    last: Params = {}
    for _ in range(tries):
        p = {**make(rng), **fixed}
        if ok(p):
            return p
        last = p
    if fixed:
        return last
    raise DrawError(f"{what}: no acceptable draw in {tries} tries")


def _n_params(help_: str = "parameters N", lo: float = 1e6, hi: float = 1e12) -> Param:
    return Param("n_params", "int", help_, lo=lo, hi=hi, min=1, max=1e18)


def _n_tokens() -> Param:
    return Param("n_tokens", "int", "training tokens D", lo=1e9, hi=2e13, min=1, max=1e20)


def _require_sane(x: Fraction, what: str, fix: str) -> None:
    """Answers must stay finite floats: reject absurd user values with a message instead."""
    if not 1e-300 < x < 1e300:
        raise ParamError(f"{what} comes out beyond the range 1e-300 to 1e300; {fix}")


def _n_gpus(lo: float = 8, hi: float = 16384) -> Param:
    return Param("n_gpus", "int", "number of GPUs", lo=lo, hi=hi, min=1, max=1e9)


def _peak(lo: float = 100) -> Param:
    return Param("peak_tflops", "float", "dense peak per GPU, TFLOP/s", lo=lo, hi=3000, min=0, min_open=True,
                 max=1e6)


def _draw_peak(rng: Rng) -> float:
    """A training accelerator's dense peak from the hardware table (or perturbed from one entry)."""
    return draw_numbers(rng, DATACENTER)[0]


def _sci(x: Fraction) -> str:
    return f"{float(x):.3g}" if x < 10**300 else "over 1e300"


def _tokens_per_param(p: Params) -> list[str]:
    lo, hi = TOKENS_PER_PARAM
    ratio = p["n_tokens"] / p["n_params"]
    return [] if lo <= ratio <= hi else [f"{ratio:.3g} tokens per parameter (real runs: {lo:g} to {hi:,})"]


def _mfu_ok(m: float) -> list[str]:
    lo, hi = MFU_RANGE
    return [] if lo <= m <= hi else [f"MFU {m:.3g} (real runs: {lo:g} to {hi:g})"]


def _training_peak(peak: float) -> list[str]:
    if near_peak(peak) is None:
        return [f"a peak of {peak:g} TFLOP/s is no training accelerator in the hardware table (nor within 1.3×)"]
    return []


def _dtype_name(nbytes: int | float) -> str:
    names = {0.5: "4-bit", 1: "8-bit (FP8/INT8)", 2: "16-bit (BF16/FP16)", 4: "32-bit (FP32)"}
    return names.get(nbytes, f"{plain(nbytes)}-byte")


def _bytes_text(b: int | float) -> str:
    """``16 GiB (17.18 GB)``-style text for a byte count."""
    if b >= 2**30:
        return f"{plain(b / 2**30)} GiB ({plain(b / 1e9)} GB)"
    if b >= 2**20:
        return f"{plain(b / 2**20)} MiB"
    return f"{plain(b)} B"


WIDTH_PER_LAYER = (30, 200)
"""d_model / n_layers of real decoders: Qwen2.5 0.5B 896/24 ≈ 37, GPT-3 125M 768/12 = 64, Gemma 2 27B
4608/46 ≈ 100, Llama 3 8B 4096/32 = 128, GPT-3 175B 12288/96 = 128, Llama 3.1 405B 16384/126 ≈ 130."""


def _shape_ok(d: int, layers: int) -> list[str]:
    lo, hi = WIDTH_PER_LAYER
    if layers <= 2 or lo <= d / layers <= hi:  # tiny toy models are fine at any width
        return []
    return [f"width {d} over {layers} layers (d/L = {d / layers:.3g}; real decoders: {lo} to {hi})"]


def _gpu_name(peak: float, bw: float) -> str:
    """' (an H200 SXM 141 GB)' when the numbers are a table entry's, else ''."""
    dev = exact_entry(peak, bw)
    return f" ({'an' if dev.name[0] in 'AHLM' else 'a'} {dev.name})" if dev else ""


def _near_devices(peak: float, bw: float, factor: float = 1.3) -> list[Device]:
    """Table GPUs whose peak and bandwidth are both within ``factor`` of these."""
    out = []
    for dev in DEVICES:
        p, b = table_numbers(dev)
        if max(peak / p, p / peak) <= factor and max(bw / b, b / bw) <= factor:
            out.append(dev)
    return out


# -- generators -------------------------------------------------------------------------------------
class TrainingFlops(Generator):
    """Training compute of a dense transformer: C ≈ 6ND FLOP.

    Example: ``quizgen show llm.training_flops --param n_params=7e9 --param n_tokens=1.4e12``
    """

    id = "llm.training_flops"
    version = 2
    title = "How many FLOPs does training N params on D tokens take?"
    tags = ("training", "scaling")
    params = (_n_params(), _n_tokens())

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        def make(r: Rng) -> Params:
            n = _count(r, 1e7, 1e12)
            # From under-trained (1 token/param) through Chinchilla (20) to over-trained (3000).
            tokens = min(max(n * r.log_uniform(1, 3000), 1e9), 2e13)
            return {"n_params": n, "n_tokens": int(float(f"{tokens:.2g}"))}

        return _rejection(rng, fixed, make, lambda p: not self.plausible(p), self.id)

    def plausible(self, p: Params) -> list[str]:
        return _tokens_per_param(p)

    def solve(self, p: Params) -> list[Answer]:
        c = 6 * _frac(p["n_params"]) * _frac(p["n_tokens"])
        return [Answer("C", _exact(c), "FLOP")]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        n, d, c = p["n_params"], p["n_tokens"], answers[0].value
        q = (f"A dense transformer with \\(N = {_big(n)}\\) parameters is trained on \\(D = {_big(d)}\\) tokens. "
             "How many FLOPs does training take? Count a multiply-add as 2 FLOP and ignore the attention "
             "term that grows with context length (it is small for short contexts).")
        s = ("Each parameter takes part in one multiply-add per token in the forward pass (2 FLOP), and in "
             "two in the backward pass (4 FLOP: one for the gradient of the input, one for the gradient of "
             "the weight), so \\[C \\approx 6ND = 6 \\times "
             f"{_big(n)} \\times {_big(d)} = {tex(c)}\\ \\text{{FLOP}}\\] "
             "Intuition: the backward pass costs twice the forward pass, so training is 3× the cost of "
             "running the model over the same tokens.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        n, d = _frac(p["n_params"]), _frac(p["n_tokens"])
        ds = [Distractor(_exact(2 * n * d), "counts only the forward pass (2ND); backward costs twice as much again")]
        if n >= 10**9:
            ds.append(Distractor(float(6 * n * d / 10**9), "multiplies the mantissas and keeps only one prefix "
                                                             "(the '58.8T' slip for 7B × 1.4T): off by 10⁹"))
        return _keep_wrong(answers[0], ds)

    def check(self, p: Params, answers: list[Answer]) -> None:
        import torch

        # A bias-free two-layer MLP in the middle of a network (its input needs a gradient too).
        t, d = 2 + p["n_tokens"] % 7, 4 + p["n_params"] % 5

        def step() -> None:
            x = torch.empty(t, d, device="meta", requires_grad=True)
            w1 = torch.empty(d, 4 * d, device="meta", requires_grad=True)
            w2 = torch.empty(4 * d, d, device="meta", requires_grad=True)
            ((x @ w1).relu() @ w2).sum().backward()

        per_param_token = Fraction(torch_flops(step), 8 * d * d * t)
        assert_equal("FlopCounterMode MLP train FLOPs per (param·token)", per_param_token, 6)
        want = per_param_token * p["n_params"] * p["n_tokens"]
        assert_close("6ND via FlopCounterMode", answers[0].value, float(want))
        if isinstance(answers[0].value, int):
            assert_equal("exact 6ND", answers[0].value, int(want))


class TrainingDays(Generator):
    """Wall-clock days to train: 6ND / (GPUs · peak · MFU).

    Example: ``quizgen show llm.training_days --param n_params=65.2e9 --param n_tokens=1.4e12 --param n_gpus=2048``
    """

    id = "llm.training_days"
    version = 2
    title = "How many days does training take on G GPUs?"
    tags = ("training", "scaling", "mfu")
    params = (
        _n_params(),
        _n_tokens(),
        _n_gpus(),
        _peak(),
        Param("mfu", "float", "model FLOPs utilization (fraction of peak)", lo=0.2, hi=0.6, min=0, max=1,
              min_open=True),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        def make(r: Rng) -> Params:
            n = fixed.get("n_params", _count(r, 1e8, 1e12))
            tokens = min(max(int(n * r.nice(5, 200, 1)), 10**9), 2 * 10**13)
            return {"n_params": n, "n_tokens": int(float(f"{tokens:.2g}")),
                    "n_gpus": r.power_of_two(8, 16384, half=True), "peak_tflops": _draw_peak(r),
                    "mfu": r.nice_uniform(0.2, 0.6, 2)}

        return _rejection(rng, fixed, make, lambda p: 1 <= self._days(p) <= 365 and not self.plausible(p), self.id)

    def plausible(self, p: Params) -> list[str]:
        days = float(self._days(p))
        bad = _tokens_per_param(p) + _mfu_ok(p["mfu"]) + _training_peak(p["peak_tflops"])
        if not RUN_DAYS[0] <= days <= RUN_DAYS[1]:
            bad.append(f"a run of {days:.3g} days (real runs: 15 minutes to ~5 years)")
        return bad

    @staticmethod
    def _days(p: Params) -> Fraction:
        """6ND / (G·peak·10¹²·MFU) / 86400, exactly (the Fraction of :meth:`_days_plain`)."""
        return _product_ratio((6, p["n_params"], p["n_tokens"]),
                              (p["n_gpus"], p["peak_tflops"], 10**12, p["mfu"], SECONDS_PER_DAY))

    @staticmethod
    def _days_plain(p: Params) -> Fraction:
        flops = 6 * _frac(p["n_params"]) * _frac(p["n_tokens"])
        rate = p["n_gpus"] * _frac(p["peak_tflops"]) * 10**12 * _frac(p["mfu"])
        return flops / rate / SECONDS_PER_DAY

    def solve(self, p: Params) -> list[Answer]:
        return [Answer("time", float(self._days(p)), "days")]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        n, d, g, peak, mfu = (p[k] for k in ("n_params", "n_tokens", "n_gpus", "peak_tflops", "mfu"))
        flops = 6 * _frac(n) * _frac(d)
        rate = g * _frac(peak) * 10**12 * _frac(mfu)
        q = (f"A dense transformer with \\(N = {_big(n)}\\) parameters is trained on \\(D = {_big(d)}\\) tokens "
             f"using {plain(g)} GPUs, each with a dense peak of {_big_plain(peak)} TFLOP/s, at a model FLOPs "
             f"utilization (MFU) of {plain(mfu)}. Using \\(C \\approx 6ND\\), how many days does training take?")
        s = (f"Training compute: \\(C = 6ND = {tex(float(flops))}\\ \\text{{FLOP}}\\). The cluster sustains "
             f"\\[G \\cdot \\text{{peak}} \\cdot \\text{{MFU}} = {tex(g)} \\times {tex(peak)} \\times 10^{{12}} "
             f"\\times {tex(mfu)} = {tex(float(rate))}\\ \\text{{FLOP/s}}\\] so "
             f"\\[t = \\frac{{{tex(float(flops))}}}{{{tex(float(rate))}}} = {tex(float(flops / rate))}\\ \\text{{s}}"
             f" = {tex(answers[0].value)}\\ \\text{{days}}\\] "
             f"(one day is {plain(SECONDS_PER_DAY)} s). Intuition: MFU is the fraction of the datasheet peak "
             "that turns into model FLOPs; real large runs reach about 0.3–0.6 of the dense peak.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        days = self._days(p)
        ds = [Distractor(float(days * _frac(p["mfu"])), "forgets the MFU: assumes the GPUs run at 100% of peak"),
              Distractor(float(days / 3), "uses 2ND (forward only) for the training compute instead of 6ND"),
              Distractor(float(days / 2), "uses the 2:4-sparse peak, twice the dense figure")]
        return _keep_wrong(answers[0], ds)

    def validate(self, p: Params) -> None:
        _require_sane(self._days(p), "the training time in days", "check peak_tflops, mfu and n_gpus")

    def check(self, p: Params, answers: list[Answer]) -> None:
        # Throughput view: tokens per second of the whole cluster, then D / that rate.
        tokens_per_s = p["mfu"] * p["n_gpus"] * p["peak_tflops"] * 1e12 / (6.0 * p["n_params"])
        assert_close("D / tokens_per_s / 86400", answers[0].value, p["n_tokens"] / tokens_per_s / 86400.0)


class KvCacheBytes(Generator):
    """KV-cache size: 2 (K and V) · layers · KV heads · head_dim · seq_len · batch · bytes.

    Example: ``quizgen show llm.kv_cache_bytes --param n_layers=32 --param n_kv_heads=8 --param head_dim=128``
    """

    id = "llm.kv_cache_bytes"
    version = 2
    title = "How many bytes does the KV cache hold?"
    tags = ("inference", "memory", "attention")
    params = (
        Param("n_layers", "int", "transformer layers L", lo=12, hi=128, min=1),
        Param("n_kv_heads", "int", "key/value heads (fewer than query heads with GQA/MQA)", lo=1, hi=128, min=1),
        Param("head_dim", "int", "dimension per head (drawn from real models: 64, 128, 256)", lo=64, hi=256, min=1),
        Param("seq_len", "int", "cached tokens per sequence", lo=512, hi=131072, min=1),
        Param("batch", "int", "sequences in the batch", lo=1, hi=256, min=1),
        Param("bytes_per_value", "float", "bytes per cached number (drawn from 1, 2, 4; 0.5 for 4-bit)",
              lo=1, hi=4, min=0, min_open=True, max=8),
        Param("n_heads", "int", "query heads (a multiple of n_kv_heads; does not change the cache)",
              lo=1, hi=128, min=1),
    )

    form = ("bytes_per_value",)

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        shape_keys = ("n_layers", "n_heads", "n_kv_heads", "head_dim")
        fits = [f for f in KV_FAMILIES if all(fixed.get(k, v) == v for k, v in zip(shape_keys, f[1:], strict=True))]

        def make(r: Rng) -> Params:
            # Shapes of real model families; only user-fixed shapes that no family has fall back
            # to a free draw.
            shape = (dict(zip(shape_keys, r.choice(fits)[1:], strict=True)) if fits
                     else self._free_shape(r, fixed))
            return {**shape, "seq_len": r.power_of_two(512, 131072),
                    "batch": r.power_of_two(1, 256) if r.bernoulli(0.8) else r.integer(1, 256),
                    "bytes_per_value": r.choice([1, 2, 2, 2, 4])}

        return _rejection(rng, fixed, make, lambda p: not self.plausible(p), self.id)

    def plausible(self, p: Params) -> list[str]:
        per_token = 2 * p["n_layers"] * p["n_kv_heads"] * p["head_dim"] * _frac(p["bytes_per_value"])
        total = per_token * p["seq_len"] * p["batch"]
        bad = []
        if per_token > KV_BYTES_PER_TOKEN_MAX:
            bad.append(f"{_sci(per_token)} B of KV cache per token (GPT-3 175B at 16 bits: 4.7 MB)")
        if total > KV_TOTAL_MAX:
            bad.append(f"a {_sci(total)} B KV cache (more than one 8-GPU node holds, 1.5 TB)")
        return bad

    @staticmethod
    def _free_shape(rng: Rng, fixed: Mapping[str, Any]) -> Params:
        nq = fixed.get("n_heads")
        if "n_kv_heads" in fixed:
            kv = fixed["n_kv_heads"]
        elif nq is not None:
            kv = rng.choice([k for k in range(1, min(nq, 128) + 1) if nq % k == 0])
        else:
            kv = rng.choice([1, 2, 4, 8, 8, 8, 16, 32, 64])
        if nq is None:
            nq = kv * rng.choice([g for g in (1, 2, 4, 8) if kv * g <= 128] or [1])
        return {"n_layers": rng.choice([16, 24, 28, 32, 40, 48, 60, 64, 80, 96, 126]),
                "n_kv_heads": kv, "n_heads": nq, "head_dim": rng.choice([64, 128, 128, 128, 256])}

    def validate(self, p: Params) -> None:
        # The larger of the answer and the query-heads distractor must stay a finite float.
        heads = max(p["n_kv_heads"], p["n_heads"])
        n = 2 * p["n_layers"] * heads * p["head_dim"] * p["seq_len"] * p["batch"]
        _require_sane(n * _frac(p["bytes_per_value"]), "the KV cache size", "use realistic model and batch sizes")
        if p["n_heads"] % p["n_kv_heads"]:
            raise ParamError(f"n_heads must be a multiple of n_kv_heads={p['n_kv_heads']} "
                             f"(got n_heads={p['n_heads']}); each KV head serves a whole group of query heads")

    def solve(self, p: Params) -> list[Answer]:
        n = 2 * p["n_layers"] * p["n_kv_heads"] * p["head_dim"] * p["seq_len"] * p["batch"]
        return [Answer("KV cache", _exact(n * _frac(p["bytes_per_value"])), "B")]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        lay, h, dh, s, b, nb, nq = (p[k] for k in ("n_layers", "n_kv_heads", "head_dim", "seq_len", "batch",
                                                    "bytes_per_value", "n_heads"))
        heads = (f"{nq} query heads and {h} key/value head{'s' if h != 1 else ''} "
                 f"({'multi-query' if h == 1 else 'grouped-query'} attention)" if nq != h
                 else f"{h} attention heads (no grouping: every head has its own keys and values)")
        v = answers[0].value
        family = next((f[0] for f in KV_FAMILIES if f[1:] == (lay, nq, h, dh)), None)
        shaped = f" (the attention shape of {family})" if family else ""
        q = (f"A decoder with {lay} layers has {heads} of dimension {dh}{shaped}. It serves a batch of {plain(b)} "
             f"sequence{'s' if b != 1 else ''} of {plain(s)} tokens, caching keys and values as {_dtype_name(nb)} "
             "numbers. How many bytes does the KV cache hold?")
        s_ = ("Every layer stores one key vector and one value vector per KV head per cached token: "
              "\\[2 \\cdot L \\cdot h_{\\text{kv}} \\cdot d_{\\text{head}} \\cdot s \\cdot b \\cdot \\text{bytes} = "
              f"2 \\times {lay} \\times {h} \\times {dh} \\times {tex(s)} \\times {tex(b)} \\times {tex(nb)} = "
              f"{tex(v)}\\ \\text{{B}}\\] that is {_bytes_text(v)}. Query heads do not enter: with grouped-query "
              "attention several query heads share each cached key/value head, which is exactly how it shrinks "
              "the cache.")
        return q, s_

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        v = _frac(answers[0].value)
        ds = [Distractor(_exact(v / 2), "forgets the factor 2: both keys and values are cached"),
              Distractor(_exact(v * p["n_heads"] / p["n_kv_heads"]),
                         "uses the query heads instead of the KV heads (GQA shares each KV head)"),
              Distractor(_exact(v / p["n_layers"]), "counts one layer only; every layer has its own cache")]
        return _keep_wrong(answers[0], ds)

    def check(self, p: Params, answers: list[Answer]) -> None:
        import torch

        dtypes = {1: torch.float8_e4m3fn, 2: torch.bfloat16, 4: torch.float32, 8: torch.float64}
        b, h, s, d = p["batch"], p["n_kv_heads"], p["seq_len"], p["head_dim"]
        nb = p["bytes_per_value"]
        if nb in dtypes:
            kv = [torch.empty(b, h, s, d, dtype=dtypes[nb], device="meta") for _ in "kv"]
            per_layer: Fraction = Fraction(sum(t.nbytes for t in kv))
        else:  # e.g. 4-bit: count elements with a byte-sized dtype, then scale
            kv = [torch.empty(b, h, s, d, dtype=torch.uint8, device="meta") for _ in "kv"]
            per_layer = sum(t.nbytes for t in kv) * _frac(nb)
        assert_equal("meta K,V tensors nbytes × layers", _frac(answers[0].value), per_layer * p["n_layers"])


class Chinchilla(Generator):
    """Compute-optimal model size and data: C = 6ND with D = 20N.

    Example: ``quizgen show llm.chinchilla --param compute=5.88e23``
    """

    id = "llm.chinchilla"
    version = 1
    title = "What are the compute-optimal N and D for compute C?"
    tags = ("scaling", "chinchilla")
    params = (Param("compute", "float", "training compute C, FLOP", lo=1e18, hi=1e26, min=0, min_open=True,
                    max=1e300),)

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        return {"compute": rng.nice(1e18, 1e26, 2)}

    def solve(self, p: Params) -> list[Answer]:
        # Exact when C/120 is a perfect square (C = 4.8e20 gives N = 2e9 exactly), else the float root.
        sq = exact_decimal(p["compute"]) / 120
        root = math.isqrt(sq.numerator), math.isqrt(sq.denominator)
        if root[0] ** 2 == sq.numerator and root[1] ** 2 == sq.denominator:
            n_exact = Fraction(*root)
            return [Answer("N", _exact(n_exact), "params"), Answer("D", _exact(20 * n_exact), "tokens")]
        n = math.sqrt(p["compute"] / 120)
        return [Answer("N", n, "params"), Answer("D", 20 * n, "tokens")]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        c = p["compute"]
        n, d = answers[0].value, answers[1].value
        q = (f"You have a training budget of \\(C = {tex(c)}\\) FLOP. Using \\(C \\approx 6ND\\) and the "
             "Chinchilla rule of about 20 training tokens per parameter, what model size \\(N\\) (parameters) "
             "is compute-optimal? Part 2: how many training tokens \\(D\\)?")
        s = ("Substitute \\(D = 20N\\) into \\(C = 6ND\\): \\(C = 120N^2\\), so "
             f"\\[N = \\sqrt{{C/120}} = \\sqrt{{{tex(c)}/120}} = {tex(n)}\\ \\text{{params}}, \\quad "
             f"D = 20N = {tex(d)}\\ \\text{{tokens}}\\] "
             "Intuition: both N and D grow like \\(\\sqrt{C}\\); 10× more compute buys about 3.2× more "
             "parameters and 3.2× more data (Chinchilla: 70B params on 1.4T tokens for 5.9e23 FLOP).")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        c = p["compute"]
        ds = [Distractor(math.sqrt(c / 6), "solves C = 6N² (D = N) instead of using D = 20N"),
              Distractor(c / 120, "forgets the square root: C = 120N², not 120N")]
        return _keep_wrong(answers[0], ds)

    def check(self, p: Params, answers: list[Answer]) -> None:
        from scipy.optimize import brentq

        c = p["compute"]
        n = brentq(lambda x: 6 * x * (20 * x) - c, 0.0, max(c, 1.0), xtol=1e-300, rtol=1e-14, maxiter=2000)
        assert_close("brentq on 6N·20N − C", answers[0].value, n, rtol=1e-9)
        assert_close("D = 20N", answers[1].value, 20 * n, rtol=1e-9)


_PARAMS_4SF = precision.sig(4, why="counting the tied embedding twice adds V·d, under 0.5% of a large model: "
                                  "at 3 figures that mistake would pass")


class ParamCount(Generator):
    """Parameters of a GPT-style decoder: 12·L·d² + V·d.

    Example: ``quizgen show llm.param_count --param n_layers=96 --param d_model=12288 --param vocab=50257``
    """

    id = "llm.param_count"
    version = 2
    title = "How many params does a GPT-style decoder have?"
    tags = ("architecture", "params")
    params = (
        Param("n_layers", "int", "transformer layers L", lo=2, hi=128, min=1),
        Param("d_model", "int", "model width d (drawn as a multiple of 64)", lo=256, hi=16384, min=1),
        Param("vocab", "int", "vocabulary size V", lo=32000, hi=256000, min=1),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        d = rng.power_of_two(256, 16384, half=True) if rng.bernoulli(0.6) else 64 * rng.integer(4, 256)
        vocab = (rng.choice([32000, 32768, 50257, 50304, 65536, 100277, 128256, 151936, 256000])
                 if rng.bernoulli(0.7) else rng.integer(32000, 256000))
        # Depth from the width at a real family's ratio d/L (see WIDTH_PER_LAYER).
        lay = fixed.get("n_layers", min(128, max(2, round(d / rng.uniform(40, 180)))))
        return {"n_layers": lay, "d_model": d, "vocab": vocab}

    def plausible(self, p: Params) -> list[str]:
        return _shape_ok(p["d_model"], p["n_layers"])

    def validate(self, p: Params) -> None:
        lay, d, v = p["n_layers"], p["d_model"], p["vocab"]
        _require_sane(Fraction(12 * lay * d * d + 2 * v * d), "the parameter count", "use realistic sizes")

    def solve(self, p: Params) -> list[Answer]:
        lay, d, v = p["n_layers"], p["d_model"], p["vocab"]
        return [Answer("N", 12 * lay * d * d + v * d, "params", _PARAMS_4SF)]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        lay, d, v = p["n_layers"], p["d_model"], p["vocab"]
        q = (f"A GPT-style decoder has {lay} layers of width \\(d = {tex(d)}\\), an MLP of width \\(4d\\), and a "
             f"vocabulary of {plain(v)} tokens with the output projection tied to the input embedding. "
             "Ignoring biases, norms and position embeddings, how many parameters does it have?")
        s = ("Per layer: attention has \\(W_Q, W_K, W_V, W_O\\), four \\(d \\times d\\) matrices "
             "(\\(4d^2\\)); the MLP has \\(d \\times 4d\\) and \\(4d \\times d\\) (\\(8d^2\\)). "
             "With the tied embedding \\(V \\times d\\): "
             f"\\[12Ld^2 + Vd = 12 \\times {lay} \\times {tex(d)}^2 + {tex(v)} \\times {tex(d)} = "
             f"{tex(12 * lay * d * d)} + {tex(v * d)} = {tex(answers[0].value)}\\] "
             "Intuition: the \\(12Ld^2\\) body dominates big models; the embedding matters only for small ones.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        lay, d, v = p["n_layers"], p["d_model"], p["vocab"]
        ds = [Distractor(4 * lay * d * d + v * d, "counts only the attention matrices (4d²), not the 8d² MLP"),
              Distractor(12 * lay * d * d + 2 * v * d, "counts the embedding twice; input and output are tied")]
        return _keep_wrong(answers[0], ds)

    def check(self, p: Params, answers: list[Answer]) -> None:
        import torch

        lay, d, v = p["n_layers"], p["d_model"], p["vocab"]
        # One real block on the meta device (free to allocate); the L blocks are identical.
        block = torch.nn.ModuleList([torch.nn.Linear(i, o, bias=False, device="meta")
                                     for i, o in ((d, 3 * d), (d, d), (d, 4 * d), (4 * d, d))])
        emb = torch.nn.Embedding(v, d, device="meta")
        total = lay * sum(t.numel() for t in block.parameters()) + sum(t.numel() for t in emb.parameters())
        assert_equal("numel of meta nn.Linear blocks + nn.Embedding", answers[0].value, total)


class ForwardFlopsPerToken(Generator):
    """Forward FLOPs per token at context s: 2N + 4Lsd (2N + 2Lsd causal).

    Example: ``quizgen show llm.forward_flops_per_token --param seq_len=8192 --param causal=true``
    """

    id = "llm.forward_flops_per_token"
    version = 1
    form = ("causal",)
    title = "How many forward FLOPs per token at context s?"
    tags = ("inference", "attention", "flops")
    params = (
        _n_params("weights used in matmuls N (including the unembedding)", lo=1e6, hi=1e12),
        Param("n_layers", "int", "transformer layers L", lo=2, hi=128, min=1, max=1e6),
        Param("d_model", "int", "model width d (the attention width)", lo=256, hi=16384, min=1, max=1e9),
        Param("seq_len", "int", "context length s", lo=512, hi=32768, min=1, max=1e12),
        Param("causal", "bool", "causal mask (each token attends to the previous ones only)"),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        d = fixed.get("d_model", rng.power_of_two(512, 16384, half=True))
        lay = fixed.get("n_layers", min(128, max(2, round(d / rng.uniform(60, 180)))))  # see WIDTH_PER_LAYER
        vocab = rng.choice([32000, 50257, 128256])
        # At most the declared maximum of n_params (user-fixed sizes can imply more).
        n = min(int(float(f"{12 * lay * d * d + vocab * d:.3g}")), 10**18)
        return {"n_params": n, "n_layers": lay, "d_model": d, "seq_len": rng.power_of_two(512, 32768),
                "causal": rng.bernoulli(0.5)}

    def validate(self, p: Params) -> None:
        _require_sane(Fraction(4 * p["n_params"] + 4 * p["n_layers"] * p["seq_len"] * p["d_model"]),
                      "the FLOP count per token", "use realistic sizes")

    def plausible(self, p: Params) -> list[str]:
        return _shape_ok(p["d_model"], p["n_layers"])

    @staticmethod
    def _flops(p: Params) -> int:
        per_pos = 2 if p["causal"] else 4
        return 2 * p["n_params"] + per_pos * p["n_layers"] * p["seq_len"] * p["d_model"]

    def solve(self, p: Params) -> list[Answer]:
        return [Answer("forward", self._flops(p), "FLOP/token")]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        n, lay, d, s, causal = (p[k] for k in ("n_params", "n_layers", "d_model", "seq_len", "causal"))
        half = "; take a token to attend to about \\(s/2\\) positions on average" if causal else ""
        mask = ("with a causal mask (each token attends only to itself and earlier tokens)" if causal
                else "with full (bidirectional) attention over the whole context")
        q = (f"A transformer has \\(N = {_big(n)}\\) weights used in matrix multiplies (including the "
             f"unembedding), {lay} layers and width \\(d = {tex(d)}\\). It processes a context of "
             f"\\(s = {tex(s)}\\) tokens {mask}. How many forward-pass FLOPs does it spend per token, "
             f"counting the weight matmuls and the attention score and value matmuls (a multiply-add is 2 FLOP"
             f"{half})?")
        attn = 2 if causal else 4
        why = ("On average a token sees \\((s+1)/2 \\approx s/2\\) positions, halving the attention term."
               if causal else "Every token attends to all \\(s\\) positions.")
        s_ = ("Weights: each weight is one multiply-add per token, \\(2N\\). Attention: per layer, the score "
              "\\(q \\cdot k\\) and the weighted sum of values each cost \\(2d\\) FLOP per attended position. "
              f"{why} \\[2N + {attn}Lsd = 2 \\times {_big(n)} + {attn} \\times {lay} \\times {tex(s)} \\times "
              f"{tex(d)} = {tex(2 * n)} + {tex(attn * lay * s * d)} = {tex(answers[0].value)}\\ "
              "\\text{FLOP/token}\\] Intuition: with \\(N \\approx 12Ld^2\\) the attention term is about "
              "\\(s/(6d)\\) of the weight term (half that with a causal mask), so it matters only for long contexts.")
        return q, s_

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        n, lay, d, s = p["n_params"], p["n_layers"], p["d_model"], p["seq_len"]
        ds = [Distractor(2 * n, "drops the attention term (fine only for short contexts)"),
              Distractor(n, "counts one FLOP per weight; a multiply-add is 2 FLOP"),
              Distractor(2 * n + (4 if p["causal"] else 2) * lay * s * d,
                         "ignores the mask (causal halves the attended positions)" if p["causal"]
                         else "halves the attention term, as if the mask were causal")]
        return _keep_wrong(answers[0], ds)

    def check(self, p: Params, answers: list[Answer]) -> None:
        import torch

        # A tiny explicit decoder whose sizes follow the params, counted by FlopCounterMode.
        lay, heads = 1 + p["n_layers"] % 3, 1 + (p["d_model"] // 64) % 4
        d, s, vocab = 16 * heads, 8 + p["seq_len"] % 25, 17 + p["n_params"] % 101
        weight_flops, attn_flops, n_weights = _tiny_decoder_flops(lay, d, s, vocab, heads)
        # The generator's own formula on the tiny model (full attention: a mask saves no matmul FLOPs).
        tiny = {"n_params": n_weights, "n_layers": lay, "d_model": d, "seq_len": s, "causal": False}
        want_tiny = Fraction(weight_flops + attn_flops, s)
        assert_equal("formula on a tiny decoder vs FlopCounterMode / s", self.solve(tiny)[0].value, want_tiny)
        # Coefficients measured on the tiny model, applied to the real sizes.
        per_weight = Fraction(weight_flops, s * n_weights)
        per_key = Fraction(attn_flops, s * lay * s * d)  # FLOP per (query, key, layer, channel)
        total_keys = torch.arange(1, p["seq_len"] + 1).sum().item() if p["causal"] else p["seq_len"] ** 2
        want = per_weight * p["n_params"] + per_key * p["n_layers"] * p["d_model"] * Fraction(total_keys,
                                                                                                p["seq_len"])
        # The causal answer uses s/2 for (s+1)/2 attended positions: within 1/s.
        assert_close("measured coefficients × real sizes", answers[0].value, float(want),
                     rtol=1.0 / p["seq_len"] if p["causal"] else 1e-12)


def _tiny_decoder_flops(n_layers: int, d: int, s: int, vocab: int, heads: int) -> tuple[int, int, int]:
    """(weight-matmul FLOPs, attention-matmul FLOPs, matmul weights) of one forward pass of an explicit
    causal decoder (batch 1) on the meta device, as FlopCounterMode counts them."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    def lin(i: int, o: int) -> torch.nn.Linear:
        return torch.nn.Linear(i, o, bias=False, device="meta")

    layers = [(lin(d, 3 * d), lin(d, d), lin(d, 4 * d), lin(4 * d, d)) for _ in range(n_layers)]
    emb, unemb = torch.nn.Embedding(vocab, d, device="meta"), lin(d, vocab)
    tokens = torch.zeros(1, s, dtype=torch.long, device="meta")
    mask = torch.ones(s, s, dtype=torch.bool, device="meta").triu(1)
    dh = d // heads
    with FlopCounterMode(display=False) as fc:
        x = emb(tokens)
        for qkv, out, up, down in layers:
            q, k, v = (t.view(1, s, heads, dh).transpose(1, 2) for t in qkv(x).split(d, dim=-1))
            att = ((q @ k.transpose(-2, -1)) / math.sqrt(dh)).masked_fill(mask, float("-inf")).softmax(-1)
            x = x + out((att @ v).transpose(1, 2).reshape(1, s, d))
            x = x + down(torch.nn.functional.gelu(up(x)))
        unemb(x)
    counts = {str(op): int(c) for op, c in fc.get_flop_counts()["Global"].items()}
    require(set(counts) <= {"aten.mm", "aten.bmm"}, f"unexpected ops in the tiny decoder: {sorted(counts)}")
    n_weights = sum(t.numel() for layer in layers for m in layer for t in m.parameters()) + unemb.weight.numel()
    return counts.get("aten.mm", 0), counts.get("aten.bmm", 0), n_weights


class Mfu(Generator):
    """Model FLOPs utilization from cluster throughput: (6N + attn)·tokens/s / (GPUs · peak).

    Example: ``quizgen show llm.mfu --param n_params=540.35e9 --param tokens_per_sec=238.3e3 --param n_gpus=6144``
    """

    id = "llm.mfu"
    version = 2
    title = "What MFU does this training throughput imply?"
    tags = ("training", "mfu")
    params = (
        _n_params(),
        Param("tokens_per_sec", "float", "training tokens per second, whole cluster", lo=1, hi=1e11, min=0,
              min_open=True),
        _n_gpus(),
        _peak(),
        Param("attn_flops_per_token", "int", "attention FLOPs per token, forward+backward (PaLM's 12·L·H·Q·T; "
              "0 to ignore)", lo=0, hi=1.2e13, min=0, max=1e18),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        def make(r: Rng) -> Params:
            n = fixed.get("n_params", _count(r, 1e8, 1e12))
            drawn_attn = int(float(f"{r.nice(0.02, 0.2, 1) * 6 * n:.2g}")) if r.bernoulli(0.5) else 0
            attn = fixed.get("attn_flops_per_token", drawn_attn)
            g, peak = fixed.get("n_gpus", r.power_of_two(8, 16384, half=True)), fixed.get("peak_tflops",
                                                                                           _draw_peak(r))
            target = r.uniform(0.25, 0.55)
            tps = target * g * peak * 1e12 / (6 * n + attn)
            return {"n_params": n, "attn_flops_per_token": attn, "n_gpus": g, "peak_tflops": peak,
                    "tokens_per_sec": float(f"{tps:.3g}")}

        def ok(p: Params) -> bool:
            return 1 <= p["tokens_per_sec"] <= 1e11 and 0.2 <= self._mfu(p) <= 0.6

        return _rejection(rng, fixed, make, lambda p: ok(p) and not self.plausible(p), self.id)

    def plausible(self, p: Params) -> list[str]:
        return _mfu_ok(float(self._mfu(p))) + _training_peak(p["peak_tflops"])

    @staticmethod
    def _mfu(p: Params) -> Fraction:
        """(6N + A)·tokens/s / (G·peak·10¹²), exactly (the Fraction of :meth:`_mfu_plain`)."""
        return Mfu._per_token_ratio(p, 6)

    @staticmethod
    def _per_token_ratio(p: Params, k: int, extra: tuple[int, ...] = ()) -> Fraction:
        """(k·N + A)·tokens/s / (G·peak·10¹²·Π extra), exactly; k = 6 is the MFU, k = 2 the forward-only
        misreading (2N + A)·MFU/(6N + A) (the 6N + A cancels: N ≥ 1 keeps it nonzero)."""
        n, attn = p["n_params"], p["attn_flops_per_token"]
        per_token = k * n + attn if type(n) is int and type(attn) is int else k * _frac(n) + attn
        return _product_ratio((per_token, p["tokens_per_sec"]), (p["n_gpus"], p["peak_tflops"], 10**12, *extra))

    @staticmethod
    def _mfu_plain(p: Params) -> Fraction:
        model = (6 * _frac(p["n_params"]) + p["attn_flops_per_token"]) * _frac(p["tokens_per_sec"])
        return model / (p["n_gpus"] * _frac(p["peak_tflops"]) * 10**12)

    def validate(self, p: Params) -> None:
        m = self._mfu(p)
        _require_sane(m, "the MFU", "check tokens_per_sec and peak_tflops")
        if m > 1:
            raise ParamError(f"tokens_per_sec={plain(p['tokens_per_sec'])} implies an MFU of {plain(float(m))} > 1: "
                             "more FLOP/s than the GPUs' peak; lower tokens_per_sec or raise n_gpus/peak_tflops")

    def solve(self, p: Params) -> list[Answer]:
        return [Answer("MFU", float(self._mfu(p)))]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        n, tps, g, peak, attn = (p[k] for k in ("n_params", "tokens_per_sec", "n_gpus", "peak_tflops",
                                                 "attn_flops_per_token"))
        per_tok = 6 * _frac(n) + attn
        attn_q = (f" Attention adds \\({_big(attn)}\\) FLOP per token (forward and backward)." if attn
                  else " Ignore attention FLOPs.")
        q = (f"Training a dense transformer with \\(N = {_big(n)}\\) parameters processes {_big_plain(tps)} tokens "
             f"per second across the whole cluster of {plain(g)} GPUs, each with a dense peak of {_big_plain(peak)} "
             f"TFLOP/s.{attn_q} What model FLOPs utilization (MFU, as a fraction) does this imply, counting "
             "6 FLOP per parameter per token for training?")
        attn_s = f" + {_big(attn)}" if attn else ""
        s = (f"Model FLOPs per token: \\(6N{' + A' if attn else ''} = 6 \\times {_big(n)}{attn_s} = "
             f"{tex(float(per_tok))}\\). Achieved model FLOP/s: \\({tex(float(per_tok))} \\times {_big(tps)} = "
             f"{tex(float(per_tok * _frac(tps)))}\\). Available: \\({tex(g)} \\times {tex(peak)} \\times 10^{{12}} = "
             f"{tex(float(g * _frac(peak) * 10**12))}\\) FLOP/s. \\[\\text{{MFU}} = "
             f"\\frac{{{tex(float(per_tok * _frac(tps)))}}}{{{tex(float(g * _frac(peak) * 10**12))}}} = "
             f"{tex(answers[0].value)}\\] Intuition: MFU counts only the FLOPs the model needs (no activation "
             "recomputation), so it compares fairly across implementations; 0.4–0.6 is excellent at scale.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        two_n = self._per_token_ratio(p, 2)  # (2N + A)·m/(6N + A)
        ds = [Distractor(float(two_n), "counts only the forward pass (2N per token) for training"),
              Distractor(float(self._per_token_ratio(p, 6, (p["n_gpus"],))),  # m / G
                         "divides by the GPU count twice: tokens/s is already for the whole cluster")]
        return _keep_wrong(answers[0], ds)

    def check(self, p: Params, answers: list[Answer]) -> None:
        # Round trip: training D tokens at this MFU takes D / tokens_per_sec seconds.
        n_eff = _frac(p["n_params"]) + Fraction(p["attn_flops_per_token"], 6)
        tokens = 10**12
        trip = {"n_params": float(n_eff), "n_tokens": tokens, "n_gpus": p["n_gpus"],
                "peak_tflops": p["peak_tflops"], "mfu": answers[0].value}
        days = TrainingDays().solve(trip)[0].value
        assert_close("llm.training_days at this MFU vs D / tokens_per_sec", days,
                     tokens / p["tokens_per_sec"] / SECONDS_PER_DAY, rtol=1e-9)


_ZERO_SHARDED = {0: (), 1: ("optimizer",), 2: ("optimizer", "grads"), 3: ("optimizer", "grads", "weights")}
"""Which training states ZeRO stage k partitions across the data-parallel GPUs."""


class TrainingMemory(Generator):
    """Per-GPU bytes for weights, grads and Adam states under mixed precision and ZeRO stages 0–3.

    Example: ``quizgen show llm.training_memory --param n_params=7.5e9 --param n_gpus=64 --param zero_stage=2``
    """

    id = "llm.training_memory"
    version = 1
    form = ("zero_stage",)
    title = "How many bytes per GPU for weights, grads and Adam states (mixed precision, ZeRO)?"
    tags = ("training", "memory", "zero")
    params = (
        _n_params("parameters Ψ", lo=1e8, hi=1e12),
        Param("n_gpus", "int", "data-parallel GPUs N_d", lo=1, hi=1024, min=1, max=1e9),
        Param("zero_stage", "int", "ZeRO stage (0 = plain data parallel)", lo=0, hi=3, min=0, max=3),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        return {"n_params": _count(rng, 1e8, 1e12), "n_gpus": rng.power_of_two(1, 1024, half=True),
                "zero_stage": rng.integer(0, 3)}

    @staticmethod
    def _bytes(p: Params) -> Fraction:
        psi, nd = _frac(p["n_params"]), p["n_gpus"]
        return {0: 16 * psi, 1: 4 * psi + 12 * psi / nd, 2: 2 * psi + 14 * psi / nd,
                3: 16 * psi / nd}[p["zero_stage"]]

    def solve(self, p: Params) -> list[Answer]:
        return [Answer("memory per GPU", _exact(self._bytes(p)), "B")]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        psi, nd, k = p["n_params"], p["n_gpus"], p["zero_stage"]
        v = answers[0].value
        q = (f"A model with \\(\\Psi = {_big(psi)}\\) parameters is trained with mixed-precision Adam (BF16 weights "
             f"and gradients, FP32 master weights and both Adam moments in FP32) on {plain(nd)} data-parallel "
             f"GPU{'s' if nd != 1 else ''} with ZeRO stage {k}"
             f"{' (no partitioning)' if k == 0 else ''}. How many bytes per GPU do the weights, gradients and "
             "optimizer states take (ignore activations and buffers)?")
        formula = {0: "16\\Psi", 1: "4\\Psi + \\frac{12\\Psi}{N_d}", 2: "2\\Psi + \\frac{14\\Psi}{N_d}",
                   3: "\\frac{16\\Psi}{N_d}"}[k]
        what = {0: "Nothing is partitioned: every GPU holds all 16 bytes per parameter.",
                1: "Stage 1 partitions the 12 bytes of optimizer state; weights and gradients stay replicated.",
                2: "Stage 2 partitions the optimizer state and the gradients; only the BF16 weights stay replicated.",
                3: "Stage 3 partitions everything, weights included."}[k]
        size = f"{plain(float(v) / 1e9)} GB" if v >= 1e9 else f"{plain(float(v) / 1e6)} MB"
        fits = " (more than an 80 GB GPU holds: this setup would not fit)" if v > 80e9 else ""
        s = ("Per parameter: 2 B BF16 weight + 2 B BF16 gradient + 12 B optimizer state (4 B FP32 master copy, "
             f"4 B momentum, 4 B variance) = 16 B. {what} \\[{formula} = {tex(v)}\\ \\text{{B}}\\] that is "
             f"{size} per GPU{fits}. Intuition: the optimizer state, not the weights, dominates "
             "mixed-precision training memory, which is why ZeRO partitions it first.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        psi, nd, k = _frac(p["n_params"]), p["n_gpus"], p["zero_stage"]
        w = 2 * psi / (nd if k == 3 else 1)
        wg = {0: 4 * psi, 1: 4 * psi, 2: 2 * psi + 2 * psi / nd, 3: 4 * psi / nd}[k]
        ds = [Distractor(_exact(w), "counts only the BF16 weights (2 B/param)"),
              Distractor(_exact(wg), "forgets the Adam states and FP32 master copy (12 B/param)")]
        if k:
            ds.append(Distractor(_exact(16 * psi), "ignores the ZeRO partitioning (16 B/param on every GPU)"))
        else:
            ds.append(Distractor(_exact(12 * psi), "counts only the FP32 master weights and Adam moments"))
        return _keep_wrong(answers[0], ds)

    def check(self, p: Params, answers: list[Answer]) -> None:
        import torch

        per_param = _measured_mixed_adam_bytes()
        require(sum(per_param.values()) == 16, f"measured mixed-precision Adam bytes/param {per_param} ≠ 16")
        psi, nd = p["n_params"], p["n_gpus"]
        shard = torch.empty(psi, dtype=torch.uint8, device="meta").chunk(nd)[0].numel()  # rank 0's slice
        sharded = _ZERO_SHARDED[p["zero_stage"]]
        rank0 = sum(b * (shard if cat in sharded else psi) for cat, b in per_param.items())
        # torch.chunk rounds rank 0's slice up to a whole element: at most 16 B more than Ψ/N_d·16.
        assert_close("measured bytes/param × ZeRO shard sizes", answers[0].value, rank0, rtol=0, atol=16)


def _measured_mixed_adam_bytes() -> dict[str, Fraction]:
    """Bytes per parameter of each training state, measured on a tiny BF16 model with an FP32 master
    copy after one ``torch.optim.Adam`` step."""
    import torch

    model = torch.nn.Linear(8, 4, bias=False).to(torch.bfloat16)
    model(torch.ones(3, 8, dtype=torch.bfloat16)).sum().backward()
    params = list(model.parameters())
    master = [p.detach().float().clone().requires_grad_(True) for p in params]
    for m, p in zip(master, params, strict=True):
        m.grad = p.grad.float() if p.grad is not None else None
    opt = torch.optim.Adam(master, lr=1e-3)
    opt.step()
    # Per-element state only: Adam's scalar 'step' counter is per tensor, not per parameter.
    states = [t for m in master for t in opt.state[m].values()
              if isinstance(t, torch.Tensor) and t.shape == m.shape]
    n = sum(p.numel() for p in params)
    return {"weights": Fraction(sum(p.nbytes for p in params), n),
            "grads": Fraction(sum(p.grad.nbytes for p in params if p.grad is not None), n),
            "optimizer": Fraction(sum(m.nbytes for m in master) + sum(t.nbytes for t in states), n)}


class DecodeLatency(Generator):
    """Memory-bound decode at batch 1: every weight is read once per token, t = N·bytes / bandwidth.

    Example: ``quizgen show llm.decode_latency --param n_params=8.03e9 --param bytes_per_param=2``
    """

    id = "llm.decode_latency"
    version = 2
    title = "What is the minimum time per token at batch 1?"
    tags = ("inference", "memory-bound", "roofline")
    params = (
        _n_params(lo=1e8, hi=4e11),
        Param("bytes_per_param", "float", "bytes per weight (drawn from 0.5, 1, 2)", lo=0.5, hi=2, min=0,
              min_open=True, max=8),
        Param("bandwidth_gbs", "float", "memory bandwidth, GB/s", lo=200, hi=10000, min=0, min_open=True),
        _peak(lo=50),
    )
    form = ("bytes_per_param",)

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        def make(r: Rng) -> Params:
            # One GPU of the hardware table (or perturbed from one entry), and a real model size or a
            # log-uniform one; the weights must fit in that GPU's memory (see plausible).
            peak, bw = draw_numbers(r, DEVICES)
            n = int(r.choice(MODEL_SIZES)) if r.bernoulli(0.6) else _count(r, 1e8, 4e11)
            return {"n_params": n, "bytes_per_param": r.choice([0.5, 1, 2, 2]), "bandwidth_gbs": bw,
                    "peak_tflops": peak}

        return _rejection(rng, fixed, make, lambda p: not self.plausible(p), self.id)

    def plausible(self, p: Params) -> list[str]:
        devs = _near_devices(p["peak_tflops"], p["bandwidth_gbs"])
        if not devs:
            return [f"{p['peak_tflops']:g} TFLOP/s with {p['bandwidth_gbs']:g} GB/s is no GPU in the hardware "
                    "table (nor within 1.3× of one)"]
        weights = p["n_params"] * p["bytes_per_param"]
        if all(weights > d.memory_gb * 1e9 for d in devs):
            return [f"{weights / 1e9:.3g} GB of weights do not fit in one {devs[0].name}"]
        return []

    def validate(self, p: Params) -> None:
        # Decode at batch 1 does 2 FLOP per weight: memory-bound unless the peak is tiny.
        mem = _frac(p["n_params"]) * _frac(p["bytes_per_param"]) / (_frac(p["bandwidth_gbs"]) * 10**9)
        comp = 2 * _frac(p["n_params"]) / (_frac(p["peak_tflops"]) * 10**12)
        _require_sane(mem, "the time per token", "check bandwidth_gbs and bytes_per_param")
        if comp >= mem:
            ridge = 2 * _frac(p["bandwidth_gbs"]) / 1000 / _frac(p["bytes_per_param"])
            raise ParamError(f"peak_tflops={plain(p['peak_tflops'])} is so low that decode would be compute-bound, "
                             f"not memory-bound; use a peak above {plain(float(ridge))} TFLOP/s")

    def solve(self, p: Params) -> list[Answer]:
        t = _frac(p["n_params"]) * _frac(p["bytes_per_param"]) / (_frac(p["bandwidth_gbs"]) * 10**9)
        return [Answer("time per token", float(t), "s"), Answer("throughput", float(1 / t), "tokens/s")]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        n, nb, bw, peak = p["n_params"], p["bytes_per_param"], p["bandwidth_gbs"], p["peak_tflops"]
        t = answers[0].value
        q = (f"A model with \\(N = {_big(n)}\\) parameters stored as {_dtype_name(nb)} weights "
             f"({plain(nb)} B each) generates text at batch size 1 on a GPU{_gpu_name(peak, bw)} with "
             f"{_big_plain(bw)} GB/s of memory "
             f"bandwidth and a dense peak of {_big_plain(peak)} TFLOP/s. What is the minimum time per generated token "
             "in seconds (ignore the KV cache)? Part 2: the resulting tokens per second.")
        comp = 2 * n / (peak * 1e12)
        s = ("Each new token needs every weight once: \\(2N\\) FLOP, but also reading all \\(N \\cdot b\\) bytes "
             f"from memory. Memory time: \\[t = \\frac{{N b}}{{\\text{{BW}}}} = \\frac{{{_big(n)} \\times {tex(nb)}}}"
             f"{{{tex(bw)} \\times 10^{{9}}}} = {tex(t)}\\ \\text{{s}}\\] ({plain(t * 1000)} ms, so "
             f"{plain(answers[1].value)} tokens/s). Compute time would be only \\(2N/\\text{{peak}} = "
             f"{tex(comp)}\\ \\text{{s}}\\): at an arithmetic intensity of \\(2/b = {tex(2 / nb)}\\) FLOP/byte, far "
             "below the ridge point, decode is memory-bound. Intuition: batching reuses each weight read for "
             "many tokens, which is why serving batches requests.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        n, bw, peak = p["n_params"], p["bandwidth_gbs"], p["peak_tflops"]
        ds = [Distractor(2 * n / (peak * 1e12), "uses compute time 2N/peak; decode at batch 1 is memory-bound"),
              Distractor(n / (bw * 1e9), "forgets the bytes per parameter (reads N bytes, not N·b)")]
        return _keep_wrong(answers[0], ds)

    def check(self, p: Params, answers: list[Answer]) -> None:
        # Roofline: attainable FLOP/s = min(peak, intensity · bandwidth); time = FLOPs / attainable.
        flops = 2.0 * p["n_params"]
        intensity = 2.0 / p["bytes_per_param"]
        bw, peak = p["bandwidth_gbs"] * 1e9, p["peak_tflops"] * 1e12
        attainable = min(peak, intensity * bw)
        require(intensity * bw < peak, "decode at batch 1 should be memory-bound on the roofline")
        require(flops / peak < 0.5 * flops / attainable, "compute time should be ≪ memory time")
        assert_close("roofline time 2N / min(peak, I·BW)", answers[0].value, flops / attainable)
        assert_close("tokens/s", answers[1].value, attainable / flops)
