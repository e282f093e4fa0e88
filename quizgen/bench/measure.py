"""Individual measurements: matmul throughput, STREAM-style bandwidth, launch overhead, host↔device
copies, a transformer MLP block. Each returns a :class:`Result` (the ``bench --json`` row)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from quizgen.bench.harness import last_level_cache_bytes, require_torch, time_call

DTYPES = ("float32", "float16", "bfloat16")
L2_FLUSH_BYTES = 256 * 2**20  # >= 4x the 50 MB L2 of an H100


@dataclass(frozen=True)
class Result:
    """One measurement. ``tflops``/``gbs`` are derived from ``median_s`` and the counted work."""

    name: str
    dtype: str
    shape: list[int]
    median_s: float
    tflops: float | None
    gbs: float | None
    repeats: int
    min_s: float = 0.0
    iqr_s: float = 0.0
    tf32: bool | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Result:
        keys = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in d.items() if k in keys})

    def key(self) -> tuple[Any, ...]:
        return (self.name, self.dtype, tuple(self.shape), self.tf32)


def _torch_dtype(dtype: str) -> Any:
    torch = require_torch()
    return {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}[dtype]


def _gen(device: str, seed: int) -> Any:
    torch = require_torch()
    return torch.Generator(device=device).manual_seed(seed)


def matmul(m: int, k: int, n: int, dtype: str, device: str, repeats: int, tf32: bool = False,
           seed: int = 0) -> Result:
    """Median time of ``A @ B`` (A m×k, B k×n); TFLOP/s = 2mkn / t."""
    torch = require_torch()
    g = _gen(device, seed)
    dt = _torch_dtype(dtype)
    a = torch.randn(m, k, generator=g, device=device, dtype=torch.float32).to(dt)
    b = torch.randn(k, n, generator=g, device=device, dtype=torch.float32).to(dt)
    flush = None
    old_tf32 = None
    if device == "cuda":
        buf = torch.empty(L2_FLUSH_BYTES, dtype=torch.uint8, device=device)
        flush = buf.zero_  # clears L2 outside the timed events
        old_tf32 = torch.backends.cuda.matmul.allow_tf32
        torch.backends.cuda.matmul.allow_tf32 = tf32
    try:
        t = time_call(lambda: torch.matmul(a, b), device, repeats, before_each=flush)
    finally:
        if old_tf32 is not None:
            torch.backends.cuda.matmul.allow_tf32 = old_tf32
    flops = 2 * m * k * n
    return Result("matmul", dtype, [m, k, n], t.median_s, flops / t.median_s / 1e12, None, t.repeats,
                  t.min_s, t.iqr_s, tf32 if (device == "cuda" and dtype == "float32") else None)


STREAM_KERNELS = {  # name -> (arrays counted, as STREAM counts them: reads + writes, no write-allocate)
    "copy": 2, "scale": 2, "add": 3, "triad": 3,
}


def stream_elements(device: str, dtype: str) -> int:
    """Elements per array so that each array is >= 4x the last-level cache (STREAM's rule)."""
    itemsize = _torch_dtype(dtype).itemsize
    need = 4 * last_level_cache_bytes(device)
    n = 1 << 20
    while n * itemsize < need:
        n <<= 1
    return n


def stream(kernel: str, n: int, dtype: str, device: str, repeats: int) -> Result:
    """STREAM kernel on three arrays of n elements: GB/s = arrays·n·itemsize / t."""
    torch = require_torch()
    dt = _torch_dtype(dtype)
    a = torch.zeros(n, dtype=dt, device=device)
    b = torch.full((n,), 1.0, dtype=dt, device=device)
    c = torch.full((n,), 2.0, dtype=dt, device=device)
    fns = {
        "copy": lambda: a.copy_(b),
        "scale": lambda: torch.mul(b, 3.0, out=a),
        "add": lambda: torch.add(b, c, out=a),
        "triad": lambda: torch.add(b, c, alpha=3.0, out=a),  # a = b + 3c, one kernel
    }
    t = time_call(fns[kernel], device, repeats)
    nbytes = STREAM_KERNELS[kernel] * n * dt.itemsize
    return Result(kernel, dtype, [n], t.median_s, None, nbytes / t.median_s / 1e9, t.repeats, t.min_s, t.iqr_s,
                  note=f"{STREAM_KERNELS[kernel]} arrays × {n} × {dt.itemsize} B")


def launch_overhead(device: str, repeats: int) -> Result:
    """Time of a tiny elementwise op (one element): the fixed per-op cost."""
    torch = require_torch()
    x = torch.ones(1, device=device)
    y = torch.ones(1, device=device)
    z = torch.empty(1, device=device)
    t = time_call(lambda: torch.add(x, y, out=z), device, repeats)
    return Result("launch", "float32", [1], t.median_s, None, None, t.repeats, t.min_s, t.iqr_s,
                  note="torch.add on 1-element tensors")


def host_device_copy(direction: str, nbytes: int, repeats: int) -> Result:
    """Pinned host↔device copy bandwidth (CUDA only)."""
    torch = require_torch()
    host = torch.empty(nbytes, dtype=torch.uint8, pin_memory=True)
    dev = torch.empty(nbytes, dtype=torch.uint8, device="cuda")
    fn = (lambda: dev.copy_(host, non_blocking=True)) if direction == "h2d" else (
        lambda: host.copy_(dev, non_blocking=True))
    t = time_call(fn, "cuda", repeats)
    return Result(direction, "uint8", [nbytes], t.median_s, None, nbytes / t.median_s / 1e9, t.repeats,
                  t.min_s, t.iqr_s, note="pinned host memory")


def mlp_forward(tokens: int, d_model: int, dtype: str, device: str, repeats: int, seed: int = 0) -> Result:
    """A transformer MLP block forward: x@W1 (d→4d), GELU, @W2 (4d→d); 16·T·d² matmul FLOPs."""
    torch = require_torch()
    g = _gen(device, seed)
    dt = _torch_dtype(dtype)
    x = torch.randn(tokens, d_model, generator=g, device=device).to(dt)
    w1 = (torch.randn(d_model, 4 * d_model, generator=g, device=device) / d_model**0.5).to(dt)
    w2 = (torch.randn(4 * d_model, d_model, generator=g, device=device) / (4 * d_model) ** 0.5).to(dt)
    f = torch.nn.functional

    def run() -> Any:
        return f.gelu(x @ w1) @ w2

    with torch.inference_mode():
        t = time_call(run, device, repeats)
    flops = 16 * tokens * d_model * d_model
    return Result("mlp_forward", dtype, [tokens, d_model], t.median_s, flops / t.median_s / 1e12, None,
                  t.repeats, t.min_s, t.iqr_s, note="x@W1, GELU, @W2 (d→4d→d)")
