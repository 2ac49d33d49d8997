"""Signed webhooks: a party's admins register endpoints; the worker POSTs the shared events."""
