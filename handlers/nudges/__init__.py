"""Nudges: the deadline ladder and the reconcile pass that decides what is due."""
