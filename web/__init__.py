"""Every HTTP surface of the hub, and nothing else."""
