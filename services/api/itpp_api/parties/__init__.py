"""Parties (signatories) and their organisations."""
