"""One module per wire protocol: request plan, error envelope, classification table."""
