"""The container's constants that user code imports."""
