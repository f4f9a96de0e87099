"""HTTP plumbing shared by connectors: OAuth2, retries, rate limits, token storage."""
