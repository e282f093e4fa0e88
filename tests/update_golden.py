"""Regenerate golden files: ``python tests/update_golden.py [ID...]`` (all generators if none).

Golden files pin the exact JSON of seeds 0–4 per generator, so an unintended change to draws,
answers or wording shows up in review. Bump the generator's ``version`` when draws change on purpose.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from quizgen.registry import load_registry

GOLDEN = Path(__file__).parent / "golden"


def golden_for(gen_id: str) -> list[dict[str, object]]:
    gen = load_registry().get(gen_id)
    return [gen.problem(seed).to_json() for seed in range(5)]


def main(ids: list[str]) -> None:
    reg = load_registry()
    for gen_id in ids or reg.ids():
        if reg.get(gen_id).measured:
            continue
        path = GOLDEN / f"{gen_id}.json"
        path.write_text(json.dumps(golden_for(gen_id), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
