"""Column helpers shared by every domain's tables."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer

# BIGINT on PostgreSQL, INTEGER (the rowid alias, so it autoincrements) on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")
