"""Grading a printed exam from the students' typed answers (``quizgen grade``).

:mod:`~quizgen.grade.manifest` reads what ``quizgen print`` recorded (answers, tolerances, points,
distractors) and names the answer columns; :mod:`~quizgen.grade.score` reads the responses CSV with
the drill's parser and grades every part with its tolerance; :mod:`~quizgen.grade.report` writes
``scores.csv``, ``report.html`` and ``report.pdf``. Example::

    quizgen grade exam/ responses.csv -o report/
"""
