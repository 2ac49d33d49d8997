"""`python -m itpp_api` runs the command line."""

from itpp_api.cli import app

app()
