"""E-mail: the outbox table, the sender, and what is sent (digests, requests, reminders)."""
