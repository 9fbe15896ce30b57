"""Follow-ups (bevakning) of brister, contacts with myndigheter and their answers."""
