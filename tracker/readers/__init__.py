"""Readers of published documents: the policy notes' annexes."""
