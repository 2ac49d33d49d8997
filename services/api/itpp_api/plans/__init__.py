"""Plans, their parties, priority areas and versions."""
