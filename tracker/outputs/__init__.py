"""Outputs derived from the store: the weekly report (data and its renderings)."""
