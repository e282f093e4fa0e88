"""Files that ``quizgen new`` copies: a working, commented generator to edit into your own.

Kept as real modules so that ruff, mypy and the tests check them like the rest of the code.
Example: ``quizgen new mycourse.bandwidth_time --dir mygens``
"""
