"""Authentication (passwords, second factor, tokens, throttling) and the access policy."""
