"""Receiver endpoints and captures."""
