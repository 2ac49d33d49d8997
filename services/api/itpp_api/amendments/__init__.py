"""Amendments by mutual consent: structured change sets applied only when every party approves."""
