"""What every page shares: the form base, caching, security headers, paging, templates."""
