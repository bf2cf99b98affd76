"""sponsorwatch application: the `sponsorwatch` command line (the HTTP server and dashboard come later)."""
