"""Background jobs on a PostgreSQL-backed queue (procrastinate), run by ``calfcare worker`` on any machine."""
