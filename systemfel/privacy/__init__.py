"""The privacy guard: no text may identify a client."""
