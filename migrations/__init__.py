"""The Alembic migrations; installed as `benchsvc.migrations` (see setup.py)."""
