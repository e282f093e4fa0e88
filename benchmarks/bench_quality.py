"""Is the harness honest? Our matmul figure vs the simplest possible timing of a plain
`torch.matmul` loop and `numpy.matmul` loop, in the same run, same sizes, same threads.

Ours must be within 10% of the best of them (otherwise the harness adds overhead); `ours/torch`
compares the same library call, so a gap only against numpy is a BLAS difference, not harness cost. The three are
interleaved over several rounds and each takes its best round, so background load hits all alike.
Run: python benchmarks/bench_quality.py [--sizes 256 512 1024] [--device cpu]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from quizgen.bench import measure as M


def simple_loop(fn, calls: int) -> float:  # type: ignore[no-untyped-def]
    fn()
    t = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - t) / calls


def main() -> list[dict[str, float]]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024, 2048])
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    rows = []
    print(f"torch {torch.__version__}, numpy {np.__version__}, threads {torch.get_num_threads()}, device {args.device}")
    print(f"{'n':>6} {'ours TFLOP/s':>13} {'torch loop':>11} {'numpy loop':>11} {'ours/torch':>11} {'ours/best':>10}"
          "  verdict")
    for n in args.sizes:
        flops = 2 * n**3
        a = torch.randn(n, n, device=args.device)
        b = torch.randn(n, n, device=args.device)
        calls = max(3, int(0.5 / max(flops / 1e11, 1e-6)))

        def tm(a: torch.Tensor = a, b: torch.Tensor = b) -> None:
            torch.matmul(a, b)
            if args.device == "cuda":
                torch.cuda.synchronize()

        an, bn = a.cpu().numpy(), b.cpu().numpy()
        ours = t_torch = t_numpy = 0.0
        for _ in range(args.rounds):
            ours = max(ours, M.matmul(n, n, n, "float32", args.device, repeats=15).tflops or 0.0)
            t_torch = max(t_torch, flops / simple_loop(tm, calls) / 1e12)
            if args.device == "cpu":
                t_numpy = max(t_numpy, flops / simple_loop(lambda an=an, bn=bn: np.matmul(an, bn), calls) / 1e12)
        best = max(t_torch, t_numpy)
        ratio = ours / best
        vs_torch = ours / t_torch
        if ratio >= 0.9:
            verdict = "ok"
        elif vs_torch >= 0.9:
            verdict = "numpy's BLAS is faster than torch's here (same harness cost)"
        else:
            verdict = "HARNESS OVERHEAD?"
        print(f"{n:>6} {ours:>13.4f} {t_torch:>11.4f} {t_numpy:>11.4f} {vs_torch:>11.3f} {ratio:>10.3f}  {verdict}")
        rows.append({"n": n, "ours": ours, "torch": t_torch, "numpy": t_numpy, "ratio": ratio})
    return rows


if __name__ == "__main__":
    main()
