"""Creators, their channels, representatives and the interaction timeline."""
