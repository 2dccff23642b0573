"""The bureau's core services: their contract, a client for them, and a sandbox stand-in."""
