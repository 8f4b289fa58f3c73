"""``python -m lab1.check``: a student's own network checked, a class's submissions graded.

The handout's facts have one home, ``handout.py``; what is written and shown, ``results.py``.
"""
