"""gunicorn's settings for Systemfel: `gunicorn -c python:systemfel.gunicorn_conf ...`.

Its logs (access and errors, and the application's own) go to stdout and stderr with answer
tokens masked. Workers and the address stay on the command line.
"""

from systemfel.logs import gunicorn_logconfig

logconfig_dict = gunicorn_logconfig()
