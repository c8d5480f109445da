"""core keeps no tables of its own (the idempotency records are the API's: api/models.py)."""
