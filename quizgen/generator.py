"""The generator interface: a small class per problem type.

A generator declares its identity (``id``, ``version``), ``title``, ``tags`` and ``params``, and
implements ``draw`` (random parameters), ``solve`` (answers), ``render`` (question and worked
solution), ``distractors`` (misconception answers) and ``check`` (an independent recomputation used
by the tests and ``quizgen check``). Example::

    quizgen show flops.matmul --seed 3
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from quizgen.errors import DrawError, ParamError
from quizgen.model import Answer, Distractor, Problem
from quizgen.params import Param, check_magnitudes, validate_overrides
from quizgen.precision import sentence
from quizgen.rng import Rng

Params = dict[str, Any]


class Generator:
    """Base class. Subclasses set the class attributes and implement the methods."""

    id: ClassVar[str] = ""
    version: ClassVar[int] = 1
    title: ClassVar[str] = ""
    tags: ClassVar[tuple[str, ...]] = ()
    params: ClassVar[tuple[Param, ...]] = ()
    measured: ClassVar[bool] = False
    """True for ``bench.*``: the answer is measured on this machine, not computed."""
    form: ClassVar[tuple[str, ...]] = ()
    """Params that fix a question's *form* (dtype, branch, which quantity is asked, number of
    parts). All versions of one exam question, and all variants of one card, share the first
    version's values of these; only the other numbers change."""

    # -- to implement -----------------------------------------------------------------------------
    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        """Random parameters. ``fixed`` holds the user's validated overrides (already final): use
        them when other draws depend on them; the base class overlays them afterwards anyway.
        What it returns must pass :meth:`validate` (redraw until it does): a build does not check
        drawn params again, ``quizgen check`` does."""
        raise NotImplementedError

    def validate(self, p: Params) -> None:
        """Constraints between parameters; raise :class:`ParamError` naming the value and fix."""

    def solve(self, p: Params) -> list[Answer]:
        raise NotImplementedError

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        """(question, worked solution), Markdown with LaTeX math in ``\\( \\)`` / ``\\[ \\]``."""
        raise NotImplementedError

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        """Answers that common misconceptions give, for ``answers[0]``."""
        return []

    def check(self, p: Params, answers: list[Answer]) -> None:
        """Recompute the answers a second, independent way; raise ``CheckError`` on mismatch."""
        raise NotImplementedError

    def plausible(self, p: Params) -> list[str]:
        """Why these params are not a scenario a practitioner would meet (empty if they are).

        Each generator states its real-world envelope here, with the reference it comes from in a
        comment (e.g. tokens/parameter between 0.5 and 40,000). Draws must stay inside; user
        ``--param`` values may leave it (teachers may want extremes). Run by ``quizgen check``
        and the property tests."""
        return []

    # -- provided -------------------------------------------------------------------------------
    @property
    def area(self) -> str:
        return self.id.split(".", 1)[0]

    def all_tags(self) -> list[str]:
        tags = [self.area, *self.tags]
        return list(dict.fromkeys(tags))

    def form_of(self, p: Params) -> Params:
        """The values of the :attr:`form` params in ``p``: pass them as ``fixed`` to draw another
        version of the same question (same form, new numbers)."""
        return {k: p[k] for k in self.form if k in p}

    def resolve_params(self, seed: int, fixed: Mapping[str, Any] | None = None) -> Params:
        """Draw the parameters for ``seed``, overlay validated ``fixed`` values, validate all."""
        fixed_ok = validate_overrides(self.params, fixed or {})
        try:
            out = self._resolve(seed, fixed_ok)
        except (DrawError, ArithmeticError, ValueError) as e:
            if isinstance(e, ParamError) or not fixed_ok:
                raise
            check_magnitudes(self.params, fixed_ok)  # 10**400 overflowing inside draw(): say so
            if isinstance(e, DrawError):
                # Bounded rejection sampling found nothing that fits the user's values: theirs to change.
                given = ", ".join(f"{k}={v}" for k, v in fixed_ok.items())[:200]
                raise ParamError(f"no valid problem with {given}: {e}; try other values") from None
            if isinstance(e, ArithmeticError):  # e.g. 1e200 squared: beyond what a float holds
                given = ", ".join(f"{k}={v}" for k, v in fixed_ok.items())[:200]
                raise ParamError(f"no answer can be computed with {given}: {e}; try smaller values") from None
            raise
        check_magnitudes(self.params, fixed_ok)
        return out

    def _resolve(self, seed: int, fixed_ok: Params) -> Params:
        rng = Rng.for_problem(self.id, self.version, seed)
        drawn = self.draw(rng, fixed_ok)
        drawn.update(fixed_ok)
        declared = {p.name: p for p in self.params}
        unknown = set(drawn) - set(declared)
        if unknown:
            raise AssertionError(f"{self.id}.draw returned undeclared params {sorted(unknown)}")
        out: Params = {}
        for prm in self.params:
            if prm.name in drawn:
                try:
                    out[prm.name] = prm.validate(drawn[prm.name])
                except ParamError as e:
                    if prm.name in fixed_ok:
                        raise
                    if fixed_ok:  # a value derived from the user's: their values are out of reach
                        given = ", ".join(f"{k}={v}" for k, v in fixed_ok.items())[:200]
                        raise ParamError(f"no valid problem with {given}: it would need {e}") from None
                    raise AssertionError(f"{self.id} seed {seed}: drew invalid {e}") from e
            elif not prm.optional:
                raise AssertionError(f"{self.id}.draw did not set {prm.name}")
        if fixed_ok:
            # What the user fixed is judged here. A pure draw is valid by construction (draws
            # check their candidates with validate() as they go): `quizgen check` and the
            # registry-wide tests assert it for every generator (stress.invariants), so a build
            # does not judge every drawn problem twice.
            self.validate(out)
        return out

    def problem(self, seed: int, fixed: Mapping[str, Any] | None = None) -> Problem:
        """The problem for ``seed`` (and optional fixed parameters)."""
        p = self.resolve_params(seed, fixed)
        try:
            return self.problem_from_params(seed, p)
        except (ArithmeticError, ValueError) as e:
            if not fixed or isinstance(e, ParamError):
                raise
            # Valid inputs whose answer leaves what a float can hold (mu=1e200 squared): the user's to change.
            given = ", ".join(f"{k}={v}" for k, v in fixed.items())[:200]
            raise ParamError(f"no answer can be computed with {given}: {e}; try smaller values") from None

    def problem_from_params(self, seed: int, p: Params) -> Problem:
        answers = self.solve(p)
        question, solution = self.render(p, answers)
        # Every question ends by saying how precisely it is graded (the precision policy).
        closing = sentence(answers)
        if closing:
            question = f"{question.rstrip()}\n\n{closing}"
        return Problem(
            id=self.id,
            version=self.version,
            seed=seed,
            params=p,
            question=question,
            solution=solution,
            answers=answers,
            distractors=self.distractors(p, answers),
            tags=self.all_tags(),
            title=self.title,
        )
