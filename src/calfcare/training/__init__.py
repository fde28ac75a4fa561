"""Training history: activity files → activities → load maths. No I/O outside ``formats``/``importing``."""
