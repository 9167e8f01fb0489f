"""Rendering numbered papers into documents (.docx through docxtpl), with their charts."""
