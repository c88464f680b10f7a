"""Helpers for running goflow's conformance data against the Python engine."""
