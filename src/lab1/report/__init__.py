"""``python -m lab1.report``: run the report's sweeps (``runner``) and write the report (``document``)."""
