"""forecast: forecast bilateral engagement intensity from coded political event data."""

__version__ = "0.1.0"
