"""Saved views: a user's named filters and order of the commitment and exchange lists."""
