"""Datasets: Fashion-MNIST (IDX files) held in memory, and batching over tensors."""
