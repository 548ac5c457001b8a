"""Birtereze: the one-window Public Service Centre platform."""
