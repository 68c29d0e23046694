"""Loket: one point of contact for every customer, on every channel."""
