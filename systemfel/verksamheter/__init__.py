"""Tenant data every area may import: verksamheter, kommuner, myndigheter, områden, Scope."""
