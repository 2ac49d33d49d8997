"""The plan dashboard: where a plan stands, computed in SQL in a constant number of queries."""
