"""Local equivalents of SageMaker built-in algorithms: same hyperparameters, channels, model I/O."""
