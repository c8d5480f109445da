"""Demo and benchmark content: phrase banks written for Zimei, Pillow-drawn pictures, and the
generator behind `zimei demo` (through the real services) and `zimei seed` (bulk, for size)."""
