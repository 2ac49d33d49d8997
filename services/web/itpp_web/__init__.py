"""The ITPP Tracker web service: server-rendered pages and htmx fragments over the API."""
