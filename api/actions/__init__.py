"""The API's action handlers, one module per action group. Which name maps to which handler, and
the permissions each needs, is ``api.registry``."""
