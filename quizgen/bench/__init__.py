"""Microbenchmarks measured on this machine (torch, imported lazily): the harness, the suite behind
``quizgen bench``, and the cached profile that the measured ``bench.*`` generators read."""
