"""sponsorwatch library: knowledge base, identification engine, discovery, device lab and removal plans."""
