"""Rosters: the CP-SAT engine with large-neighbourhood search, measured on the Curtois benchmark, and the centres' own."""
