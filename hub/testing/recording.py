"""A connector wrapper that records what the HTTP layer learned from each vendor answer.

The conformance checks put it in a VendorSession to prove that a rate limit was recognised as
``RateLimited`` (not a generic error) and that the session waited before retrying.
"""

import time


class RecordingConnector:
    def __init__(self, connector):
        self._connector = connector
        self.responses = 0  # vendor answers seen by check_response
        self.errors = []  # typed errors check_response raised
        self.waits = []  # seconds the retry policy slept

    def __getattr__(self, name):
        return getattr(self._connector, name)

    def check_response(self, response):
        self.responses += 1
        try:
            return self._connector.check_response(response)
        except Exception as error:
            self.errors.append(error)
            raise

    def sleep(self, seconds):
        self.waits.append(seconds)
        time.sleep(seconds)
