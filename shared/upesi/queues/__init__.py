"""Redis queue primitives: the fair task queue, per-contact event lists and locks, courier's send queues."""
