"""Kazakhstan's reference rules: the working calendar (holidays, transfers, deadlines) and the MRP.

The data ships with the package (``kz/data/``, sources in ``kz/data/SOURCES.md``).
"""
