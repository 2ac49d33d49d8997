"""Search across every record a reader may see, in both languages (GET /api/v1/search)."""
