"""The electronic queue: visits, routing, work profiles, the counter state machine, KPIs, load."""
