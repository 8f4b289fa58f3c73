"""Sweeps: compose and plan a multirun's jobs, train them as populations, collect the results.

``execute.prepare`` and ``execute.train`` are the vectorized launcher's body; ``collect`` writes ``results.csv``,
``summary.md`` and the sweep figures, at the end of every multirun and on demand.
"""
