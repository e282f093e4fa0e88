"""Every exception class quizgen raises, in one place.

User mistakes derive from :class:`UserError`; the CLI turns them into one line on stderr and exit
status 2. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class QuizgenError(Exception):
    """Base class of all quizgen errors."""


class UserError(QuizgenError):
    """A mistake in the user's input: the message names the bad value and the fix."""


class UnknownGeneratorError(UserError):
    """A generator id that the registry does not know."""


class ParamError(UserError):
    """A ``--param`` (or deck ``options``) value that is unknown, mistyped or out of range."""


class DeckError(UserError):
    """A deck spec that cannot be read: malformed TOML, unknown key, bad count, unknown deck."""


class OutputError(UserError):
    """An output path that cannot be written."""


class AnswerParseError(UserError):
    """A typed answer that is not a number quizgen can read."""


class DrillDatabaseError(UserError):
    """The drill database cannot be used: not quizgen's, corrupt, newer schema, busy, unwritable."""


class DependencyError(UserError):
    """An optional dependency (torch, typst, ...) is missing; the message says how to install it."""


class RegistryError(QuizgenError):
    """Generators could not be loaded: duplicate ids, a broken module, a malformed class."""


class DrawError(QuizgenError):
    """Bounded rejection sampling ran out of tries: a generator bug, never silent."""


class CheckError(QuizgenError):
    """A generator's independent cross-check disagrees with its answer."""


class FormulaError(UserError):
    """A formula that an output format cannot typeset (names the generator, seed and formula).

    A generator bug or a user generator's bad TeX; reported like a user error so that ``print``
    stops with one clear line and leaves nothing partial behind.
    """
