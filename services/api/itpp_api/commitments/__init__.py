"""Commitments under priority areas, with their milestones."""
