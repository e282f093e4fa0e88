"""The suite ``quizgen bench`` runs: matmuls (square and LLM-shaped) per dtype, STREAM kernels,
launch overhead, host↔device copies on CUDA, and the ridge point derived from them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from quizgen.bench import measure as M
from quizgen.bench.harness import default_repeats
from quizgen.bench.profile import Profile, new_profile


@dataclass(frozen=True)
class Step:
    label: str
    run: Callable[[], M.Result]


def plan(device: str, quick: bool) -> list[Step]:
    reps = default_repeats(device, quick)
    steps: list[Step] = []

    def mm(m: int, k: int, n: int, dtype: str, tf32: bool = False) -> None:
        label = f"matmul {dtype}{' tf32' if tf32 else ''} {m}×{k}×{n}"
        steps.append(Step(label, lambda: M.matmul(m, k, n, dtype, device, reps, tf32=tf32)))

    if device == "cuda":
        sizes = [1024, 4096] if quick else [1024, 2048, 4096, 8192]
        for s in sizes:
            mm(s, s, s, "bfloat16")
            mm(s, s, s, "float16")
        for s in sizes[-2:]:
            mm(s, s, s, "float32")
            mm(s, s, s, "float32", tf32=True)
        # LLM-shaped: tokens × d_model → d_ff (Llama-3-8B MLP up-projection), and the down-projection
        mm(8192, 4096, 14336, "bfloat16")
        mm(8192, 14336, 4096, "bfloat16")
    else:
        sizes = [256, 512, 1024] if quick else [256, 512, 1024, 2048]
        for s in sizes:
            mm(s, s, s, "float32")
        mm(sizes[-1], sizes[-1], sizes[-1], "bfloat16")
        mm(512, 1024, 4096, "float32")  # LLM-shaped: tokens × d_model → 4·d_model
    n = M.stream_elements(device, "float32")
    kernels = ["triad"] if quick else list(M.STREAM_KERNELS)
    for k in kernels:
        steps.append(Step(f"stream {k} {n:,} × float32", _stream_step(k, n, device, reps)))
    steps.append(Step("launch overhead", lambda: M.launch_overhead(device, reps)))
    if device == "cuda":
        nb = 256 * 2**20
        steps.append(Step("host→device copy", lambda: M.host_device_copy("h2d", nb, reps)))
        steps.append(Step("device→host copy", lambda: M.host_device_copy("d2h", nb, reps)))
    return steps


def _stream_step(kernel: str, n: int, device: str, reps: int) -> Callable[[], M.Result]:
    return lambda: M.stream(kernel, n, "float32", device, reps)


def run_suite(device: str, quick: bool, on_step: Callable[[str], None] | None = None,
              profile: Profile | None = None) -> Profile:
    prof = profile or new_profile(device)
    for step in plan(device, quick):
        if on_step is not None:
            on_step(step.label)
        prof.put(step.run())
    return prof


def best_tflops(profile: Profile, dtypes: tuple[str, ...] = ("bfloat16", "float16", "float32")) -> float | None:
    vals = [r.tflops for r in profile.results if r.name == "matmul" and r.dtype in dtypes and r.tflops]
    return max(vals) if vals else None


def triad_gbs(profile: Profile) -> float | None:
    vals = [r.gbs for r in profile.results if r.name == "triad" and r.gbs]
    return max(vals) if vals else None


def ridge_point(profile: Profile) -> float | None:
    """Measured peak FLOP/s ÷ measured bandwidth, FLOP/byte."""
    f, b = best_tflops(profile), triad_gbs(profile)
    return f * 1e12 / (b * 1e9) if f and b else None


def datasheet_peaks(profile: Profile) -> tuple[float | None, float | None]:
    """(dense 16-bit TFLOP/s, HBM GB/s) from the hardware table, for known GPUs."""
    if profile.device_type != "cuda":
        return None, None
    from quizgen.hardware import match_device

    dev = match_device(profile.device)
    return (dev.peak_bf16_tflops, dev.hbm_gbs) if dev else (None, None)
