"""Fault injection, in the spirit of AWS Fault Injection Service: make chosen AWS calls fail or slow down."""
