"""Rosters: the CP-SAT engine with large-neighbourhood search, on the Curtois benchmark and in the centres."""
