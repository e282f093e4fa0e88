"""Datasheet facts about the GPUs that problems and benchmarks refer to: A100, H100, H200, B200,
MI300X, L4, RTX 3090 and RTX 4090.

Generators never read the live machine; they read these tables (hardware draws come from an entry
here, or are perturbed from one: never independent peak and bandwidth). The per-SM limits are the
ones CUDA's ``cuda_occupancy.h`` uses (NVIDIA CCCL ``cuda/__device/arch_traits.h``); peak FLOP/s
and bandwidth come from each vendor's datasheet, named beside each entry. Example::

    from quizgen.hardware import H100_SXM
    H100_SXM.peak_bf16_tflops      # 989.42976
    H100_SXM.ridge_flop_per_byte   # 295.35...
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from quizgen.rng import Rng

KIB = 1024
MIB = 1024 * 1024


@dataclass(frozen=True)
class SMArch:
    """Per-SM resource limits of one compute capability, as the occupancy calculator uses them."""

    name: str
    """Short key: ``sm80``, ``sm90``."""
    compute_capability: tuple[int, int]
    warp_size: int
    max_threads_per_sm: int
    max_warps_per_sm: int
    max_blocks_per_sm: int
    max_threads_per_block: int
    regs_per_sm: int
    regs_per_block: int
    max_regs_per_thread: int
    reg_alloc_unit: int
    """Registers are allocated per warp, rounded up to this many."""
    sub_partitions: int
    """Each SM's register file is split evenly over this many sub-partitions (warp schedulers)."""
    smem_per_sm: int
    """Bytes of shared memory per SM at the full carveout."""
    smem_per_block_optin: int
    """Most bytes of shared memory one block may request (after opting in)."""
    smem_reserved_per_block: int
    """Bytes the system reserves in every block's shared memory."""
    smem_alloc_unit: int
    """Shared memory is allocated per block in units of this many bytes."""
    smem_carveouts_kib: tuple[int, ...]
    """The shared-memory sizes (KiB) an SM can be configured to."""

    @property
    def regs_per_sub_partition(self) -> int:
        return self.regs_per_sm // self.sub_partitions

    @property
    def label(self) -> str:
        """``sm_80``."""
        return f"sm_{self.compute_capability[0]}{self.compute_capability[1]}"


SM80 = SMArch(
    name="sm80", compute_capability=(8, 0), warp_size=32,
    max_threads_per_sm=2048, max_warps_per_sm=64, max_blocks_per_sm=32, max_threads_per_block=1024,
    regs_per_sm=65536, regs_per_block=65536, max_regs_per_thread=255, reg_alloc_unit=256, sub_partitions=4,
    smem_per_sm=164 * KIB, smem_per_block_optin=163 * KIB, smem_reserved_per_block=1 * KIB, smem_alloc_unit=128,
    smem_carveouts_kib=(0, 8, 16, 32, 64, 100, 132, 164),
)

SM90 = SMArch(
    name="sm90", compute_capability=(9, 0), warp_size=32,
    max_threads_per_sm=2048, max_warps_per_sm=64, max_blocks_per_sm=32, max_threads_per_block=1024,
    regs_per_sm=65536, regs_per_block=65536, max_regs_per_thread=255, reg_alloc_unit=256, sub_partitions=4,
    smem_per_sm=228 * KIB, smem_per_block_optin=227 * KIB, smem_reserved_per_block=1 * KIB, smem_alloc_unit=128,
    smem_carveouts_kib=(0, 8, 16, 32, 64, 100, 132, 164, 196, 228),
)

ARCHS: dict[str, SMArch] = {a.name: a for a in (SM80, SM90)}


@dataclass(frozen=True)
class Device:
    """One GPU model: SM count and clocks, dense BF16 tensor throughput, HBM, L2."""

    name: str
    """Human name: ``A100 SXM4 40 GB``."""
    keywords: tuple[str, ...]
    """All of these appear in ``torch.cuda.get_device_name()`` for this model (see :func:`match_device`)."""
    arch: SMArch | None
    """Per-SM limits for the occupancy rules, where this table models them (sm_80, sm_90)."""
    n_sms: int
    """SMs (NVIDIA) or compute units (AMD)."""
    tensor_clock_mhz: int
    dense_bf16_flops_per_clock_per_sm: int
    """Dense FP16/BF16 tensor-core FLOP per clock per SM (1 multiply-add = 2 FLOP; 2:4 sparsity doubles it)."""
    hbm_gbs: float
    """Datasheet memory bandwidth, GB/s (1e9 B/s)."""
    hbm_bus_width_bits: int
    hbm_gbps_per_pin: float
    """Data rate per pin, Gb/s: bus_width/8 × this ≈ ``hbm_gbs``."""
    memory_gb: int
    l2_bytes: int
    """L2 size as the device reports it (NVIDIA's "40 MB" is 40 MiB)."""

    @property
    def peak_bf16_flops(self) -> int:
        """Dense BF16 peak, FLOP/s (exact): SMs × clock × FLOP/clock/SM."""
        return self.n_sms * self.tensor_clock_mhz * 10**6 * self.dense_bf16_flops_per_clock_per_sm

    @property
    def peak_bf16_tflops(self) -> float:
        """Dense BF16 peak, TFLOP/s (1e12)."""
        return self.peak_bf16_flops / 1e12

    @property
    def hbm_bytes_per_s(self) -> float:
        return self.hbm_gbs * 1e9

    @property
    def ridge_flop_per_byte(self) -> float:
        """Roofline ridge point: the arithmetic intensity at which BF16 matmuls turn compute-bound."""
        return float(Fraction(self.peak_bf16_flops) / (Fraction(str(self.hbm_gbs)) * 10**9))


A100_40GB = Device(
    name="A100 SXM4 40 GB", keywords=("A100", "40GB"), arch=SM80,
    n_sms=108, tensor_clock_mhz=1410, dense_bf16_flops_per_clock_per_sm=2048,
    hbm_gbs=1555.0, hbm_bus_width_bits=5120, hbm_gbps_per_pin=2.43, memory_gb=40, l2_bytes=40 * MIB,
)

A100_80GB = Device(
    name="A100 SXM4 80 GB", keywords=("A100", "80GB"), arch=SM80,
    n_sms=108, tensor_clock_mhz=1410, dense_bf16_flops_per_clock_per_sm=2048,
    hbm_gbs=2039.0, hbm_bus_width_bits=5120, hbm_gbps_per_pin=3.186, memory_gb=80, l2_bytes=40 * MIB,
)

H100_SXM = Device(
    name="H100 SXM5 80 GB", keywords=("H100",), arch=SM90,
    n_sms=132, tensor_clock_mhz=1830, dense_bf16_flops_per_clock_per_sm=4096,
    hbm_gbs=3350.0, hbm_bus_width_bits=5120, hbm_gbps_per_pin=5.234, memory_gb=80, l2_bytes=50 * MIB,
)

# NVIDIA H200 datasheet (nvidia.com/en-us/data-center/h200): the H100 SXM's GH100 compute (989 TFLOP/s
# dense BF16, 1,979 with sparsity), 141 GB HBM3e at 4.8 TB/s over six 1024-bit stacks (6.25 Gb/s per pin).
H200_SXM = Device(
    name="H200 SXM 141 GB", keywords=("H200",), arch=SM90,
    n_sms=132, tensor_clock_mhz=1830, dense_bf16_flops_per_clock_per_sm=4096,
    hbm_gbs=4800.0, hbm_bus_width_bits=6144, hbm_gbps_per_pin=6.25, memory_gb=141, l2_bytes=50 * MIB,
)

# NVIDIA HGX B200 datasheet (nvidia.com/en-us/data-center/hgx): 2.25 PFLOP/s dense FP16/BF16 per GPU
# (4.5 with sparsity), 180 GB HBM3e at 8 TB/s (eight 1024-bit stacks); 148 SMs (Blackwell whitepaper).
# NVIDIA publishes no tensor clock: 1856 MHz is the one the 2.25 PFLOP/s peak implies at 8192 FLOP/clock/SM.
# The L2 size is not on the datasheet (126 MB as device queries report it; unverified here).
B200 = Device(
    name="B200 180 GB", keywords=("B200",), arch=None,
    n_sms=148, tensor_clock_mhz=1856, dense_bf16_flops_per_clock_per_sm=8192,
    hbm_gbs=8000.0, hbm_bus_width_bits=8192, hbm_gbps_per_pin=7.8125, memory_gb=180, l2_bytes=126 * MIB,
)

# AMD Instinct MI300X data sheet (amd.com/en/products/accelerators/instinct/mi300/mi300x.html): 304 CUs at
# 2100 MHz peak engine clock, 1307.4 TFLOP/s dense FP16/BF16, 192 GB HBM3 at 5.3 TB/s (8192-bit bus at
# 5.2 Gb/s per pin is 5324.8 GB/s; AMD rounds to 5.3 TB/s). L2: 4 MB in each of 8 XCDs (plus a 256 MB
# memory-side Infinity Cache).
MI300X = Device(
    name="MI300X 192 GB", keywords=("MI300X",), arch=None,
    n_sms=304, tensor_clock_mhz=2100, dense_bf16_flops_per_clock_per_sm=2048,
    hbm_gbs=5300.0, hbm_bus_width_bits=8192, hbm_gbps_per_pin=5.2, memory_gb=192, l2_bytes=32 * MIB,
)

# NVIDIA L4 datasheet: 121 TFLOP/s dense FP16/BF16 (242 with sparsity), 24 GB GDDR6 at 300 GB/s (192-bit,
# 12.5 Gb/s); 58 SMs at a 2040 MHz boost clock and 48 MB of L2 (Ada Lovelace whitepaper, AD104).
L4 = Device(
    name="L4 24 GB", keywords=("L4",), arch=None,
    n_sms=58, tensor_clock_mhz=2040, dense_bf16_flops_per_clock_per_sm=1024,
    hbm_gbs=300.0, hbm_bus_width_bits=192, hbm_gbps_per_pin=12.5, memory_gb=24, l2_bytes=48 * MIB,
)

# NVIDIA Ada Lovelace whitepaper, appendix (RTX 4090): 128 SMs at 2520 MHz boost, 165.2 TFLOP/s dense FP16
# tensor with FP32 accumulate (what a BF16 matmul uses; 330 with FP16 accumulate), 24 GB GDDR6X at
# 1008 GB/s (384-bit, 21 Gb/s), 72 MB L2.
RTX_4090 = Device(
    name="GeForce RTX 4090", keywords=("RTX4090",), arch=None,
    n_sms=128, tensor_clock_mhz=2520, dense_bf16_flops_per_clock_per_sm=512,
    hbm_gbs=1008.0, hbm_bus_width_bits=384, hbm_gbps_per_pin=21.0, memory_gb=24, l2_bytes=72 * MIB,
)

# NVIDIA Ampere GA102 whitepaper, appendix (RTX 3090): 82 SMs at 1695 MHz boost, 71 TFLOP/s dense FP16
# tensor with FP32 accumulate, 24 GB GDDR6X at 936 GB/s (384-bit, 19.5 Gb/s), 6 MB L2.
RTX_3090 = Device(
    name="GeForce RTX 3090", keywords=("RTX3090",), arch=None,
    n_sms=82, tensor_clock_mhz=1695, dense_bf16_flops_per_clock_per_sm=512,
    hbm_gbs=936.0, hbm_bus_width_bits=384, hbm_gbps_per_pin=19.5, memory_gb=24, l2_bytes=6 * MIB,
)

DEVICES: tuple[Device, ...] = (A100_40GB, A100_80GB, H100_SXM, H200_SXM, B200, MI300X, L4, RTX_4090, RTX_3090)
DATACENTER: tuple[Device, ...] = (A100_40GB, A100_80GB, H100_SXM, H200_SXM, B200, MI300X)
"""The accelerators large training runs use (the consumer cards and the L4 serve inference)."""


def table_numbers(dev: Device) -> tuple[float, float]:
    """(peak TFLOP/s to 4 significant figures, bandwidth GB/s) as a question prints them."""
    return float(f"{dev.peak_bf16_tflops:.4g}"), dev.hbm_gbs


def draw_numbers(rng: Rng, devices: tuple[Device, ...] = DEVICES, perturb: float = 0.3) -> tuple[float, float]:
    """(peak TFLOP/s, bandwidth GB/s) of one table entry, or with probability ``perturb`` that entry's
    numbers each scaled by a factor in [0.8, 1.25] (a hypothetical sibling chip): never independent."""
    peak, bw = table_numbers(rng.choice(devices))
    if rng.bernoulli(perturb):
        peak = float(f"{peak * rng.log_uniform(0.8, 1.25):.3g}")
        bw = float(f"{bw * rng.log_uniform(0.8, 1.25):.3g}")
    return peak, bw


def near_entry(peak_tflops: float, bandwidth_gbs: float, devices: tuple[Device, ...] = DEVICES,
               factor: float = 1.3) -> Device | None:
    """The table entry whose peak and bandwidth are both within ``factor`` of these, if any."""
    for dev in devices:
        p, b = table_numbers(dev)
        if max(peak_tflops / p, p / peak_tflops) <= factor and max(bandwidth_gbs / b, b / bandwidth_gbs) <= factor:
            return dev
    return None


def exact_entry(peak_tflops: float, bandwidth_gbs: float) -> Device | None:
    """The table entry a question's (peak, bandwidth) were copied from, if any (to name the chip)."""
    return next((d for d in DEVICES if table_numbers(d) == (peak_tflops, bandwidth_gbs)), None)


def near_peak(peak_tflops: float, devices: tuple[Device, ...] = DATACENTER, factor: float = 1.3) -> Device | None:
    """The table entry whose dense peak is within ``factor`` of ``peak_tflops``, if any."""
    for dev in devices:
        p = table_numbers(dev)[0]
        if max(peak_tflops / p, p / peak_tflops) <= factor:
            return dev
    return None


def match_device(device_name: str) -> Device | None:
    """The table entry for a name like ``torch.cuda.get_device_name()`` gives, else None.

    ``"NVIDIA A100-SXM4-80GB"`` → :data:`A100_80GB`; ``"NVIDIA H100 80GB HBM3"`` → :data:`H100_SXM`;
    ``"AMD Instinct MI300X"`` → :data:`MI300X`. Only SXM H100/H200s are in the table; a PCIe or NVL part
    (fewer SMs or lower clocks) gets None, and so does the A100 80 GB PCIe (1935 GB/s, not the SXM's 2039).
    The A100 40 GB PCIe matches: same clocks and 1555 GB/s. The L4 does not match an L40/L40S, nor the
    RTX 4090 an RTX 4090 D (114 SMs).
    """
    up = device_name.upper().replace(" ", "").replace("-", "")
    if ("H100" in up or "H200" in up) and ("PCIE" in up or "NVL" in up):
        return None
    if "A100" in up and "80GB" in up and "PCIE" in up:
        return None
    if "RTX4090D" in up or "L40" in up:
        return None
    for dev in DEVICES:
        if all(k.upper() in up for k in dev.keywords):
            return dev
    return None
