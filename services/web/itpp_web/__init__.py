"""The ITPP Tracker web service (server-rendered HTMX over the API); built in a later issue."""
