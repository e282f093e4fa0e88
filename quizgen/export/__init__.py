"""Exporters: problems to Anki packages, exam sheets and LMS files."""
