"""Compiling the agents against human-reviewed samples into stored program versions (not built yet; see the issues)."""
