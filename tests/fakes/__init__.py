"""Loopback stand-ins of external services for tests."""
