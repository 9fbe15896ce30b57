"""Background jobs: heavy work a user starts, the scheduler process runs, the user downloads."""
