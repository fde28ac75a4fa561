"""The edges' contracts: pydantic models that validate answers coming in and describe them as JSON Schema.

Only this package imports pydantic; it turns raw input into the clinical core's plain dataclasses and every
validation problem into :class:`calfcare.errors.InvalidAnswers` naming the key and what was expected.
"""
