"""What the API and the web service share without either importing the other: logging set-up,
the request id, /metrics plumbing and the settings both read the same way."""
