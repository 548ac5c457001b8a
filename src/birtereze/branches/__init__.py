"""Centres, their zones, windows, opening hours and days."""
