"""Staff users, their roles and branch scopes, and API tokens."""
