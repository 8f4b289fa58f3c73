"""``python -m lab1.check``: a student's own network checked, a class's submissions graded.

``grad`` compares an adapter's gradients with lab1's (``grad.py``); ``run`` runs a program in
a child process with limits (``program.py``) and reads what it printed (``parse.py``) and
what its source holds (``static.py``); a zip or a directory of zips adds the hand-in's
format (``submission.py``) and the report's sections (``pdf.py``). The handout's own facts
have one home, ``handout.py``; what is written and shown, ``results.py``.
"""
