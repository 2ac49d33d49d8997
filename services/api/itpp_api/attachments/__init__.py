"""Files attached to commitments, exchanges, reviews, review items and amendments."""
