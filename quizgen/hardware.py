"""Datasheet facts about the GPUs that problems and benchmarks refer to (A100 sm_80, H100 sm_90).

Generators never read the live machine; they read these tables. The per-SM limits are the ones
CUDA's ``cuda_occupancy.h`` uses (NVIDIA CCCL ``cuda/__device/arch_traits.h``); peak FLOP/s and
bandwidth come from the NVIDIA A100/H100 datasheets. Example::

    from quizgen.hardware import H100_SXM
    H100_SXM.peak_bf16_tflops      # 989.42976
    H100_SXM.ridge_flop_per_byte   # 295.35...
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

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
    arch: SMArch
    n_sms: int
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

DEVICES: tuple[Device, ...] = (A100_40GB, A100_80GB, H100_SXM)


def match_device(device_name: str) -> Device | None:
    """The table entry for a name like ``torch.cuda.get_device_name()`` gives, else None.

    ``"NVIDIA A100-SXM4-80GB"`` → :data:`A100_80GB`; ``"NVIDIA H100 80GB HBM3"`` → :data:`H100_SXM`.
    Only SXM H100s are in the table; a PCIe H100 (114 SMs, 2 TB/s) gets None, and so does the A100 80 GB
    PCIe (1935 GB/s, not the SXM's 2039). The A100 40 GB PCIe matches: same clocks and 1555 GB/s.
    """
    up = device_name.upper().replace(" ", "").replace("-", "")
    if "H100" in up and ("PCIE" in up or "NVL" in up):
        return None
    if "A100" in up and "80GB" in up and "PCIE" in up:
        return None
    for dev in DEVICES:
        if all(k.upper() in up for k in dev.keywords):
            return dev
    return None
