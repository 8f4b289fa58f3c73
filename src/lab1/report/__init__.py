"""``python -m lab1.report``: run the report's sweeps and write the report from their results.

``runner`` starts the sweeps as subprocesses; ``document`` writes the report; ``findings``
turns a sweep's summary into sentences.
"""
