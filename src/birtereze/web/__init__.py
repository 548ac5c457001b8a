"""The web application: assembly, shared dependencies, problem responses, page chrome."""
