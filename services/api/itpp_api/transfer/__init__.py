"""Whole plans as one JSON document and back; commitments and exchanges as CSV and XLSX."""
