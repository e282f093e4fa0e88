"""llm.* against published reference numbers (CATALOGUE.md golden examples), plus validation errors."""

from __future__ import annotations

import math
from typing import Any

import pytest
from click.testing import CliRunner

from quizgen.cli import cli
from quizgen.errors import ParamError
from quizgen.model import Answer
from quizgen.registry import load_registry

from .conftest import same_form_versions


def answers(gen_id: str, **fixed: Any) -> list[Answer]:
    gen = load_registry().get(gen_id)
    p = gen.problem(0, fixed)
    gen.check(p.params, p.answers)
    return p.answers


def value(gen_id: str, **fixed: Any) -> Any:
    return answers(gen_id, **fixed)[0].value


# -- golden examples ------------------------------------------------------------------------------
def test_training_flops_llama_7b() -> None:
    # S4: C = 6 · 1.4T · 7B = 5.88e22 (its "58.8T FLOP-seconds" drops the 1e9 of "B").
    v = value("llm.training_flops", n_params=7e9, n_tokens=1.4e12)
    assert v == 58_800_000_000_000_000_000_000 and isinstance(v, int)


def test_training_flops_gpt3() -> None:
    # GPT-3 paper: 3.14e23 FLOP (3640 PF-days) for 175B params on 300B tokens.
    v = value("llm.training_flops", n_params=175e9, n_tokens=300e9)
    assert v == 315_000_000_000_000_000_000_000
    assert v == pytest.approx(3.14e23, rel=0.005)


def test_training_flops_distractors() -> None:
    p = load_registry().get("llm.training_flops").problem(0, {"n_params": 7e9, "n_tokens": 1.4e12})
    assert {d.value for d in p.distractors} == {19_600_000_000_000_000_000_000, 5.88e13}


def test_chinchilla_70b() -> None:
    n, d = answers("llm.chinchilla", compute=5.88e23)
    assert n.value == pytest.approx(7.0e10, rel=1e-12) and n.unit == "params"
    assert d.value == pytest.approx(1.4e12, rel=1e-12) and d.unit == "tokens"


def test_training_days_llama_65b() -> None:
    # LLaMA: 2048 A100s at 380 tokens/s/GPU, "approximately 21 days" for 1.4T tokens.
    v = value("llm.training_days", n_params=65.2e9, n_tokens=1.4e12, n_gpus=2048, peak_tflops=312, mfu=0.4765)
    assert v == pytest.approx(20.8, rel=2e-3)
    assert 1.4e12 / (380 * 2048) / 86400 == pytest.approx(v, rel=0.01)


def test_mfu_palm() -> None:
    # PaLM paper: 46.2% MFU for 540B on 6144 TPU v4 (275 TFLOP/s) at 238.3k tokens/s.
    attn = 12 * 118 * 48 * 256 * 2048
    common = {"n_params": 540.35e9, "tokens_per_sec": 238.3e3, "n_gpus": 6144, "peak_tflops": 275}
    assert value("llm.mfu", **common, attn_flops_per_token=attn) == pytest.approx(0.462, abs=5e-4)
    assert value("llm.mfu", **common, attn_flops_per_token=0) == pytest.approx(0.457, abs=5e-4)


def test_mfu_round_trips_through_training_days() -> None:
    m = value("llm.mfu", n_params=7e9, tokens_per_sec=2e6, n_gpus=1024, peak_tflops=989, attn_flops_per_token=0)
    days = value("llm.training_days", n_params=7e9, n_tokens=2e12, n_gpus=1024, peak_tflops=989, mfu=m)
    assert days == pytest.approx(2e12 / 2e6 / 86400, rel=1e-9)


def test_kv_cache_llama3_8b() -> None:
    common = {"n_layers": 32, "n_kv_heads": 8, "head_dim": 128, "batch": 1, "bytes_per_value": 2}
    assert value("llm.kv_cache_bytes", **common, seq_len=1) == 131_072
    assert value("llm.kv_cache_bytes", **common, seq_len=131_072) == 16 * 2**30
    # Llama-2-7B has no GQA: 32 KV heads.
    assert value("llm.kv_cache_bytes", **{**common, "n_kv_heads": 32}, seq_len=1) == 524_288


def test_kv_cache_gqa_distractor() -> None:
    p = load_registry().get("llm.kv_cache_bytes").problem(0, {
        "n_layers": 32, "n_kv_heads": 8, "n_heads": 32, "head_dim": 128, "seq_len": 1, "batch": 1,
        "bytes_per_value": 2})
    assert 524_288 in [d.value for d in p.distractors]  # query heads instead of KV heads
    assert 65_536 in [d.value for d in p.distractors]  # the 2 for K and V forgotten


def test_decode_latency_llama3_8b() -> None:
    # Llama-3.1-8B (8,030,261,248 params) in bf16 on an H100 SXM (3350 GB/s).
    t, rate = answers("llm.decode_latency", n_params=8.03e9, bytes_per_param=2, bandwidth_gbs=3350)
    assert t.value == pytest.approx(4.79e-3, rel=1e-3) and t.unit == "s"
    assert rate.value == pytest.approx(209, rel=2e-3)


@pytest.mark.parametrize(("stage", "gb", "rel"), [(0, 120, 1e-9), (1, 31.4, 2e-3), (2, 16.6, 3e-3), (3, 1.875, 1e-9)])
def test_training_memory_zero_paper(stage: int, gb: float, rel: float) -> None:
    # ZeRO paper, Fig. 1: Ψ = 7.5B, N_d = 64 → 120, 31.4, 16.6, 1.9 GB per GPU.
    v = value("llm.training_memory", n_params=7.5e9, n_gpus=64, zero_stage=stage)
    assert v / 1e9 == pytest.approx(gb, rel=rel)


def test_param_count_gpt3_and_gpt2() -> None:
    assert value("llm.param_count", n_layers=96, d_model=12288, vocab=50257) == 174_563_733_504
    # GPT-2 small: 124,439,808 with position embeddings, biases and norms; 123,532,032 without.
    assert value("llm.param_count", n_layers=12, d_model=768, vocab=50257) == 123_532_032


def test_forward_flops_tiny_decoder() -> None:
    # L2 d64 s32 V100: FlopCounterMode on an explicit decoder gives 225,792 FLOP per token.
    n = 12 * 2 * 64 * 64 + 100 * 64
    assert value("llm.forward_flops_per_token", n_params=n, n_layers=2, d_model=64, seq_len=32,
                 causal=False) == 225_792
    causal = value("llm.forward_flops_per_token", n_params=n, n_layers=2, d_model=64, seq_len=32, causal=True)
    assert causal == 225_792 - 2 * 2 * 32 * 64


# -- validation -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("gen_id", "fixed", "needle"), [
    ("llm.training_days", {"mfu": 1.5}, "mfu must be"),
    ("llm.training_days", {"mfu": 0}, "mfu must be"),
    ("llm.training_flops", {"n_params": -1}, "n_params must be an integer with 1 ≤ n_params"),
    ("llm.training_flops", {"n_params": 7.5}, "n_params must be an integer"),
    ("llm.kv_cache_bytes", {"n_heads": 12, "n_kv_heads": 8}, "n_heads must be a multiple of n_kv_heads=8"),
    ("llm.kv_cache_bytes", {"head_dim": 0}, "head_dim must be"),
    ("llm.mfu", {"n_params": 7e9, "tokens_per_sec": 1e9, "n_gpus": 8, "peak_tflops": 312,
                 "attn_flops_per_token": 0}, "implies an MFU of"),
    ("llm.decode_latency", {"n_params": 7e9, "bytes_per_param": 0.5, "bandwidth_gbs": 8000, "peak_tflops": 10},
     "compute-bound"),
    ("llm.training_memory", {"zero_stage": 4}, "zero_stage must be"),
    ("llm.chinchilla", {"compute": -1e20}, "compute must be a number with 0 < compute"),
    # absurd sizes: a message, not an overflow traceback
    ("llm.kv_cache_bytes", {"n_layers": 10**400}, "KV cache size comes out beyond"),
    ("llm.param_count", {"d_model": 10**200}, "parameter count comes out beyond"),
    ("llm.forward_flops_per_token", {"d_model": 10**400}, "d_model must be an integer with 1 ≤ d_model"),
    ("llm.training_memory", {"n_gpus": 10**30}, "n_gpus must be an integer with 1 ≤ n_gpus"),
    ("llm.mfu", {"attn_flops_per_token": 10**30}, "attn_flops_per_token must be"),
])
def test_bad_params_raise_param_error(gen_id: str, fixed: dict[str, Any], needle: str) -> None:
    with pytest.raises(ParamError, match=needle):
        load_registry().get(gen_id).problem(0, fixed)


def test_cli_bad_mfu_is_one_line_exit_2() -> None:
    res = CliRunner().invoke(cli, ["show", "llm.training_days", "--seed", "1", "--param", "mfu=1.5"])
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "mfu" in lines[0] and "1.5" in lines[0]


def test_integral_float_params_are_ints() -> None:
    p = load_registry().get("llm.training_flops").problem(0, {"n_params": 65.2e9, "n_tokens": 1.4e12})
    assert p.params == {"n_params": 65_200_000_000, "n_tokens": 1_400_000_000_000}
    assert math.isclose(p.answers[0].value, 6 * 65.2e9 * 1.4e12)


def test_forward_flops_with_a_huge_fixed_width_still_draws() -> None:
    # The drawn N follows 12Ld², capped at n_params' maximum of 1e18 instead of failing the draw.
    a = answers("llm.forward_flops_per_token", d_model=300_000)
    assert math.isfinite(a[0].value)


# -- realism (issue 14) and one form per exam question ------------------------------------------------
@pytest.mark.parametrize("gen_id", ["llm.training_flops", "llm.training_days", "llm.mfu", "llm.kv_cache_bytes",
                                    "llm.decode_latency", "llm.param_count", "llm.forward_flops_per_token"])
def test_150_draws_stay_inside_the_envelope(gen_id: str) -> None:
    gen = load_registry().get(gen_id)
    bad = {seed: why for seed in range(150) if (why := gen.plausible(gen.problem(seed).params))}
    assert not bad


def test_envelopes_name_what_is_unrealistic() -> None:
    reg = load_registry()
    # Issue 14's examples: 8B params on 1.9B tokens; a 4.4 TB fp32 cache; 292 TFLOP/s with 180 GB/s.
    assert "tokens per parameter" in reg.get("llm.training_flops").plausible(
        {"n_params": 8_000_000_000, "n_tokens": 1_900_000_000})[0]
    kv = {"n_layers": 128, "n_kv_heads": 64, "n_heads": 64, "head_dim": 128, "seq_len": 32768, "batch": 256,
          "bytes_per_value": 4}
    assert len(reg.get("llm.kv_cache_bytes").plausible(kv)) == 2
    assert reg.get("llm.decode_latency").plausible(
        {"n_params": 7_000_000_000, "bytes_per_param": 2, "bandwidth_gbs": 180, "peak_tflops": 292})
    # Inside: Llama 3 8B on 15T tokens; Llama 3 70B decoding in FP8 on an H200 (in BF16, 141.2 GB of
    # weights would not fit its 141 GB).
    assert not reg.get("llm.training_flops").plausible({"n_params": 8_030_000_000, "n_tokens": 15 * 10**12})
    assert not reg.get("llm.decode_latency").plausible(
        {"n_params": 70_600_000_000, "bytes_per_param": 1, "bandwidth_gbs": 4800, "peak_tflops": 989.4})


def test_user_params_outside_the_envelope_are_still_accepted() -> None:
    gen = load_registry().get("llm.training_flops")
    p = gen.problem(0, {"n_params": 8e9, "n_tokens": 1.9e9})
    assert p.params == {"n_params": 8_000_000_000, "n_tokens": 1_900_000_000} and gen.plausible(p.params)


@pytest.mark.parametrize("gen_id", ["llm.kv_cache_bytes", "llm.decode_latency", "llm.training_memory",
                                    "llm.forward_flops_per_token"])
def test_a_fixed_form_gives_the_same_answer_parts(gen_id: str) -> None:
    for first_seed in range(4):
        gen, _, form, versions = same_form_versions(gen_id, first_seed)
        assert form and set(form) == set(gen.form)
        assert all(not gen.plausible(v.params) for v in versions)
        assert len({str(v.params) for v in versions}) > 10  # new numbers, same form


def test_precision_other_than_3_figures_says_why() -> None:
    p = load_registry().get("llm.param_count").problem(0)
    assert p.answers[0].precision == "4 significant figures" and p.answers[0].tolerance.why
    assert p.answers[0].label == "N" and p.answers[0].unit == "params"
    assert "N to 4 significant figures" in p.question or "to 4 significant figures" in p.question


def test_chinchilla_is_exact_when_the_root_is() -> None:
    # C = 4.8e20 = 120 · (2e9)²: N and D are whole numbers, not float residue.
    n, d = answers("llm.chinchilla", compute=4.8e20)
    assert (n.value, d.value) == (2_000_000_000, 40_000_000_000) and isinstance(n.value, int)


# -- fast paths (issue 16, speed) against the plain computations they replaced ------------------------------
def _random_llm_params(rng: Any) -> dict[str, Any]:
    return {"n_params": rng.choice([1, 7, int(rng.uniform(1e6, 1e12)), 10**18, 70_600_000_000]),
            "n_tokens": rng.choice([1, int(rng.uniform(1e9, 2e13)), 10**20]),
            "n_gpus": rng.choice([1, 8, 768, 16384, 10**9]),
            "peak_tflops": rng.choice([989.4, 312, 0.1, 1e6, rng.uniform(100, 3000), 5e-324]),
            "mfu": rng.choice([0.4, 1, 1e-300, rng.uniform(0, 1), 0.55]),
            "tokens_per_sec": rng.choice([238.3e3, 1, 1e11, rng.uniform(1, 1e11), 2.5]),
            "attn_flops_per_token": rng.choice([0, 12, int(rng.uniform(0, 1.2e13)), 10**18])}


def test_product_ratio_equals_the_fraction_products() -> None:
    import random
    import sys
    from fractions import Fraction

    mod = sys.modules[type(load_registry().get("llm.mfu")).__module__]
    rng = random.Random(16)
    pool = [0.1, 0.25, 1e-300, 5e-324, 1e300, 3, 10**12, 86400, 0.55, Fraction(7, 3), Fraction(10**30 + 1, 6)]
    for _ in range(400):
        top = [rng.choice(pool + [rng.uniform(1e-5, 1e5), rng.randint(1, 10**20)]) for _ in range(rng.randint(0, 4))]
        bottom = [rng.choice(pool + [rng.uniform(1e-5, 1e5), rng.randint(1, 10**20)])
                  for _ in range(rng.randint(0, 5))]
        plain = Fraction(1)
        for x in top:
            plain *= Fraction(x)
        for x in bottom:
            plain /= Fraction(x)
        assert mod._product_ratio(tuple(top), tuple(bottom)) == plain
    with pytest.raises(ZeroDivisionError):
        mod._product_ratio((1,), (0.0,))


def test_training_days_and_mfu_equal_the_fraction_formulas() -> None:
    import random
    from fractions import Fraction

    reg = load_registry()
    days, mfu = reg.get("llm.training_days"), reg.get("llm.mfu")
    rng = random.Random(7)
    for i in range(400):
        p = _random_llm_params(rng)
        if i % 7 == 0:  # the cross-check's trip passes a float n_params
            p["n_params"] = float(p["n_params"]) + 0.5
        assert days._days(p) == days._days_plain(p)
        m = mfu._mfu_plain(p)
        assert mfu._mfu(p) == m
        n, a = Fraction(p["n_params"]), p["attn_flops_per_token"]
        assert mfu._per_token_ratio(p, 2) == (2 * n + a) * m / (6 * n + a)
        assert mfu._per_token_ratio(p, 6, (p["n_gpus"],)) == m / p["n_gpus"]
