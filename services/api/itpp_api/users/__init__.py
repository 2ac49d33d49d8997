"""Users: profiles, passwords, second factor, and their management by party admins."""
