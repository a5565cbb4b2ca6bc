"""Login lockout for the admin's login form (django-axes)."""

from axes.backends import AxesStandaloneBackend


class LoginLockoutBackend(AxesStandaloneBackend):
    """Axes, for logins that come with a request.

    Lockout is about web login attempts; code that authenticates without a request (the test
    client's ``login()``, a shell) has no client address to lock and is passed on unchecked,
    where stock axes would raise.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
