"""The timing protocol (CATALOGUE.md, "Benchmark protocol"): warm-up, repeated timed runs, CUDA
events with synchronization on GPU, ``time.perf_counter`` on CPU, median with min and IQR.

Example::

    from quizgen.bench.harness import time_call
    t = time_call(lambda: a @ b, "cpu", repeats=15)
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quizgen.errors import DependencyError, UserError

INSTALL_HINT = 'pip install "quizgen[bench]"'
WARMUP_CALLS = 5
WARMUP_SECONDS = 0.05
BATCH_BELOW_S = 20e-6


def require_torch() -> Any:
    """torch, or a clear message saying how to install it."""
    try:
        import torch
    except ImportError:
        raise DependencyError(f"this needs PyTorch, which is not installed; install it with: {INSTALL_HINT}") from None
    return torch


def resolve_device(device: str) -> str:
    """``auto`` → cuda when available, else cpu; ``cuda`` without a GPU is a user error."""
    torch = require_torch()
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise UserError("--device cuda: no CUDA GPU is available here (torch.cuda.is_available() is False); "
                        "use --device cpu or --device auto")
    if device not in ("cpu", "cuda"):
        raise UserError(f"--device {device}: must be cpu, cuda or auto")
    return device


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or platform.machine() or "CPU"


MAX_FLOP_PER_CALL = {"cpu": 2e10, "cuda": 1e13}
"""Most work one timed call may do: ~20 timed calls then take seconds, not hours (the largest CPU
draw, 2·2048³, is 1.7e10; 2·16384³ on a GPU is 8.8e12)."""
SLOW_DTYPES = {("cpu", "float16"): 16}
"""float16 matmuls on a CPU run ~16× slower than float32 (no fast kernels): a 16× smaller cap."""
MAX_BYTES = {"cpu": 4 * 2**30, "cuda": 64 * 2**30}
"""Most memory one measurement may allocate, before the free-memory check below."""


def free_memory_bytes(device: str) -> int | None:
    """Memory free now on ``device`` (None if unknown)."""
    if device == "cuda":
        torch = require_torch()
        try:
            return int(torch.cuda.mem_get_info()[0])
        except Exception:  # noqa: BLE001 - any driver error: unknown, not fatal
            return None
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def check_budget(device: str, what: str, nbytes: float, flop: float = 0.0, dtype: str = "float32") -> None:
    """Refuse, before allocating anything, a measurement too big for this machine or too slow to
    time: more than half the free memory (or :data:`MAX_BYTES`), or :data:`MAX_FLOP_PER_CALL`."""
    from quizgen.errors import ParamError

    cap = MAX_BYTES.get(device, MAX_BYTES["cpu"])
    free = free_memory_bytes(device)
    if free is not None:
        cap = min(cap, free // 2)
    if nbytes > cap:
        raise ParamError(f"{what} needs {nbytes / 2**30:.3g} GiB on {device}, more than the "
                         f"{cap / 2**30:.3g} GiB this measurement may use here; choose smaller sizes")
    most = MAX_FLOP_PER_CALL.get(device, MAX_FLOP_PER_CALL["cpu"]) / SLOW_DTYPES.get((device, dtype), 1)
    if flop > most:
        raise ParamError(f"{what} does {flop:.3g} FLOP per call, more than the {most:.3g} that can be timed "
                         f"in seconds in {dtype} on {device}; choose smaller sizes")


def device_name(device: str) -> str:
    torch = require_torch()
    if device == "cuda":
        return str(torch.cuda.get_device_name())
    return f"{cpu_model()} ({torch.get_num_threads()} threads)"


def last_level_cache_bytes(device: str) -> int:
    """GPU L2, or the CPU's largest cache from sysfs; 32 MiB if unknown (per the protocol)."""
    torch = require_torch()
    if device == "cuda":
        props = torch.cuda.get_device_properties(0)
        return int(getattr(props, "L2_cache_size", 50 * 2**20))
    best = 0
    for idx in Path("/sys/devices/system/cpu/cpu0/cache").glob("index*"):
        try:
            size = (idx / "size").read_text().strip()
        except OSError:
            continue
        mult = {"K": 2**10, "M": 2**20, "G": 2**30}.get(size[-1:], 1)
        digits = size.rstrip("KMG")
        if digits.isdigit():
            best = max(best, int(digits) * mult)
    return best or 32 * 2**20


@dataclass(frozen=True)
class Timing:
    """Seconds per call: median, min, interquartile range; ``repeats`` timed samples."""

    median_s: float
    min_s: float
    iqr_s: float
    repeats: int


def _stats(samples: list[float]) -> Timing:
    qs = statistics.quantiles(samples, n=4) if len(samples) >= 2 else [samples[0]] * 3
    return Timing(statistics.median(samples), min(samples), qs[2] - qs[0], len(samples))


def time_call(fn: Callable[[], Any], device: str, repeats: int,
              before_each: Callable[[], Any] | None = None) -> Timing:
    """Time ``fn`` per the protocol. ``before_each`` runs outside the timed region (cache flush)."""
    torch = require_torch()
    cuda = device == "cuda"

    def sync() -> None:
        if cuda:
            torch.cuda.synchronize()

    # warm-up: >= 5 calls and >= 50 ms (lazy init, BLAS heuristics, thread pools)
    t0 = time.perf_counter()
    calls = 0
    while calls < WARMUP_CALLS or time.perf_counter() - t0 < WARMUP_SECONDS:
        fn()
        calls += 1
    sync()
    per_call = (time.perf_counter() - t0) / calls
    batch = 1 if per_call >= BATCH_BELOW_S else max(1, int(BATCH_BELOW_S * 50 / max(per_call, 1e-9)))
    samples: list[float] = []
    if cuda:
        for _ in range(repeats):
            if before_each is not None:
                before_each()
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            for _ in range(batch):
                fn()
            end.record()
            torch.cuda.synchronize()
            samples.append(start.elapsed_time(end) / 1000.0 / batch)
    else:
        for _ in range(repeats):
            if before_each is not None:
                before_each()
            t = time.perf_counter()
            for _ in range(batch):
                fn()
            samples.append((time.perf_counter() - t) / batch)
    return _stats(samples)


def default_repeats(device: str, quick: bool) -> int:
    if quick:
        return 10
    return 30 if device == "cuda" else 15


def threads() -> int | None:
    torch = require_torch()
    return int(torch.get_num_threads())


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip() not in ("", "0", "false", "no")
