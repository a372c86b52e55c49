"""Workflow definitions as data (TOML files beside this module) and the engine that runs them."""
