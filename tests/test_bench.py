"""Microbenchmarks: the CPU path with small sizes, the profile cache, and the measured generators
(deterministic given a profile; the estimate-vs-measured solution). CUDA tests skip without a GPU."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from quizgen.bench import measure as M
from quizgen.bench.harness import time_call
from quizgen.bench.profile import Profile, load_profile, lookup_or_measure, profile_path, save_profile
from quizgen.errors import DependencyError, UserError
from quizgen.registry import Registry
from quizgen.stress import invariants

from .conftest import run_cli

torch = pytest.importorskip("torch")
CUDA = torch.cuda.is_available()
MEASURED = ["bench.matmul_time", "bench.memory_bandwidth", "bench.launch_overhead", "bench.mlp_forward_time"]


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("QUIZGEN_CACHE_DIR", str(tmp_path))
    return tmp_path


def fake_profile() -> Profile:
    """A profile with made-up, round numbers: answers must come from it, not from a measurement."""
    return Profile(device="Test CPU (2 threads)", device_type="cpu", torch="2.13.0", threads=2,
                   date="2026-01-02T03:04:05+00:00", results=[
                       M.Result("matmul", "float32", [1024, 1024, 1024], 0.01, 2 * 1024**3 / 0.01 / 1e12, None, 15),
                       M.Result("matmul", "float32", [512, 512, 512], 0.002, 2 * 512**3 / 0.002 / 1e12, None, 15),
                       M.Result("triad", "float32", [2**25], 0.02, None, 3 * 2**25 * 4 / 0.02 / 1e9, 15),
                       M.Result("launch", "float32", [1], 2e-6, None, None, 15),
                       M.Result("mlp_forward", "float32", [128, 256], 1e-3, 16 * 128 * 256**2 / 1e-3 / 1e12, None, 15),
                   ])


def test_time_call_cpu_median_and_spread() -> None:
    a = torch.randn(64, 64)
    t = time_call(lambda: a @ a, "cpu", repeats=7)
    assert t.repeats == 7 and 0 < t.min_s <= t.median_s and t.iqr_s >= 0


def test_cpu_measurements_small_sizes() -> None:
    r = M.matmul(128, 64, 32, "float32", "cpu", repeats=5)
    assert r.shape == [128, 64, 32] and r.tflops == pytest.approx(2 * 128 * 64 * 32 / r.median_s / 1e12)
    s = M.stream("triad", 2**16, "float32", "cpu", repeats=5)
    assert s.gbs == pytest.approx(3 * 2**16 * 4 / s.median_s / 1e9)
    assert M.launch_overhead("cpu", repeats=5).median_s < 1e-3
    mlp = M.mlp_forward(16, 32, "float32", "cpu", repeats=5)
    assert mlp.tflops == pytest.approx(16 * 16 * 32 * 32 / mlp.median_s / 1e12)


def test_stream_working_set_is_4x_llc() -> None:
    from quizgen.bench.harness import last_level_cache_bytes

    n = M.stream_elements("cpu", "float32")
    assert n * 4 >= 4 * last_level_cache_bytes("cpu")


def test_profile_round_trip(cache: Path) -> None:
    p = fake_profile()
    path = save_profile(p)
    assert path == profile_path("cpu") and path.parent == cache
    back = load_profile("cpu")
    assert back is not None and back.to_json() == p.to_json()


def test_corrupt_profile_is_a_clear_error(cache: Path) -> None:
    profile_path("cpu").write_text("{not json")
    with pytest.raises(UserError, match="--refresh"):
        load_profile("cpu")


def test_lookup_measures_once_then_uses_the_cache(cache: Path) -> None:
    calls = []

    def measure() -> M.Result:
        calls.append(1)
        return M.Result("matmul", "float32", [8, 8, 8], 1e-5, 1e-4, None, 3)

    a, _ = lookup_or_measure("cpu", "matmul", "float32", [8, 8, 8], measure)
    b, _ = lookup_or_measure("cpu", "matmul", "float32", [8, 8, 8], measure)
    assert a == b and len(calls) == 1


@pytest.mark.parametrize("gen_id", MEASURED)
def test_measured_generators_are_deterministic_given_a_profile(cache: Path, registry: Registry, gen_id: str) -> None:
    save_profile(fake_profile())
    gen = registry.get(gen_id)
    fixed = {"device": "cpu", **{
        "bench.matmul_time": {"m": 1024, "k": 1024, "n": 1024, "dtype": "float32"},
        "bench.memory_bandwidth": {"n_elements": 2**25, "dtype": "float32"},
        "bench.launch_overhead": {},
        "bench.mlp_forward_time": {"tokens": 128, "d_model": 256, "dtype": "float32"},
    }[gen_id]}
    p1, p2 = gen.problem(5, fixed), gen.problem(5, fixed)
    assert p1.dumps() == p2.dumps()
    assert invariants(gen, p1) == []  # JSON round trip, params in range, distractors wrong
    head = p1.answers[0]
    assert head.tolerance.factor == 2
    assert head.measured_on == "Test CPU (2 threads), 2026-01-02"
    prof = fake_profile()
    want = {"bench.matmul_time": 0.01, "bench.memory_bandwidth": prof.results[2].gbs,
            "bench.launch_overhead": 2e-6, "bench.mlp_forward_time": 1e-3}[gen_id]
    assert head.value == pytest.approx(want)
    assert "Test CPU" in p1.question and "2026-01-02" in p1.question
    for d in p1.distractors:
        assert not head.tolerance.accepts(float(d.value), float(head.value))  # type: ignore[arg-type]


def test_matmul_solution_sets_estimate_beside_measurement(cache: Path, registry: Registry) -> None:
    """The estimate uses the rate measured on *other* shapes (512³: 0.134 TFLOP/s), not the answer."""
    save_profile(fake_profile())
    p = registry.get("bench.matmul_time").problem(0, {"m": 1024, "k": 1024, "n": 1024, "dtype": "float32",
                                                       "device": "cpu"})
    rate = 2 * 512**3 / 0.002 / 1e12  # 0.1342 TFLOP/s
    est = 2 * 1024**3 / (rate * 1e12)  # 16.0 ms
    assert "16\\ \\text{ms}" in p.solution
    assert f"{0.01 / est:.2g}" in p.solution or f"{est / 0.01:.2g}" in p.solution
    assert "10\\ \\text{ms}" in p.solution


def test_missing_measurement_is_measured_on_demand(cache: Path, registry: Registry,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A shape missing from the profile is measured once (really), cached, and then read back: no
    assertion compares two timings, so a busy machine cannot fail it (the second-harness check of
    ``check()`` is timing-dependent and runs only on a GPU, in the cuda test below)."""
    fixed = {"m": 256, "k": 256, "n": 256, "dtype": "float32", "device": "cpu"}
    gen = registry.get("bench.matmul_time")
    p = gen.problem(1, fixed)
    prof = load_profile("cpu")
    assert prof is not None
    row = prof.find("matmul", "float32", [256, 256, 256])
    assert row is not None and row.repeats >= 10 and row.median_s > 0
    assert p.answers[0].value == row.median_s
    assert p.answers[1].value == pytest.approx(2 * 256**3 / row.median_s / 1e12)

    def no_measuring(*args: object, **kwargs: object) -> M.Result:
        raise AssertionError("measured again although the profile has this shape")

    monkeypatch.setattr(M, "matmul", no_measuring)
    again = gen.problem(2, fixed)
    assert again.answers[0].value == row.median_s  # from the cache


def test_bench_cli_json_and_cache(cache: Path, tmp_path: Path) -> None:
    env = {"QUIZGEN_CACHE_DIR": str(cache)}
    res = run_cli("bench", "--device", "cpu", "--quick", "--json", "--plot", str(tmp_path / "roof.png"), env=env)
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert {"device", "torch", "threads", "results"} <= set(data)
    assert isinstance(data["threads"], int)
    row_keys = {"name", "dtype", "shape", "median_s", "tflops", "gbs", "repeats"}
    assert all(row_keys <= set(r) for r in data["results"])
    names = {r["name"] for r in data["results"]}
    assert {"matmul", "triad", "launch"} <= names
    assert all(r["repeats"] >= 10 for r in data["results"])
    assert (tmp_path / "roof.png").read_bytes()[:4] == b"\x89PNG"
    again = run_cli("bench", "--device", "cpu", env=env)
    assert again.returncode == 0 and "cached" in again.stderr
    assert "ridge point" in again.stdout


@pytest.mark.skipif(CUDA, reason="this machine has a GPU")
def test_cuda_without_gpu_is_exit_2() -> None:
    res = run_cli("bench", "--device", "cuda")
    assert res.returncode == 2 and "no CUDA GPU" in res.stderr and "Traceback" not in res.stderr
    res = run_cli("show", "bench.launch_overhead", "--param", "device=cuda")
    assert res.returncode == 2 and "no CUDA GPU" in res.stderr


def test_no_torch_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from quizgen.bench import harness

    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(DependencyError, match=r'pip install "quizgen\[bench\]"'):
        harness.require_torch()


@pytest.mark.cuda
@pytest.mark.skipif(not CUDA, reason="needs a CUDA GPU")
def test_cuda_matmul_within_datasheet_and_second_harness(cache: Path, registry: Registry) -> None:
    gen = registry.get("bench.matmul_time")
    p = gen.problem(0, {"m": 4096, "k": 4096, "n": 4096, "dtype": "bfloat16", "device": "cuda"})
    gen.check(p.params, p.answers)  # torch.utils.benchmark within 2x; <= 1.05 x datasheet peak
    bw = registry.get("bench.memory_bandwidth")
    q = bw.problem(0, {"device": "cuda"})
    bw.check(q.params, q.answers)


@pytest.mark.parametrize(("device", "tflops", "gbs"), [
    ("NVIDIA H100 80GB HBM3", 989.4, 3350), ("NVIDIA H200", 989.4, 4800), ("NVIDIA B200", 2250, 8000),
    ("AMD Instinct MI300X", 1307.4, 5300), ("NVIDIA L4", 121.2, 300), ("NVIDIA GeForce RTX 4090", 165.2, 1008),
])
def test_bench_reports_percent_of_peak_for_known_chips(device: str, tflops: float, gbs: float,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    from quizgen.bench.suite import datasheet_peaks
    from quizgen.cli.bench import print_table

    prof = Profile(device=device, device_type="cuda", torch="2.13.0", threads=None,
                   date="2026-01-02T03:04:05+00:00", results=[
                       M.Result("matmul", "bfloat16", [8192, 8192, 8192], 0.01, 0.75 * tflops, None, 15),
                       M.Result("triad", "float32", [2**28], 0.01, None, 0.9 * gbs, 15),
                   ])
    peak_tf, peak_bw = datasheet_peaks(prof)
    assert peak_tf == pytest.approx(tflops, rel=3e-3) and peak_bw == gbs
    print_table(prof, cached=True)
    out = capsys.readouterr().out
    assert "75%" in out and "90%" in out and "datasheet:" in out
