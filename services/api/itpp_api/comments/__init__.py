"""Comment threads on the records of a plan (issue 20, item 2)."""
