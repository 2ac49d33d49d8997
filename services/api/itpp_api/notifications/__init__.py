"""Notifications of the events that start inbox items, through a transactional outbox."""
