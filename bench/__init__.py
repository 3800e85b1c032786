"""Benchmarks of Werkpad's speed and memory; run them with `make bench`."""
