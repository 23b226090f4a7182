"""Pages of the policy app."""
