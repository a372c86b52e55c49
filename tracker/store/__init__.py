"""Storage: SQLAlchemy tables, the repository and the unit of work, Alembic migrations."""
