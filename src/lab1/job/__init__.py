"""One job: turn its config into a population, train it, print and write its run directory.

A single run is a population of one; ``run.run`` is what ``python -m lab1`` calls.
"""
