"""Idempotency-Key handling for POST requests."""
