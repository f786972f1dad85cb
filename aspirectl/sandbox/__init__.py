"""Faithful local simulators of every upstream protocol, served on loopback."""
