"""Clinical rules as pure functions over plain values: triage, the protocol, progression, return to run.

Nothing here does I/O or imports the store, the CLI, pydantic or SQLAlchemy.
"""
