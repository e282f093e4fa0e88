"""This machine's measured profile, cached as JSON in the user cache directory (platformdirs;
``QUIZGEN_CACHE_DIR`` overrides it), one file per device type. ``quizgen bench`` writes it;
measured generators read it and add what they measure on demand. Example::

    quizgen bench --device cpu --json
"""

from __future__ import annotations

import datetime
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quizgen.bench.measure import Result
from quizgen.errors import UserError

SCHEMA = 1


def cache_dir() -> Path:
    env = os.environ.get("QUIZGEN_CACHE_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("quizgen"))


def profile_path(device_type: str) -> Path:
    return cache_dir() / f"profile-{device_type}.json"


@dataclass
class Profile:
    device: str
    device_type: str
    torch: str
    threads: int | None
    date: str
    results: list[Result] = field(default_factory=list)

    def find(self, name: str, dtype: str, shape: list[int], tf32: bool | None = None) -> Result | None:
        for r in self.results:
            if r.name == name and r.dtype == dtype and list(r.shape) == list(shape) and r.tf32 == tf32:
                return r
        return None

    def put(self, r: Result) -> None:
        self.results = [x for x in self.results if x.key() != r.key()] + [r]

    @property
    def day(self) -> str:
        return self.date[:10]

    def to_json(self) -> dict[str, Any]:
        """The public ``bench --json`` shape (plus date, device_type and per-row extras)."""
        return {"device": self.device, "torch": self.torch, "threads": self.threads,
                "results": [r.to_json() for r in self.results],
                "date": self.date, "device_type": self.device_type, "schema": SCHEMA}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Profile:
        return cls(device=d["device"], device_type=d["device_type"], torch=d["torch"], threads=d.get("threads"),
                   date=d["date"], results=[Result.from_json(r) for r in d.get("results", [])])


def new_profile(device_type: str) -> Profile:
    from quizgen.bench.harness import device_name, require_torch, threads

    torch = require_torch()
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()
    return Profile(device=device_name(device_type), device_type=device_type, torch=str(torch.__version__),
                   threads=threads() if device_type == "cpu" else None, date=now)


def load_profile(device_type: str) -> Profile | None:
    path = profile_path(device_type)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("schema", 0) > SCHEMA:
            raise UserError(f"benchmark profile {path} was written by a newer quizgen; "
                            "upgrade quizgen or run 'quizgen bench --refresh' to remeasure")
        return Profile.from_json(data)
    except (ValueError, KeyError, TypeError) as e:
        raise UserError(f"benchmark profile {path} is unreadable ({type(e).__name__}); "
                        "run 'quizgen bench --refresh' to remeasure") from None


def save_profile(profile: Profile) -> Path:
    from quizgen.fileio import atomic_write_bytes

    path = profile_path(profile.device_type)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, (json.dumps(profile.to_json(), indent=1) + "\n").encode())
    return path


def lookup_or_measure(device_type: str, name: str, dtype: str, shape: list[int],
                      measure: Callable[[], Result], tf32: bool | None = None) -> tuple[Result, Profile]:
    """The cached result for this measurement, measuring and caching it first if missing."""
    profile = load_profile(device_type) or new_profile(device_type)
    found = profile.find(name, dtype, shape, tf32)
    if found is not None:
        return found, profile
    result = measure()
    profile.put(result)
    save_profile(profile)
    return result, profile
