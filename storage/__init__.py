"""Persistence: SQLAlchemy models and repositories."""
