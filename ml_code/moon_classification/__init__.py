"""Moons: a small PyTorch MLP trained in SageMaker script mode and served by the PyTorch toolkit."""
