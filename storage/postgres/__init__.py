"""The PostgreSQL backend: the same stores over asyncpg, for several bot processes.

Optional: it needs ``asyncpg`` (``pip install 'newsbot[postgres]'``), imported only when
a ``postgresql://`` location is opened.
"""

MIGRATIONS = "storage.postgres.migrations"
