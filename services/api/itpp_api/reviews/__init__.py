"""Joint review cycles: two-sided assessments, agreed ratings, sign-offs by every party."""
