"""Methods: objectives that own their loss, wrapped around networks from genlab.nn."""
