"""The one exception type users see as a clean one-line message (no traceback)."""


class GenlabError(Exception):
    """An error caused by the user's input or environment, with the fix in the message.

    The CLI prints ``genlab: error: <message>`` and exits non-zero; anything else that
    escapes is a bug and keeps its traceback.
    """
