"""Cross-cutting foundations: settings, database, clock, events, i18n, security, errors."""
