"""gpu.* and quizgen.hardware against published reference numbers (CATALOGUE.md golden examples and
NVIDIA datasheets), plus validation errors."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from quizgen.cli import cli
from quizgen.errors import CheckError, ParamError
from quizgen.grading import accepts
from quizgen.hardware import (
    A100_40GB,
    A100_80GB,
    ARCHS,
    B200,
    DEVICES,
    H100_SXM,
    H200_SXM,
    L4,
    MI300X,
    RTX_3090,
    RTX_4090,
    SM80,
    SM90,
    match_device,
)
from quizgen.model import Answer
from quizgen.registry import load_registry

from .conftest import answers, problem, same_form_versions, value


# -- hardware table ----------------------------------------------------------------------------------
def test_datasheet_peaks() -> None:
    assert H100_SXM.peak_bf16_tflops == pytest.approx(989.4, rel=1e-4)  # H100 SXM datasheet: 989.4
    assert A100_40GB.peak_bf16_tflops == pytest.approx(312, rel=1e-3)  # A100 datasheet: 312
    assert isinstance(H100_SXM.peak_bf16_flops, int)


def test_ridge_points() -> None:
    # CATALOGUE golden: 989.4/3.35 = 295.3 FLOP/B; A100 40 GB 200.6, 80 GB 153.0.
    assert H100_SXM.ridge_flop_per_byte == pytest.approx(295.3, abs=0.1)
    assert A100_40GB.ridge_flop_per_byte == pytest.approx(200.6, abs=0.1)
    assert A100_80GB.ridge_flop_per_byte == pytest.approx(153.0, abs=0.1)


def test_bus_rates_match_datasheet_bandwidth() -> None:
    for dev in DEVICES:
        # MI300X: 8192 bits at 5.2 Gb/s is 5324.8 GB/s, which AMD's data sheet rounds to 5.3 TB/s.
        rel = 5e-3 if dev is MI300X else 1e-3
        assert dev.hbm_bus_width_bits / 8 * dev.hbm_gbps_per_pin == pytest.approx(dev.hbm_gbs, rel=rel)


@pytest.mark.parametrize(("dev", "tflops", "gbs"), [
    (H200_SXM, 989, 4800),   # NVIDIA H200 datasheet: 989 TFLOP/s dense BF16 (1,979 sparse), 4.8 TB/s
    (B200, 2250, 8000),      # NVIDIA HGX B200: 2.25 PFLOP/s dense BF16 (4.5 sparse), 8 TB/s
    (MI300X, 1307.4, 5300),  # AMD MI300X data sheet: 1307.4 TFLOP/s dense FP16/BF16, 5.3 TB/s
    (L4, 121, 300),          # NVIDIA L4 datasheet: 242 TFLOP/s with sparsity, 300 GB/s
    (RTX_4090, 165.2, 1008),  # Ada whitepaper: 165.2 TFLOP/s FP16 tensor, FP32 accumulate; 1008 GB/s
    (RTX_3090, 71, 936),     # GA102 whitepaper: 71 TFLOP/s FP16 tensor, FP32 accumulate; 936 GB/s
])
def test_new_datasheet_entries(dev: object, tflops: float, gbs: float) -> None:
    assert dev.peak_bf16_tflops == pytest.approx(tflops, rel=3e-3)  # type: ignore[attr-defined]
    assert dev.hbm_gbs == gbs  # type: ignore[attr-defined]


def test_table_ridge_points_are_real_chips() -> None:
    # Issue 14: real chips sit between ~5 and ~600 FLOP/byte.
    assert all(5 < d.ridge_flop_per_byte < 600 for d in DEVICES)


def test_sm_limits() -> None:
    assert ARCHS == {"sm80": SM80, "sm90": SM90}
    assert SM80.smem_per_sm == 164 * 1024 and SM90.smem_per_sm == 228 * 1024
    assert SM80.smem_per_block_optin == 163 * 1024 and SM90.smem_per_block_optin == 227 * 1024
    assert SM80.smem_carveouts_kib[-1] * 1024 == SM80.smem_per_sm
    assert SM90.smem_carveouts_kib[-1] * 1024 == SM90.smem_per_sm
    assert SM90.regs_per_sub_partition == 16384 and SM90.label == "sm_90"


@pytest.mark.parametrize(("name", "want"), [
    ("NVIDIA A100-SXM4-40GB", A100_40GB),
    ("NVIDIA A100-SXM4-80GB", A100_80GB),
    ("NVIDIA H100 80GB HBM3", H100_SXM),
    ("NVIDIA H100 PCIe", None),
    ("NVIDIA A100 80GB PCIe", None),  # 1935 GB/s, not the SXM's 2039
    ("NVIDIA A100-PCIE-40GB", A100_40GB),  # same clocks and bandwidth as the SXM4 40 GB
    ("NVIDIA GeForce RTX 4090", RTX_4090),
    ("NVIDIA GeForce RTX 4090 D", None),  # 114 SMs
    ("NVIDIA GeForce RTX 3090", RTX_3090),
    ("NVIDIA H200", H200_SXM),
    ("NVIDIA H200 NVL", None),  # lower clocks than the SXM part
    ("NVIDIA B200", B200),
    ("AMD Instinct MI300X", MI300X),
    ("NVIDIA L4", L4),
    ("NVIDIA L40S", None),
])
def test_match_device(name: str, want: object) -> None:
    assert match_device(name) is want


# -- golden examples -----------------------------------------------------------------------------------
def test_peak_flops_h100_and_a100() -> None:
    v = value("gpu.peak_flops", n_sms=132, clock_mhz=1830, flops_per_clock_per_sm=4096)
    assert v == pytest.approx(989.43, abs=0.005)
    v = value("gpu.peak_flops", n_sms=108, clock_mhz=1410, flops_per_clock_per_sm=2048)
    assert v == pytest.approx(311.87, abs=0.005)


def test_peak_flops_distractors() -> None:
    p = problem("gpu.peak_flops", n_sms=132, clock_mhz=1830, flops_per_clock_per_sm=4096)
    assert sorted(d.value for d in p.distractors) == pytest.approx([494.71488, 1978.85952])


def test_arithmetic_intensity_square_bf16() -> None:
    # 2·4096³ / (2 · 3 · 4096²) = 4096/3
    v = value("gpu.arithmetic_intensity", m=4096, k=4096, n=4096, bytes_per_value=2)
    assert v == pytest.approx(1365.3, abs=0.05)


def test_arithmetic_intensity_gemv_is_memory_bound() -> None:
    # One token through a 4096×4096 BF16 weight: ≈ 1 FLOP/byte.
    assert value("gpu.arithmetic_intensity", m=1, k=4096, n=4096, bytes_per_value=2) == pytest.approx(0.9995, rel=1e-3)


def test_roofline_at_the_h100_ridge() -> None:
    below = answers("gpu.roofline", intensity=295, peak_tflops=989.4, bandwidth_gbs=3350)
    assert below[0].value == pytest.approx(295 * 3.35) and below[1].value == "memory-bound"
    above = answers("gpu.roofline", intensity=296, peak_tflops=989.4, bandwidth_gbs=3350)
    assert above[0].value == pytest.approx(989.4) and above[1].value == "compute-bound"
    # Exactly at the ridge both roofs meet: compute-bound.
    at = answers("gpu.roofline", intensity=200, peak_tflops=300, bandwidth_gbs=1500)
    assert at[0].value == pytest.approx(300) and at[1].value == "compute-bound"


def test_roofline_second_part_is_a_word() -> None:
    from quizgen.grading import accepts

    p = problem("gpu.roofline", intensity=50, peak_tflops=989.4, bandwidth_gbs=3350)
    part = p.answers[1]
    assert part.categorical and part.choices == ("compute-bound", "memory-bound")
    assert part.to_json()["choices"] == ["compute-bound", "memory-bound"]
    assert accepts(part, "memory") and not accepts(part, "compute-bound")
    assert "compute-bound or memory-bound?" in p.question and "(answer 1)" not in p.question
    assert "memory-bound" in p.solution and "(0)" not in p.solution
    # Distractors belong to the first (numeric) part only.
    assert all(isinstance(d.value, float) for d in p.distractors)


def test_roofline_distractors() -> None:
    p = problem("gpu.roofline", intensity=50, peak_tflops=989.4, bandwidth_gbs=3350)
    assert p.answers[0].value == pytest.approx(167.5)
    assert sorted(d.value for d in p.distractors) == pytest.approx([989.4, 167_500])


def test_hbm_bandwidth_a100() -> None:
    # A100 40 GB: 5120-bit bus at 1215 MHz DDR = 2.43 Gb/s per pin → 1555.2 GB/s (datasheet 1555).
    v = value("gpu.hbm_bandwidth", bus_width_bits=5120, gbps_per_pin=2.43)
    assert v == pytest.approx(1555.2, rel=1e-12)
    assert v == pytest.approx(1555, rel=1e-3)


@pytest.mark.parametrize(("arch", "threads", "regs", "smem", "blocks", "occupancy"), [
    ("sm90", 256, 64, 0, 4, 0.5),
    ("sm90", 256, 128, 0, 2, 0.25),
    ("sm90", 256, 32, 0, 8, 1.0),
    ("sm90", 128, 40, 48 * 1024, 4, 0.25),
    ("sm80", 128, 40, 48 * 1024, 3, 0.1875),
    ("sm80", 1024, 72, 0, 0, 0.0),  # 2304 regs/warp × 32 warps > 65,536: cannot launch
    ("sm80", 128, 256, 0, 0, 0.0),  # over 255 registers per thread
    ("sm80", 128, 32, 164 * 1024, 0, 0.0),  # over the 163 KiB opt-in
    ("sm90", 32, 16, 0, 32, 0.5),  # the 32-block limit binds
    ("sm90", 100, 32, 0, 16, 1.0),  # 100 threads still take 4 whole warps
])
def test_occupancy(arch: str, threads: int, regs: int, smem: int, blocks: int, occupancy: float) -> None:
    got = answers("gpu.occupancy", arch=arch, threads_per_block=threads, regs_per_thread=regs, smem_per_block=smem)
    assert [a.value for a in got] == [blocks, occupancy]


def test_occupancy_distractors_name_the_misconceptions() -> None:
    # 128 threads × 36 regs: 1152 regs/warp round up to 1280; with 40 KiB the shared memory binds.
    p = problem("gpu.occupancy", arch="sm80", threads_per_block=128, regs_per_thread=36,
                smem_per_block=40 * 1024)
    # regs: 36·32 = 1152 → 1280 per warp, 12 warps/partition → 48/4 = 12 blocks; smem: 164 KiB / 41 KiB = 4.
    assert p.answers[0].value == 4
    wrong = {d.value: d.why for d in p.distractors}
    assert 4 not in wrong and wrong, wrong


def test_occupancy_check_catches_a_wrong_answer() -> None:
    gen = load_registry().get("gpu.occupancy")
    p = gen.problem(0, {"arch": "sm90", "threads_per_block": 256, "regs_per_thread": 64, "smem_per_block": 0})
    bad = [Answer("blocks per SM", 5, "blocks"), p.answers[1]]
    with pytest.raises(CheckError):
        gen.check(p.params, bad)


@pytest.mark.parametrize(("stride", "offset", "sectors"), [(1, 0, 4), (2, 0, 8), (32, 0, 32), (1, 1, 5)])
def test_coalescing_fp32(stride: int, offset: int, sectors: int) -> None:
    got = answers("gpu.coalescing", stride=stride, bytes_per_value=4, offset=offset)
    assert got[0].value == sectors
    assert got[1].value == pytest.approx(128 / (32 * sectors))


def test_tiling_traffic_small() -> None:
    # (256/16)² blocks × 16 steps × 2·16² values × 2 B = 2·256³·2/16
    bytes_read, intensity = answers("gpu.tiling_traffic", n=256, tile=16, bytes_per_value=2)
    assert bytes_read.value == 4_194_304 and isinstance(bytes_read.value, int)
    assert intensity.value == 8


def test_critical_batch_size_h100_bf16() -> None:
    # B* = ridge · 2/2 = 295.3, graded to 3 significant figures (the question lets the weights dominate
    # the bytes, so the formula is the answer; the check compares it with the exact crossing at a large d).
    p = problem("gpu.critical_batch_size", peak_tflops=989.4, bandwidth_gbs=3350, bytes_per_weight=2)
    assert p.answers[0].value == pytest.approx(295.3, abs=0.05)
    assert accepts(p.answers[0], 295.0) and not accepts(p.answers[0], 298.0)
    assert p.answers[0].precision == "3 significant figures"
    assert not any(accepts(p.answers[0], d.value) for d in p.distractors)


def test_critical_batch_size_int4_quarter() -> None:
    assert value("gpu.critical_batch_size", peak_tflops=989.4, bandwidth_gbs=3350,
                 bytes_per_weight=0.5) == pytest.approx(295.343 / 4, rel=1e-4)


# -- validation --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("gen_id", "fixed", "needle"), [
    ("gpu.tiling_traffic", {"n": 1000, "tile": 64}, "n must be a multiple of tile"),
    ("gpu.occupancy", {"threads_per_block": 2048}, "threads_per_block must be"),
    ("gpu.occupancy", {"arch": "sm70"}, "arch must be one of sm80, sm90"),
    ("gpu.roofline", {"intensity": 0}, "intensity must be a positive number"),
    ("gpu.hbm_bandwidth", {"gbps_per_pin": -1}, "gbps_per_pin must be a positive number"),
    ("gpu.critical_batch_size", {"bytes_per_weight": 4}, "bytes_per_weight must be one of"),
    ("gpu.arithmetic_intensity", {"m": 0}, "m must be a positive integer"),
    ("gpu.coalescing", {"stride": 0}, "stride must be"),
    # absurd values: a message, not an overflow traceback
    ("gpu.roofline", {"intensity": 1e300, "bandwidth_gbs": 1e300}, "memory roof .* beyond"),
    ("gpu.roofline", {"peak_tflops": 1e-300}, "ridge point .* beyond"),
    ("gpu.peak_flops", {"n_sms": 10**400}, "peak comes out beyond"),
    ("gpu.hbm_bandwidth", {"gbps_per_pin": 1e300, "bus_width_bits": 10**11}, "bandwidth comes out beyond"),
    ("gpu.critical_batch_size", {"peak_tflops": 1e300, "bandwidth_gbs": 1e-300}, "beyond the range"),
    ("gpu.tiling_traffic", {"n": 16 * 10**200, "tile": 16}, "FLOP count 2n³ comes out beyond"),
    ("gpu.arithmetic_intensity", {"m": 10**400}, "FLOP count 2mkn comes out beyond"),
    ("gpu.occupancy", {"regs_per_thread": 10**400}, "regs_per_thread must be at most 65536"),
])
def test_bad_params(gen_id: str, fixed: dict[str, Any], needle: str) -> None:
    with pytest.raises(ParamError, match=needle):
        load_registry().get(gen_id).problem(0, fixed)


def test_cli_bad_param_exits_2() -> None:
    res = CliRunner().invoke(cli, ["show", "gpu.tiling_traffic", "--param", "n=1000", "--param", "tile=64"])
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "multiple of tile" in lines[0]
    assert "try n=960 or n=1024" in lines[0]


@pytest.mark.parametrize("fixed", [{"peak_tflops": 0.001}, {"peak_tflops": 10, "bandwidth_gbs": 1e7},
                                   {"peak_tflops": 1e9}])
def test_roofline_draws_an_intensity_for_extreme_fixed_gpus(fixed: dict[str, Any]) -> None:
    # The intensity is drawn within 30× of the ridge, clipped to 0.1–1e4; a ridge far outside that
    # range used to leave an empty interval and a DrawError traceback.
    for seed in range(5):
        p = load_registry().get("gpu.roofline").problem(seed, fixed)
        assert 0.1 <= p.params["intensity"] <= 1e4


def test_roofline_solution_uses_plain_less_than() -> None:
    # "\\lt" is MathJax-only: LaTeX and the terminal renderer do not know it.
    p = problem("gpu.roofline", intensity=40, peak_tflops=989.4, bandwidth_gbs=3350)
    assert "\\lt" not in p.solution and "40 < 295.3" in p.solution


# -- realism (issue 14) and one form per exam question ------------------------------------------------
@pytest.mark.parametrize("gen_id", ["gpu.roofline", "gpu.critical_batch_size"])
def test_150_draws_stay_inside_the_envelope(gen_id: str) -> None:
    gen = load_registry().get(gen_id)
    bad = {seed: why for seed in range(150) if (why := gen.plausible(gen.problem(seed).params))}
    assert not bad


def test_roofline_draws_come_from_the_hardware_table() -> None:
    from quizgen.hardware import near_entry, table_numbers

    gen = load_registry().get("gpu.roofline")
    seen = {(p["peak_tflops"], p["bandwidth_gbs"]) for p in (gen.problem(s).params for s in range(150))}
    table = {table_numbers(d) for d in DEVICES}
    assert len(seen & table) >= 6  # most draws are table entries
    assert all(near_entry(*pb) is not None for pb in seen)  # the rest are perturbed from one
    ridges = [pk * 1000 / bw for pk, bw in seen]
    assert 5 < min(ridges) and max(ridges) < 600
    # Issue 14's "292 TFLOP/s with 180 GB/s" (a ridge of 1,600 FLOP/B) is no chip; a user may still ask it.
    assert gen.plausible({"intensity": 100, "peak_tflops": 292, "bandwidth_gbs": 180})
    assert gen.problem(0, {"peak_tflops": 292, "bandwidth_gbs": 180}).params["peak_tflops"] == 292


@pytest.mark.parametrize("gen_id", ["gpu.occupancy", "gpu.arithmetic_intensity", "gpu.coalescing",
                                    "gpu.tiling_traffic", "gpu.critical_batch_size"])
def test_a_fixed_form_gives_the_same_answer_parts(gen_id: str) -> None:
    for first_seed in range(4):
        gen, _, form, versions = same_form_versions(gen_id, first_seed)
        assert form and set(form) == set(gen.form)
        assert len({str(v.params) for v in versions}) > 5


def test_counts_are_exact_with_a_reason_and_intensity_asks_4_figures() -> None:
    occ = load_registry().get("gpu.occupancy").problem(0).answers[0]
    sectors = load_registry().get("gpu.coalescing").problem(0).answers[0]
    assert occ.precision == sectors.precision == "exact" and occ.tolerance.why and sectors.tolerance.why
    ai = problem("gpu.arithmetic_intensity", m=1, k=4096, n=4096, bytes_per_value=2)
    # Dropping the output write changes 0.99951 by 0.02%: 4 figures reject it (3 would accept it).
    assert ai.answers[0].precision == "4 significant figures"
    assert ai.answers[0].value == pytest.approx(2 * 4096 * 4096 / (2 * (4096 + 4096 * 4096 + 4096)))
    assert not accepts(ai.answers[0], 2 * 4096 * 4096 / (2 * (4096 + 4096 * 4096)))
