"""Storage: SQLAlchemy 2 (async) tables, the engine, and Alembic migrations.

SQLite under ``./var/`` by default; PostgreSQL in production (``RECOUP_DATABASE_URL``). The
schema changes only through migrations in ``recoup/storage/migrations``.
"""
