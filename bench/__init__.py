"""Benchmarks: synthetic programmes of N initiatives, and what each operation costs as N grows.

`python -m bench` (or `make bench`) writes bench/results.md and bench/cost.svg.
"""
