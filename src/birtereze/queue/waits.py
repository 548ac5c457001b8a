"""This process's wait predictor (queue.prediction.live): estimates for new tickets, the branch load and
ticket status, and learning at each call from the estimates stored with the ticket.

One per process, as live.py explains: each web worker learns from the calls it handles.
"""

from __future__ import annotations

from birtereze.queue.prediction.live import LivePredictor

PREDICTOR = LivePredictor()
