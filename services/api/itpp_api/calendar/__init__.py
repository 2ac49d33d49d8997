"""Calendar feeds (iCalendar) of a plan's dates: exchanges, due dates, milestones, expiry."""
