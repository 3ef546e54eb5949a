"""Subscriptions, their secrets, events, deliveries and attempts."""
