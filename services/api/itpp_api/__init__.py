"""ITPP Tracker API service: owns every record and every rule of a partnership plan."""

__version__ = "0.1.0"
