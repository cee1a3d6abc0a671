"""The one training engine every model goes through."""
