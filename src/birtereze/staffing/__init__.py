"""Staffing: demand forecast, Erlang C and A, and the digital twin of a centre."""
