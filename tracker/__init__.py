"""Wetgevingsplanner: planning tracker for regulatory initiatives of the Flemish Government."""
