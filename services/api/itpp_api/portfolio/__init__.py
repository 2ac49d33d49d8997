"""The portfolio: every plan of a party at a glance."""
