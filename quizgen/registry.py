"""Finds generator classes in ``generators/`` (bundled) and in user folders.

Bundled generators live in the wheel as ``quizgen/generators``; in a source checkout they are the
top-level ``generators/`` folder. Users add theirs with ``--generators DIR`` or ``QUIZGEN_PATH``
(``os.pathsep``-separated). A duplicate id is an error, never a silent override. Example::

    QUIZGEN_PATH=~/my-generators quizgen list
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from quizgen.errors import RegistryError, UnknownGeneratorError, UserError
from quizgen.generator import Generator

_PKG = Path(__file__).resolve().parent


def bundled_dir(name: str) -> Path:
    """``generators`` or ``decks``: inside the installed package, else beside it (checkout)."""
    inside = _PKG / name
    if inside.is_dir():
        return inside
    return _PKG.parent / name


def user_dirs(extra: Sequence[str | Path] = ()) -> list[Path]:
    dirs = [Path(d) for d in extra]
    env = os.environ.get("QUIZGEN_PATH", "")
    dirs += [Path(d) for d in env.split(os.pathsep) if d.strip()]
    return dirs


class Registry:
    """Every known generator by id, in a stable order (bundled areas first, then by id)."""

    def __init__(self, generators: dict[str, Generator], origins: dict[str, Path]) -> None:
        self._gens = generators
        self.origins = origins

    def __iter__(self) -> Iterator[Generator]:
        return iter(self._gens.values())

    def __len__(self) -> int:
        return len(self._gens)

    def __contains__(self, gen_id: object) -> bool:
        return gen_id in self._gens

    def ids(self) -> list[str]:
        return list(self._gens)

    def get(self, gen_id: str) -> Generator:
        try:
            return self._gens[gen_id]
        except KeyError:
            raise UnknownGeneratorError(f"unknown generator {gen_id!r}{_suggest(gen_id, self.ids())}; "
                                        "run 'quizgen list' to see them all") from None


def _suggest(name: str, choices: Sequence[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _load_module(path: Path, prefix: str) -> object:
    modname = f"{prefix}.{path.stem}"
    if modname in sys.modules:
        return sys.modules[modname]
    spec = importlib.util.spec_from_file_location(modname, path)
    if spec is None or spec.loader is None:
        raise RegistryError(f"cannot load generator module {path}")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[modname] = mod
    try:
        spec.loader.exec_module(mod)
    except Exception as e:
        del sys.modules[modname]
        raise RegistryError(f"{path}: failed to import: {type(e).__name__}: {e}") from e
    return mod


def _scan(folder: Path, prefix: str, gens: dict[str, Generator], origins: dict[str, Path]) -> None:
    for path in sorted(folder.glob("*.py")):
        if path.name.startswith("_"):
            continue
        mod = _load_module(path, prefix)
        for cls in list(vars(mod).values()):  # definition order: the catalogue's order
            if not inspect.isclass(cls) or not issubclass(cls, Generator) or cls is Generator:
                continue
            if cls.__module__ != getattr(mod, "__name__", None):
                continue
            if not cls.id:
                continue  # an abstract helper base
            if cls.id in gens:
                raise RegistryError(
                    f"duplicate generator id {cls.id!r}: defined in {origins[cls.id]} and in {path}; "
                    "rename one of them"
                )
            gens[cls.id] = cls()
            origins[cls.id] = path


_CACHE: dict[tuple[str, ...], Registry] = {}


def load_registry(extra_dirs: Sequence[str | Path] = ()) -> Registry:
    """The registry of bundled generators plus those in ``extra_dirs`` and ``QUIZGEN_PATH``."""
    dirs = user_dirs(extra_dirs)
    key = tuple(str(d) for d in dirs)
    if key in _CACHE:
        return _CACHE[key]
    gens: dict[str, Generator] = {}
    origins: dict[str, Path] = {}
    _scan(bundled_dir("generators"), "quizgen_generators", gens, origins)
    for i, d in enumerate(dirs):
        if not d.is_dir():
            raise UserError(f"generator folder {str(d)!r} does not exist (from --generators or QUIZGEN_PATH)")
        _scan(d, f"quizgen_user_generators_{i}", gens, origins)
    ordered = dict(sorted(gens.items(), key=lambda kv: AREA_ORDER.get(kv[0].split(".")[0], 99)))
    reg = Registry(ordered, origins)
    _CACHE[key] = reg
    return reg


AREA_ORDER = {a: i for i, a in enumerate(
    ["flops", "llm", "gpu", "bench", "numerics", "linalg", "stats", "info", "optim", "sampling", "units"])}
AREA_TITLES = {
    "flops": "FLOPs", "llm": "LLM compute", "gpu": "GPU", "bench": "Measured", "numerics": "Numerics",
    "linalg": "Linear algebra", "stats": "Statistics", "info": "Information theory",
    "optim": "Optimization", "sampling": "Sampling", "units": "Units",
}


def area_title(area: str) -> str:
    return AREA_TITLES.get(area, area.capitalize())
