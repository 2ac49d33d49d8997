"""Progress updates: dated reports of a commitment's status and progress, with their evidence."""
