"""Public services and their standards."""
