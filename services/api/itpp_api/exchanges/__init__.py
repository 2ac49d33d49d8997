"""Exchanges and personnel placements between the parties, linked to commitments."""
