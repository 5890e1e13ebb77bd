"""No CORS headers on the AWS endpoint.

The gap: moto's server wraps every service in flask_cors (moto/moto_server/werkzeug_app.py, unless
MOTO_DISABLE_GLOBAL_CORS is set before moto is imported): every answer says `Access-Control-Allow-Origin: *`
and every preflight is granted, so any web page the developer visits can read the local cloud: secrets, task
tokens, table items. AWS's service endpoints grant a browser no such cross-origin read; where a service lets a
page in (S3), it is the bucket's own CORS configuration that does, and moto's S3 answers that one itself.
Fixed: moto's server apps are built without flask_cors.
"""


def no_global_cors() -> None:
    # The flag is read each time moto builds the app of a service (the first request to each host), so setting it
    # before the edge answers anything is enough, whenever moto was imported.
    from moto.moto_server import werkzeug_app

    werkzeug_app.DISABLE_GLOBAL_CORS = True
