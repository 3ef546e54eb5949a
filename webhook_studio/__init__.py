"""Webhook Studio: receive, verify, send, relay and replay webhooks locally."""

__version__ = "0.1.0"
