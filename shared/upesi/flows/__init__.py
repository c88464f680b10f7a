"""The goflow-compatible flow engine. Submodules are imported explicitly to keep startup cheap."""
