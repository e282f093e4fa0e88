"""quizgen: parametrized generators of ML quantitative problems, exported to Anki, PDF, LMS and a
terminal drill. See ``quizgen --help``."""

__version__ = "0.1.0"
