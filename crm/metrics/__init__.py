"""Platform audience-metrics adapters (see clients.py)."""
