"""Rendering: charts drawn for the CLI (and the report)."""
