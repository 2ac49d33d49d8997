"""What waits on the signed-in user or their party, computed from the records."""
