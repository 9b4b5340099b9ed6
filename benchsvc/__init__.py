"""benchsvc: continuous CPU inference benchmarking of the ResNet family."""

__version__ = "0.1.0"
