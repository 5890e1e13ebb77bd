"""Programs that run outside the cloud and do work the workflows wait for."""
