"""The data layer: one module per kind of data file, each where that file is read and checked.

- :mod:`.model`: the types the loaders build (no I/O);
- :mod:`.checks`: the shared ``path:line`` checker and limits;
- :mod:`.intents`, :mod:`.answers`, :mod:`.ui`, :mod:`.topics`, :mod:`.quizzes`: one loader each.

:mod:`cyberhygiene.knowledge` ties them together (``load``/``load_or_raise``) and cross-checks.
"""
