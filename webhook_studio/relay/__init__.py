"""Relay and replay: forward captures to local targets byte-exactly, replay them as they were
or re-signed, edit and resend, bulk replay, and export/import (cURL, HAR 1.2, JSON Lines)."""
