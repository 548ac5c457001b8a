"""Citizen identity and sign-in: Digital ID (OpenID Connect) or a one-time SMS code, and sessions."""
