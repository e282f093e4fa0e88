#!/usr/bin/env bash
# One prepared run of everything that needs a CUDA GPU, writing all results to one folder.
#
#   bash benchmarks/gpu_run.sh [OUTDIR]        (default: $OUT if set, else ./gpu-results)
#
# It uses the first python3 that has torch. quizgen itself is run from this checkout
# (PYTHONPATH), so nothing is installed into that Python; packages quizgen needs that the Python
# lacks are installed with `pip install --target` from WHEELS=DIR (offline) when given, else from
# the package index. Then it writes into OUTDIR:
#   nvidia-smi.txt        the device, driver and clocks
#   results-cuda.json     `quizgen bench --device cuda --refresh --json` (the profile)
#   bench-table.txt       the same as a table, with % of datasheet peak
#   baseline.json         a plain torch.matmul loop and a plain triad, timed by CUDA events in the
#                         same run, to see where the harness loses (if it does)
#   roofline.png          the measured roofline
#   questions.txt         the four measured bench.* questions as a learner sees them
#   pytest-cuda.txt       the CUDA tests (and the bench test file) on this GPU
#   summary.txt           the two ratios the project promises: bf16 matmul >= 75% of dense peak,
#                         STREAM triad >= 85% of HBM bandwidth
# With no CUDA device it says so, runs the CPU-side checks of the same script, and exits 0,
# so the script itself can be tried on any machine first.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:-${OUT:-gpu-results}}
mkdir -p "$out"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
export QUIZGEN_CACHE_DIR="$out/cache"
py=python3
$py -c "import torch" 2>/dev/null || { echo "gpu_run: python3 has no torch" >&2; exit 2; }

need=$($py - <<'PY'
import importlib.util
mods = {"click": "click", "rich": "rich", "numpy": "numpy", "platformdirs": "platformdirs",
        "matplotlib": "matplotlib", "pytest": "pytest", "hypothesis": "hypothesis", "scipy": "scipy",
        "sympy": "sympy", "genanki": "genanki", "fsrs": "fsrs", "typst": "typst", "jinja2": "jinja2",
        "lxml": "lxml", "latex2mathml": "latex2mathml", "tex2typst": "tex2typst"}
print(" ".join(p for m, p in mods.items() if importlib.util.find_spec(m) is None))
PY
)
if [ -n "$need" ]; then
  echo "== installing into /tmp/quizgen-site: $need"
  if [ -n "${WHEELS:-}" ]; then
    $py -m pip install -q --no-index --no-deps --target /tmp/quizgen-site "$WHEELS"/*.whl
  else
    $py -m pip install -q --target /tmp/quizgen-site $need
  fi
  export PYTHONPATH="$PYTHONPATH:/tmp/quizgen-site"
fi
qz() { $py -m quizgen "$@"; }

nvidia-smi > "$out/nvidia-smi.txt" 2>&1 || echo "no nvidia-smi" > "$out/nvidia-smi.txt"
cuda=$($py -c "import torch; print(int(torch.cuda.is_available()))")
if [ "$cuda" != 1 ]; then
  echo "gpu_run: no CUDA device here; running the CPU side of the script only" | tee "$out/summary.txt"
  qz bench --device cpu --quick --json > "$out/results-cpu.json"
  $py -m pytest -q -p no:cacheprovider tests/test_bench.py > "$out/pytest-cuda.txt" 2>&1
  tail -n 3 "$out/pytest-cuda.txt"
  exit 0
fi

echo "== bench (cuda)"
qz bench --device cuda --refresh --json > "$out/results-cuda.json"
qz bench --device cuda --plot "$out/roofline.png" > "$out/bench-table.txt" 2>&1
cat "$out/bench-table.txt"

echo "== plain torch baseline (CUDA events)"
$py - "$out/baseline.json" <<'PY'
import json, sys, torch
dev = torch.device("cuda")
def timed(fn, reps=50):
    for _ in range(5):
        fn()
    torch.cuda.synchronize()
    ts = []
    for _ in range(reps):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record(); fn(); b.record(); b.synchronize()
        ts.append(a.elapsed_time(b) / 1e3)
    ts.sort()
    return ts[len(ts) // 2]
res = {}
for n in (4096, 8192):
    x = torch.randn(n, n, device=dev, dtype=torch.bfloat16)
    y = torch.randn(n, n, device=dev, dtype=torch.bfloat16)
    t = timed(lambda: torch.matmul(x, y))
    res[f"matmul_bf16_{n}"] = {"median_s": t, "tflops": 2 * n**3 / t / 1e12}
n = 1 << 28  # 3 float32 arrays of 1 GiB each
a = torch.empty(n, device=dev); b = torch.randn(n, device=dev); c = torch.randn(n, device=dev)
t = timed(lambda: torch.add(b, c, alpha=3.0, out=a), reps=30)
res["triad_fp32"] = {"median_s": t, "gbs": 3 * 4 * n / t / 1e9}
json.dump(res, open(sys.argv[1], "w"), indent=1)
print(json.dumps(res, indent=1))
PY

echo "== measured questions"
for g in bench.matmul_time bench.memory_bandwidth bench.launch_overhead bench.mlp_forward_time; do
  qz show "$g" --seed 1 --param device=cuda
done > "$out/questions.txt" 2>&1

echo "== CUDA tests"
$py -m pytest -q -p no:cacheprovider tests/test_bench.py > "$out/pytest-cuda.txt" 2>&1
tail -n 3 "$out/pytest-cuda.txt"

$py - "$out" <<'PY' | tee "$out/summary.txt"
import json, sys
from pathlib import Path
from quizgen.bench.profile import Profile
from quizgen.bench.suite import datasheet_peaks
out = Path(sys.argv[1])
prof = Profile.from_json(json.loads((out / "results-cuda.json").read_text()))
peak_tf, peak_bw = datasheet_peaks(prof)
mm = max((r.tflops or 0) for r in prof.results if r.name == "matmul" and r.dtype == "bfloat16")
triad = max((r.gbs or 0) for r in prof.results if r.name == "triad")
base = json.loads((out / "baseline.json").read_text())
print(f"device: {prof.device}; datasheet {peak_tf} TFLOP/s bf16 dense, {peak_bw} GB/s")
if peak_tf:
    print(f"bf16 matmul (harness): {mm:.0f} TFLOP/s = {100 * mm / peak_tf:.0f}% of peak (target >= 75%)")
    print(f"bf16 matmul (plain loop): {max(v.get('tflops', 0) for v in base.values()):.0f} TFLOP/s")
if peak_bw:
    print(f"triad (harness): {triad:.0f} GB/s = {100 * triad / peak_bw:.0f}% of HBM (target >= 85%)")
    print(f"triad (plain add): {base['triad_fp32']['gbs']:.0f} GB/s")
PY
